// FastMutex and GuardedMutex: emulations of the Windows kernel fast mutex (FAST_MUTEX, behind
// ExAcquireFastMutex) and guarded mutex (KGUARDED_MUTEX, behind KeAcquireGuardedMutex), the
// exclusive-only kernel mutexes drivers use where an ERESOURCE or push lock would be more than
// they need. fast_mutex_api.h puts the Windows names on them.
//
// Design (lockimpls/SEMANTICS.md, "Fast mutex and guarded mutex"; internal/gate_mutex.h): the
// count-word algorithm the two share, which the Windows Research Kernel's x64 FAST_MUTEX already
// uses (Windows Server 2003 SP1; older x86 kernels kept a count and an event): one count word with a lock bit (set means free), a woken bit and a
// waiter count, an owner field, a contention count, and a gate that a release signals to let
// exactly one sleeping waiter through. The two classes differ only in what their Windows calls
// do around a hold: the fast mutex raises IRQL to APC_LEVEL, the guarded mutex enters a guarded
// region. Neither can be emulated in user mode (internal/kernel_regions.h keeps the level and
// the count only), so the lock objects themselves behave identically. The algorithm is written
// once over the atomics policy (internal/atoms.h, BasicGateMutex): these classes take RealAtoms,
// and lock_schedules_test runs the same code under the deterministic scheduler.
//
// Fairness: not fair. A release wakes one waiter, who re-competes with newcomers (barging): a
// thread that arrives between the release and the woken thread's retry takes the mutex, and the
// woken thread counts itself a waiter again and sleeps. Waiters are not served in arrival order.
//
// Unsupported calls: exclusive only; lock_shared, try_lock_shared and unlock_shared take and
// release the mutex exclusive (traits: shared_mode false). Not recursive: a thread that acquires
// a mutex it holds deadlocks on Windows; here it aborts with a message in every build (the owner
// field makes the check one load, on the contended path only). try_lock by the owner returns
// false. Releasing a mutex the caller does not hold is not detected.
//
// Cost: uncontended, one atomic read-modify-write to acquire and one to release, plus a relaxed
// store of the owner each way; 24 bytes (Windows: 56); allocates nothing. A contended release
// makes one futex wake; a waiter sleeps on the gate without spinning, as on Windows.
#ifndef LOCKBENCH_LOCKIMPLS_FAST_MUTEX_H_
#define LOCKBENCH_LOCKIMPLS_FAST_MUTEX_H_

#include "lockimpls/internal/gate_mutex.h"
#include "lockimpls/lock_concept.h"

namespace lockbench {

inline constexpr std::string_view kGateMutexFairness =
    "not fair: a release wakes one waiter, who re-competes with newcomers (barging)";

class FastMutex final : public internal::GateMutex {
 public:
  FastMutex() = default;  // not an aggregate: the base's destructor is protected
  static constexpr LockTraits kTraits = {
      "fast_mutex", "Windows kernel fast mutex (FAST_MUTEX), count-word algorithm; exclusive only",
      24, Recursion::kNone, kGateMutexFairness, true, /*shared_mode=*/false, /*heap_bytes=*/0,
      /*slots=*/0, /*slot_bytes=*/0, HolderLevel::kApc, WaitKind::kSleep};
};

class GuardedMutex final : public internal::GateMutex {
 public:
  GuardedMutex() = default;
  static constexpr LockTraits kTraits = {
      "guarded_mutex", "Windows kernel guarded mutex (KGUARDED_MUTEX); exclusive only", 24,
      Recursion::kNone, kGateMutexFairness, true, /*shared_mode=*/false, /*heap_bytes=*/0,
      /*slots=*/0, /*slot_bytes=*/0, HolderLevel::kApc, WaitKind::kSleep};
};

static_assert(BenchLock<FastMutex>);
static_assert(BenchLock<GuardedMutex>);
static_assert(sizeof(FastMutex) == 24 && sizeof(GuardedMutex) == 24);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_FAST_MUTEX_H_
