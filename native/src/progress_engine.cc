#include "progress_engine.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#ifdef __linux__
#include <pthread.h>
#endif

namespace parsl::mpi {
namespace {

// Longest sleep of an idle rank that every peer can wake (doorbell.h).
constexpr uint64_t kLocalIdleSleepMicros = 20 * 1000;

uint64_t nowMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

void putI32(uint8_t* p, int32_t v) { std::memcpy(p, &v, 4); }
void putU32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
int32_t getI32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint32_t getU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

std::string mpiErrorText(int rc) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  int cls = 0;
  MPI_Error_class(rc, &cls);
  MPI_Error_string(rc, text, &len);
  return std::string(text, static_cast<size_t>(len)) + " (MPI error class " + std::to_string(cls) + ")";
}

}  // namespace

const char* threadLevelName(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "single";
    case MPI_THREAD_FUNNELED: return "funneled";
    case MPI_THREAD_SERIALIZED: return "serialized";
    case MPI_THREAD_MULTIPLE: return "multiple";
    default: return "unknown";
  }
}

Engine::Engine(EngineOptions options, std::function<void()> notify)
    : options_(options), notify_(std::move(notify)) {
  if (options_.packetBytes < 256) options_.packetBytes = 256;
  if (options_.receiveDepth < 1) options_.receiveDepth = 1;
}

Engine::~Engine() {
  if (thread_.joinable()) {
    stop(options_.finalizeOnStop);
    thread_.join();
  }
}

void Engine::start() {
  Phase expected = Phase::Created;
  if (!phase_.compare_exchange_strong(expected, Phase::Starting)) return;
  thread_ = std::thread([this] { run(); });
}

// ---- host thread -------------------------------------------------------------------------------

SendResult Engine::send(int dest, int tag, const uint8_t* data, size_t length) {
  if (phase_.load(std::memory_order_acquire) != Phase::Running) return SendResult::NotRunning;
  if (dest < 0 || dest >= info_.size) return SendResult::BadRank;
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    if (stopRequested_.load()) return SendResult::NotRunning;
    if (queuedBytes_.load(std::memory_order_relaxed) + length + kFrameHeader > options_.maxQueuedBytes) {
      return SendResult::OverCap;
    }
    queueFrameLocked(dest, tag, data, length);
  }
  wake();
  return SendResult::Queued;
}

void Engine::queueFrameLocked(int dest, int tag, const uint8_t* data, size_t length) {
  const bool large = length + kFrameHeader > options_.packetBytes;
  Outbox& box = outboxes_[static_cast<size_t>(dest)];
  if (box.packets.empty() ||
      box.packets.back().size() + kFrameHeader + (large ? 0 : length) > options_.packetBytes) {
    if (!pool_.empty()) {
      box.packets.push_back(std::move(pool_.back()));
      pool_.pop_back();
      box.packets.back().clear();
    } else {
      box.packets.emplace_back();
      box.packets.back().reserve(options_.packetBytes);
    }
  }
  std::vector<uint8_t>& packet = box.packets.back();
  const size_t at = packet.size();
  packet.resize(at + kFrameHeader + (large ? 0 : length));
  putI32(packet.data() + at, tag);
  putU32(packet.data() + at + 4, static_cast<uint32_t>(length) | (large ? kLargeBit : 0));
  if (large) {
    box.bodies.emplace_back(data, data + length);
  } else if (length > 0) {
    std::memcpy(packet.data() + at + kFrameHeader, data, length);
  }
  if (!box.dirty) {
    box.dirty = true;
    box.firstQueuedMicros = nowMicros();
    dirty_.push_back(dest);
  }
  queuedBytes_.fetch_add(length + kFrameHeader, std::memory_order_relaxed);
}

void Engine::barrier(uint32_t id) {
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    barrierRequests_.push_back(id);
  }
  wake();
}

void Engine::notifyAtOrBelow(uint64_t queuedBytes) {
  notifyLevel_.store(static_cast<int64_t>(queuedBytes));
  wake();
}

void Engine::watch(int rank, uint64_t thresholdMicros, int abortCode) {
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    watchRequests_.push_back(WatchRequest{rank, thresholdMicros, abortCode, true});
    watchRequested_.store(true);
  }
  wake();
}

void Engine::unwatch(int rank) {
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    watchRequests_.push_back(WatchRequest{rank, 0, -1, false});
    watchRequested_.store(true);
  }
  wake();
}

void Engine::stop(bool finalize) {
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    stopRequested_.store(true);
    options_.finalizeOnStop = finalize;
  }
  wake();
}

void Engine::join() {
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Engine::abort(int code) {
  // With MPI_THREAD_MULTIPLE any thread may call MPI_Abort, which is also the only way out if the
  // progress thread is stuck in MPI_Finalize (phase Stopping) waiting for a rank that never comes.
  // Otherwise it must be the progress thread.
  const Phase phase = phase_.load();
  if ((phase == Phase::Running || phase == Phase::Stopping) && info_.threadLevel == MPI_THREAD_MULTIPLE) {
    if (phase == Phase::Stopping) {
      // MPI_Abort beside a pending MPI_Finalize ends the job under MPICH and Open MPI; should an MPI not
      // return from it, the process still ends, and the launcher ends the rest.
      std::thread([code] {
        std::this_thread::sleep_for(std::chrono::seconds(5));
        std::_Exit(code);
      }).detach();
    }
    MPI_Abort(MPI_COMM_WORLD, code);
  } else if (phase == Phase::Running || phase == Phase::Stopping) {
    abortCode_.store(code);
    abortRequested_.store(true);
    wake();
    std::this_thread::sleep_for(std::chrono::seconds(30));
  }
  std::_Exit(code);  // MPI never started, or MPI_Abort did not take the process down
}

void Engine::takeDelivery(Delivery& out) {
  std::lock_guard<std::mutex> lock(deliveryMutex_);
  std::swap(out, delivery_);
  delivery_.meta.clear();
  delivery_.arena.clear();
  delivery_.large.clear();
  delivery_.events.clear();
  delivery_.firstArrivalMicros = 0;
  deliveryScheduled_ = false;
  if (out.firstArrivalMicros != 0) {
    mpiToHostMicros_.fetch_add(nowMicros() - out.firstArrivalMicros, std::memory_order_relaxed);
    mpiToHostDeliveries_.fetch_add(1, std::memory_order_relaxed);
  }
}

bool Engine::hasDelivery() {
  std::lock_guard<std::mutex> lock(deliveryMutex_);
  return !delivery_.empty();
}

Stats Engine::stats() const {
  Stats s;
  s.messagesSent = messagesSent_.load();
  s.packetsSent = packetsSent_.load();
  s.messagesReceived = messagesReceived_.load();
  s.packetsReceived = packetsReceived_.load();
  s.sleeps = sleeps_.load();
  s.wakeups = wakeups_.load();
  s.hostToMpiMicros = hostToMpiMicros_.load();
  s.hostToMpiHandoffs = hostToMpiHandoffs_.load();
  s.mpiToHostMicros = mpiToHostMicros_.load();
  s.mpiToHostDeliveries = mpiToHostDeliveries_.load();
  return s;
}

void Engine::wake() {
  pendingWork_.store(true);
  if (sleeping_.load()) {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    bells_.ringSelf();
  }
}

// ---- progress thread ---------------------------------------------------------------------------

void Engine::run() {
#ifdef __linux__
  pthread_setname_np(pthread_self(), "parsl-mpi");  // tells it apart in top -H, perf and /proc
#endif
  if (!initMpi()) {
    phase_.store(Phase::Stopped);
    publish();
    return;
  }
  phase_.store(Phase::Running, std::memory_order_release);
  pushEvent(EventKind::Ready, 0, 0, {});
  publish();
  uint64_t stopDeadline = 0;
  for (;;) {
    pendingWork_.store(false);
    if (abortRequested_.load()) MPI_Abort(MPI_COMM_WORLD, abortCode_.load());
    bool busy = pumpSends();
    busy |= pollReceives();
    busy |= pollBulk();
    busy |= pollSendCompletions();
    busy |= pollBarrier();
    if (!pongsDue_.empty()) {
      queueControl(pongsDue_, kPongTag);
      pongsDue_.clear();
    }
    if (!stopRequested_.load()) {
      checkWatches();
    } else if (!byeSent_) {
      byeSent_ = true;
      sayBye();
    }
    int64_t level = notifyLevel_.load();
    if (level >= 0 && queuedBytes_.load() <= static_cast<uint64_t>(level) &&
        notifyLevel_.compare_exchange_strong(level, -1)) {
      pushEvent(EventKind::QueueLevel, 0, static_cast<double>(queuedBytes_.load()), {});
    }
    publish();
    if (stopRequested_.load()) {
      // Queued sends and barriers complete first (the caller asked for them); a peer that never
      // receives must not keep this process alive forever, hence the deadline.
      if (stopDeadline == 0) stopDeadline = nowMicros() + 30ull * 1000 * 1000;
      bool drained;
      {
        std::lock_guard<std::mutex> lock(sendMutex_);
        drained = dirty_.empty() && barrierRequests_.empty();
      }
      drained = drained && !barrierActive_ && sends_.empty();
      if (drained) break;
      if (nowMicros() > stopDeadline) {
        pushEvent(EventKind::Error, 0, 0,
                  "finalize(): " + std::to_string(sends_.size()) + " sends and " +
                      (barrierActive_ ? "a barrier" : "no barrier") +
                      " did not complete within 30 s; giving up on them");
        break;
      }
    }
    backoff(busy);
  }
  phase_.store(Phase::Stopping);
  shutdownMpi();
  phase_.store(Phase::Stopped);
  publish();
}

bool Engine::initMpi() {
  int already = 0;
  MPI_Initialized(&already);
  int provided = MPI_THREAD_SINGLE;
  if (already) {
    MPI_Query_thread(&provided);
    if (provided != MPI_THREAD_MULTIPLE) {
      pushEvent(EventKind::InitFailed, 0, 0,
                std::string("MPI was already initialised by other code in this process with thread level ") +
                    threadLevelName(provided) +
                    "; the parsl-ts progress thread can share MPI only at MPI_THREAD_MULTIPLE");
      return false;
    }
  } else {
    const int rc = MPI_Init_thread(nullptr, nullptr, options_.requestedThreadLevel, &provided);
    if (rc != MPI_SUCCESS) {
      pushEvent(EventKind::InitFailed, 0, 0, "MPI_Init_thread failed: " + mpiErrorText(rc));
      return false;
    }
    info_.initializedHere = true;
  }
  MPI_Comm_dup(MPI_COMM_WORLD, &packetComm_);
  MPI_Comm_dup(MPI_COMM_WORLD, &bulkComm_);
  MPI_Comm_set_errhandler(packetComm_, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(bulkComm_, MPI_ERRORS_RETURN);
  bells_.open(options_.doorbells);
  MPI_Comm_rank(MPI_COMM_WORLD, &info_.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &info_.size);
  info_.threadLevel = provided;
  char name[MPI_MAX_PROCESSOR_NAME];
  int len = 0;
  MPI_Get_processor_name(name, &len);
  info_.processorName.assign(name, static_cast<size_t>(len));
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  MPI_Get_library_version(version, &len);
  info_.libraryVersion.assign(version, static_cast<size_t>(len));
  while (!info_.libraryVersion.empty() &&
         (info_.libraryVersion.back() == '\n' || info_.libraryVersion.back() == '\0')) {
    info_.libraryVersion.pop_back();
  }
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    outboxes_.resize(static_cast<size_t>(info_.size));
  }
  lastHeard_.assign(static_cast<size_t>(info_.size), 0);
  slots_.assign(options_.receiveDepth, std::vector<uint8_t>(options_.packetBytes));
  ring_.assign(options_.receiveDepth, MPI_REQUEST_NULL);
  for (size_t i = 0; i < ring_.size(); ++i) {
    MPI_Irecv(slots_[i].data(), static_cast<int>(options_.packetBytes), MPI_BYTE, MPI_ANY_SOURCE, 0,
              packetComm_, &ring_[i]);
  }
  return true;
}

void Engine::shutdownMpi() {
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    bells_.detachSelf();
  }
  bells_.close();  // collective over the node, like MPI_Finalize, and before the receives go
  auto cancelAll = [](std::vector<MPI_Request>& requests) {
    for (MPI_Request& r : requests) {
      if (r == MPI_REQUEST_NULL) continue;
      MPI_Cancel(&r);
      MPI_Wait(&r, MPI_STATUS_IGNORE);
    }
    requests.clear();
  };
  cancelAll(ring_);
  cancelAll(bulkRequests_);
  bulkTargets_.clear();
  held_.clear();
  if (barrierRequest_ != MPI_REQUEST_NULL) MPI_Request_free(&barrierRequest_);
  for (MPI_Request& r : sendRequests_) {
    if (r != MPI_REQUEST_NULL) MPI_Request_free(&r);
  }
  MPI_Comm_free(&packetComm_);
  MPI_Comm_free(&bulkComm_);
  bool finalized = false;
  if (options_.finalizeOnStop && info_.initializedHere) {
    MPI_Finalize();
    finalized = true;
    finalized_.store(true);
  }
  pushEvent(EventKind::Stopped, 0, finalized ? 1 : 0, {});
}

bool Engine::pumpSends() {
  struct Outgoing {
    int dest;
    std::vector<std::vector<uint8_t>> packets;
    std::vector<std::vector<uint8_t>> bodies;
    uint64_t queuedAt;
  };
  thread_local std::vector<Outgoing> outgoing;
  outgoing.clear();
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    if (dirty_.empty() && (barrierActive_ || barrierRequests_.empty())) return false;
    for (int dest : dirty_) {
      Outbox& box = outboxes_[static_cast<size_t>(dest)];
      box.dirty = false;
      outgoing.push_back(Outgoing{dest, std::move(box.packets), std::move(box.bodies), box.firstQueuedMicros});
      box.packets.clear();
      box.bodies.clear();
    }
    dirty_.clear();
    // A barrier starts only after everything queued before it has been handed to MPI.
    if (!barrierActive_ && !barrierRequests_.empty()) {
      barrierId_ = barrierRequests_.front();
      barrierRequests_.pop_front();
      barrierActive_ = true;
      barrierRequest_ = MPI_REQUEST_NULL;
    }
  }
  const uint64_t handedAt = outgoing.empty() ? 0 : nowMicros();
  for (Outgoing& o : outgoing) {
    hostToMpiMicros_.fetch_add(handedAt - std::min(handedAt, o.queuedAt), std::memory_order_relaxed);
    hostToMpiHandoffs_.fetch_add(1, std::memory_order_relaxed);
    for (auto& packet : o.packets) {
      uint32_t messages = 0;
      uint64_t bytes = 0;
      for (size_t off = 0; off + kFrameHeader <= packet.size(); ++messages) {
        const uint32_t raw = getU32(packet.data() + off + 4);
        const size_t frame = kFrameHeader + ((raw & kLargeBit) ? 0 : raw);
        bytes += frame;
        off += frame;
      }
      MPI_Request req;
      const int rc = MPI_Isend(packet.data(), static_cast<int>(packet.size()), MPI_BYTE, o.dest, 0,
                               packetComm_, &req);
      if (rc != MPI_SUCCESS) {
        reportMpiError("MPI_Isend", rc);
        queuedBytes_.fetch_sub(bytes);
        continue;
      }
      sendRequests_.push_back(req);
      sends_.push_back(PendingSend{o.dest, std::move(packet), bytes, messages, true});
    }
    for (auto& body : o.bodies) {
      MPI_Request req;
      const int rc = MPI_Isend(body.data(), static_cast<int>(body.size()), MPI_BYTE, o.dest, 0,
                               bulkComm_, &req);
      if (rc != MPI_SUCCESS) {
        reportMpiError("MPI_Isend", rc);
        queuedBytes_.fetch_sub(body.size());
        continue;
      }
      const uint64_t bytes = body.size();
      sendRequests_.push_back(req);
      sends_.push_back(PendingSend{o.dest, std::move(body), bytes, 0, false});
    }
    bells_.ringPeer(o.dest);
  }
  if (barrierActive_ && barrierRequest_ == MPI_REQUEST_NULL) {
    const int rc = MPI_Ibarrier(packetComm_, &barrierRequest_);
    if (rc != MPI_SUCCESS) {
      reportMpiError("MPI_Ibarrier", rc);
      barrierActive_ = false;
    }
  }
  return !outgoing.empty();
}

bool Engine::pollSendCompletions() {
  if (sendRequests_.empty()) return false;
  ringPendingPeers();
  completedIndices_.resize(sendRequests_.size());
  int done = 0;
  const int rc = MPI_Testsome(static_cast<int>(sendRequests_.size()), sendRequests_.data(), &done,
                              completedIndices_.data(), MPI_STATUSES_IGNORE);
  if (rc != MPI_SUCCESS) {
    reportMpiError("MPI_Testsome", rc);
    return false;
  }
  if (done <= 0) return false;  // MPI_UNDEFINED (-1) when nothing is active
  uint64_t freed = 0;
  std::vector<std::vector<uint8_t>> recycled;
  for (int i = 0; i < done; ++i) {
    PendingSend& s = sends_[static_cast<size_t>(completedIndices_[static_cast<size_t>(i)])];
    freed += s.bytes;
    messagesSent_.fetch_add(s.messages, std::memory_order_relaxed);
    if (s.packet) {
      packetsSent_.fetch_add(1, std::memory_order_relaxed);
      if (s.buffer.capacity() == options_.packetBytes) recycled.push_back(std::move(s.buffer));
    }
    s.buffer = {};
  }
  // Compact: completed requests are MPI_REQUEST_NULL now.
  size_t w = 0;
  for (size_t r = 0; r < sendRequests_.size(); ++r) {
    if (sendRequests_[r] == MPI_REQUEST_NULL) continue;
    if (w != r) {
      sendRequests_[w] = sendRequests_[r];
      sends_[w] = std::move(sends_[r]);
    }
    ++w;
  }
  sendRequests_.resize(w);
  sends_.resize(w);
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    for (auto& b : recycled) {
      if (pool_.size() < 64) pool_.push_back(std::move(b));
    }
  }
  queuedBytes_.fetch_sub(freed);
  return true;
}

bool Engine::pollReceives() {
  bool any = false;
  // Wildcard receives match in posting order, so the head of the ring always holds the oldest
  // message; testing only the head keeps per-source order even when a later slot finishes first.
  for (size_t n = 0; n < ring_.size(); ++n) {
    int flag = 0;
    MPI_Status status;
    const int rc = MPI_Test(&ring_[head_], &flag, &status);
    if (rc != MPI_SUCCESS) {
      reportMpiError("MPI_Test", rc);
      return any;
    }
    if (!flag) break;
    any = true;
    lastHeard_[static_cast<size_t>(status.MPI_SOURCE)] = nowMicros();
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    packetsReceived_.fetch_add(1, std::memory_order_relaxed);
    parsePacket(status.MPI_SOURCE, slots_[head_].data(), static_cast<size_t>(count));
    MPI_Irecv(slots_[head_].data(), static_cast<int>(options_.packetBytes), MPI_BYTE, MPI_ANY_SOURCE,
              0, packetComm_, &ring_[head_]);
    head_ = (head_ + 1) % ring_.size();
  }
  return any;
}

void Engine::parsePacket(int source, const uint8_t* data, size_t length) {
  auto heldIt = held_.find(source);
  std::unique_lock<std::mutex> lock(deliveryMutex_);
  size_t off = 0;
  while (off + kFrameHeader <= length) {
    const int32_t tag = getI32(data + off);
    const uint32_t raw = getU32(data + off + 4);
    off += kFrameHeader;
    if (tag < 0) {  // engine-internal, never large, never delivered (arrival already refreshed lastHeard_)
      if (tag == kPingTag) pongsDue_.push_back(source);
      if (tag == kByeTag) byesHeard_.push_back(source);
      off += raw & ~kLargeBit;
      continue;
    }
    messagesReceived_.fetch_add(1, std::memory_order_relaxed);
    if (raw & kLargeBit) {
      const uint32_t bodyLength = raw & ~kLargeBit;
      if (heldIt == held_.end()) heldIt = held_.emplace(source, std::deque<Held>()).first;
      heldIt->second.push_back(Held{tag, std::vector<uint8_t>(bodyLength), false});
      Held* h = &heldIt->second.back();
      MPI_Request req;
      const int rc = MPI_Irecv(h->data.data(), static_cast<int>(bodyLength), MPI_BYTE, source, 0,
                               bulkComm_, &req);
      if (rc != MPI_SUCCESS) {
        lock.unlock();
        reportMpiError("MPI_Irecv", rc);
        lock.lock();
        continue;
      }
      bulkRequests_.push_back(req);
      bulkTargets_.push_back(BulkTarget{source, h});
      continue;
    }
    if (off + raw > length) break;  // malformed; cannot happen between two parsl-ts engines
    if (heldIt != held_.end() && !heldIt->second.empty()) {
      heldIt->second.push_back(Held{tag, std::vector<uint8_t>(data + off, data + off + raw), true});
    } else {
      deliverLocked(source, tag, data + off, raw);
    }
    off += raw;
  }
  deliveryDirty_ = true;
}

void Engine::deliverLocked(int source, int tag, const uint8_t* data, size_t length) {
  Delivery& d = delivery_;
  if (d.firstArrivalMicros == 0) d.firstArrivalMicros = nowMicros();
  if (d.arena.size() + length > static_cast<size_t>(INT32_MAX)) {
    deliverOwnedLocked(source, tag, std::vector<uint8_t>(data, data + length));
    return;
  }
  const size_t at = d.arena.size();
  d.arena.resize(at + length);
  if (length > 0) std::memcpy(d.arena.data() + at, data, length);
  d.meta.insert(d.meta.end(), {source, tag, static_cast<int32_t>(at), static_cast<int32_t>(length)});
}

void Engine::deliverOwnedLocked(int source, int tag, std::vector<uint8_t>&& data) {
  Delivery& d = delivery_;
  if (d.firstArrivalMicros == 0) d.firstArrivalMicros = nowMicros();
  const int32_t length = static_cast<int32_t>(data.size());
  d.large.push_back(std::move(data));
  d.meta.insert(d.meta.end(), {source, tag, -static_cast<int32_t>(d.large.size()), length});
}

bool Engine::pollBulk() {
  if (bulkRequests_.empty()) return false;
  completedIndices_.resize(bulkRequests_.size());
  int done = 0;
  const int rc = MPI_Testsome(static_cast<int>(bulkRequests_.size()), bulkRequests_.data(), &done,
                              completedIndices_.data(), MPI_STATUSES_IGNORE);
  if (rc != MPI_SUCCESS) {
    reportMpiError("MPI_Testsome", rc);
    return false;
  }
  if (done <= 0) return false;
  std::vector<int> sources;
  for (int i = 0; i < done; ++i) {
    BulkTarget& t = bulkTargets_[static_cast<size_t>(completedIndices_[static_cast<size_t>(i)])];
    t.held->complete = true;
    sources.push_back(t.source);
  }
  size_t w = 0;
  for (size_t r = 0; r < bulkRequests_.size(); ++r) {
    if (bulkRequests_[r] == MPI_REQUEST_NULL) continue;
    bulkRequests_[w] = bulkRequests_[r];
    bulkTargets_[w] = bulkTargets_[r];
    ++w;
  }
  bulkRequests_.resize(w);
  bulkTargets_.resize(w);
  for (int source : sources) flushHeld(source);
  return true;
}

void Engine::flushHeld(int source) {
  auto it = held_.find(source);
  if (it == held_.end()) return;
  std::lock_guard<std::mutex> lock(deliveryMutex_);
  auto& queue = it->second;
  while (!queue.empty() && queue.front().complete) {
    deliverOwnedLocked(source, queue.front().tag, std::move(queue.front().data));
    queue.pop_front();
  }
  if (queue.empty()) held_.erase(it);
  deliveryDirty_ = true;
}

bool Engine::pollBarrier() {
  if (!barrierActive_ || barrierRequest_ == MPI_REQUEST_NULL) return false;
  int flag = 0;
  const int rc = MPI_Test(&barrierRequest_, &flag, MPI_STATUS_IGNORE);
  if (rc != MPI_SUCCESS) {
    reportMpiError("MPI_Test(barrier)", rc);
    barrierActive_ = false;
    return false;
  }
  if (!flag) return false;
  barrierActive_ = false;
  pushEvent(EventKind::BarrierDone, barrierId_, 0, {});
  pendingWork_.store(true);  // the next queued barrier can start right away
  return true;
}

void Engine::queueControl(const std::vector<int>& dests, int tag) {
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    for (int dest : dests) queueFrameLocked(dest, tag, nullptr, 0);
  }
  pendingWork_.store(true);  // send them on the next iteration, without sleeping first
}

// Why the progress thread answers pings rather than the JS thread or a separate watchdog thread: a JS
// answer would make every long synchronous task look like a hang (walltime is the tool for those);
// a watchdog thread would keep answering while this thread is stuck inside an MPI call. The progress
// thread is what every message of this rank depends on, so its answer is exactly "this rank can
// still take part"; SIGSTOP, a frozen node or a deadlock in MPI all silence it.
void Engine::checkWatches() {
  if (watchRequested_.load()) {
    std::lock_guard<std::mutex> lock(sendMutex_);
    watchRequested_.store(false);
    for (const WatchRequest& r : watchRequests_) {
      watches_.erase(std::remove_if(watches_.begin(), watches_.end(),
                                    [&](const Watch& w) { return w.rank == r.rank; }),
                     watches_.end());
      if (!r.add || r.rank < 0 || r.rank >= info_.size) continue;
      const uint64_t now = nowMicros();
      lastWatchCheck_ = 0;  // check at once
      // Several pings per threshold, so one lost to a busy peer's late answer does not matter.
      const uint64_t period = std::clamp<uint64_t>(r.threshold / 5, 1000, 1000 * 1000);
      watches_.push_back(Watch{r.rank, r.threshold, period, r.abortCode, now, 0});
    }
    watchRequests_.clear();
    watchCheckMicros_ = UINT64_MAX;
    for (const Watch& w : watches_) watchCheckMicros_ = std::min(watchCheckMicros_, w.period / 4);
  }
  if (!byesHeard_.empty()) {
    // A stopping peer waits in MPI_Finalize from now on: its silence is not a hang (kByeTag).
    watches_.erase(std::remove_if(watches_.begin(), watches_.end(),
                                  [&](const Watch& w) {
                                    return std::find(byesHeard_.begin(), byesHeard_.end(), w.rank) !=
                                           byesHeard_.end();
                                  }),
                   watches_.end());
    byesHeard_.clear();
  }
  if (watches_.empty()) return;
  const uint64_t now = nowMicros();
  if (now - lastWatchCheck_ < 1000) return;
  // Not scheduled for a while (an oversubscribed node, a paused VM): nobody was pinged or heard in
  // that time, so the gap is this thread's silence, not the peers'.
  const uint64_t expected = 50 * 1000 + 1000 + options_.maxSleepMicros;
  if (lastWatchCheck_ != 0 && now - lastWatchCheck_ > expected) {
    const uint64_t stall = now - lastWatchCheck_ - expected;
    for (Watch& w : watches_) w.since = std::min(now, std::max(w.since, lastHeard_[w.rank]) + stall);
  }
  lastWatchCheck_ = now;
  for (size_t i = 0; i < watches_.size();) {
    Watch& w = watches_[i];
    const uint64_t heard = std::max(w.since, lastHeard_[static_cast<size_t>(w.rank)]);
    const uint64_t silent = now > heard ? now - heard : 0;
    if (silent > w.threshold) {
      const double ms = static_cast<double>(silent) / 1000.0;
      if (w.abortCode >= 0) {
        std::fprintf(stderr,
                     "parsl-ts MPI rank %d: rank %d has not answered for %.0f ms; aborting the MPI job\n",
                     info_.rank, w.rank, ms);
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, w.abortCode);
      }
      pushEvent(EventKind::Silent, static_cast<uint32_t>(w.rank), ms, {});
      watches_.erase(watches_.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    if (silent >= w.period && now - w.lastPing >= w.period) {
      pingsDue_.push_back(w.rank);
      w.lastPing = now;
    }
    ++i;
  }
  if (!pingsDue_.empty()) {
    queueControl(pingsDue_, kPingTag);
    pingsDue_.clear();
  }
}

void Engine::sayBye() {
  std::vector<int> heard;
  for (int r = 0; r < info_.size; ++r) {
    if (r != info_.rank && lastHeard_[static_cast<size_t>(r)] != 0) heard.push_back(r);
  }
  if (!heard.empty()) queueControl(heard, kByeTag);
}

void Engine::pushEvent(EventKind kind, uint32_t id, double value, std::string message) {
  std::lock_guard<std::mutex> lock(deliveryMutex_);
  delivery_.events.push_back(Event{kind, id, value, std::move(message)});
  deliveryDirty_ = true;
}

void Engine::reportMpiError(const char* what, int rc) {
  int cls = 0;
  MPI_Error_class(rc, &cls);
  pushEvent(EventKind::Error, 0, cls, std::string(what) + " failed: " + mpiErrorText(rc));
}

void Engine::publish() {
  bool call = false;
  {
    std::lock_guard<std::mutex> lock(deliveryMutex_);
    if (deliveryDirty_ && !deliveryScheduled_ && !delivery_.empty()) {
      deliveryScheduled_ = true;
      call = true;
    }
    deliveryDirty_ = false;
  }
  if (call && !hostDetached_.load()) notify_();
}

void Engine::backoff(bool busy) {
  const uint64_t now = nowMicros();
  if (busy) {
    idleSince_ = now;
    sleepMicros_ = 0;
    return;
  }
  if (now - idleSince_ < options_.spinMicros) {
    std::this_thread::yield();  // polite spin: other ranks may share this core
    return;
  }
  // When every rank can ring this one and nothing of ours is in flight, only a doorbell or the host
  // can bring work, so sleep long (an idle rank then costs next to nothing). Otherwise a message may
  // arrive unannounced and the sleep bounds how late it is seen.
  uint64_t cap = options_.maxSleepMicros;
  if (bells_.allLocal() && sends_.empty() && bulkRequests_.empty() && held_.empty() && !barrierActive_ &&
      !stopRequested_.load()) {
    cap = std::max<uint64_t>(cap, kLocalIdleSleepMicros);
  }
  if (!watches_.empty()) cap = std::min(cap, std::max<uint64_t>(watchCheckMicros_, 1000));
  sleepMicros_ = sleepMicros_ == 0 ? 16 : static_cast<uint32_t>(std::min<uint64_t>(sleepMicros_ * 2ull, cap));
  sleeping_.store(true);
  sleeps_.fetch_add(1, std::memory_order_relaxed);
  const bool early = bells_.sleep(sleepMicros_, [this] { return pendingWork_.load() || arrived(); });
  sleeping_.store(false);
  if (early) {
    wakeups_.fetch_add(1, std::memory_order_relaxed);
    // Work arrived: go back to spinning so the answer to it is picked up fast.
    idleSince_ = nowMicros();
    sleepMicros_ = 0;
  }
}

// Whether the oldest preposted receive has completed, without consuming it (pollReceives does).
bool Engine::arrived() {
  if (ring_.empty()) return false;
  int flag = 0;
  MPI_Request_get_status(ring_[head_], &flag, MPI_STATUS_IGNORE);
  return flag != 0;
}

// A send MPI moves in several steps (rendezvous, a full shared-memory queue) needs the receiver's
// progress more than once; a receiver asleep on its doorbell would stall it until its timeout.
void Engine::ringPendingPeers() {
  const uint64_t now = nowMicros();
  if (!bells_.shared() || now - lastPendingRing_ < 20) return;
  lastPendingRing_ = now;
  int last = -1;
  for (const PendingSend& s : sends_) {
    if (s.dest == last) continue;
    last = s.dest;
    bells_.ringPeer(s.dest);
  }
}

}  // namespace parsl::mpi
