// The cache-aware push lock API (ExAllocateCacheAwarePushLock and friends, exported by
// ntoskrnl) under its Windows names, as thin facades over CacheAwarePushLock
// (cache_aware_push_lock.h).
//
// Allocation: Windows allocates the lock and its per-processor push locks from pool and returns
// NULL when pool is exhausted; here both come from the heap (one allocation for the object, one
// for the slots) and ExAllocateCacheAwarePushLock returns nullptr if either fails. Windows 10
// always makes 32 slots of 128 bytes, in one 4 KiB block on a one-node machine or one per slot
// from each processor's node otherwise; here they are one block wherever the allocator puts it.
//
// Not emulated: the callers' critical region (KeEnterCriticalRegion is the caller's business for
// these calls on Windows too, and is not checked here), pool types and tags.
//
// Cost: each call is the CacheAwarePushLock call.
#ifndef LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_API_H_
#define LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_API_H_

#include "lockimpls/cache_aware_push_lock.h"
#include "lockimpls/internal/windows_types.h"

namespace lockbench {

using EX_PUSH_LOCK_CACHE_AWARE = CacheAwarePushLock;
using PEX_PUSH_LOCK_CACHE_AWARE = EX_PUSH_LOCK_CACHE_AWARE*;

// A free lock of 32 slots, or nullptr if memory runs out.
inline PEX_PUSH_LOCK_CACHE_AWARE ExAllocateCacheAwarePushLock() {
  return CacheAwarePushLock::TryMake(CacheAwarePushLock::kSlotCount);
}

// REQUIRES: `lock` came from ExAllocateCacheAwarePushLock and is free.
inline VOID ExFreeCacheAwarePushLock(PEX_PUSH_LOCK_CACHE_AWARE lock) {
  CacheAwarePushLock::Free(lock);
}

inline VOID ExAcquireCacheAwarePushLockShared(PEX_PUSH_LOCK_CACHE_AWARE lock) {
  lock->lock_shared();
}

// REQUIRES: the calling thread acquired `lock` shared.
inline VOID ExReleaseCacheAwarePushLockShared(PEX_PUSH_LOCK_CACHE_AWARE lock) {
  lock->unlock_shared();
}

inline VOID ExAcquireCacheAwarePushLockExclusive(PEX_PUSH_LOCK_CACHE_AWARE lock) { lock->lock(); }

// REQUIRES: the calling thread holds `lock` exclusive.
inline VOID ExReleaseCacheAwarePushLockExclusive(PEX_PUSH_LOCK_CACHE_AWARE lock) {
  lock->unlock();
}

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_API_H_
