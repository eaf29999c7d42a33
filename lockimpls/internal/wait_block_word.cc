#include "lockimpls/internal/wait_block_word.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>

#include "lockimpls/internal/futex.h"

namespace lockbench::internal {
namespace {

constinit std::atomic<WaitObserver*> observer{nullptr};

WaitObserver* Observer() { return observer.load(std::memory_order_acquire); }

// Bits of a wait block's futex word.
constexpr std::uint32_t kStillWaiting = 0x1;  // cleared by the waker
constexpr std::uint32_t kSleeping = 0x2;      // set by the waiter before it sleeps

}  // namespace

void SetWaitObserver(WaitObserver* o) { observer.store(o, std::memory_order_release); }

// Lives on the waiting thread's stack for one wait; 16-byte alignment frees the low four bits
// of its address for the word's flags. Links are atomics because tidiers, wakers and shared
// releasers read them while other threads write them; `exclusive` and `thread` are written
// before the block is published and never change while it is linked.
struct alignas(16) WaitBlock {
  std::atomic<WaitBlock*> next{nullptr};
  std::atomic<WaitBlock*> last{nullptr};
  std::atomic<WaitBlock*> previous{nullptr};
  std::atomic<std::uintptr_t> share_count{0};
  std::atomic<std::uint32_t> state{kStillWaiting};
  bool exclusive = false;
  std::uintptr_t thread = 0;

  WaiterInfo Info() const {
    return {exclusive, thread, share_count.load(std::memory_order_relaxed)};
  }
};

static_assert(alignof(WaitBlock) == 16 &&
                  (WaitBlockWord::kFlagMask & 15) == WaitBlockWord::kFlagMask,
              "the word keeps its flags in the low bits of a wait-block address");

namespace {

// REQUIRES: the caller holds Waking, or holds the lock while MultipleShared is set.
// Returns the oldest block; the head's cache is filled in only by a Waking holder.
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
void Signal(const void* lock, WaitBlock* block) {
  if (WaitObserver* o = Observer()) o->OnWakeIssued(lock, block->Info());
  std::atomic<std::uint32_t>* state = &block->state;
  if (state->exchange(0, std::memory_order_release) & kSleeping) FutexWake(state, 1);
}

void WaitOnBlock(WaitBlock* block, std::uint32_t spin_count) {
  for (std::uint32_t i = 0; i < spin_count; ++i) {
    if (!(block->state.load(std::memory_order_acquire) & kStillWaiting)) return;
    CpuRelax();
  }
  if (!(block->state.fetch_or(kSleeping, std::memory_order_acquire) & kStillWaiting)) return;
  while (block->state.load(std::memory_order_acquire) & kStillWaiting) {
    FutexWait(&block->state, kStillWaiting | kSleeping);
  }
}

std::uintptr_t ShareCount(std::uintptr_t word) { return word >> WaitBlockWord::kShareShift; }

// The word after a shared acquisition from `old`, or 0 when the caller must queue instead. A
// free lock is taken, with no share count while waiters are queued (the reader then holds it
// alone); a shared-owned lock gains an owner unless someone waits.
std::uintptr_t SharedAcquireWord(std::uintptr_t old) {
  using W = WaitBlockWord;
  if (!(old & W::kLocked)) {
    return (old & W::kWaiting) ? (old | W::kLocked) : (W::kLocked | W::kShareUnit);
  }
  if (!(old & W::kWaiting) && ShareCount(old) > 0) return old + W::kShareUnit;
  return 0;
}

}  // namespace

std::uintptr_t WaitBlockWord::PrepareToQueue(WaitBlock* block, std::uintptr_t old, bool* tidy) {
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
    std::uintptr_t shares = ShareCount(old);
    block->share_count.store(shares, std::memory_order_relaxed);
    if (shares > 1) next_word |= kMultipleShared;
  }
  return next_word;
}

void WaitBlockWord::AfterQueued(WaitBlock* block, bool tidy, std::uint32_t spin_count) {
  if (tidy) {
    Tidy(HeadOf(word_.load(std::memory_order_acquire)));
    ReleaseWaking();
  }
  WaitObserver* o = Observer();
  if (o != nullptr) o->OnQueued(this, block->Info());
  WaitOnBlock(block, spin_count);
  if (o != nullptr) o->OnWoken(this, block->exclusive);
}

void WaitBlockWord::LockSlow(std::uint32_t spin_count) {
  const std::uintptr_t self = static_cast<std::uintptr_t>(pthread_self());
  for (;;) {
    WaitBlock block;
    block.exclusive = true;
    block.thread = self;
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
      std::uintptr_t next_word = PrepareToQueue(&block, old, &tidy);
      if (word_.compare_exchange_weak(old, next_word, std::memory_order_acq_rel,
                                      std::memory_order_relaxed)) {
        break;
      }
    }
    AfterQueued(&block, tidy, spin_count);
  }
}

bool WaitBlockWord::TryLockShared() noexcept {
  std::uintptr_t old = 0;
  for (;;) {
    const std::uintptr_t next_word = SharedAcquireWord(old);
    if (next_word == 0) return false;
    if (word_.compare_exchange_weak(old, next_word, std::memory_order_acquire,
                                    std::memory_order_relaxed)) {
      return true;
    }
  }
}

void WaitBlockWord::LockSharedSlow(std::uint32_t spin_count) {
  const std::uintptr_t self = static_cast<std::uintptr_t>(pthread_self());
  for (;;) {
    WaitBlock block;
    block.exclusive = false;
    block.thread = self;
    bool tidy = false;
    std::uintptr_t old = word_.load(std::memory_order_relaxed);
    for (;;) {
      std::uintptr_t next_word = SharedAcquireWord(old);
      if (next_word == 0) {
        next_word = PrepareToQueue(&block, old, &tidy);
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
    AfterQueued(&block, tidy, spin_count);
  }
}

void WaitBlockWord::UnlockSharedSlow(std::uintptr_t old) noexcept {
  while (!(old & kWaiting)) {
    std::uintptr_t next_word = ShareCount(old) > 1 ? old - kShareUnit : 0;
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
    WaitBlock* oldest = FindOldest(HeadOf(old));
    if (oldest->share_count.fetch_sub(1, std::memory_order_acq_rel) > 1) return;
    old = word_.load(std::memory_order_relaxed);
  }
  ReleaseAndWake(old);
}

void WaitBlockWord::ReleaseAndWake(std::uintptr_t old) noexcept {
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

void WaitBlockWord::ReleaseWaking() noexcept {
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

void WaitBlockWord::Wake() noexcept {
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
    WaitBlock* oldest = Tidy(head);
    WaitBlock* newer = oldest->previous.load(std::memory_order_relaxed);
    if (oldest->exclusive && newer != nullptr) {
      newer->next.store(nullptr, std::memory_order_relaxed);
      head->last.store(newer, std::memory_order_release);
      while (!word_.compare_exchange_weak(old, old & ~kWaking, std::memory_order_acq_rel,
                                          std::memory_order_relaxed)) {
      }
      Signal(this, oldest);
      return;
    }
    if (word_.compare_exchange_weak(old, 0, std::memory_order_acq_rel, std::memory_order_acquire)) {
      // The list is now this thread's alone. Read each link before its waiter is let go.
      for (WaitBlock* b = oldest; b != nullptr;) {
        WaitBlock* next_newer = b == head ? nullptr : b->previous.load(std::memory_order_relaxed);
        Signal(this, b);
        b = next_newer;
      }
      return;
    }
  }
}

std::vector<WaiterInfo> WaitBlockWord::WaitersForTest() {
  std::uintptr_t old = word_.load(std::memory_order_acquire);
  for (;;) {
    if (!(old & kWaiting)) return {};
    if ((old & kWaking) || !(old & kLocked)) {
      sched_yield();
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
