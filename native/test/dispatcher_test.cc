// ctest cases for the dispatcher core: `dispatcher_test <case>` runs one case, so every case is its
// own ctest entry and fails on its own.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../src/dispatcher.h"

using parsl::Batch;
using parsl::DecodedTask;
using parsl::Dispatcher;
using parsl::DispatcherOptions;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

namespace {

void submitText(Dispatcher& d, uint64_t id, const std::string& text) {
  d.submit(id, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

std::vector<DecodedTask> decode(const Batch& b) {
  std::vector<DecodedTask> tasks;
  CHECK(parsl::decodeBatch(b.payload.data(), b.payload.size(), tasks));
  CHECK(tasks.size() == b.taskCount);
  return tasks;
}

void fifoAndPayloads() {
  Dispatcher d;
  submitText(d, 1, "one");
  submitText(d, 2, "");
  submitText(d, 3, std::string(1000, 'x'));
  d.setCapacity(1, 8);
  auto batches = d.nextBatches();
  CHECK(batches.size() == 1);
  CHECK(batches[0].rank == 1);
  auto tasks = decode(batches[0]);
  CHECK(tasks[0].id == 1 && tasks[0].length == 3 && std::memcmp(tasks[0].data, "one", 3) == 0);
  CHECK(tasks[1].id == 2 && tasks[1].length == 0);
  CHECK(tasks[2].id == 3 && tasks[2].length == 1000 && tasks[2].data[999] == 'x');
  CHECK(d.pendingCount() == 0 && d.inFlightCount() == 3);
}

void capacityIsRespected() {
  Dispatcher d;
  for (uint64_t i = 0; i < 10; ++i) submitText(d, i, "t");
  d.setCapacity(1, 2);
  d.setCapacity(2, 3);
  auto batches = d.nextBatches();
  CHECK(batches.size() == 2);
  CHECK(batches[0].rank == 1 && batches[0].taskCount == 2);
  CHECK(batches[1].rank == 2 && batches[1].taskCount == 3);
  CHECK(d.nextBatches().empty());  // everyone is full
  CHECK(d.freeRankCount() == 0);
  const uint64_t done[] = {0};
  CHECK(d.complete(1, done, 1) == 1);
  batches = d.nextBatches();
  CHECK(batches.size() == 1 && batches[0].rank == 1 && batches[0].taskCount == 1);
  CHECK(decode(batches[0])[0].id == 5);  // FIFO continues where it stopped
}

void batchLimits() {
  DispatcherOptions o;
  o.maxBatchTasks = 4;
  o.maxBatchBytes = 8 + 2 * (12 + 100);
  Dispatcher d(o);
  for (uint64_t i = 0; i < 6; ++i) submitText(d, i, std::string(100, 'a'));
  d.setCapacity(3, 100);
  auto b = d.nextBatches();
  CHECK(b.size() == 1 && b[0].taskCount == 2);  // byte bound
  submitText(d, 99, std::string(5000, 'b'));   // larger than the bound: still dispatched, alone
  Dispatcher big(o);
  submitText(big, 7, std::string(5000, 'b'));
  big.setCapacity(1, 10);
  auto bb = big.nextBatches();
  CHECK(bb.size() == 1 && bb[0].taskCount == 1);
  DispatcherOptions few;
  few.maxBatchTasks = 3;
  Dispatcher f(few);
  for (uint64_t i = 0; i < 10; ++i) submitText(f, i, "x");
  f.setCapacity(1, 100);
  auto fb = f.nextBatches();
  CHECK(fb.size() == 1 && fb[0].taskCount == 3);  // task bound; one batch per rank per call
}

void roundRobinFairness() {
  DispatcherOptions o;
  o.maxBatchTasks = 1;
  Dispatcher d(o);
  for (uint64_t i = 0; i < 9; ++i) submitText(d, i, "x");
  for (int r = 1; r <= 3; ++r) d.setCapacity(r, 10);
  std::map<int, int> got;
  while (d.pendingCount() > 0) {
    auto batches = d.nextBatches();
    CHECK(!batches.empty());
    for (auto& b : batches) got[b.rank] += static_cast<int>(b.taskCount);
  }
  CHECK(got[1] == 3 && got[2] == 3 && got[3] == 3);
}

// A rank whose last task just finished gets the next lone task (it is awake), where plain round-robin
// would wake the next, idle one; a rank that still holds tasks keeps its place in the rotation.
void idleRankServedFirst() {
  DispatcherOptions o;
  o.maxBatchTasks = 1;
  Dispatcher d(o);
  for (int r = 1; r <= 3; ++r) d.setCapacity(r, 2);
  std::vector<int> served;
  for (uint64_t i = 0; i < 4; ++i) {
    submitText(d, i, "x");
    auto b = d.nextBatches();
    CHECK(b.size() == 1 && b[0].taskCount == 1);
    served.push_back(b[0].rank);
    CHECK(d.complete(b[0].rank, &i, 1) == 1);
  }
  CHECK((served == std::vector<int>{1, 1, 1, 1}));
  // Rank 1 holds a task; rank 2 gets the next and finishes it: rank 2 goes first, then the rotation
  // goes on with rank 3 and rank 1.
  submitText(d, 10, "x");
  CHECK(d.nextBatches()[0].rank == 1);
  submitText(d, 11, "x");
  auto b = d.nextBatches();
  CHECK(b[0].rank == 2);
  const uint64_t id = 11;
  CHECK(d.complete(2, &id, 1) == 1);
  for (uint64_t i = 12; i < 15; ++i) submitText(d, i, "x");
  std::vector<int> order;
  for (auto& x : d.nextBatches()) order.push_back(x.rank);
  CHECK((order == std::vector<int>{2, 3, 1}));
}

// Fewer tasks than free slots are spread over the ranks in proportion to their free slots (a rank
// with a deep pipeline must not take them all while the others idle).
void shareWhenFewerThanSlots() {
  DispatcherOptions o;
  o.maxBatchTasks = 512;  // as the executors use it
  Dispatcher d(o);
  for (uint64_t i = 0; i < 300; ++i) submitText(d, i, "x");
  for (int r = 1; r <= 3; ++r) d.setCapacity(r, 256);
  d.setCapacity(4, 128);
  std::map<int, int> got;
  for (auto& b : d.nextBatches()) got[b.rank] += static_cast<int>(b.taskCount);
  CHECK(d.pendingCount() == 0);
  CHECK(got[1] >= 85 && got[1] <= 87 && got[2] >= 85 && got[2] <= 87 && got[3] >= 85 && got[3] <= 87);
  CHECK(got[4] >= 42 && got[4] <= 44);
}

void bookkeepingAndDeadRank() {
  Dispatcher d;
  for (uint64_t i = 100; i < 110; ++i) submitText(d, i, "x");
  d.setCapacity(1, 5);
  d.setCapacity(2, 5);
  d.nextBatches();
  auto held1 = d.tasksOf(1);
  auto held2 = d.tasksOf(2);
  CHECK(held1.size() == 5 && held2.size() == 5);
  std::set<uint64_t> all(held1.begin(), held1.end());
  all.insert(held2.begin(), held2.end());
  CHECK(all.size() == 10);
  // A result from the wrong rank or a duplicate is not counted.
  CHECK(d.complete(2, held1.data(), 1) == 0);
  CHECK(d.complete(1, held1.data(), 1) == 1);
  CHECK(d.complete(1, held1.data(), 1) == 0);
  auto lost = d.removeRank(2);
  CHECK(lost.size() == 5);
  CHECK(std::set<uint64_t>(lost.begin(), lost.end()) == std::set<uint64_t>(held2.begin(), held2.end()));
  CHECK(d.inFlightCount() == 4);
  CHECK(d.tasksOf(2).empty());
  // A removed rank gets nothing until it announces capacity again.
  for (uint64_t i = 200; i < 210; ++i) submitText(d, i, "x");
  for (auto& b : d.nextBatches()) CHECK(b.rank != 2);
  d.setCapacity(2, 1);
  bool rank2 = false;
  for (auto& b : d.nextBatches()) rank2 = rank2 || b.rank == 2;
  CHECK(rank2);
}

void malformedBatches() {
  std::vector<DecodedTask> out;
  const uint8_t junk[] = {1, 2, 3};
  CHECK(!parsl::decodeBatch(junk, sizeof junk, out));
  Dispatcher d;
  submitText(d, 1, "hello");
  d.setCapacity(1, 1);
  auto b = d.nextBatches();
  auto payload = b[0].payload;
  CHECK(!parsl::decodeBatch(payload.data(), payload.size() - 1, out));  // truncated
  payload.push_back(0);
  CHECK(!parsl::decodeBatch(payload.data(), payload.size(), out));  // trailing garbage
}

void manyTasks() {
  Dispatcher d;
  const uint64_t n = 200000;
  const uint8_t blob[16] = {};
  for (uint64_t i = 0; i < n; ++i) d.submit(i, blob, sizeof blob);
  for (int r = 1; r <= 100; ++r) d.setCapacity(r, 32);
  uint64_t seen = 0;
  std::vector<DecodedTask> tasks;
  std::vector<uint64_t> ids;
  while (seen < n) {
    auto batches = d.nextBatches();
    CHECK(!batches.empty());
    for (auto& b : batches) {
      CHECK(parsl::decodeBatch(b.payload.data(), b.payload.size(), tasks));
      ids.clear();
      for (auto& t : tasks) ids.push_back(t.id);
      seen += ids.size();
      CHECK(d.complete(b.rank, ids.data(), ids.size()) == ids.size());
    }
  }
  CHECK(d.pendingCount() == 0 && d.inFlightCount() == 0);
}

}  // namespace

// A batch relayed whole (submitBatch) and a batch that could not be sent (giveBack) keep order.
void relayAndGiveBack() {
  Dispatcher upstream;
  for (uint64_t i = 1; i <= 5; ++i) submitText(upstream, i, "task-" + std::to_string(i));
  upstream.setCapacity(1, 5);
  auto first = upstream.nextBatches();
  CHECK(first.size() == 1 && first[0].taskCount == 5);

  Dispatcher relay;
  CHECK(relay.submitBatch(first[0].payload.data(), first[0].payload.size()));
  CHECK(relay.pendingCount() == 5);
  const uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  CHECK(!relay.submitBatch(junk, sizeof junk));
  CHECK(relay.pendingCount() == 5);

  relay.setCapacity(7, 3);
  auto out = relay.nextBatches();
  CHECK(out.size() == 1 && out[0].taskCount == 3 && relay.inFlightCount() == 3);
  relay.giveBack(out[0]);
  CHECK(relay.inFlightCount() == 0 && relay.pendingCount() == 5 && relay.tasksOf(7).empty());
  relay.setCapacity(7, 5);
  auto again = relay.nextBatches();
  CHECK(again.size() == 1 && again[0].taskCount == 5);
  auto tasks = decode(again[0]);
  for (uint64_t i = 0; i < 5; ++i) {
    const std::string want = "task-" + std::to_string(i + 1);
    CHECK(tasks[i].id == i + 1 && tasks[i].length == want.size() &&
          std::memcmp(tasks[i].data, want.data(), want.size()) == 0);
  }
}

int main(int argc, char** argv) {
  const std::map<std::string, std::function<void()>> cases = {
      {"fifo", fifoAndPayloads},           {"capacity", capacityIsRespected},
      {"limits", batchLimits},             {"fairness", roundRobinFairness},
      {"bookkeeping", bookkeepingAndDeadRank}, {"malformed", malformedBatches},
      {"many", manyTasks},                 {"relay", relayAndGiveBack},
      {"share", shareWhenFewerThanSlots},  {"idle-first", idleRankServedFirst},
  };
  if (argc < 2) {
    for (auto& [name, fn] : cases) fn();
    return 0;
  }
  auto it = cases.find(argv[1]);
  if (it == cases.end()) {
    std::fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
  }
  it->second();
  return 0;
}
