// The operations lock internals use to talk to other threads, gathered in one policy type so a
// test can replace them. Lock code written against a policy `Atoms` (the wait-block word, the
// ERESOURCE, the executive spin lock, the fast and guarded mutex's gate mutex, the cache-aware
// push lock through its slots' words, the in-stack queued spin lock, CRITICAL_SECTION) names its
// shared atomics `typename Atoms::template Atomic<T>`, sleeps and wakes with Atoms::FutexWait /
// FutexWake, spins with Atoms::Relax and Atoms::Yield, and keeps each wait block in an
// `Atoms::template Local<Block>`.
//
// RealAtoms is the production policy: every member is the plain std:: type or an inline call of
// the futex wrapper, so a lock built on it compiles to the same code as one written against
// std::atomic directly. The deterministic-schedule tests (internal/det_schedule.h) supply a
// policy whose every operation is a scheduling point, so a test can run the real lock code one
// shared-memory step at a time.
//
// A policy also names a planted bug (PlantedBug). Production's is kNone, so the `if constexpr`
// branches that plant one are compiled out; the schedule tests build the lock once per bug to
// show their checks catch each (lockimpls/SEMANTICS.md, "Deterministic schedules").
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_ATOMS_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_ATOMS_H_

#include <sched.h>

#include <atomic>
#include <cstdint>

#include "lockimpls/internal/futex.h"

namespace lockbench::internal {

enum class PlantedBug {
  kNone,
  // A waker lets a sleeping waiter go without the futex wake: a lost wake-up.
  kDropWake,
  // A waker clears a waiter's flag, then still reads that waiter's wait block, which its owner
  // may already have left.
  kUseBlockAfterRelease,
  // A reader joins a shared hold although waiters are queued, by counting itself into the
  // oldest block's share count: it skips the queue, and races the last releaser's hand-off.
  kReaderSkipsQueue,
  // The executive spin lock's exclusive release clears bit 31 only, leaving the draining bit
  // that keeps readers out after the release.
  kSpinReleaseKeepsDrainBit,
  // A fast or guarded mutex contender counts itself a waiter and sleeps without looking at the
  // lock bit again, so a release that came between its failed acquire and its count, and saw no
  // waiter to wake, leaves it asleep: a lost wake-up.
  kGateSleepsWithoutRecheck,
  // A cache-aware push lock's exclusive acquire treats slot 0 as any other slot (tries it, and
  // takes the highest free slot instead when it is busy), so two exclusive acquirers can each
  // hold a slot the other blocks on: a deadlock.
  kCacheAwareSlotZeroNotFirst,
  // An in-stack queued spin lock release that finds no successor linked frees the tail with a
  // plain store, without the compare-exchange that shows a successor swapped in but not linked
  // yet: that successor links into a node its owner has left, and nobody hands it the lock.
  kQueuedReleaseSkipsLinkWait,
  // A CRITICAL_SECTION contender counts itself a sleeping waiter without looking at the lock
  // bit again, so a Leave that came between its failed Enter and its count, and saw no waiter
  // to wake, leaves it asleep on a free section: a lost wake-up.
  kCriticalSectionSleepsWithoutRecheck,
};

struct RealAtoms {
  template <class T>
  using Atomic = std::atomic<T>;

  // Storage for one wait block for the length of one wait: on the waiter's stack.
  template <class T>
  class Local {
   public:
    T* get() noexcept { return &value_; }
    T* operator->() noexcept { return &value_; }

   private:
    T value_;
  };

  static constexpr PlantedBug kPlanted = PlantedBug::kNone;

  static int FutexWait(std::atomic<std::uint32_t>* word, std::uint32_t expected) {
    return internal::FutexWait(word, expected);
  }
  static void FutexWake(std::atomic<std::uint32_t>* word, int count) {
    internal::FutexWake(word, count);
  }
  static void Relax() { CpuRelax(); }
  static void Yield() { sched_yield(); }
};

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_ATOMS_H_
