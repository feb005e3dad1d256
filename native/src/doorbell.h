// Wake-ups for sleeping progress threads. MPI has no blocking wait that leaves the CPU alone (its
// blocking calls busy-poll), so an idle progress thread sleeps, and a message sent to it waits until it
// wakes up. Here every rank's progress thread sleeps on one 32-bit futex word (1 = "asleep, wake me"),
// and the ranks of one node keep their words in an MPI shared-memory window: a sender rings the
// receiver's word right after MPI_Isend, so the receiver sees the message in microseconds while an idle
// rank costs nothing. Ranks on other nodes cannot be rung; their messages wait out the receiver's sleep
// (bounded by maxSleepMicros) as before.
//
// Ordering: the sleeper stores 1, then checks for work (MPI_Request_get_status on its oldest receive);
// a sender deposits the message (MPI_Isend), then loads the word. Both sides fence, so either the
// sleeper sees the message or the sender sees the 1 and wakes it. Messages MPI moves in several steps
// (rendezvous) need the receiver's progress more than once: the engine rings peers again while sends
// to them are pending.
#pragma once

#include <mpi.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace parsl::mpi {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) && std::atomic<uint32_t>::is_always_lock_free,
              "a doorbell is a plain 32-bit word in shared memory");

class Doorbells {
 public:
  Doorbells() = default;
  Doorbells(const Doorbells&) = delete;
  Doorbells& operator=(const Doorbells&) = delete;

  // Collective over MPI_COMM_WORLD; call on the progress thread right after MPI_Init. With `shared`
  // false, or when the node's window cannot be made, only the host can wake this thread.
  void open(bool shared);
  // Collective over the node (MPI_Win_free). The caller must hold the lock that guards ringSelf().
  void detachSelf();
  void close();

  // Sleeps up to `micros` unless rung; `ready()` is asked after announcing the sleep, so work that
  // arrived just before is never slept through. Returns true if it was rung (or found work).
  template <class Ready>
  bool sleep(uint64_t micros, Ready ready) {
    self_->store(1);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (ready()) {
      self_->store(0);
      return true;
    }
    wait(micros);
    return self_->exchange(0) == 0;
  }

  // Wakes this rank's own progress thread (host thread; see detachSelf()).
  void ringSelf() { ring(self_); }
  // Wakes a sleeping rank on this node after a send to it (progress thread). No effect otherwise.
  void ringPeer(int rank) {
    if (rank < 0 || static_cast<size_t>(rank) >= peers_.size() || peers_[static_cast<size_t>(rank)] == nullptr)
      return;
    std::atomic_thread_fence(std::memory_order_seq_cst);
    ring(peers_[static_cast<size_t>(rank)]);
  }
  // True when every rank of the job shares this node, so every sender can ring this rank.
  bool allLocal() const { return allLocal_; }
  bool shared() const { return win_ != MPI_WIN_NULL; }

 private:
  void wait(uint64_t micros);
  void ring(std::atomic<uint32_t>* word);

  std::atomic<uint32_t> private_{0};
  std::atomic<uint32_t>* self_ = &private_;
  std::vector<std::atomic<uint32_t>*> peers_;  // by world rank; null when not on this node
  MPI_Comm node_ = MPI_COMM_NULL;
  MPI_Win win_ = MPI_WIN_NULL;
  bool allLocal_ = false;
#ifndef __linux__
  std::mutex mutex_;
  std::condition_variable cv_;
#endif
};

}  // namespace parsl::mpi
