#include "doorbell.h"

#include <chrono>
#include <climits>
#include <cstring>

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace parsl::mpi {
namespace {

// One cache line per rank, so a rank's sleeping and waking does not slow its neighbours' words.
constexpr MPI_Aint kStride = 64;

}  // namespace

void Doorbells::open(bool shared) {
#ifdef __linux__
  int worldSize = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &worldSize);
  peers_.assign(static_cast<size_t>(worldSize), nullptr);
  if (!shared) return;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node_) != MPI_SUCCESS) {
    node_ = MPI_COMM_NULL;
    return;
  }
  MPI_Comm_set_errhandler(node_, MPI_ERRORS_RETURN);
  int nodeSize = 0;
  int nodeRank = 0;
  MPI_Comm_size(node_, &nodeSize);
  MPI_Comm_rank(node_, &nodeRank);
  void* mine = nullptr;
  // Without a shared window (an MPI without MPI-3 shared memory, no space in /dev/shm) the ranks
  // still work; they just cannot wake each other.
  if (MPI_Win_allocate_shared(nodeRank == 0 ? kStride * nodeSize : 0, 1, MPI_INFO_NULL, node_, &mine, &win_) !=
      MPI_SUCCESS) {
    win_ = MPI_WIN_NULL;
    MPI_Comm_free(&node_);
    return;
  }
  MPI_Aint size = 0;
  int unit = 0;
  void* base = nullptr;
  MPI_Win_shared_query(win_, 0, &size, &unit, &base);
  auto* bytes = static_cast<uint8_t*>(base);
  auto* own = reinterpret_cast<std::atomic<uint32_t>*>(bytes + kStride * nodeRank);
  own->store(0);
  MPI_Barrier(node_);  // every word is initialised before anyone rings it
  MPI_Group worldGroup;
  MPI_Group nodeGroup;
  MPI_Comm_group(MPI_COMM_WORLD, &worldGroup);
  MPI_Comm_group(node_, &nodeGroup);
  std::vector<int> local(static_cast<size_t>(nodeSize));
  std::vector<int> world(static_cast<size_t>(nodeSize));
  for (int i = 0; i < nodeSize; ++i) local[static_cast<size_t>(i)] = i;
  MPI_Group_translate_ranks(nodeGroup, nodeSize, local.data(), worldGroup, world.data());
  MPI_Group_free(&nodeGroup);
  MPI_Group_free(&worldGroup);
  for (int i = 0; i < nodeSize; ++i) {
    const int w = world[static_cast<size_t>(i)];
    if (w >= 0 && w < worldSize)
      peers_[static_cast<size_t>(w)] = reinterpret_cast<std::atomic<uint32_t>*>(bytes + kStride * i);
  }
  self_ = own;
  allLocal_ = nodeSize == worldSize;
#else
  (void)shared;
#endif
}

void Doorbells::detachSelf() {
  private_.store(self_->load());
  self_ = &private_;
}

void Doorbells::close() {
  peers_.clear();
  allLocal_ = false;
  if (win_ != MPI_WIN_NULL) MPI_Win_free(&win_);
  if (node_ != MPI_COMM_NULL) MPI_Comm_free(&node_);
}

#ifdef __linux__

void Doorbells::wait(uint64_t micros) {
  timespec timeout{static_cast<time_t>(micros / 1000000), static_cast<long>((micros % 1000000) * 1000)};
  // Not FUTEX_PRIVATE_FLAG: the word may live in memory shared with other processes.
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(self_), FUTEX_WAIT, 1, &timeout, nullptr, 0);
}

void Doorbells::ring(std::atomic<uint32_t>* word) {
  if (word->load() == 1 && word->exchange(0) == 1)
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

#else

void Doorbells::wait(uint64_t micros) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_for(lock, std::chrono::microseconds(micros), [this] { return self_->load() != 1; });
}

void Doorbells::ring(std::atomic<uint32_t>* word) {
  if (word->load() == 1 && word->exchange(0) == 1) {
    std::lock_guard<std::mutex> lock(mutex_);
    cv_.notify_all();
  }
}

#endif

}  // namespace parsl::mpi
