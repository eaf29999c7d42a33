#include "lockimpls/ex_spin_lock.h"

#include <sched.h>

#include "lockimpls/internal/futex.h"

namespace lockbench {
namespace {

// Polls a spinner makes before it starts yielding its CPU between polls: a holder preempted in
// user mode can only finish if the spinners let it run.
constexpr int kPollsBeforeYield = 64;

// One poll's pause: a CPU hint, or a yield once the spinner has polled for a while.
void Backoff(int& polls) {
  if (++polls < kPollsBeforeYield) {
    internal::CpuRelax();
  } else {
    sched_yield();
  }
}

}  // namespace

void ExSpinLock::LockContended() {
  int polls = 0;
  for (;;) {
    std::uint32_t v = word_.load(std::memory_order_relaxed);
    if ((v & ~kWriterWaiting) == 0) {
      if (word_.compare_exchange_weak(v, kExclusive, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    // Announce the writer, so that new readers back off while the present ones drain.
    if ((v & kWriterWaiting) == 0) word_.fetch_or(kWriterWaiting, std::memory_order_relaxed);
    Backoff(polls);
  }
}

void ExSpinLock::LockSharedContended() {
  int polls = 0;
  for (;;) {
    std::uint32_t v = word_.load(std::memory_order_relaxed);
    if (ReaderMayEnter(v)) {
      if (word_.compare_exchange_weak(v, v + 1, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    Backoff(polls);
  }
}

}  // namespace lockbench
