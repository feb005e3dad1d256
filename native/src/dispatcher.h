// Rank-0 dispatcher core of the ExtremeScaleExecutor: plain C++17, no Node and no MPI, so ctest can
// drive it directly and the addon only adds a thin binding.
//
// It owns three things: a FIFO of pending tasks (opaque byte blobs with caller-chosen ids), the
// capacity of every worker rank, and the bookkeeping of which rank holds which task ids. nextBatches()
// packs several tasks for one rank into one message, because on MPI the per-message cost dominates
// the per-byte cost for Parsl-sized tasks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_set>
#include <vector>

namespace parsl {

// Batch wire format (little-endian), decoded by decodeBatch() here and by the TS worker:
//   u32 magic (kBatchMagic) | u32 count | count × ( u64 id | u32 length | length bytes )
constexpr uint32_t kBatchMagic = 0x31425450;  // "PTB1"
constexpr size_t kBatchHeaderBytes = 8;
constexpr size_t kBatchEntryHeaderBytes = 12;

struct DispatcherOptions {
  // Upper bound of tasks packed into one message for one rank.
  uint32_t maxBatchTasks = 64;
  // Soft upper bound of one batch message; a single task larger than this still goes alone.
  size_t maxBatchBytes = 1u << 20;
};

struct Batch {
  int rank = -1;
  uint32_t taskCount = 0;
  std::vector<uint8_t> payload;  // kBatch wire format
};

struct DecodedTask {
  uint64_t id;
  const uint8_t* data;
  uint32_t length;
};

class Dispatcher {
 public:
  explicit Dispatcher(DispatcherOptions options = {});

  // Queues a task. Ids must be unique among pending and in-flight tasks (not checked: the executor
  // numbers tasks itself and a hash lookup per submit would double the cost).
  void submit(uint64_t id, const uint8_t* data, size_t length);

  // Queues every task of a payload in the batch wire format (what a parent dispatcher sent, or what
  // the host packed in one piece to save a call per task). Returns false, queueing nothing, if it is
  // malformed.
  bool submitBatch(const uint8_t* payload, size_t length);

  // A rank announces how many tasks it can hold at once (its worker slots). Calling it again
  // changes the capacity; tasks already held stay held.
  void setCapacity(int rank, uint32_t capacity);

  // Assigns pending tasks to ranks with free slots, one batch per rank per call, ranks served
  // round-robin so no rank starves, except that a rank whose last task just finished goes first (see
  // complete()). Call again while pendingCount() > 0 and ranks are free.
  std::vector<Batch> nextBatches();

  // Undoes nextBatches() for one batch that could not be sent: its tasks are no longer held by the
  // batch's rank and go back to the front of the queue, in their order.
  void giveBack(const Batch& batch);

  // Marks tasks as finished by `rank`; frees their slots. A rank left holding nothing is served first
  // by the next nextBatches() (it is still awake). Returns how many ids the rank really held (a smaller
  // number means duplicates or results from the wrong rank).
  size_t complete(int rank, const uint64_t* ids, size_t count);

  // The task ids `rank` holds right now (order unspecified).
  std::vector<uint64_t> tasksOf(int rank) const;

  // Forgets a dead or departed rank and returns the ids it held, for the executor to fail or retry.
  std::vector<uint64_t> removeRank(int rank);

  size_t pendingCount() const { return pending_.size(); }
  size_t inFlightCount() const { return inFlight_; }
  // Ranks that have at least one free slot.
  size_t freeRankCount() const;

 private:
  struct Task {
    uint64_t id;
    std::vector<uint8_t> data;
  };
  struct RankState {
    bool known = false;
    bool queued = false;  // in ready_
    uint32_t capacity = 0;
    std::unordered_set<uint64_t> held;
    uint32_t freeSlots() const {
      return held.size() >= capacity ? 0 : capacity - static_cast<uint32_t>(held.size());
    }
  };

  RankState& state(int rank);
  void markReady(int rank);

  DispatcherOptions options_;
  std::deque<Task> pending_;
  std::vector<RankState> ranks_;  // dense: MPI ranks are 0..size-1
  std::deque<int> ready_;         // ranks with free slots, in service order
  size_t inFlight_ = 0;
};

// Splits a batch payload back into tasks (pointers into `payload`). Returns false if it is malformed.
bool decodeBatch(const uint8_t* payload, size_t length, std::vector<DecodedTask>& out);

}  // namespace parsl
