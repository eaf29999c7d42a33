#include "lockimpls/ex_spin_lock.h"

#include "lockimpls/internal/spin_backoff.h"

namespace lockbench {

void ExSpinLock::LockContended() {
  internal::SpinBackoff backoff;
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
    backoff.Pause();
  }
}

void ExSpinLock::LockSharedContended() {
  internal::SpinBackoff backoff;
  for (;;) {
    std::uint32_t v = word_.load(std::memory_order_relaxed);
    if (ReaderMayEnter(v)) {
      if (word_.compare_exchange_weak(v, v + 1, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    backoff.Pause();
  }
}

}  // namespace lockbench
