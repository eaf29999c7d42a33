// The executive reader/writer spin lock API (wdm.h ExAcquireSpinLock{Shared,Exclusive} and
// friends) under its Windows names, as a thin facade over ExSpinLock (ex_spin_lock.h).
//
// IRQL: the plain calls raise the thread's emulated IRQL to DISPATCH_LEVEL and return the old
// level, which the matching release restores; the ...AtDpcLevel calls change no IRQL
// (internal/kernel_regions.h keeps the level only: nothing is masked in user mode, and the
// holder can still be preempted, see ex_spin_lock.h).
//
// Cost: each call is the ExSpinLock call plus a thread-local store.
#ifndef LOCKBENCH_LOCKIMPLS_EX_SPIN_LOCK_API_H_
#define LOCKBENCH_LOCKIMPLS_EX_SPIN_LOCK_API_H_

#include <new>

#include "lockimpls/ex_spin_lock.h"
#include "lockimpls/internal/kernel_regions.h"
#include "lockimpls/internal/windows_types.h"

namespace lockbench {

using EX_SPIN_LOCK = ExSpinLock;
using PEX_SPIN_LOCK = EX_SPIN_LOCK*;
using LOGICAL = ULONG;

// Windows initializes an EX_SPIN_LOCK by storing 0; this builds the object on that storage.
inline VOID ExInitializeSpinLockEx(PEX_SPIN_LOCK lock) { ::new (static_cast<void*>(lock)) ExSpinLock; }

inline KIRQL ExAcquireSpinLockShared(PEX_SPIN_LOCK lock) {
  const KIRQL old = SwapIrql(DISPATCH_LEVEL);
  lock->lock_shared();
  return old;
}

inline VOID ExReleaseSpinLockShared(PEX_SPIN_LOCK lock, KIRQL old_irql) {
  lock->unlock_shared();
  SwapIrql(old_irql);
}

inline KIRQL ExAcquireSpinLockExclusive(PEX_SPIN_LOCK lock) {
  const KIRQL old = SwapIrql(DISPATCH_LEVEL);
  lock->lock();
  return old;
}

inline VOID ExReleaseSpinLockExclusive(PEX_SPIN_LOCK lock, KIRQL old_irql) {
  lock->unlock();
  SwapIrql(old_irql);
}

inline VOID ExAcquireSpinLockSharedAtDpcLevel(PEX_SPIN_LOCK lock) { lock->lock_shared(); }
inline VOID ExReleaseSpinLockSharedFromDpcLevel(PEX_SPIN_LOCK lock) { lock->unlock_shared(); }
inline VOID ExAcquireSpinLockExclusiveAtDpcLevel(PEX_SPIN_LOCK lock) { lock->lock(); }
inline VOID ExReleaseSpinLockExclusiveFromDpcLevel(PEX_SPIN_LOCK lock) { lock->unlock(); }

// TRUE, and the caller holds `lock` exclusive, if it was its only shared holder; FALSE leaves
// it holding shared. REQUIRES: the caller holds `lock` shared.
inline LOGICAL ExTryConvertSharedSpinLockExclusive(PEX_SPIN_LOCK lock) {
  return lock->TryConvertSharedToExclusive() ? TRUE : FALSE;
}

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_EX_SPIN_LOCK_API_H_
