// The critical section API (synchapi.h: InitializeCriticalSection, EnterCriticalSection and
// friends) under its Windows names, as thin facades over CriticalSection (critical_section.h).
//
// Spin counts: InitializeCriticalSection sets none (0); InitializeCriticalSectionAndSpinCount and
// InitializeCriticalSectionEx set the one given, and SetCriticalSectionSpinCount changes it and
// returns the previous one. On a one-CPU machine every spin count is 0, as Windows documents.
// Windows keeps flags in SpinCount's top byte; here spin counts above 0x00FFFFFF are clamped.
// Newer Windows may spin dynamically when no count is given; that is not public and not
// emulated.
//
// Flags: InitializeCriticalSectionEx accepts the five flags winnt.h defines in SpinCount's top
// byte (RTL_CRITICAL_SECTION_FLAG_NO_DEBUG_INFO, _DYNAMIC_SPIN, _STATIC_INIT, _RESOURCE_TYPE,
// _FORCE_DEBUG_INFO), none of which changes anything here (no debug information is kept and the
// spin is not dynamic), and returns FALSE for a bit of RTL_CRITICAL_SECTION_FLAG_RESERVED
// (0xE0000000), as Windows does. The Initialize calls never fail otherwise (since Windows Vista they
// cannot run out of memory either: the event is created on demand or replaced by a keyed event).
//
// Not emulated: DebugInfo and the process's critical-section list (!locks), the event handle
// (waiters sleep on a futex word in LockSemaphore's place), priority boosts of the owner, and
// exceptions: EnterCriticalSection raising STATUS_POSSIBLE_DEADLOCK after a very long wait.
//
// Cost: each call is the CriticalSection call; CRITICAL_SECTION is 40 bytes.
#ifndef LOCKBENCH_LOCKIMPLS_CRITICAL_SECTION_API_H_
#define LOCKBENCH_LOCKIMPLS_CRITICAL_SECTION_API_H_

#include <new>

#include "lockimpls/critical_section.h"
#include "lockimpls/internal/windows_types.h"

namespace lockbench {

using CRITICAL_SECTION = CriticalSection;
using LPCRITICAL_SECTION = CRITICAL_SECTION*;
using RTL_CRITICAL_SECTION = CriticalSection;

inline constexpr DWORD CRITICAL_SECTION_NO_DEBUG_INFO = 0x01000000;
inline constexpr DWORD RTL_CRITICAL_SECTION_FLAG_DYNAMIC_SPIN = 0x02000000;
inline constexpr DWORD RTL_CRITICAL_SECTION_FLAG_STATIC_INIT = 0x04000000;
inline constexpr DWORD RTL_CRITICAL_SECTION_FLAG_RESOURCE_TYPE = 0x08000000;
inline constexpr DWORD RTL_CRITICAL_SECTION_FLAG_FORCE_DEBUG_INFO = 0x10000000;
inline constexpr DWORD RTL_CRITICAL_SECTION_FLAG_RESERVED = 0xE0000000;

// REQUIRES: `cs` points to storage of sizeof(CRITICAL_SECTION) bytes, not in use.
inline VOID InitializeCriticalSection(LPCRITICAL_SECTION cs) {
  ::new (static_cast<void*>(cs)) CriticalSection(0);
}

// Always TRUE (Windows Vista and later).
inline BOOL InitializeCriticalSectionAndSpinCount(LPCRITICAL_SECTION cs, DWORD spin_count) {
  ::new (static_cast<void*>(cs)) CriticalSection(spin_count);
  return TRUE;
}

// FALSE, leaving `cs` untouched, if `flags` has a reserved bit.
inline BOOL InitializeCriticalSectionEx(LPCRITICAL_SECTION cs, DWORD spin_count, DWORD flags) {
  if ((flags & RTL_CRITICAL_SECTION_FLAG_RESERVED) != 0) return FALSE;
  ::new (static_cast<void*>(cs)) CriticalSection(spin_count);
  return TRUE;
}

inline VOID EnterCriticalSection(LPCRITICAL_SECTION cs) { cs->Enter(); }

// TRUE if the section was free or the caller already owns it (one more recursion).
inline BOOL TryEnterCriticalSection(LPCRITICAL_SECTION cs) { return cs->TryEnter() ? TRUE : FALSE; }

// REQUIRES: the calling thread owns `cs` (checked builds abort otherwise).
inline VOID LeaveCriticalSection(LPCRITICAL_SECTION cs) { cs->Leave(); }

// Returns the previous spin count.
inline DWORD SetCriticalSectionSpinCount(LPCRITICAL_SECTION cs, DWORD spin_count) {
  return cs->SetSpinCount(spin_count);
}

// REQUIRES: nobody owns or waits for `cs`.
inline VOID DeleteCriticalSection(LPCRITICAL_SECTION cs) { cs->~CriticalSection(); }

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_CRITICAL_SECTION_API_H_
