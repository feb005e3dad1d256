// Dispatch cost per task of the C++ core alone (submit → batch → complete), printed as JSON.
// bench/mpi.ts runs it next to the same loop through the addon, to show what the binding adds.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../src/dispatcher.h"

int main(int argc, char** argv) {
  const uint64_t tasks = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const int ranks = argc > 2 ? std::atoi(argv[2]) : 3;
  const size_t bytes = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 64;
  parsl::Dispatcher d;
  std::vector<uint8_t> blob(bytes, 7);
  std::vector<parsl::DecodedTask> decoded;
  std::vector<uint64_t> ids;
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 1; r <= ranks; ++r) d.setCapacity(r, 256);
  uint64_t submitted = 0, done = 0;
  while (done < tasks) {
    for (int i = 0; i < 4096 && submitted < tasks; ++i, ++submitted) d.submit(submitted, blob.data(), blob.size());
    for (auto& b : d.nextBatches()) {
      parsl::decodeBatch(b.payload.data(), b.payload.size(), decoded);
      ids.clear();
      for (auto& t : decoded) ids.push_back(t.id);
      done += d.complete(b.rank, ids.data(), ids.size());
    }
  }
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"tasks\":%llu,\"ranks\":%d,\"taskBytes\":%zu,\"nsPerTask\":%.1f}\n",
              static_cast<unsigned long long>(tasks), ranks, bytes, ns / static_cast<double>(tasks));
  return 0;
}
