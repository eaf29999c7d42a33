// The machinery shared by the push lock (EX_PUSH_LOCK) and the SRWLOCK emulation: one
// pointer-sized word plus wait blocks that waiters build on their own stacks. The rules are
// those of lockimpls/SEMANTICS.md, "Push lock"; this file is where they are implemented once.
//
// Word: bit 0 Locked (exclusive or shared hold), bit 1 Waiting (the bits above 3 then point to
// the newest wait block), bit 2 Waking (one thread owns the right to tidy the list and wake),
// bit 3 MultipleShared (the share count lives in the oldest wait block), bits 4+ the share
// count while nobody waits. Free = 0, exclusive = 0x1, N shared = (N << 4) | 1. Invariant:
// Waking and MultipleShared are set only while Waiting is; MultipleShared only while Locked is.
//
// List: new wait blocks are pushed at the head; a block's `next` is the next older one. The
// first block that joins an empty list caches itself as `last` (the oldest); later blocks start
// with no cache and `previous` links (newer neighbour) are unset until a tidying pass, run by
// whoever holds Waking, walks from the head to the first cached `last`, fills in `previous` on
// the way and caches `last` in the head. Only the Waking holder removes blocks, so holding
// Waking makes the list stable; while Locked stays set with MultipleShared, blocks are not
// removed either, which lets shared releasers find the oldest block without Waking.
//
// Release with waiters: the last owner clears Locked and, unless Waking is already set, sets
// it and wakes. The waker gives up if someone has taken the lock since (that owner's release
// wakes instead). If the oldest waiter is exclusive and others are queued, only it is unlinked
// and woken; otherwise the whole list is detached and every waiter woken, oldest first. Woken
// threads are not granted anything: they compete again with newcomers. A tidier that finds the
// lock released when it gives Waking back wakes in place of the releaser that skipped it.
//
// Shared acquire: if Locked is clear it sets Locked, with a share count of one if nobody waits,
// or bare (no count) if waiters are queued, so that hold is released like an exclusive one and
// keeps other readers out, as SRWLOCK is known to do (microsoft/STL issue 4448). If the lock is
// held shared and nobody waits it adds 0x10. Otherwise it queues.
//
// Waiting: a waiter polls its own block `spin_count` times, then announces it is sleeping and
// sleeps on the block's futex word. The waker clears the block's waiting bit with one exchange
// and issues a futex wake only when the waiter has announced sleep, and never touches the block
// afterwards (the waiter may already have returned and reused that stack).
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_WAIT_BLOCK_WORD_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_WAIT_BLOCK_WORD_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "lockimpls/internal/atoms.h"
#include "lockimpls/internal/lock_observer.h"
#include "lockimpls/internal/step_hook.h"

namespace lockbench::internal {

// The word's bits, shared by every instantiation of BasicWaitBlockWord.
struct WaitBlockBits {
  static constexpr std::uintptr_t kLocked = 0x1;
  static constexpr std::uintptr_t kWaiting = 0x2;
  static constexpr std::uintptr_t kWaking = 0x4;
  static constexpr std::uintptr_t kMultipleShared = 0x8;
  static constexpr std::uintptr_t kFlagMask = 0xF;
  static constexpr std::uintptr_t kShareUnit = 0x10;
  static constexpr int kShareShift = 4;
};

// One waiter's queue entry; defined in wait_block_word_impl.h.
template <class Atoms>
struct BasicWaitBlock;

// The word over the atomics and futex calls of `Atoms` (internal/atoms.h). Production uses
// WaitBlockWord, over RealAtoms; the out-of-line members live in wait_block_word_impl.h and are
// instantiated for RealAtoms in wait_block_word.cc, and for the schedule tests' policies there.
template <class Atoms>
class BasicWaitBlockWord : public WaitBlockBits {
 public:
  constexpr BasicWaitBlockWord() noexcept = default;
  BasicWaitBlockWord(const BasicWaitBlockWord&) = delete;
  BasicWaitBlockWord& operator=(const BasicWaitBlockWord&) = delete;

  // Exclusive acquire succeeds whenever Locked is clear: one atomic OR (lock bts on x86).
  bool TryLock() noexcept {
    return (word_.fetch_or(kLocked, std::memory_order_acquire) & kLocked) == 0;
  }
  // REQUIRES: a TryLock just failed. Returns holding the lock exclusive.
  void LockSlow(std::uint32_t spin_count);
  void Unlock() noexcept {
    std::uintptr_t expected = kLocked;
    if (!word_.compare_exchange_strong(expected, 0, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      ReleaseAndWake(expected);
    }
  }

  // The uncontended shared acquire: free -> one shared owner, one compare-and-swap.
  bool TryLockSharedFast() noexcept {
    std::uintptr_t expected = 0;
    return word_.compare_exchange_strong(expected, kLocked | kShareUnit, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }
  // Never waits; may retry a compare-and-swap that lost a race.
  bool TryLockShared() noexcept;
  // Returns holding the lock shared.
  void LockSharedSlow(std::uint32_t spin_count);
  void UnlockShared() noexcept {
    std::uintptr_t expected = kLocked | kShareUnit;
    if (!word_.compare_exchange_strong(expected, 0, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      UnlockSharedSlow(expected);
    }
  }

  // Releases a hold of either kind. An exclusive hold is the only one that leaves neither a
  // share count nor waiters in the word; with waiters, UnlockShared releases either kind
  // correctly (MultipleShared is set only under shared holds).
  void UnlockEither() noexcept {
    const std::uintptr_t word = word_.load(std::memory_order_relaxed);
    if (!(word & kWaiting) && (word >> kShareShift) == 0) {
      Unlock();
    } else {
      UnlockShared();
    }
  }

  std::uintptr_t RawWord() const noexcept { return word_.load(std::memory_order_acquire); }

  // The queued waiters, oldest first, read while holding Waking. Waits (yielding) while
  // another thread holds Waking, or while waiters are queued behind a free lock (a woken waiter
  // is on its way), so call it while the lock is held or has no waiters. For tests.
  std::vector<WaiterInfo> WaitersForTest();

 private:
  using WaitBlock = BasicWaitBlock<Atoms>;

  static WaitBlock* HeadOf(std::uintptr_t word) {
    return reinterpret_cast<WaitBlock*>(word & ~kFlagMask);
  }

  std::uintptr_t PrepareToQueue(WaitBlock* block, std::uintptr_t old, bool* tidy);
  void AfterQueued(WaitBlock* block, bool tidy, std::uint32_t spin_count);
  void UnlockSharedSlow(std::uintptr_t old) noexcept;
  void ReleaseAndWake(std::uintptr_t old) noexcept;
  void ReleaseWaking() noexcept;
  void Wake() noexcept;

  typename Atoms::template Atomic<std::uintptr_t> word_{0};
};

using WaitBlockWord = BasicWaitBlockWord<RealAtoms>;
extern template class BasicWaitBlockWord<RealAtoms>;
extern template class BasicWaitBlockWord<HookedAtoms>;

static_assert(sizeof(WaitBlockWord) == sizeof(void*));

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_WAIT_BLOCK_WORD_H_
