// The in-stack queued spin lock API (wdm.h KeAcquireInStackQueuedSpinLock and friends) under its
// Windows names, as a thin facade over QueuedSpinLock (queued_spin_lock.h). The caller keeps the
// KLOCK_QUEUE_HANDLE on its stack for the length of the hold, as on Windows; the release finds
// the lock through the handle.
//
// IRQL: KeAcquireInStackQueuedSpinLock raises the emulated IRQL to DISPATCH_LEVEL and keeps the
// old level in the handle, which KeReleaseInStackQueuedSpinLock restores; the ...AtDpcLevel /
// ...FromDpcLevel forms change no IRQL (internal/kernel_regions.h keeps the level only).
//
// Cost: each call is the QueuedSpinLock call plus a thread-local store.
#ifndef LOCKBENCH_LOCKIMPLS_QUEUED_SPIN_LOCK_API_H_
#define LOCKBENCH_LOCKIMPLS_QUEUED_SPIN_LOCK_API_H_

#include <new>

#include "lockimpls/internal/kernel_regions.h"
#include "lockimpls/internal/windows_types.h"
#include "lockimpls/queued_spin_lock.h"

namespace lockbench {

using KSPIN_LOCK = QueuedSpinLock;
using PKSPIN_LOCK = KSPIN_LOCK*;
using KSPIN_LOCK_QUEUE = QueuedSpinLock::Node;
using PKSPIN_LOCK_QUEUE = KSPIN_LOCK_QUEUE*;

struct KLOCK_QUEUE_HANDLE {
  KSPIN_LOCK_QUEUE LockQueue;
  KIRQL OldIrql = PASSIVE_LEVEL;
};
using PKLOCK_QUEUE_HANDLE = KLOCK_QUEUE_HANDLE*;

// REQUIRES: `lock` points to storage of sizeof(KSPIN_LOCK) bytes, 8-byte aligned, not in use.
inline VOID KeInitializeSpinLock(PKSPIN_LOCK lock) { ::new (static_cast<void*>(lock)) QueuedSpinLock; }

inline VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK lock, PKLOCK_QUEUE_HANDLE handle) {
  handle->OldIrql = SwapIrql(DISPATCH_LEVEL);
  lock->Acquire(&handle->LockQueue);
}

// REQUIRES: `handle` is the one the calling thread acquired with, still on its stack.
inline VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE handle) {
  QueuedSpinLock::Release(&handle->LockQueue);
  SwapIrql(handle->OldIrql);
}

inline VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK lock,
                                                     PKLOCK_QUEUE_HANDLE handle) {
  lock->Acquire(&handle->LockQueue);
}

inline VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE handle) {
  QueuedSpinLock::Release(&handle->LockQueue);
}

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_QUEUED_SPIN_LOCK_API_H_
