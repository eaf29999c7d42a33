// The out-of-line members of BasicWaitBlockWord (internal/wait_block_word.h), as templates over
// the policy `Atoms` (internal/atoms.h). Include this only where the word is instantiated:
// wait_block_word.cc for production, the schedule tests for theirs. The rules implemented here
// are those of lockimpls/SEMANTICS.md, "Push lock".
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_WAIT_BLOCK_WORD_IMPL_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_WAIT_BLOCK_WORD_IMPL_H_

#include <pthread.h>

#include <algorithm>

#include "lockimpls/internal/atoms.h"
#include "lockimpls/internal/lock_observer.h"
#include "lockimpls/internal/wait_block_word.h"

namespace lockbench::internal {

namespace wait_block_detail {

// Bits of a wait block's futex word.
constexpr std::uint32_t kStillWaiting = 0x1;  // cleared by the waker
constexpr std::uint32_t kSleeping = 0x2;      // set by the waiter before it sleeps

}  // namespace wait_block_detail

// Lives on the waiting thread's stack for one wait; 16-byte alignment frees the low four bits
// of its address for the word's flags. Links are atomics because tidiers, wakers and shared
// releasers read them while other threads write them; `exclusive` and `thread` are written
// before the block is published and never change while it is linked.
template <class Atoms>
struct alignas(16) BasicWaitBlock {
  template <class T>
  using Atomic = typename Atoms::template Atomic<T>;

  Atomic<BasicWaitBlock*> next{nullptr};
  Atomic<BasicWaitBlock*> last{nullptr};
  Atomic<BasicWaitBlock*> previous{nullptr};
  Atomic<std::uintptr_t> share_count{0};
  Atomic<std::uint32_t> state{wait_block_detail::kStillWaiting};
  bool exclusive = false;
  std::uintptr_t thread = 0;

  WaiterInfo Info() const {
    return {exclusive, thread, share_count.load(std::memory_order_relaxed)};
  }
};

static_assert(alignof(BasicWaitBlock<RealAtoms>) == 16 &&
                  (WaitBlockBits::kFlagMask & 15) == WaitBlockBits::kFlagMask,
              "the word keeps its flags in the low bits of a wait-block address");

namespace wait_block_detail {

// REQUIRES: the caller holds Waking, or holds the lock while MultipleShared is set.
// Returns the oldest block; the head's cache is filled in only by a Waking holder.
template <class WaitBlock>
WaitBlock* FindOldest(WaitBlock* head) {
  WaitBlock* b = head;
  WaitBlock* last;
  while ((last = b->last.load(std::memory_order_acquire)) == nullptr) {
    b = b->next.load(std::memory_order_acquire);
  }
  return last;
}

// REQUIRES: the caller holds Waking. Fills in `previous` from the head down to the first block
// with a cached `last` (everything older was linked by an earlier pass) and caches the oldest
// in the head. Returns the oldest.
template <class WaitBlock>
WaitBlock* Tidy(WaitBlock* head) {
  WaitBlock* b = head;
  WaitBlock* last;
  while ((last = b->last.load(std::memory_order_acquire)) == nullptr) {
    WaitBlock* older = b->next.load(std::memory_order_acquire);
    older->previous.store(b, std::memory_order_relaxed);
    b = older;
  }
  if (b != head) head->last.store(last, std::memory_order_release);
  return last;
}

// Lets the waiter of `block` go. The block may be gone as soon as the exchange lands: the wake
// after it only names the address.
template <class Atoms>
void Signal(const void* lock, BasicWaitBlock<Atoms>* block) {
  if (LockObserver* o = InstalledLockObserver()) {
    ReportWaiterEvent(o, LockEvent::kWakeIssued, lock, block->exclusive, block->thread,
                      block->share_count.load(std::memory_order_relaxed));
  }
  auto* state = &block->state;
  if (state->exchange(0, std::memory_order_release) & kSleeping) {
    if constexpr (Atoms::kPlanted != PlantedBug::kDropWake) Atoms::FutexWake(state, 1);
  }
}

template <class Atoms>
void WaitOnBlock(BasicWaitBlock<Atoms>* block, std::uint32_t spin_count) {
  for (std::uint32_t i = 0; i < spin_count; ++i) {
    if (!(block->state.load(std::memory_order_acquire) & kStillWaiting)) return;
    Atoms::Relax();
  }
  if (!(block->state.fetch_or(kSleeping, std::memory_order_acquire) & kStillWaiting)) return;
  while (block->state.load(std::memory_order_acquire) & kStillWaiting) {
    Atoms::FutexWait(&block->state, kStillWaiting | kSleeping);
  }
}

inline std::uintptr_t ShareCount(std::uintptr_t word) { return word >> WaitBlockBits::kShareShift; }

// The word after a shared acquisition from `old`, or 0 when the caller must queue instead. A
// free lock is taken, with no share count while waiters are queued (the reader then holds it
// alone); a shared-owned lock gains an owner unless someone waits.
inline std::uintptr_t SharedAcquireWord(std::uintptr_t old) {
  using W = WaitBlockBits;
  if (!(old & W::kLocked)) {
    return (old & W::kWaiting) ? (old | W::kLocked) : (W::kLocked | W::kShareUnit);
  }
  if (!(old & W::kWaiting) && ShareCount(old) > 0) return old + W::kShareUnit;
  return 0;
}

}  // namespace wait_block_detail

template <class Atoms>
std::uintptr_t BasicWaitBlockWord<Atoms>::PrepareToQueue(WaitBlock* block, std::uintptr_t old, bool* tidy) {
  std::uintptr_t next_word = reinterpret_cast<std::uintptr_t>(block) | kWaiting |
                             (old & (kLocked | kWaking | kMultipleShared));
  *tidy = false;
  if (old & kWaiting) {
    block->next.store(HeadOf(old), std::memory_order_relaxed);
    block->last.store(nullptr, std::memory_order_relaxed);
    block->share_count.store(0, std::memory_order_relaxed);
    if (!(old & kWaking)) {
      next_word |= kWaking;
      *tidy = true;
    }
  } else {
    // First waiter: it takes over the share count, so later shared releases count down in
    // this block and only the last one clears Locked.
    block->next.store(nullptr, std::memory_order_relaxed);
    block->last.store(block, std::memory_order_relaxed);
    std::uintptr_t shares = wait_block_detail::ShareCount(old);
    block->share_count.store(shares, std::memory_order_relaxed);
    if (shares > 1) next_word |= kMultipleShared;
  }
  return next_word;
}

template <class Atoms>
void BasicWaitBlockWord<Atoms>::AfterQueued(WaitBlock* block, bool tidy, std::uint32_t spin_count) {
  if (tidy) {
    wait_block_detail::Tidy(HeadOf(word_.load(std::memory_order_acquire)));
    ReleaseWaking();
  }
  LockObserver* o = InstalledLockObserver();
  if (o != nullptr) {
    ReportWaiterEvent(o, LockEvent::kQueued, this, block->exclusive, block->thread,
                      block->share_count.load(std::memory_order_relaxed));
  }
  wait_block_detail::WaitOnBlock(block, spin_count);
  if (o != nullptr) {
    ReportWaiterEvent(o, LockEvent::kWoken, this, block->exclusive, block->thread, 0);
  }
}

template <class Atoms>
void BasicWaitBlockWord<Atoms>::LockSlow(std::uint32_t spin_count) {
  const std::uintptr_t self = static_cast<std::uintptr_t>(pthread_self());
  for (;;) {
    typename Atoms::template Local<WaitBlock> block;
    block->exclusive = true;
    block->thread = self;
    bool tidy = false;
    std::uintptr_t old = word_.load(std::memory_order_relaxed);
    for (;;) {
      if (!(old & kLocked)) {
        if (word_.compare_exchange_weak(old, old | kLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
          return;
        }
        continue;
      }
      std::uintptr_t next_word = PrepareToQueue(block.get(), old, &tidy);
      if (word_.compare_exchange_weak(old, next_word, std::memory_order_acq_rel,
                                      std::memory_order_relaxed)) {
        break;
      }
    }
    AfterQueued(block.get(), tidy, spin_count);
  }
}

template <class Atoms>
bool BasicWaitBlockWord<Atoms>::TryLockShared() noexcept {
  std::uintptr_t old = 0;
  for (;;) {
    const std::uintptr_t next_word = wait_block_detail::SharedAcquireWord(old);
    if (next_word == 0) return false;
    if (word_.compare_exchange_weak(old, next_word, std::memory_order_acquire,
                                    std::memory_order_relaxed)) {
      return true;
    }
  }
}

template <class Atoms>
void BasicWaitBlockWord<Atoms>::LockSharedSlow(std::uint32_t spin_count) {
  const std::uintptr_t self = static_cast<std::uintptr_t>(pthread_self());
  for (;;) {
    typename Atoms::template Local<WaitBlock> block;
    block->exclusive = false;
    block->thread = self;
    bool tidy = false;
    std::uintptr_t old = word_.load(std::memory_order_relaxed);
    for (;;) {
      if constexpr (Atoms::kPlanted == PlantedBug::kReaderSkipsQueue) {
        if ((old & kLocked) && (old & kMultipleShared)) {
          wait_block_detail::FindOldest(HeadOf(old))->share_count.fetch_add(1);
          return;
        }
      }
      std::uintptr_t next_word = wait_block_detail::SharedAcquireWord(old);
      if (next_word == 0) {
        next_word = PrepareToQueue(block.get(), old, &tidy);
        if (word_.compare_exchange_weak(old, next_word, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
          break;
        }
        continue;
      }
      if (word_.compare_exchange_weak(old, next_word, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
        return;
      }
    }
    AfterQueued(block.get(), tidy, spin_count);
  }
}

template <class Atoms>
void BasicWaitBlockWord<Atoms>::UnlockSharedSlow(std::uintptr_t old) noexcept {
  while (!(old & kWaiting)) {
    std::uintptr_t next_word = wait_block_detail::ShareCount(old) > 1 ? old - kShareUnit : 0;
    if (word_.compare_exchange_weak(old, next_word, std::memory_order_release,
                                    std::memory_order_relaxed)) {
      return;
    }
  }
  // Waiting stays set while this thread holds the lock (only a waker that finds the lock free
  // detaches the list). Reload with acquire: the blocks about to be read were published by
  // the compare-and-swaps that linked them.
  old = word_.load(std::memory_order_acquire);
  if (old & kMultipleShared) {
    // Locked has stayed set since the count moved into the oldest block, so no block has been
    // unlinked and the walk is safe without Waking.
    WaitBlock* oldest = wait_block_detail::FindOldest(HeadOf(old));
    if (oldest->share_count.fetch_sub(1, std::memory_order_acq_rel) > 1) return;
    old = word_.load(std::memory_order_relaxed);
  }
  ReleaseAndWake(old);
}

template <class Atoms>
void BasicWaitBlockWord<Atoms>::ReleaseAndWake(std::uintptr_t old) noexcept {
  for (;;) {
    std::uintptr_t next_word = old & ~(kLocked | kMultipleShared);
    const bool wake = (old & kWaiting) && !(old & kWaking);
    if (wake) next_word |= kWaking;
    if (word_.compare_exchange_weak(old, next_word, std::memory_order_acq_rel,
                                    std::memory_order_relaxed)) {
      if (wake) Wake();
      return;
    }
  }
}

template <class Atoms>
void BasicWaitBlockWord<Atoms>::ReleaseWaking() noexcept {
  std::uintptr_t old = word_.load(std::memory_order_relaxed);
  for (;;) {
    if (!(old & kLocked)) {
      // A release landed while this thread held Waking and left the waking to it.
      Wake();
      return;
    }
    if (word_.compare_exchange_weak(old, old & ~kWaking, std::memory_order_release,
                                    std::memory_order_relaxed)) {
      return;
    }
  }
}

template <class Atoms>
void BasicWaitBlockWord<Atoms>::Wake() noexcept {
  std::uintptr_t old = word_.load(std::memory_order_acquire);
  for (;;) {
    if (old & kLocked) {
      // Someone took the lock meanwhile; its release will wake.
      if (word_.compare_exchange_weak(old, old & ~kWaking, std::memory_order_release,
                                      std::memory_order_acquire)) {
        return;
      }
      continue;
    }
    WaitBlock* head = HeadOf(old);
    WaitBlock* oldest = wait_block_detail::Tidy(head);
    WaitBlock* newer = oldest->previous.load(std::memory_order_relaxed);
    if (oldest->exclusive && newer != nullptr) {
      newer->next.store(nullptr, std::memory_order_relaxed);
      head->last.store(newer, std::memory_order_release);
      while (!word_.compare_exchange_weak(old, old & ~kWaking, std::memory_order_acq_rel,
                                          std::memory_order_relaxed)) {
      }
      wait_block_detail::Signal(this, oldest);
      return;
    }
    if (word_.compare_exchange_weak(old, 0, std::memory_order_acq_rel, std::memory_order_acquire)) {
      // The list is now this thread's alone. Read each link before its waiter is let go.
      for (WaitBlock* b = oldest; b != nullptr;) {
        if constexpr (Atoms::kPlanted == PlantedBug::kUseBlockAfterRelease) {
          wait_block_detail::Signal(this, b);
          b = b == head ? nullptr : b->previous.load(std::memory_order_relaxed);
          continue;
        }
        WaitBlock* next_newer = b == head ? nullptr : b->previous.load(std::memory_order_relaxed);
        wait_block_detail::Signal(this, b);
        b = next_newer;
      }
      return;
    }
  }
}

template <class Atoms>
std::vector<WaiterInfo> BasicWaitBlockWord<Atoms>::WaitersForTest() {
  std::uintptr_t old = word_.load(std::memory_order_acquire);
  for (;;) {
    if (!(old & kWaiting)) return {};
    if ((old & kWaking) || !(old & kLocked)) {
      Atoms::Yield();
      old = word_.load(std::memory_order_acquire);
      continue;
    }
    if (word_.compare_exchange_weak(old, old | kWaking, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      break;
    }
  }
  std::vector<WaiterInfo> waiters;
  for (WaitBlock* b = HeadOf(old); b != nullptr; b = b->next.load(std::memory_order_acquire)) {
    waiters.push_back(b->Info());
  }
  std::reverse(waiters.begin(), waiters.end());
  ReleaseWaking();
  return waiters;
}

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_WAIT_BLOCK_WORD_IMPL_H_
