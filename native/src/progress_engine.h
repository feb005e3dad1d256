// MPI progress engine: one native thread makes every MPI call of the process, so the communicator
// is correct at any thread level MPI provides (even FUNNELED) and the JS thread never blocks in MPI.
// Plain C++ and MPI, no Node: the addon binds it, and a ctest program can drive it under mpiexec.
//
// Wire protocol on a duplicate of MPI_COMM_WORLD ("packet comm"): every MPI message is a packet of
// frames [i32 tag | u32 length | payload]. Everything the host queued for one rank since the last
// loop iteration travels in one packet (aggregation without any added delay). A payload larger than
// the eager limit travels as a frame with kLargeBit set and no payload, followed by the body on a
// second duplicate ("bulk comm"); the receiver posts an exact-size receive when it sees the frame and
// holds later messages from that source back, so delivery stays in order per source.
//
// Negative tags are the engine's own and never reach the host: kPingTag asks the receiving engine to
// answer kPongTag at once, from its progress thread (see watch()); kByeTag says the sender is stopping.
#pragma once

#include <mpi.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "doorbell.h"

namespace parsl::mpi {

enum class EventKind : int {
  Ready = 1,        // MPI is initialised; info() is valid
  InitFailed = 2,   // message says why
  BarrierDone = 3,  // id = the barrier's id
  QueueLevel = 4,   // value = queued bytes, now at or below the level asked for
  Error = 5,        // an MPI call failed on the progress thread; message + value = MPI error class
  Stopped = 6,      // the thread has ended; value = 1 if MPI_Finalize was called
  Silent = 7,       // id = a watched rank that did not answer within its threshold; value = silent ms
};

struct Event {
  EventKind kind;
  uint32_t id;
  double value;
  std::string message;
};

struct EngineOptions {
  int requestedThreadLevel = MPI_THREAD_MULTIPLE;
  uint32_t packetBytes = 64 * 1024;  // size of each preposted receive and of a full packet
  uint32_t receiveDepth = 16;        // preposted receives
  uint64_t maxQueuedBytes = 1ull << 30;
  uint32_t spinMicros = 200;         // keep polling this long after the last activity
  uint32_t maxSleepMicros = 1000;    // then sleep with growing intervals up to this
  bool doorbells = true;             // ranks on one node wake each other (doorbell.h)
  bool finalizeOnStop = true;
};

struct InitInfo {
  int rank = -1;
  int size = 0;
  int threadLevel = -1;
  bool initializedHere = false;  // false when someone else had already called MPI_Init
  std::string processorName;
  std::string libraryVersion;
};

// Everything received since the host last looked, handed over in one piece.
struct Delivery {
  // 4 int32 per message: source, tag, offset, length. offset >= 0 indexes `arena`;
  // offset < 0 means the payload is large[-offset - 1].
  std::vector<int32_t> meta;
  std::vector<uint8_t> arena;
  std::vector<std::vector<uint8_t>> large;
  std::vector<Event> events;
  // When the oldest message of this delivery was parsed on the progress thread (µs, CLOCK_MONOTONIC); 0 if none.
  uint64_t firstArrivalMicros = 0;
  bool empty() const { return meta.empty() && events.empty(); }
};

struct Stats {
  uint64_t messagesSent = 0, packetsSent = 0, messagesReceived = 0, packetsReceived = 0;
  uint64_t sleeps = 0, wakeups = 0;
  // Per-hop delays inside this process (µs, summed, with their counts): a host send() until the progress
  // thread hands its packet to MPI_Isend, and a message parsed on the progress thread until the host takes it.
  uint64_t hostToMpiMicros = 0, hostToMpiHandoffs = 0, mpiToHostMicros = 0, mpiToHostDeliveries = 0;
};

enum class SendResult { Queued, OverCap, BadRank, NotRunning };

// Engine-internal frames (host tags are >= 0).
constexpr int kPingTag = -1;
constexpr int kPongTag = -2;
// Sent once, when this engine stops, to every rank it has heard from: from then on its progress thread
// waits in MPI_Finalize (for the rank reading this, among others) and answers no pings, so its silence
// is not a hang. Without it, a rank whose JS thread was busy at shutdown declared a healthy rank 0 hung.
constexpr int kByeTag = -3;

class Engine {
 public:
  // `notify` runs on the progress thread whenever a delivery becomes available and the previous one
  // has been taken; the host schedules takeDelivery() on its own thread from it.
  Engine(EngineOptions options, std::function<void()> notify);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Host-thread API; every call is thread-safe and returns without waiting for MPI.
  void start();
  SendResult send(int dest, int tag, const uint8_t* data, size_t length);
  void barrier(uint32_t id);
  void notifyAtOrBelow(uint64_t queuedBytes);
  // Liveness of a peer, judged by its progress thread: this engine pings `rank` whenever it has not
  // heard from it for a while, and the peer's engine answers from its own progress thread. A peer
  // whose whole process stopped (SIGSTOP, a hung node, a progress thread stuck inside MPI) falls
  // silent; a peer whose JS thread is merely busy does not. After `thresholdMicros` of silence the
  // engine either emits one Silent event (abortCode < 0) or calls MPI_Abort(abortCode) itself, so a
  // rank whose own JS thread is blocked still ends the job. Time this thread itself was not
  // scheduled does not count as the peer's silence. Watching stops once stop() is called, and the
  // watch on a peer ends when that peer's engine says it is stopping (kByeTag).
  void watch(int rank, uint64_t thresholdMicros, int abortCode);
  void unwatch(int rank);
  void stop(bool finalize);
  void join();
  [[noreturn]] void abort(int code);
  void takeDelivery(Delivery& out);
  // Whether a delivery waits to be taken (the host may take it without waiting for notify()).
  bool hasDelivery();
  uint64_t queuedBytes() const { return queuedBytes_.load(std::memory_order_relaxed); }
  const InitInfo& info() const { return info_; }
  Stats stats() const;
  bool running() const { return phase_.load() == Phase::Running; }
  bool stopped() const { return phase_.load() == Phase::Stopped; }
  // True once this engine has called MPI_Finalize (MPI can never be initialised again).
  bool finalized() const { return finalized_.load(); }
  // Suppress notify() calls, e.g. from atexit when no host loop will ever run again.
  void detachHost() { hostDetached_.store(true); }

 private:
  enum class Phase { Created, Starting, Running, Stopping, Stopped };
  static constexpr uint32_t kLargeBit = 0x80000000u;
  static constexpr size_t kFrameHeader = 8;

  struct Outbox {
    std::vector<std::vector<uint8_t>> packets;  // the last one is open for appending
    std::vector<std::vector<uint8_t>> bodies;   // large payloads, in send order
    bool dirty = false;
    uint64_t firstQueuedMicros = 0;  // when the oldest frame not yet handed to MPI was queued
  };
  struct PendingSend {
    int dest;
    std::vector<uint8_t> buffer;
    uint64_t bytes;  // counted in queuedBytes_
    uint32_t messages;
    bool packet;
  };
  struct Held {
    int tag;
    std::vector<uint8_t> data;
    bool complete;
  };
  struct BulkTarget {
    int source;
    Held* held;
  };
  struct Watch {
    int rank;
    uint64_t threshold;
    uint64_t period;  // ping when nothing was heard for this long
    int abortCode;    // < 0: report with a Silent event
    uint64_t since;   // silence is counted from max(since, lastHeard_[rank])
    uint64_t lastPing;
  };
  struct WatchRequest {
    int rank;
    uint64_t threshold;
    int abortCode;
    bool add;
  };

  void run();
  bool initMpi();
  void shutdownMpi();
  bool pumpSends();
  bool pollSendCompletions();
  bool pollReceives();
  bool pollBulk();
  bool pollBarrier();
  void parsePacket(int source, const uint8_t* data, size_t length);
  void queueFrameLocked(int dest, int tag, const uint8_t* data, size_t length);
  void queueControl(const std::vector<int>& dests, int tag);
  void checkWatches();
  void sayBye();
  void deliverLocked(int source, int tag, const uint8_t* data, size_t length);
  void deliverOwnedLocked(int source, int tag, std::vector<uint8_t>&& data);
  void flushHeld(int source);
  void pushEvent(EventKind kind, uint32_t id, double value, std::string message);
  void publish();
  void backoff(bool busy);
  bool arrived();
  void ringPendingPeers();
  void wake();
  void reportMpiError(const char* what, int rc);

  EngineOptions options_;
  std::function<void()> notify_;
  std::thread thread_;
  std::atomic<Phase> phase_{Phase::Created};
  std::atomic<bool> hostDetached_{false};
  std::atomic<bool> finalized_{false};
  InitInfo info_;

  // Host → progress thread, guarded by sendMutex_.
  std::mutex sendMutex_;
  std::vector<Outbox> outboxes_;
  std::vector<int> dirty_;
  std::vector<std::vector<uint8_t>> pool_;
  std::deque<uint32_t> barrierRequests_;
  std::vector<WatchRequest> watchRequests_;
  std::atomic<bool> watchRequested_{false};
  std::atomic<bool> stopRequested_{false};
  std::atomic<bool> abortRequested_{false};
  std::atomic<int> abortCode_{0};
  std::atomic<uint64_t> queuedBytes_{0};
  std::atomic<int64_t> notifyLevel_{-1};

  // Wake-up handshake: the host sets pendingWork_ then checks sleeping_; the thread sets sleeping_
  // then checks pendingWork_, so one of them always sees the other (both seq_cst). wakeMutex_ keeps
  // the host off the shared doorbell word once shutdown has released it.
  std::mutex wakeMutex_;
  Doorbells bells_;
  std::atomic<bool> pendingWork_{false};
  std::atomic<bool> sleeping_{false};

  // Progress → host, guarded by deliveryMutex_.
  std::mutex deliveryMutex_;
  Delivery delivery_;
  bool deliveryScheduled_ = false;
  bool deliveryDirty_ = false;  // set by the progress thread, cleared by publish()

  // Progress-thread-only state.
  MPI_Comm packetComm_ = MPI_COMM_NULL;
  MPI_Comm bulkComm_ = MPI_COMM_NULL;
  std::vector<std::vector<uint8_t>> slots_;
  std::vector<MPI_Request> ring_;
  size_t head_ = 0;
  std::vector<MPI_Request> sendRequests_;
  std::vector<PendingSend> sends_;
  std::vector<MPI_Request> bulkRequests_;
  std::vector<BulkTarget> bulkTargets_;
  std::unordered_map<int, std::deque<Held>> held_;
  std::vector<int> completedIndices_;
  bool barrierActive_ = false;
  uint32_t barrierId_ = 0;
  MPI_Request barrierRequest_ = MPI_REQUEST_NULL;
  uint64_t idleSince_ = 0;
  uint32_t sleepMicros_ = 0;
  std::vector<Watch> watches_;
  std::vector<uint64_t> lastHeard_;  // per rank: when its last packet arrived (µs)
  std::vector<int> pongsDue_;
  std::vector<int> pingsDue_;
  std::vector<int> byesHeard_;  // ranks that said kByeTag since the last checkWatches()
  bool byeSent_ = false;
  uint64_t lastWatchCheck_ = 0;
  uint64_t watchCheckMicros_ = UINT64_MAX;  // longest sleep that keeps the watches on time
  uint64_t lastPendingRing_ = 0;

  std::atomic<uint64_t> messagesSent_{0}, packetsSent_{0}, messagesReceived_{0}, packetsReceived_{0};
  std::atomic<uint64_t> sleeps_{0}, wakeups_{0};
  std::atomic<uint64_t> hostToMpiMicros_{0}, hostToMpiHandoffs_{0}, mpiToHostMicros_{0}, mpiToHostDeliveries_{0};
};

const char* threadLevelName(int level);

}  // namespace parsl::mpi
