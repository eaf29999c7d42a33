// The lock front shared by PushLock and SrwLock: the standard lock names over a WaitBlockWord,
// plus the re-entry check of checked builds. `Atoms` is RealAtoms but for torture mode's hooked
// copies (internal/step_hook.h). A Flavor supplies what differs between the two:
//   static std::uint32_t SpinCount();            // polls before a waiter sleeps
//   static constexpr std::string_view kComponent;  // names the lock in a failed check
//   static constexpr const char* kReentryMessage; // printed when a checked build catches re-entry
//   static constexpr std::string_view kFairness;  // LockTraits::fairness
//   static constexpr HolderLevel kHolderLevel;    // LockTraits::holder_level
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_WAIT_BLOCK_LOCK_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_WAIT_BLOCK_LOCK_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "lockimpls/internal/check.h"
#include "lockimpls/internal/lock_checks.h"
#include "lockimpls/internal/wait_block_word.h"
#include "lockimpls/lock_concept.h"

namespace lockbench::internal {

template <class Flavor, bool kChecked, class Atoms = RealAtoms>
class WaitBlockLock {
 public:
  static constexpr bool kCheckedBuild = kChecked;

  constexpr WaitBlockLock() noexcept = default;
  WaitBlockLock(const WaitBlockLock&) = delete;
  WaitBlockLock& operator=(const WaitBlockLock&) = delete;

  void lock() {
    if (!word_.TryLock()) [[unlikely]] {
      CheckNotHeldExclusive();
      word_.LockSlow(Flavor::SpinCount());
    }
    if constexpr (kChecked) NoteExclusiveHeld(this);
  }
  // REQUIRES: held exclusive by the calling thread.
  void unlock() noexcept {
    if constexpr (kChecked) NoteExclusiveReleased(this);
    word_.Unlock();
  }
  void lock_shared() {
    if (!word_.TryLockSharedFast()) [[unlikely]] {
      CheckNotHeldExclusive();
      word_.LockSharedSlow(Flavor::SpinCount());
    }
  }
  // REQUIRES: held shared by the calling thread.
  void unlock_shared() noexcept { word_.UnlockShared(); }
  // Releases a hold of either kind, as ExReleasePushLock and FltReleasePushLock do.
  // REQUIRES: held by the calling thread.
  void ReleaseEither() noexcept {
    if constexpr (kChecked) NoteExclusiveReleased(this);
    word_.UnlockEither();
  }
  bool try_lock() noexcept {
    const bool acquired = word_.TryLock();
    if constexpr (kChecked) {
      if (acquired) NoteExclusiveHeld(this);
    }
    return acquired;
  }
  bool try_lock_shared() noexcept { return word_.TryLockShared(); }

  // The lock word, for tests and diagnostics: 0 free, 0x1 exclusive, (N << 4) | 1 for N shared
  // owners while nobody waits; with waiters, a wait-block address plus flag bits.
  std::uintptr_t RawWord() const noexcept { return word_.RawWord(); }
  // See WaitBlockWord::WaitersForTest.
  std::vector<WaiterInfo> WaitersForTest() { return word_.WaitersForTest(); }

 private:
  void CheckNotHeldExclusive() const {
    if constexpr (kChecked) {
      LOCKBENCH_CHECK(!HoldsExclusive(this), Flavor::kComponent, Flavor::kReentryMessage);
    }
  }

  BasicWaitBlockWord<Atoms> word_;
};

// The traits of a WaitBlockLock<Flavor>: one word, no recursion, no owner query.
template <class Flavor>
constexpr LockTraits WaitBlockLockTraits(std::string_view name, std::string_view description) {
  return {
      .name = name,
      .description = description,
      .size_bytes = sizeof(WaitBlockWord),
      .recursion = Recursion::kNone,
      .fairness = Flavor::kFairness,
      .owner_query = false,
      .holder_level = Flavor::kHolderLevel,
      .waiters = WaitKind::kSpinThenSleep,
  };
}

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_WAIT_BLOCK_LOCK_H_
