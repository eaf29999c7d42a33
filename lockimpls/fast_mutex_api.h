// The fast mutex (wdm.h Ex*FastMutex*) and guarded mutex (Ke*GuardedMutex) APIs under their
// Windows names, as thin facades over FastMutex and GuardedMutex (fast_mutex.h).
//
// What the calls do around a hold, emulated by internal/kernel_regions.h: ExAcquireFastMutex
// and ExTryToAcquireFastMutex raise the thread's IRQL to APC_LEVEL and keep the old level in the
// mutex's OldIrql, which ExReleaseFastMutex restores; the Unsafe pair changes no IRQL and
// requires the caller to have APCs disabled already (a critical or guarded region, or
// APC_LEVEL), which is checked in every build. KeAcquireGuardedMutex and
// KeTryToAcquireGuardedMutex enter a guarded region (left again by a failed try);
// KeReleaseGuardedMutex leaves it; KeAcquireGuardedMutexUnsafe and KeReleaseGuardedMutexUnsafe
// enter none and require a guarded region or APC_LEVEL (a critical region, which leaves special
// kernel APCs enabled, is not enough: Microsoft's KeAcquireGuardedMutexUnsafe page). No APC is
// actually held off: Linux threads have none.
//
// Cost: each call is the mutex call plus a thread-local update.
#ifndef LOCKBENCH_LOCKIMPLS_FAST_MUTEX_API_H_
#define LOCKBENCH_LOCKIMPLS_FAST_MUTEX_API_H_

#include <new>
#include <string>

#include "lockimpls/fast_mutex.h"
#include "lockimpls/internal/check.h"
#include "lockimpls/internal/kernel_regions.h"
#include "lockimpls/internal/windows_types.h"

namespace lockbench {

// The mutex and the IRQL its acquirer ran at, as FAST_MUTEX keeps OldIrql.
struct FAST_MUTEX {
  FastMutex mutex;
  KIRQL OldIrql = PASSIVE_LEVEL;
};
using PFAST_MUTEX = FAST_MUTEX*;
using KGUARDED_MUTEX = GuardedMutex;
using PKGUARDED_MUTEX = KGUARDED_MUTEX*;

namespace internal {

inline void CheckApcsDisabled(const char* call) {
  LOCKBENCH_CHECK(KeAreApcsDisabled() || KeGetCurrentIrql() >= APC_LEVEL, "FastMutex",
                  std::string(call) + " requires APCs disabled");
}

inline void CheckGuardedOrApcLevel(const char* call) {
  LOCKBENCH_CHECK(GuardedRegionDepth() > 0 || KeGetCurrentIrql() >= APC_LEVEL, "GuardedMutex",
                  std::string(call) + " requires a guarded region or APC_LEVEL");
}

}  // namespace internal

// REQUIRES: `m` points to storage of sizeof(FAST_MUTEX) bytes, not in use.
inline VOID ExInitializeFastMutex(PFAST_MUTEX m) { ::new (static_cast<void*>(m)) FAST_MUTEX; }

inline VOID ExAcquireFastMutex(PFAST_MUTEX m) {
  const KIRQL old = SwapIrql(APC_LEVEL);
  m->mutex.lock();
  m->OldIrql = old;
}

// TRUE and at APC_LEVEL if the mutex was free; FALSE, at the caller's IRQL, without waiting.
inline BOOLEAN ExTryToAcquireFastMutex(PFAST_MUTEX m) {
  const KIRQL old = SwapIrql(APC_LEVEL);
  if (!m->mutex.try_lock()) {
    SwapIrql(old);
    return FALSE;
  }
  m->OldIrql = old;
  return TRUE;
}

// REQUIRES: the calling thread holds `m` through ExAcquireFastMutex or ExTryToAcquireFastMutex.
inline VOID ExReleaseFastMutex(PFAST_MUTEX m) {
  const KIRQL old = m->OldIrql;
  m->mutex.unlock();
  SwapIrql(old);
}

// REQUIRES: APCs disabled (checked in every build).
inline VOID ExAcquireFastMutexUnsafe(PFAST_MUTEX m) {
  internal::CheckApcsDisabled("ExAcquireFastMutexUnsafe");
  m->mutex.lock();
}

inline VOID ExReleaseFastMutexUnsafe(PFAST_MUTEX m) {
  internal::CheckApcsDisabled("ExReleaseFastMutexUnsafe");
  m->mutex.unlock();
}

// REQUIRES: `m` points to storage of sizeof(KGUARDED_MUTEX) bytes, not in use.
inline VOID KeInitializeGuardedMutex(PKGUARDED_MUTEX m) {
  ::new (static_cast<void*>(m)) GuardedMutex;
}

inline VOID KeAcquireGuardedMutex(PKGUARDED_MUTEX m) {
  KeEnterGuardedRegion();
  m->lock();
}

inline BOOLEAN KeTryToAcquireGuardedMutex(PKGUARDED_MUTEX m) {
  KeEnterGuardedRegion();
  if (m->try_lock()) return TRUE;
  KeLeaveGuardedRegion();
  return FALSE;
}

inline VOID KeReleaseGuardedMutex(PKGUARDED_MUTEX m) {
  m->unlock();
  KeLeaveGuardedRegion();
}

// The unsafe pair enters no guarded region: the caller has normal kernel APCs disabled already
// (a critical or guarded region, or APC_LEVEL), which is checked in every build.
inline VOID KeAcquireGuardedMutexUnsafe(PKGUARDED_MUTEX m) {
  internal::CheckGuardedOrApcLevel("KeAcquireGuardedMutexUnsafe");
  m->lock();
}

inline VOID KeReleaseGuardedMutexUnsafe(PKGUARDED_MUTEX m) {
  internal::CheckGuardedOrApcLevel("KeReleaseGuardedMutexUnsafe");
  m->unlock();
}

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_FAST_MUTEX_API_H_
