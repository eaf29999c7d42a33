// PushLock: an emulation of the Windows kernel push lock (EX_PUSH_LOCK), the pointer-sized
// reader/writer lock behind FltAcquirePushLock* (flt_push_lock.h puts the Windows names on it).
// It exists so the tool can measure the lock Microsoft documents as unfair and owner-less
// beside ERESOURCE, SRWLOCK and the Linux locks.
//
// Design (lockimpls/SEMANTICS.md, "Push lock"; shared with SrwLock in
// internal/wait_block_word.h): one word holds Locked, Waiting, Waking, MultipleShared and the
// share count; waiters link 16-byte aligned wait blocks on their own stacks into a list hung
// from the word, poll their block PushLockSpinCount() times, then sleep on it (futex).
// Exclusive acquire succeeds whenever Locked is clear; shared succeeds if Locked is clear, or
// the lock is held shared and nobody waits. Release wakes the oldest waiter alone if it is
// exclusive and others are queued, otherwise everyone, oldest first. Unlike ERESOURCE nothing
// is handed over and no owner is recorded.
//
// Fairness: not fair. Woken waiters re-compete with newcomers (barging), so exclusive grant
// order is not guaranteed; new readers queue behind any waiter, an exclusive one included, so
// a stream of writers can starve readers and barging writers can starve queued ones.
//
// Unsupported calls: no recursion. A thread that holds the lock exclusive and acquires it again
// (shared or exclusive) hangs, as on Windows; checked builds (internal/lock_checks.h) abort with
// a message instead. try_lock by the owner returns false. Shared re-entry works only while
// nobody waits; behind a queued waiter it deadlocks (not detected). No owner query.
//
// Cost: uncontended, one atomic read-modify-write to acquire and one to release; 8 bytes;
// allocates nothing. Waiters keep their wait blocks on their stacks.
//
// Test hooks: RawWord() and WaitersForTest() show the word and the queue; the lock observer
// (internal/lock_observer.h) is told of queueing and wake-ups and can hold a woken thread back.
// The observer costs one load on the slow path when none is installed.
#ifndef LOCKBENCH_LOCKIMPLS_PUSH_LOCK_H_
#define LOCKBENCH_LOCKIMPLS_PUSH_LOCK_H_

#include <cstdint>

#include "lockimpls/internal/lock_checks.h"
#include "lockimpls/internal/step_hook.h"
#include "lockimpls/internal/wait_block_lock.h"
#include "lockimpls/lock_concept.h"

namespace lockbench {

// Polls of its own wait block a push-lock waiter makes before it sleeps, for every push lock in
// the process. Default 1024 (ReactOS' value; Windows' is unknown), 0 on a one-CPU machine.
std::uint32_t PushLockSpinCount();
void SetPushLockSpinCount(std::uint32_t spins);

namespace internal {

struct PushLockFlavor {
  static std::uint32_t SpinCount() { return PushLockSpinCount(); }
  static constexpr std::string_view kComponent = "PushLock";
  static constexpr const char* kReentryMessage =
      "push lock re-acquired by the thread that holds it exclusive "
      "(not recursive: this hangs on Windows)";
  static constexpr std::string_view kFairness =
      "not fair: woken waiters re-compete with newcomers (barging); new readers "
      "queue behind any waiter";
  // FltAcquirePushLock*: IRQL <= APC_LEVEL, in a critical region.
  static constexpr HolderLevel kHolderLevel = HolderLevel::kPassive;
};

}  // namespace internal

class HookedPushLock;

class PushLock final
    : public internal::WaitBlockLock<internal::PushLockFlavor, internal::kCheckedLocks> {
 public:
  // The same lock with a step hook before each atomic operation and futex call, which torture
  // mode runs in its place (internal/step_hook.h).
  using Hooked = HookedPushLock;
  static constexpr LockSetting kSettings[] = {
      {"spin_count", "polls of its wait block before a waiter sleeps (default 1024, 0 on one CPU)",
       1'000'000, &PushLockSpinCount, &SetPushLockSpinCount}};
  static constexpr LockTraits kTraits = internal::WaitBlockLockTraits<internal::PushLockFlavor>(
      "push_lock", "Windows kernel push lock (EX_PUSH_LOCK): one word, stack wait blocks");
};

class HookedPushLock final : public internal::WaitBlockLock<internal::PushLockFlavor,
                                                        internal::kCheckedLocks,
                                                        internal::HookedAtoms> {
 public:
  static constexpr LockTraits kTraits = PushLock::kTraits;
};

// The same lock with the re-entry check compiled in, whatever the build.
class CheckedPushLock final : public internal::WaitBlockLock<internal::PushLockFlavor, true> {
 public:
  static constexpr LockTraits kTraits = internal::WaitBlockLockTraits<internal::PushLockFlavor>(
      "push_lock_checked", "push lock that aborts on exclusive re-entry (checked build)");
};

static_assert(BenchLock<PushLock>);
static_assert(BenchLock<HookedPushLock>);
static_assert(BenchLock<CheckedPushLock>);
static_assert(sizeof(PushLock) == 8 && PushLock::kTraits.size_bytes == 8);
static_assert(sizeof(CheckedPushLock) == 8);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_PUSH_LOCK_H_
