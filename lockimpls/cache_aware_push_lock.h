// CacheAwarePushLock: an emulation of the Windows kernel cache-aware push lock
// (EX_PUSH_LOCK_CACHE_AWARE, behind ExAcquireCacheAwarePushLockShared/Exclusive), the read-mostly
// variant of the push lock: several push locks, each on its own cache lines, so readers on
// different processors never write the same line. cache_aware_push_lock_api.h puts the Windows
// names on it.
//
// Design (lockimpls/SEMANTICS.md, "Cache-aware push lock"), following Windows 10 x64: 32 slots
// (EX_PUSH_LOCK_FANNED_COUNT) whatever the processor count, each a push-lock word
// (internal/wait_block_word.h) padded to 128 bytes, so the adjacent-line prefetcher, which fetches
// 64-byte lines in pairs, does not make two slots share. A shared acquire takes slot
// (processor number & 31) shared. An exclusive acquire takes slot 0 (blocking), then tries the
// other slots upward; when a try fails it takes the highest slot not yet taken instead (blocking
// if it must) and tries the failed one again, so it waits only at the top end and at the last
// slot. Every exclusive acquirer queues on slot 0 first, so they never deadlock one another.
// Releases go upward. Each slot follows the push lock's rules (wait blocks, spinning, wake order).
//
// Which slot a shared release frees: Windows hands the acquire's slot back to the release
// (ExAcquireCacheAwarePushLockSharedEx returns it); the benchmark interface's unlock_shared() has
// no token, and the thread may have moved to another processor since, so the acquire records
// (lock, slot) in a small thread-local table (kMaxSharedHolds entries) and the release frees the
// newest entry for this lock, never the slot of the processor it now runs on.
//
// Fairness: per slot, the push lock's: not fair; woken waiters re-compete with newcomers
// (barging), new readers queue behind any waiter on their slot. An exclusive acquirer waiting for
// a slot already holds slot 0 and the slots above the one it waits for, keeping new readers off
// them.
//
// Unsupported calls: no recursion, as the push lock. Exclusive re-entry hangs on Windows; checked
// builds (internal/lock_checks.h) abort with a message instead. try_lock by the owner fails.
// unlock_shared must run on the thread that acquired (the slot table is per thread); a thread
// holding more than kMaxSharedHolds cache-aware locks shared at once aborts. No owner query.
//
// Cost: shared acquire and release, uncontended: one sched_getcpu() (vDSO/rseq, no system call),
// one atomic read-modify-write on the slot's own line, and a thread-local table update each.
// Exclusive: 32 acquisitions and 32 releases on any machine. Bytes: 16 in the object plus one
// 4 KiB block of slots on the heap (kSlotCount * kSlotBytes; Windows adds a 256-byte array of
// pointers to them, which this emulation indexes directly). Allocates once, when made.
//
// Test hooks: SlotWordForTest(i) shows a slot's word and SlotAddressForTest(i) its address;
// internal::SetCpuForTest makes the calling thread's acquires see another processor number; the
// lock observer (internal/lock_observer.h) sees each slot's waiters as the push lock's (the lock
// address it reports is the slot's).
//
// The lock is written once over an atomics policy (internal/atoms.h): every atomic operation and
// futex call of its slots goes through `Atoms`, by way of the slots' BasicWaitBlockWord<Atoms>.
// Production uses CacheAwarePushLock, over RealAtoms; the out-of-line members live in
// cache_aware_push_lock_impl.h and are instantiated for RealAtoms in cache_aware_push_lock.cc,
// and for the deterministic scheduler's policy in lock_schedules_test.cc.
#ifndef LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_H_
#define LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_H_

#include <cstddef>
#include <cstdint>

#include "lockimpls/internal/atoms.h"
#include "lockimpls/internal/lock_checks.h"
#include "lockimpls/internal/wait_block_word.h"
#include "lockimpls/lock_concept.h"

namespace lockbench {

namespace internal {

// The storage behind a cache-aware push lock's slots. Tests replace it to make allocation fail;
// nullptr restores the default (aligned operator new, nothrow).
using SlotAllocator = void* (*)(std::size_t bytes, std::size_t alignment);
using SlotDeallocator = void (*)(void* p, std::size_t alignment);
void SetSlotAllocatorForTest(SlotAllocator allocate, SlotDeallocator deallocate);

// The processor number the calling thread's cache-aware acquires see: `cpu`, or the one it runs
// on (sched_getcpu) for -1. Lets a slot test run on any machine without pinning.
void SetCpuForTest(int cpu);

// The lock over the atomics and futex calls of `Atoms` (internal/atoms.h), which reach its slots'
// push-lock words. Production uses CacheAwarePushLock, below.
template <class Atoms>
class BasicCacheAwarePushLock final {
 public:
  static constexpr std::uint32_t kSlotCount = 32;  // EX_PUSH_LOCK_FANNED_COUNT, Windows 10 x64
  static constexpr std::size_t kSlotBytes = 128;     // two 64-byte lines: one prefetch pair
  static constexpr int kMaxSharedHolds = 16;         // shared holds one thread may keep at once

  // Windows' 32 slots. Aborts if the slots cannot be allocated (the benchmark's lock);
  // ExAllocateCacheAwarePushLock uses TryMake and reports failure instead.
  BasicCacheAwarePushLock() : BasicCacheAwarePushLock(kSlotCount) {}
  // Another slot count, for tests that want a small lock (the rules do not depend on it).
  // REQUIRES: slots >= 1.
  explicit BasicCacheAwarePushLock(std::uint32_t slots);
  ~BasicCacheAwarePushLock();
  BasicCacheAwarePushLock(const BasicCacheAwarePushLock&) = delete;
  BasicCacheAwarePushLock& operator=(const BasicCacheAwarePushLock&) = delete;

  // A lock with `slots` slots, or nullptr if its memory cannot be allocated.
  static BasicCacheAwarePushLock* TryMake(std::uint32_t slots) noexcept;
  static void Free(BasicCacheAwarePushLock* lock) noexcept;

  void lock();
  // REQUIRES: held exclusive by the calling thread.
  void unlock() noexcept;
  bool try_lock() noexcept;
  void lock_shared();
  // REQUIRES: held shared by the calling thread, acquired on this thread.
  void unlock_shared() noexcept;
  bool try_lock_shared() noexcept;

  std::uint32_t SlotCount() const noexcept { return slot_count_; }
  // The object plus its slots: what one lock costs on this machine.
  std::size_t SizeBytes() const noexcept { return sizeof(*this) + slot_count_ * kSlotBytes; }
  // The slot a shared acquire on `cpu` takes.
  // (Windows masks the processor number with 31; the same for 32 slots.)
  std::uint32_t SlotOfCpu(unsigned cpu) const noexcept { return cpu % slot_count_; }
  // Slot i's push-lock word (0 free, 0x1 exclusive, (N << 4) | 1 for N readers), for tests.
  std::uintptr_t SlotWordForTest(std::uint32_t i) const noexcept;
  const void* SlotAddressForTest(std::uint32_t i) const noexcept { return &slots_[i]; }

  static constexpr LockTraits kTraits = {
      .name = "cache_aware_push_lock",
      .description =
          "Windows 10 cache-aware push lock: 32 push locks of 128 B; shared takes one, exclusive all",
      .size_bytes = 16,
      .recursion = Recursion::kNone,
      .fairness = "not fair, per slot as the push lock: woken waiters re-compete (barging); "
                  "exclusive queues on slot 0 first, then takes the rest",
      .owner_query = false,
      .heap_bytes = kSlotCount * kSlotBytes,
      .slots = kSlotCount,
      .slot_bytes = kSlotBytes,
      .holder_level = HolderLevel::kPassive,
      .waiters = WaitKind::kSpinThenSleep,
  };

 private:
  struct alignas(kSlotBytes) Slot {
    BasicWaitBlockWord<Atoms> word;
  };
  static_assert(sizeof(Slot) == kSlotBytes);

  BasicCacheAwarePushLock(Slot* slots, std::uint32_t slot_count) noexcept
      : slots_(slots), slot_count_(slot_count) {}
  static Slot* AllocateSlots(std::uint32_t slot_count) noexcept;
  void CheckNotHeldExclusive() const;

  Slot* slots_;
  std::uint32_t slot_count_;
};

extern template class BasicCacheAwarePushLock<RealAtoms>;

}  // namespace internal

using CacheAwarePushLock = internal::BasicCacheAwarePushLock<internal::RealAtoms>;

static_assert(BenchLock<CacheAwarePushLock>);
static_assert(sizeof(CacheAwarePushLock) == CacheAwarePushLock::kTraits.size_bytes);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_H_
