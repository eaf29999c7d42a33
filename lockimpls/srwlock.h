// SrwLock: an emulation of the Windows slim reader/writer lock (SRWLOCK), the pointer-sized
// lock behind AcquireSRWLock* and SleepConditionVariableSRW (srw_api.h puts the Windows names
// on it). It exists so the tool can measure the user-mode lock Windows programs use most.
//
// Design: public debug-symbol dumps show SRWLOCK with the push lock's bit layout (Locked,
// Waiting, Waking, MultipleShared, share count) and wait blocks on waiters' stacks, so it runs
// the same machinery as PushLock (internal/wait_block_word.h; lockimpls/SEMANTICS.md,
// "Push lock" and "SRWLOCK"). Windows' exact wake order and spin count are unknown; the
// emulation uses the push lock's policy. Differences from PushLock: its own spin count setting
// (SrwLockSpinCount), traits that state the SRWLOCK documentation, and the Win32 facade with
// condition variables.
// Wine's SRWLOCK (a writer-preferring counter, no spinning) is deliberately not the model.
//
// Fairness: neither fair nor FIFO, as documented. Woken waiters re-compete with newcomers
// (barging); new readers queue behind any waiter. A reader that arrives while waiters are
// queued and the lock is momentarily free takes it without a share count, so it holds it alone
// and other readers queue behind it: two readers can block each other (microsoft/STL 4448).
//
// Unsupported calls: no recursion. Acquiring again while holding exclusive hangs (checked
// builds abort with a message); TryAcquireSRWLockExclusive by the owner fails. Recursive shared
// acquisition deadlocks behind a queued waiter. No upgrade, no owner query.
//
// Cost: uncontended, one atomic read-modify-write to acquire and one to release; 8 bytes;
// allocates nothing.
#ifndef LOCKBENCH_LOCKIMPLS_SRWLOCK_H_
#define LOCKBENCH_LOCKIMPLS_SRWLOCK_H_

#include <cstdint>

#include "lockimpls/internal/lock_checks.h"
#include "lockimpls/internal/step_hook.h"
#include "lockimpls/internal/wait_block_lock.h"
#include "lockimpls/lock_concept.h"

namespace lockbench {

// Polls of its own wait block an SRWLOCK waiter makes before it sleeps, for every SrwLock in
// the process. Default 1024 (Windows' value is unknown), 0 on a one-CPU machine.
std::uint32_t SrwLockSpinCount();
void SetSrwLockSpinCount(std::uint32_t spins);

namespace internal {

struct SrwLockFlavor {
  static std::uint32_t SpinCount() { return SrwLockSpinCount(); }
  static constexpr std::string_view kComponent = "SrwLock";
  static constexpr const char* kReentryMessage =
      "SRWLOCK re-acquired by the thread that holds it exclusive "
      "(not recursive: this hangs on Windows)";
  static constexpr std::string_view kFairness =
      "neither fair nor FIFO: woken waiters re-compete with newcomers (barging); "
      "new readers queue behind any waiter; a lone reader can block other readers";
  static constexpr HolderLevel kHolderLevel = HolderLevel::kUserMode;
};

}  // namespace internal

class HookedSrwLock;

class SrwLock final
    : public internal::WaitBlockLock<internal::SrwLockFlavor, internal::kCheckedLocks> {
 public:
  // The same lock with a step hook before each atomic operation and futex call, which torture
  // mode runs in its place (internal/step_hook.h).
  using Hooked = HookedSrwLock;
  static constexpr LockSetting kSettings[] = {
      {"spin_count", "polls of its wait block before a waiter sleeps (default 1024, 0 on one CPU)",
       1'000'000, &SrwLockSpinCount, &SetSrwLockSpinCount}};
  static constexpr LockTraits kTraits = internal::WaitBlockLockTraits<internal::SrwLockFlavor>(
      "srwlock", "Windows slim reader/writer lock (SRWLOCK): push-lock word and wait blocks");
};

class HookedSrwLock final : public internal::WaitBlockLock<internal::SrwLockFlavor,
                                                        internal::kCheckedLocks,
                                                        internal::HookedAtoms> {
 public:
  static constexpr LockTraits kTraits = SrwLock::kTraits;
};

// The same lock with the re-entry check compiled in, whatever the build.
class CheckedSrwLock final : public internal::WaitBlockLock<internal::SrwLockFlavor, true> {
 public:
  static constexpr LockTraits kTraits = internal::WaitBlockLockTraits<internal::SrwLockFlavor>(
      "srwlock_checked", "SRWLOCK that aborts on exclusive re-entry (checked build)");
};

static_assert(BenchLock<SrwLock>);
static_assert(BenchLock<HookedSrwLock>);
static_assert(BenchLock<CheckedSrwLock>);
static_assert(sizeof(SrwLock) == 8 && SrwLock::kTraits.size_bytes == 8);
static_assert(sizeof(CheckedSrwLock) == 8);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_SRWLOCK_H_
