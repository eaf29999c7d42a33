// The out-of-line members of BasicCriticalSection (critical_section.h), as templates over the
// policy `Atoms` (internal/atoms.h). Include this only where the section is instantiated:
// critical_section.cc for production, the schedule tests for theirs. The rules implemented here
// are those of lockimpls/SEMANTICS.md, "CRITICAL_SECTION".
#ifndef LOCKBENCH_LOCKIMPLS_CRITICAL_SECTION_IMPL_H_
#define LOCKBENCH_LOCKIMPLS_CRITICAL_SECTION_IMPL_H_

#include <atomic>
#include <cstdint>

#include "lockimpls/critical_section.h"
#include "lockimpls/internal/atoms.h"
#include "lockimpls/internal/lock_observer.h"

namespace lockbench::internal {

// Whether this machine has one CPU, where every spin count is 0.
bool CriticalSectionOnOneCpu();

template <class Atoms, bool kChecked>
std::uint32_t BasicCriticalSection<Atoms, kChecked>::SetSpinCount(std::uint32_t spins) {
  const std::uint32_t value =
      CriticalSectionOnOneCpu() ? 0 : (spins > kMaxSpinCount ? kMaxSpinCount : spins);
  return static_cast<std::uint32_t>(spin_count_.exchange(value, std::memory_order_relaxed));
}

// Spin, then sleep; once woken, compete again like a newcomer. With spin_past_sleepers 0 the
// spin ends as soon as the word counts a sleeping waiter. Until this thread has slept once
// it takes the lock by clearing the lock bit and sleeps by adding a waiter; once woken, the
// cleared woken bit is its own, so taking the lock also sets that bit back and sleeping turns it
// back into a waiter.
template <class Atoms, bool kChecked>
void BasicCriticalSection<Atoms, kChecked>::EnterContended(std::uintptr_t self) {
  std::int32_t take = -kLockBit;
  std::int32_t wait = -kWaiterUnit;
  const bool past_sleepers = CriticalSectionSpinPastSleepers() != 0;
  // Whether a set lock bit is taken rather than waited behind; the planted bug skips that look
  // before the first sleep, so a Leave that came after the failed Enter goes unseen.
  bool recheck = Atoms::kPlanted != PlantedBug::kCriticalSectionSleepsWithoutRecheck;
  for (;;) {
    std::uint32_t spins = SpinCount();
    std::int32_t old = lock_count_.load(std::memory_order_relaxed);
    for (;;) {
      if ((old & kLockBit) && recheck) {
        if (lock_count_.compare_exchange_weak(old, old + take, std::memory_order_acquire,
                                              std::memory_order_relaxed)) {
          Own(self);
          return;
        }
      } else if (spins > 0 && (past_sleepers || Waiters(old) == 0)) {
        --spins;
        Atoms::Relax();
        old = lock_count_.load(std::memory_order_relaxed);
      } else if (lock_count_.compare_exchange_weak(old, old + wait, std::memory_order_relaxed,
                                                   std::memory_order_relaxed)) {
        break;
      }
    }
    WaitForEvent();
    if (LockObserver* o = InstalledLockObserver()) ReportLockEvent(o, LockEvent::kWoken, this);
    take = -kLockBit + kNoWokenBit;
    wait = kNoWokenBit - kWaiterUnit;
    recheck = true;
  }
}

// Moves one sleeping waiter to the woken state and signals it, unless the section was taken
// again (its next Leave wakes), nobody sleeps, or a woken waiter is already on its way.
template <class Atoms, bool kChecked>
void BasicCriticalSection<Atoms, kChecked>::WakeOne() {
  std::int32_t old = lock_count_.load(std::memory_order_relaxed);
  for (;;) {
    if ((old & kLockBit) == 0 || Waiters(old) == 0 || (old & kNoWokenBit) == 0) return;
    if (lock_count_.compare_exchange_weak(old, old + kWaiterUnit - kNoWokenBit,
                                          std::memory_order_relaxed, std::memory_order_relaxed)) {
      break;
    }
  }
  if (LockObserver* o = InstalledLockObserver()) ReportLockEvent(o, LockEvent::kWakeIssued, this);
  event_.fetch_add(1, std::memory_order_release);
  Atoms::FutexWake(&event_, 1);
}

// The event is a counting signal: each wake adds one, each waiter that passes takes one.
template <class Atoms, bool kChecked>
void BasicCriticalSection<Atoms, kChecked>::WaitForEvent() {
  for (;;) {
    std::uint32_t pending = event_.load(std::memory_order_acquire);
    if (pending == 0) {
      Atoms::FutexWait(&event_, 0);
      continue;
    }
    if (event_.compare_exchange_weak(pending, pending - 1, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      return;
    }
  }
}

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_CRITICAL_SECTION_IMPL_H_
