// The out-of-line members of BasicGateMutex (internal/gate_mutex.h), as templates over the policy
// `Atoms` (internal/atoms.h). Include this only where the mutex is instantiated: gate_mutex.cc
// for production, the schedule tests for theirs. The rules implemented here are those of
// lockimpls/SEMANTICS.md, "Fast mutex and guarded mutex".
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_GATE_MUTEX_IMPL_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_GATE_MUTEX_IMPL_H_

#include <atomic>
#include <cstdint>

#include "lockimpls/internal/atoms.h"
#include "lockimpls/internal/gate_mutex.h"
#include "lockimpls/internal/lock_observer.h"
#include "lockimpls/internal/thread_tag.h"

namespace lockbench::internal {

// ReactOS ntoskrnl/ke/gmutex.c, KiAcquireGuardedMutex: the same two bit masks, swapped once
// the thread has been woken.
template <class Atoms>
void BasicGateMutex<Atoms>::AcquireContended() {
  // A waiter that owns the mutex would wait forever; the owner field makes this check one load.
  if (owner_.load(std::memory_order_relaxed) == CurrentThreadTag()) GateMutexReentered(this);
  contention_.fetch_add(1, std::memory_order_relaxed);
  if (LockObserver* o = InstalledLockObserver()) ReportLockEvent(o, LockEvent::kContended, this);
  std::int32_t remove = kLockBit;  // what taking the lock clears
  std::int32_t add = kWaiterInc;   // what waiting adds
  // Whether a set lock bit is taken rather than waited behind; the planted bug skips that look
  // before the first sleep, so a release that came after the failed acquire goes unseen.
  bool recheck = Atoms::kPlanted != PlantedBug::kGateSleepsWithoutRecheck;
  for (;;) {
    std::int32_t old = count_.load(std::memory_order_relaxed);
    for (;;) {
      if ((old & kLockBit) && recheck) {
        if (count_.compare_exchange_weak(old, old ^ remove, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
          return;
        }
      } else if (count_.compare_exchange_weak(old, old + add, std::memory_order_relaxed,
                                              std::memory_order_relaxed)) {
        break;
      }
    }
    if (LockObserver* o = InstalledLockObserver()) ReportLockEvent(o, LockEvent::kQueued, this);
    WaitForGate();
    if (LockObserver* o = InstalledLockObserver()) ReportLockEvent(o, LockEvent::kWoken, this);
    // Woken: the woken bit is ours. Taking the lock clears it; waiting again turns it back into
    // a waiter count (kWokenBit + kWokenBit == kWaiterInc).
    remove = kLockBit | kWokenBit;
    add = kWokenBit;
    recheck = true;
  }
}

// ReactOS ntoskrnl/include/internal/ke_x.h, _KeReleaseGuardedMutex.
template <class Atoms>
void BasicGateMutex<Atoms>::WakeOne(std::int32_t count) {
  const std::int32_t woken = count + kWokenBit - kWaiterInc;
  if (!count_.compare_exchange_strong(count, woken, std::memory_order_relaxed)) return;
  if (LockObserver* o = InstalledLockObserver()) ReportLockEvent(o, LockEvent::kWakeIssued, this);
  gate_.store(1, std::memory_order_release);
  Atoms::FutexWake(&gate_, 1);
}

template <class Atoms>
void BasicGateMutex<Atoms>::WaitForGate() {
  while (gate_.exchange(0, std::memory_order_acquire) == 0) Atoms::FutexWait(&gate_, 0);
}

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_GATE_MUTEX_IMPL_H_
