#include "lockimpls/cache_aware_push_lock.h"

#include <sched.h>

#include <atomic>
#include <new>
#include <string>

#include "lockimpls/internal/check.h"
#include "lockimpls/push_lock.h"

namespace lockbench {
namespace {

void* DefaultAllocate(std::size_t bytes, std::size_t alignment) {
  return ::operator new(bytes, std::align_val_t(alignment), std::nothrow);
}
void DefaultDeallocate(void* p, std::size_t alignment) {
  ::operator delete(p, std::align_val_t(alignment));
}

std::atomic<internal::SlotAllocator> slot_allocate{&DefaultAllocate};
std::atomic<internal::SlotDeallocator> slot_deallocate{&DefaultDeallocate};

// The calling thread's shared holds of cache-aware push locks: which slot each acquire took.
// Searched newest first, so a thread's nested shared holds of one lock release in LIFO order
// (any order would do: every entry of one lock is a shared hold on some slot of it).
struct SharedHold {
  const CacheAwarePushLock* lock;
  std::uint32_t slot;
};
struct SharedHoldTable {
  SharedHold holds[CacheAwarePushLock::kMaxSharedHolds];
  int size = 0;
};
thread_local SharedHoldTable shared_holds;

void RememberSharedHold(const CacheAwarePushLock* lock, std::uint32_t slot) {
  SharedHoldTable& t = shared_holds;
  LOCKBENCH_CHECK(t.size < CacheAwarePushLock::kMaxSharedHolds, "CacheAwarePushLock",
                  "a thread holds more than " +
                      std::to_string(CacheAwarePushLock::kMaxSharedHolds) +
                      " cache-aware push locks shared at once");
  t.holds[t.size++] = {lock, slot};
}

std::uint32_t ForgetSharedHold(const CacheAwarePushLock* lock) {
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

thread_local int cpu_for_test = -1;

unsigned CurrentCpu() {
  const int cpu = cpu_for_test >= 0 ? cpu_for_test : sched_getcpu();
  return cpu < 0 ? 0u : static_cast<unsigned>(cpu);
}

}  // namespace

namespace internal {

void SetSlotAllocatorForTest(SlotAllocator allocate, SlotDeallocator deallocate) {
  slot_allocate.store(allocate != nullptr ? allocate : &DefaultAllocate);
  slot_deallocate.store(deallocate != nullptr ? deallocate : &DefaultDeallocate);
}

void SetCpuForTest(int cpu) { cpu_for_test = cpu; }

}  // namespace internal

CacheAwarePushLock::Slot* CacheAwarePushLock::AllocateSlots(std::uint32_t slot_count) noexcept {
  void* raw = slot_allocate.load()(slot_count * sizeof(Slot), alignof(Slot));
  if (raw == nullptr) return nullptr;
  Slot* slots = static_cast<Slot*>(raw);
  for (std::uint32_t i = 0; i < slot_count; ++i) ::new (static_cast<void*>(&slots[i])) Slot;
  return slots;
}

CacheAwarePushLock::CacheAwarePushLock(std::uint32_t slots)
    : slots_(nullptr), slot_count_(slots) {
  LOCKBENCH_CHECK(slots >= 1, "CacheAwarePushLock", "a cache-aware push lock needs a slot");
  slots_ = AllocateSlots(slots);
  LOCKBENCH_CHECK(slots_ != nullptr, "CacheAwarePushLock",
                  "cannot allocate " + std::to_string(slots) + " slots");
}

CacheAwarePushLock::~CacheAwarePushLock() {
  if (slots_ == nullptr) return;
  for (std::uint32_t i = 0; i < slot_count_; ++i) slots_[i].~Slot();
  slot_deallocate.load()(slots_, alignof(Slot));
}

CacheAwarePushLock* CacheAwarePushLock::TryMake(std::uint32_t slots) noexcept {
  if (slots == 0) return nullptr;
  void* raw = slot_allocate.load()(sizeof(CacheAwarePushLock), alignof(CacheAwarePushLock));
  if (raw == nullptr) return nullptr;
  Slot* array = AllocateSlots(slots);
  if (array == nullptr) {
    slot_deallocate.load()(raw, alignof(CacheAwarePushLock));
    return nullptr;
  }
  return ::new (raw) CacheAwarePushLock(array, slots);
}

void CacheAwarePushLock::Free(CacheAwarePushLock* lock) noexcept {
  if (lock == nullptr) return;
  lock->~CacheAwarePushLock();
  slot_deallocate.load()(lock, alignof(CacheAwarePushLock));
}

void CacheAwarePushLock::CheckNotHeldExclusive() const {
  if constexpr (internal::kCheckedLocks) {
    LOCKBENCH_CHECK(!internal::HoldsExclusive(this), "CacheAwarePushLock",
                    "cache-aware push lock re-acquired by the thread that holds it exclusive "
                    "(not recursive: this hangs on Windows)");
  }
}

// Windows 10's order (SEMANTICS.md, "Cache-aware push lock"): slot 0 blocking, then the rest
// upward by tries; a busy slot sends the acquirer to the highest slot not yet taken (blocking
// there if it must) before it tries the busy one again. Slot 0 is held throughout, so a second
// exclusive acquirer waits there holding nothing and none can hold a slot another waits for.
void CacheAwarePushLock::lock() {
  CheckNotHeldExclusive();
  if (!slots_[0].word.TryLock()) [[unlikely]] slots_[0].word.LockSlow(PushLockSpinCount());
  std::uint32_t low = 1;            // the next slot to try upward
  std::uint32_t high = slot_count_; // slots [high, slot_count_) are taken from the top
  while (low < high) {
    if (slots_[low].word.TryLock()) [[likely]] {
      ++low;
      continue;
    }
    --high;
    if (!slots_[high].word.TryLock()) slots_[high].word.LockSlow(PushLockSpinCount());
  }
  if constexpr (internal::kCheckedLocks) internal::NoteExclusiveHeld(this);
}

void CacheAwarePushLock::unlock() noexcept {
  if constexpr (internal::kCheckedLocks) internal::NoteExclusiveReleased(this);
  for (std::uint32_t i = 0; i < slot_count_; ++i) slots_[i].word.Unlock();
}

bool CacheAwarePushLock::try_lock() noexcept {
  for (std::uint32_t i = 0; i < slot_count_; ++i) {
    if (!slots_[i].word.TryLock()) {
      while (i-- > 0) slots_[i].word.Unlock();
      return false;
    }
  }
  if constexpr (internal::kCheckedLocks) internal::NoteExclusiveHeld(this);
  return true;
}

void CacheAwarePushLock::lock_shared() {
  const std::uint32_t slot = SlotOfCpu(CurrentCpu());
  internal::WaitBlockWord& word = slots_[slot].word;
  if (!word.TryLockSharedFast()) [[unlikely]] {
    CheckNotHeldExclusive();
    word.LockSharedSlow(PushLockSpinCount());
  }
  RememberSharedHold(this, slot);
}

bool CacheAwarePushLock::try_lock_shared() noexcept {
  const std::uint32_t slot = SlotOfCpu(CurrentCpu());
  if (!slots_[slot].word.TryLockShared()) return false;
  RememberSharedHold(this, slot);
  return true;
}

void CacheAwarePushLock::unlock_shared() noexcept {
  slots_[ForgetSharedHold(this)].word.UnlockShared();
}

std::uintptr_t CacheAwarePushLock::SlotWordForTest(std::uint32_t i) const noexcept {
  return slots_[i].word.RawWord();
}

}  // namespace lockbench
