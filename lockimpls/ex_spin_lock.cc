#include "lockimpls/ex_spin_lock.h"

#include "lockimpls/internal/spin_backoff.h"

namespace lockbench {

void ExSpinLock::LockContended() {
  internal::SpinBackoff backoff;
  // Claim bit 31; while another writer owns it, wait for its release without touching the word.
  while (word_.fetch_or(kExclusive, std::memory_order_acquire) & kExclusive) {
    while (word_.load(std::memory_order_relaxed) & kExclusive) backoff.Pause();
  }
  DrainReaders(0);
}

void ExSpinLock::DrainReaders(std::uint32_t own_shares) {
  internal::SpinBackoff backoff;
  std::uint32_t v = word_.load(std::memory_order_acquire);
  while ((v & ~kDraining) != (kExclusive | own_shares)) {
    if ((v & kDraining) == 0 &&
        !word_.compare_exchange_weak(v, v | kDraining, std::memory_order_acquire,
                                     std::memory_order_acquire)) {
      continue;  // a reader left meanwhile: look again
    }
    backoff.Pause();
    v = word_.load(std::memory_order_acquire);
  }
}

void ExSpinLock::LockSharedContended() {
  internal::SpinBackoff backoff;
  for (;;) {
    if ((word_.load(std::memory_order_relaxed) & kExclusive) == 0 && try_lock_shared()) return;
    backoff.Pause();
  }
}

}  // namespace lockbench
