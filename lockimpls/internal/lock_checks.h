// Checks for the misuse that the Windows locks do not diagnose, compiled only into checked
// builds. A Windows thread that re-acquires a push lock or SRWLOCK it holds exclusive hangs
// forever; a checked lockbench build aborts with a message instead (Fatal, as a kernel bugcheck
// would stop Windows), so tests can prove the rule with a death test rather than a hang.
//
// Checked builds: LOCKBENCH_CHECKED_LOCKS=1 (or 0) decides; without it, builds without NDEBUG
// are checked. The choice changes lock types, so set it for the whole program. The checked lock
// classes (CheckedPushLock, CheckedSrwLock) are checked in every build.
//
// Cost when checked: a thread-local table update on every exclusive acquire and release, and a
// table scan before a thread queues. The table assumes the acquiring thread is the releasing
// one (as both Windows locks require); it tracks up to kMaxTracked locks per thread and ignores
// the rest.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_LOCK_CHECKS_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_LOCK_CHECKS_H_

namespace lockbench::internal {

#if defined(LOCKBENCH_CHECKED_LOCKS)
inline constexpr bool kCheckedLocks = LOCKBENCH_CHECKED_LOCKS != 0;
#elif defined(NDEBUG)
inline constexpr bool kCheckedLocks = false;
#else
inline constexpr bool kCheckedLocks = true;
#endif

inline constexpr int kMaxTracked = 32;

// The calling thread's table of locks it holds exclusive.
void NoteExclusiveHeld(const void* lock);
void NoteExclusiveReleased(const void* lock);
bool HoldsExclusive(const void* lock);

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_LOCK_CHECKS_H_
