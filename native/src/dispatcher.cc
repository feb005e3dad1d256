#include "dispatcher.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace parsl {
namespace {

void putU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void putU64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t getU32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}
uint64_t getU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

Dispatcher::Dispatcher(DispatcherOptions options) : options_(options) {
  if (options_.maxBatchTasks == 0) throw std::invalid_argument("maxBatchTasks must be at least 1");
}

void Dispatcher::submit(uint64_t id, const uint8_t* data, size_t length) {
  if (length > UINT32_MAX) throw std::invalid_argument("a task must be smaller than 4 GiB");
  pending_.push_back(Task{id, std::vector<uint8_t>(data, data + length)});
}

bool Dispatcher::submitBatch(const uint8_t* payload, size_t length) {
  thread_local std::vector<DecodedTask> tasks;
  if (!decodeBatch(payload, length, tasks)) return false;
  for (const DecodedTask& t : tasks) pending_.push_back(Task{t.id, std::vector<uint8_t>(t.data, t.data + t.length)});
  return true;
}

void Dispatcher::giveBack(const Batch& batch) {
  std::vector<DecodedTask> tasks;
  if (!decodeBatch(batch.payload.data(), batch.payload.size(), tasks)) return;
  RankState& s = state(batch.rank);
  for (auto it = tasks.rbegin(); it != tasks.rend(); ++it) {
    inFlight_ -= s.held.erase(it->id);
    pending_.push_front(Task{it->id, std::vector<uint8_t>(it->data, it->data + it->length)});
  }
  if (s.known) markReady(batch.rank);
}

Dispatcher::RankState& Dispatcher::state(int rank) {
  if (rank < 0) throw std::invalid_argument("rank must be >= 0");
  if (static_cast<size_t>(rank) >= ranks_.size()) ranks_.resize(static_cast<size_t>(rank) + 1);
  return ranks_[static_cast<size_t>(rank)];
}

void Dispatcher::markReady(int rank) {
  RankState& s = ranks_[static_cast<size_t>(rank)];
  if (!s.queued && s.freeSlots() > 0) {
    s.queued = true;
    ready_.push_back(rank);
  }
}

void Dispatcher::setCapacity(int rank, uint32_t capacity) {
  RankState& s = state(rank);
  s.known = true;
  s.capacity = capacity;
  markReady(rank);
}

std::vector<Batch> Dispatcher::nextBatches() {
  std::vector<Batch> batches;
  // Fewer tasks than free slots: each ready rank gets a share proportional to its free slots, not the
  // first ranks all they can hold (100 ten-ms tasks for 3 ranks of 256 slots must not all go to one).
  uint64_t freeTotal = 0;
  for (int rank : ready_) {
    const RankState& s = ranks_[static_cast<size_t>(rank)];
    if (s.known) freeTotal += s.freeSlots();
  }
  // One pass over the ranks that were ready when the call began: a rank that still has free slots
  // afterwards goes to the back of the queue and is served by the next call.
  for (size_t turns = ready_.size(); turns > 0 && !pending_.empty(); --turns) {
    const int rank = ready_.front();
    ready_.pop_front();
    RankState& s = ranks_[static_cast<size_t>(rank)];
    s.queued = false;
    if (!s.known) continue;  // removed while queued
    const uint32_t free = s.freeSlots();
    uint32_t take = std::min(free, options_.maxBatchTasks);
    if (freeTotal > pending_.size() && free > 0) {
      const uint64_t share = (pending_.size() * free + freeTotal - 1) / freeTotal;  // rounded up
      take = static_cast<uint32_t>(std::min<uint64_t>(take, share));
    }
    freeTotal -= std::min<uint64_t>(freeTotal, free);
    if (take == 0) continue;

    size_t bytes = kBatchHeaderBytes;
    uint32_t n = 0;
    for (auto it = pending_.begin(); n < take && it != pending_.end(); ++it, ++n) {
      const size_t entry = kBatchEntryHeaderBytes + it->data.size();
      if (n > 0 && bytes + entry > options_.maxBatchBytes) break;
      bytes += entry;
    }
    Batch b;
    b.rank = rank;
    b.taskCount = n;
    b.payload.resize(bytes);
    uint8_t* p = b.payload.data();
    putU32(p, kBatchMagic);
    putU32(p + 4, n);
    p += kBatchHeaderBytes;
    s.held.reserve(s.held.size() + n);
    for (uint32_t i = 0; i < n; ++i) {
      Task& t = pending_.front();
      putU64(p, t.id);
      putU32(p + 8, static_cast<uint32_t>(t.data.size()));
      if (!t.data.empty()) std::memcpy(p + kBatchEntryHeaderBytes, t.data.data(), t.data.size());
      p += kBatchEntryHeaderBytes + t.data.size();
      s.held.insert(t.id);
      pending_.pop_front();
    }
    inFlight_ += n;
    markReady(rank);
    batches.push_back(std::move(b));
  }
  return batches;
}

size_t Dispatcher::complete(int rank, const uint64_t* ids, size_t count) {
  if (rank < 0 || static_cast<size_t>(rank) >= ranks_.size()) return 0;
  RankState& s = ranks_[static_cast<size_t>(rank)];
  size_t known = 0;
  for (size_t i = 0; i < count; ++i) known += s.held.erase(ids[i]);
  inFlight_ -= known;
  if (!s.known) return known;
  if (known > 0 && s.held.empty()) {
    // It just went idle and is still awake (its threads spin a while before they sleep): serve it
    // first. A lone task then goes to a warm rank instead of waking a cold one, which halves a
    // sequential round trip; ranks that still hold work lose nothing, they have work.
    if (s.queued) ready_.erase(std::find(ready_.begin(), ready_.end(), rank));
    s.queued = true;
    ready_.push_front(rank);
  } else {
    markReady(rank);
  }
  return known;
}

std::vector<uint64_t> Dispatcher::tasksOf(int rank) const {
  if (rank < 0 || static_cast<size_t>(rank) >= ranks_.size()) return {};
  const auto& held = ranks_[static_cast<size_t>(rank)].held;
  return std::vector<uint64_t>(held.begin(), held.end());
}

std::vector<uint64_t> Dispatcher::removeRank(int rank) {
  std::vector<uint64_t> lost = tasksOf(rank);
  if (rank >= 0 && static_cast<size_t>(rank) < ranks_.size()) {
    RankState& s = ranks_[static_cast<size_t>(rank)];
    inFlight_ -= s.held.size();
    s.held.clear();
    s.known = false;  // a stale entry in ready_ is skipped lazily by nextBatches()
    s.capacity = 0;
  }
  return lost;
}

size_t Dispatcher::freeRankCount() const {
  size_t n = 0;
  for (const RankState& s : ranks_) n += (s.known && s.freeSlots() > 0) ? 1 : 0;
  return n;
}

bool decodeBatch(const uint8_t* payload, size_t length, std::vector<DecodedTask>& out) {
  out.clear();
  if (length < kBatchHeaderBytes || getU32(payload) != kBatchMagic) return false;
  const uint32_t count = getU32(payload + 4);
  size_t off = kBatchHeaderBytes;
  for (uint32_t i = 0; i < count; ++i) {
    if (length - off < kBatchEntryHeaderBytes) return false;
    const uint64_t id = getU64(payload + off);
    const uint32_t len = getU32(payload + off + 8);
    off += kBatchEntryHeaderBytes;
    if (length - off < len) return false;
    out.push_back(DecodedTask{id, payload + off, len});
    off += len;
  }
  return off == length;
}

}  // namespace parsl
