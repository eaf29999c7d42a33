// The Win32 slim reader/writer lock and condition variable API (synchapi.h) under its Windows
// names, as a thin facade over SrwLock, plus an emulated per-thread last error. Code written
// against AcquireSRWLock* and SleepConditionVariableSRW runs here unchanged apart from the
// namespace.
//
// SRWLOCK is SrwLock; SRWLOCK_INIT and CONDITION_VARIABLE_INIT are `{}` (Windows' `{0}` would
// not convert to a class), so `SRWLOCK lock = SRWLOCK_INIT;` works as on Windows.
//
// Condition variable: a futex sequence number plus a sleeper count, 8 bytes like Windows' one
// pointer. A sleeper counts itself and reads the sequence before it releases the lock; a waker
// bumps the sequence and calls into the kernel only when someone sleeps. Sequentially
// consistent order between the two makes a wake lost only for a thread that had not begun to
// sleep when it was issued. SleepConditionVariableSRW returns after a wake (possibly meant
// for another sleeper, as Windows allows) or on timeout, and always re-acquires the lock in the
// mode the flags name (CONDITION_VARIABLE_LOCKMODE_SHARED, or exclusive).
//
// Errors: a timeout returns FALSE with GetLastError() == ERROR_TIMEOUT. Flag bits other than
// CONDITION_VARIABLE_LOCKMODE_SHARED return FALSE with ERROR_INVALID_PARAMETER without
// releasing the lock (the emulation's choice; Windows' reaction is not documented).
//
// Cost: each lock call is the SrwLock call. Waking with no sleeper is one atomic add and one
// load; sleeping is two atomic counts, the release, the futex wait and the re-acquire.
#ifndef LOCKBENCH_LOCKIMPLS_SRW_API_H_
#define LOCKBENCH_LOCKIMPLS_SRW_API_H_

#include <atomic>
#include <cstdint>
#include <new>

#include "lockimpls/internal/windows_types.h"
#include "lockimpls/srwlock.h"

#define SRWLOCK_INIT {}
#define CONDITION_VARIABLE_INIT {}

namespace lockbench {

using SRWLOCK = SrwLock;
using PSRWLOCK = SRWLOCK*;

// Opaque to callers: use the functions below.
struct CONDITION_VARIABLE {
  std::atomic<std::uint32_t> sequence{0};  // bumped by every wake; sleepers wait on it
  std::atomic<std::uint32_t> sleepers{0};  // threads between counting in and out of a sleep
};
using PCONDITION_VARIABLE = CONDITION_VARIABLE*;

static_assert(sizeof(CONDITION_VARIABLE) == 8);

inline constexpr ULONG CONDITION_VARIABLE_LOCKMODE_SHARED = 0x1;
inline constexpr DWORD INFINITE = 0xFFFFFFFF;
inline constexpr DWORD ERROR_INVALID_PARAMETER = 87;
inline constexpr DWORD ERROR_TIMEOUT = 1460;

namespace internal {
inline thread_local DWORD last_error = 0;
}  // namespace internal

inline DWORD GetLastError() { return internal::last_error; }
inline VOID SetLastError(DWORD error) { internal::last_error = error; }

inline VOID InitializeSRWLock(PSRWLOCK lock) { ::new (static_cast<void*>(lock)) SrwLock; }
inline VOID AcquireSRWLockExclusive(PSRWLOCK lock) { lock->lock(); }
inline VOID AcquireSRWLockShared(PSRWLOCK lock) { lock->lock_shared(); }
inline BOOLEAN TryAcquireSRWLockExclusive(PSRWLOCK lock) { return lock->try_lock(); }
inline BOOLEAN TryAcquireSRWLockShared(PSRWLOCK lock) { return lock->try_lock_shared(); }
inline VOID ReleaseSRWLockExclusive(PSRWLOCK lock) { lock->unlock(); }
inline VOID ReleaseSRWLockShared(PSRWLOCK lock) { lock->unlock_shared(); }

inline VOID InitializeConditionVariable(PCONDITION_VARIABLE cv) {
  ::new (static_cast<void*>(cv)) CONDITION_VARIABLE;
}
// Wakes at least one sleeper, if any.
VOID WakeConditionVariable(PCONDITION_VARIABLE cv);
VOID WakeAllConditionVariable(PCONDITION_VARIABLE cv);
// REQUIRES: the caller holds `lock` in the mode `flags` names.
// Returns TRUE after a wake, FALSE on timeout (ERROR_TIMEOUT) or bad flags
// (ERROR_INVALID_PARAMETER). `milliseconds` may be INFINITE.
BOOL SleepConditionVariableSRW(PCONDITION_VARIABLE cv, PSRWLOCK lock, DWORD milliseconds,
                               ULONG flags);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_SRW_API_H_
