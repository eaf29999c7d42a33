// The thread state that Windows kernel lock calls change around a hold and that user mode cannot
// act on: the critical region (KeEnterCriticalRegion: normal kernel APCs disabled), the guarded
// region (KeEnterGuardedRegion: all APCs disabled) and the IRQL a fast mutex raises to
// (APC_LEVEL). Linux threads have no APCs and no IRQL, so nothing is disabled or raised: the
// emulation keeps the per-thread counts and the level, so the rules "acquire enters, release
// leaves" and "the unsafe calls need APCs disabled" can be checked and queried. Leaving a region
// the thread is not in aborts with a message, in every build.
//
// Cost: a thread-local increment, decrement or store per call.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_KERNEL_REGIONS_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_KERNEL_REGIONS_H_

#include <string_view>

#include "lockimpls/internal/check.h"
#include "lockimpls/internal/windows_types.h"

namespace lockbench {

using KIRQL = unsigned char;
inline constexpr KIRQL PASSIVE_LEVEL = 0;
inline constexpr KIRQL APC_LEVEL = 1;
inline constexpr KIRQL DISPATCH_LEVEL = 2;

namespace internal {

inline thread_local int critical_region_depth = 0;
inline thread_local int guarded_region_depth = 0;
inline thread_local KIRQL current_irql = PASSIVE_LEVEL;

inline constexpr std::string_view kRegionComponent = "KernelRegions";

}  // namespace internal

inline VOID KeEnterCriticalRegion() { ++internal::critical_region_depth; }

inline VOID KeLeaveCriticalRegion() {
  LOCKBENCH_CHECK(internal::critical_region_depth != 0, internal::kRegionComponent,
                  "KeLeaveCriticalRegion without a matching KeEnterCriticalRegion");
  --internal::critical_region_depth;
}

inline VOID KeEnterGuardedRegion() { ++internal::guarded_region_depth; }

inline VOID KeLeaveGuardedRegion() {
  LOCKBENCH_CHECK(internal::guarded_region_depth != 0, internal::kRegionComponent,
                  "KeLeaveGuardedRegion without a matching KeEnterGuardedRegion");
  --internal::guarded_region_depth;
}

// The emulated IRQL of the calling thread: only the lock calls change it.
inline KIRQL KeGetCurrentIrql() { return internal::current_irql; }

// Sets the emulated IRQL and returns the previous one (KeRaiseIrql / KeLowerIrql in one).
inline KIRQL SwapIrql(KIRQL irql) {
  const KIRQL old = internal::current_irql;
  internal::current_irql = irql;
  return old;
}

// TRUE inside a critical or guarded region (as Windows' KeAreApcsDisabled).
inline BOOLEAN KeAreApcsDisabled() {
  return internal::critical_region_depth > 0 || internal::guarded_region_depth > 0;
}

// TRUE inside a guarded region or at APC_LEVEL or above (as Windows' KeAreAllApcsDisabled).
inline BOOLEAN KeAreAllApcsDisabled() {
  return internal::guarded_region_depth > 0 || internal::current_irql >= APC_LEVEL;
}

// How many critical regions the calling thread is nested in.
inline int CriticalRegionDepth() { return internal::critical_region_depth; }

// How many guarded regions the calling thread is nested in.
inline int GuardedRegionDepth() { return internal::guarded_region_depth; }

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_KERNEL_REGIONS_H_
