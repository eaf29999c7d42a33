// The out-of-line members of BasicCacheAwarePushLock (cache_aware_push_lock.h), as templates over
// the policy `Atoms` (internal/atoms.h). Include this only where the lock is instantiated:
// cache_aware_push_lock.cc for production, the schedule tests for theirs. The rules implemented
// here are those of lockimpls/SEMANTICS.md, "Cache-aware push lock"; each slot's word follows
// "Push lock" (internal/wait_block_word_impl.h).
#ifndef LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_IMPL_H_
#define LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_IMPL_H_

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>

#include "lockimpls/cache_aware_push_lock.h"
#include "lockimpls/internal/atoms.h"
#include "lockimpls/internal/check.h"
#include "lockimpls/internal/lock_checks.h"
#include "lockimpls/push_lock.h"

namespace lockbench::internal {

// What every instantiation shares, defined in cache_aware_push_lock.cc: the slot allocator
// (SetSlotAllocatorForTest), the processor number a shared acquire sees (SetCpuForTest), and the
// calling thread's table of shared holds, which records the slot each acquire took for its
// release. The table is per thread, not shared memory, so its updates are no scheduling points.
void* AllocateSlotMemory(std::size_t bytes, std::size_t alignment) noexcept;
void FreeSlotMemory(void* p, std::size_t alignment) noexcept;
unsigned CacheAwareCurrentCpu() noexcept;

namespace cache_aware_detail {

// The calling thread's shared holds of cache-aware push locks: which slot each acquire took.
// Searched newest first, so a thread's nested shared holds of one lock release in LIFO order
// (any order would do: every entry of one lock is a shared hold on some slot of it).
struct SharedHold {
  const void* lock;
  std::uint32_t slot;
};
struct SharedHoldTable {
  SharedHold holds[CacheAwarePushLock::kMaxSharedHolds];
  int size = 0;
};
extern thread_local SharedHoldTable shared_holds;

// Aborts when the table is full.
void RememberSharedHold(const void* lock, std::uint32_t slot);

// The slot of the calling thread's newest shared hold of `lock`, forgotten; aborts if none.
// Inline, as the release's whole bookkeeping.
inline std::uint32_t ForgetSharedHold(const void* lock) {
  SharedHoldTable& t = shared_holds;
  for (int i = t.size - 1; i >= 0; --i) {
    if (t.holds[i].lock == lock) {
      const std::uint32_t slot = t.holds[i].slot;
      t.holds[i] = t.holds[--t.size];
      return slot;
    }
  }
  Fatal("CacheAwarePushLock",
        "shared release by a thread that holds no shared hold of this lock (release on another "
        "thread, or a release without an acquire)");
}

}  // namespace cache_aware_detail

template <class Atoms>
typename BasicCacheAwarePushLock<Atoms>::Slot* BasicCacheAwarePushLock<Atoms>::AllocateSlots(
    std::uint32_t slot_count) noexcept {
  void* raw = AllocateSlotMemory(slot_count * sizeof(Slot), alignof(Slot));
  if (raw == nullptr) return nullptr;
  Slot* slots = static_cast<Slot*>(raw);
  for (std::uint32_t i = 0; i < slot_count; ++i) ::new (static_cast<void*>(&slots[i])) Slot;
  return slots;
}

template <class Atoms>
BasicCacheAwarePushLock<Atoms>::BasicCacheAwarePushLock(std::uint32_t slots)
    : slots_(nullptr), slot_count_(slots) {
  LOCKBENCH_CHECK(slots >= 1, "CacheAwarePushLock", "a cache-aware push lock needs a slot");
  slots_ = AllocateSlots(slots);
  LOCKBENCH_CHECK(slots_ != nullptr, "CacheAwarePushLock",
                  "cannot allocate " + std::to_string(slots) + " slots");
}

template <class Atoms>
BasicCacheAwarePushLock<Atoms>::~BasicCacheAwarePushLock() {
  if (slots_ == nullptr) return;
  for (std::uint32_t i = 0; i < slot_count_; ++i) slots_[i].~Slot();
  FreeSlotMemory(slots_, alignof(Slot));
}

template <class Atoms>
BasicCacheAwarePushLock<Atoms>* BasicCacheAwarePushLock<Atoms>::TryMake(
    std::uint32_t slots) noexcept {
  if (slots == 0) return nullptr;
  void* raw = AllocateSlotMemory(sizeof(BasicCacheAwarePushLock), alignof(BasicCacheAwarePushLock));
  if (raw == nullptr) return nullptr;
  Slot* array = AllocateSlots(slots);
  if (array == nullptr) {
    FreeSlotMemory(raw, alignof(BasicCacheAwarePushLock));
    return nullptr;
  }
  return ::new (raw) BasicCacheAwarePushLock(array, slots);
}

template <class Atoms>
void BasicCacheAwarePushLock<Atoms>::Free(BasicCacheAwarePushLock* lock) noexcept {
  if (lock == nullptr) return;
  lock->~BasicCacheAwarePushLock();
  FreeSlotMemory(lock, alignof(BasicCacheAwarePushLock));
}

template <class Atoms>
void BasicCacheAwarePushLock<Atoms>::CheckNotHeldExclusive() const {
  if constexpr (kCheckedLocks) {
    LOCKBENCH_CHECK(!HoldsExclusive(this), "CacheAwarePushLock",
                    "cache-aware push lock re-acquired by the thread that holds it exclusive "
                    "(not recursive: this hangs on Windows)");
  }
}

// Windows 10's order (SEMANTICS.md, "Cache-aware push lock"): slot 0 blocking, then the rest
// upward by tries; a busy slot sends the acquirer to the highest slot not yet taken (blocking
// there if it must) before it tries the busy one again. Slot 0 is held throughout, so a second
// exclusive acquirer waits there holding nothing and none can hold a slot another waits for.
template <class Atoms>
void BasicCacheAwarePushLock<Atoms>::lock() {
  CheckNotHeldExclusive();
  std::uint32_t low = 0;  // the next slot to try upward
  // The planted bug treats slot 0 as any other slot: tried, and passed over for the top when
  // busy, so two acquirers can each hold a slot the other blocks on.
  if constexpr (Atoms::kPlanted != PlantedBug::kCacheAwareSlotZeroNotFirst) {
    if (!slots_[0].word.TryLock()) [[unlikely]] slots_[0].word.LockSlow(PushLockSpinCount());
    low = 1;
  }
  std::uint32_t high = slot_count_;  // slots [high, slot_count_) are taken from the top
  while (low < high) {
    if (slots_[low].word.TryLock()) [[likely]] {
      ++low;
      continue;
    }
    --high;
    if (!slots_[high].word.TryLock()) slots_[high].word.LockSlow(PushLockSpinCount());
  }
  if constexpr (kCheckedLocks) NoteExclusiveHeld(this);
}

template <class Atoms>
void BasicCacheAwarePushLock<Atoms>::unlock() noexcept {
  if constexpr (kCheckedLocks) NoteExclusiveReleased(this);
  for (std::uint32_t i = 0; i < slot_count_; ++i) slots_[i].word.Unlock();
}

template <class Atoms>
bool BasicCacheAwarePushLock<Atoms>::try_lock() noexcept {
  for (std::uint32_t i = 0; i < slot_count_; ++i) {
    if (!slots_[i].word.TryLock()) {
      while (i-- > 0) slots_[i].word.Unlock();
      return false;
    }
  }
  if constexpr (kCheckedLocks) NoteExclusiveHeld(this);
  return true;
}

template <class Atoms>
void BasicCacheAwarePushLock<Atoms>::lock_shared() {
  const std::uint32_t slot = SlotOfCpu(CacheAwareCurrentCpu());
  BasicWaitBlockWord<Atoms>& word = slots_[slot].word;
  if (!word.TryLockSharedFast()) [[unlikely]] {
    CheckNotHeldExclusive();
    word.LockSharedSlow(PushLockSpinCount());
  }
  cache_aware_detail::RememberSharedHold(this, slot);
}

template <class Atoms>
bool BasicCacheAwarePushLock<Atoms>::try_lock_shared() noexcept {
  const std::uint32_t slot = SlotOfCpu(CacheAwareCurrentCpu());
  if (!slots_[slot].word.TryLockShared()) return false;
  cache_aware_detail::RememberSharedHold(this, slot);
  return true;
}

template <class Atoms>
void BasicCacheAwarePushLock<Atoms>::unlock_shared() noexcept {
  slots_[cache_aware_detail::ForgetSharedHold(this)].word.UnlockShared();
}

template <class Atoms>
std::uintptr_t BasicCacheAwarePushLock<Atoms>::SlotWordForTest(std::uint32_t i) const noexcept {
  return slots_[i].word.RawWord();
}

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_IMPL_H_
