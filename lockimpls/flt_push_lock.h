// The filter-manager push lock API (fltkernel.h) under its Windows names, as a thin facade over
// PushLock, plus the emulated critical region the Flt calls enter and leave. Code written
// against FltAcquirePushLock* runs here unchanged apart from the namespace.
//
// Critical region: in Windows, KeEnterCriticalRegion disables normal kernel APCs for the thread
// so it cannot be suspended while it holds a lock. User mode has no APCs to disable; the
// emulation keeps the per-thread nesting count (internal/kernel_regions.h), so the rule
// "acquire enters, release leaves" can be checked and queried (KeAreApcsDisabled,
// CriticalRegionDepth).
//
// Flags: FLT_PUSH_LOCK_ENABLE_AUTO_BOOST (documented as deprecated) and
// FLT_PUSH_LOCK_DISABLE_AUTO_BOOST are accepted and have no effect (there is no priority
// boosting to control in user mode). Any bit outside FLT_PUSH_LOCK_VALID_FLAGS aborts with a
// message naming the call and the bits, in every build, as a Windows bugcheck would stop the
// machine: the calls return VOID, so there is no status to report it through.
//
// Cost: each call is the PushLock call plus a thread-local increment or decrement and a flag
// test; EX_PUSH_LOCK is PushLock, 8 bytes.
#ifndef LOCKBENCH_LOCKIMPLS_FLT_PUSH_LOCK_H_
#define LOCKBENCH_LOCKIMPLS_FLT_PUSH_LOCK_H_

#include <new>
#include <string_view>

#include "lockimpls/internal/check.h"
#include "lockimpls/internal/kernel_regions.h"
#include "lockimpls/internal/windows_types.h"
#include "lockimpls/push_lock.h"

namespace lockbench {

using EX_PUSH_LOCK = PushLock;
using PEX_PUSH_LOCK = EX_PUSH_LOCK*;

inline constexpr ULONG FLT_PUSH_LOCK_ENABLE_AUTO_BOOST = 0x1;
inline constexpr ULONG FLT_PUSH_LOCK_DISABLE_AUTO_BOOST = 0x2;
inline constexpr ULONG FLT_PUSH_LOCK_VALID_FLAGS = 0x3;

namespace internal {

// What the checks below name in their message.
inline constexpr std::string_view kFltComponent = "FltPushLock";

// Aborts: `call` got flag bits outside FLT_PUSH_LOCK_VALID_FLAGS.
[[noreturn]] void InvalidPushLockFlags(const char* call, ULONG flags);

inline void CheckPushLockFlags(const char* call, ULONG flags) {
  if (flags & ~FLT_PUSH_LOCK_VALID_FLAGS) [[unlikely]] {
    InvalidPushLockFlags(call, flags);
  }
}

}  // namespace internal

// REQUIRES: `lock` points to storage of sizeof(EX_PUSH_LOCK) bytes, 8-byte aligned, not in use.
inline VOID FltInitializePushLock(PEX_PUSH_LOCK lock) { ::new (static_cast<void*>(lock)) PushLock; }

// REQUIRES: `lock` is free and nobody waits. Checked builds abort otherwise.
inline VOID FltDeletePushLock(PEX_PUSH_LOCK lock) {
  if constexpr (PushLock::kCheckedBuild) {
    LOCKBENCH_CHECK(lock->RawWord() == 0, internal::kFltComponent,
                    "FltDeletePushLock on a push lock in use");
  }
  lock->~PushLock();
}

inline VOID FltAcquirePushLockExclusiveEx(PEX_PUSH_LOCK lock, ULONG flags) {
  internal::CheckPushLockFlags("FltAcquirePushLockExclusiveEx", flags);
  KeEnterCriticalRegion();
  lock->lock();
}

inline VOID FltAcquirePushLockSharedEx(PEX_PUSH_LOCK lock, ULONG flags) {
  internal::CheckPushLockFlags("FltAcquirePushLockSharedEx", flags);
  KeEnterCriticalRegion();
  lock->lock_shared();
}

inline VOID FltAcquirePushLockExclusive(PEX_PUSH_LOCK lock) {
  KeEnterCriticalRegion();
  lock->lock();
}

inline VOID FltAcquirePushLockShared(PEX_PUSH_LOCK lock) {
  KeEnterCriticalRegion();
  lock->lock_shared();
}

// Both release either kind of hold: like Windows, the lock tells them apart by its word.
// REQUIRES: the calling thread holds `lock`.
inline VOID FltReleasePushLockEx(PEX_PUSH_LOCK lock, ULONG flags) {
  internal::CheckPushLockFlags("FltReleasePushLockEx", flags);
  lock->ReleaseEither();
  KeLeaveCriticalRegion();
}

inline VOID FltReleasePushLock(PEX_PUSH_LOCK lock) {
  lock->ReleaseEither();
  KeLeaveCriticalRegion();
}

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_FLT_PUSH_LOCK_H_
