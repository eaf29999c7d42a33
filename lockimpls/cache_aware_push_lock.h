// CacheAwarePushLock: an emulation of the Windows kernel cache-aware push lock
// (EX_PUSH_LOCK_CACHE_AWARE, behind ExAcquireCacheAwarePushLockShared/Exclusive), the read-mostly
// variant of the push lock: one push lock per processor, each on its own cache line, so readers
// on different processors never write the same line. cache_aware_push_lock_api.h puts the
// Windows names on it.
//
// Design (lockimpls/SEMANTICS.md, "Cache-aware push lock"): a heap array of slots, one per
// processor configured when the lock is made (sysconf(_SC_NPROCESSORS_CONF)), each a push-lock
// word (internal/wait_block_word.h) padded to 64 bytes. A shared acquire takes the slot of the
// processor it runs on (sched_getcpu() modulo the slot count) shared; an exclusive acquire takes
// every slot exclusive in index order, so two exclusive acquirers never deadlock (both queue on
// slot 0 first). Each slot follows the push lock's rules (wait blocks, spinning, wake order).
//
// Which slot a shared release frees: the benchmark interface's unlock_shared() has no token, and
// the thread may have moved to another processor since its acquire, so the acquire records
// (lock, slot) in a small thread-local table (kMaxSharedHolds entries) and the release frees the
// newest entry for this lock, never the slot of the processor it now runs on.
//
// Fairness: per slot, the push lock's: not fair; woken waiters re-compete with newcomers
// (barging), new readers queue behind any waiter on their slot. An exclusive acquirer that holds
// slots 0..k-1 while waiting for slot k already keeps new readers off those slots.
//
// Unsupported calls: no recursion, as the push lock. Exclusive re-entry hangs on Windows; checked
// builds (internal/lock_checks.h) abort with a message instead. try_lock by the owner fails.
// unlock_shared must run on the thread that acquired (the slot table is per thread); a thread
// holding more than kMaxSharedHolds cache-aware locks shared at once aborts. No owner query.
//
// Cost: shared acquire and release, uncontended: one sched_getcpu() (vDSO/rseq, no system call),
// one atomic read-modify-write on the processor's own line, and a thread-local table update each.
// Exclusive: N acquisitions and N releases for N processors. Bytes: 16 in the object plus
// 64 per processor on the heap (kSlotBytes; SizeBytes() gives the total), so a 64-processor
// machine spends 4 KiB per lock. Allocates once, when made.
//
// Test hooks: SlotWordForTest(i) shows a slot's word; the push lock's WaitObserver sees each
// slot's waiters (the lock address it reports is the slot's).
#ifndef LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_H_
#define LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_H_

#include <cstddef>
#include <cstdint>

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

}  // namespace internal

class CacheAwarePushLock final {
 public:
  static constexpr std::size_t kSlotBytes = 64;  // one cache line per slot
  static constexpr int kMaxSharedHolds = 16;     // shared holds one thread may keep at once

  // The processors configured on this machine: the slot count of a lock made now.
  static std::uint32_t ConfiguredProcessors();

  // One slot per configured processor. Aborts if the slots cannot be allocated (the benchmark's
  // lock); ExAllocateCacheAwarePushLock uses TryMake and reports failure instead.
  CacheAwarePushLock();
  // REQUIRES: slots >= 1.
  explicit CacheAwarePushLock(std::uint32_t slots);
  ~CacheAwarePushLock();
  CacheAwarePushLock(const CacheAwarePushLock&) = delete;
  CacheAwarePushLock& operator=(const CacheAwarePushLock&) = delete;

  // A lock with `slots` slots, or nullptr if its memory cannot be allocated.
  static CacheAwarePushLock* TryMake(std::uint32_t slots) noexcept;
  static void Free(CacheAwarePushLock* lock) noexcept;

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
  std::uint32_t SlotOfCpu(unsigned cpu) const noexcept { return cpu % slot_count_; }
  // Slot i's push-lock word (0 free, 0x1 exclusive, (N << 4) | 1 for N readers), for tests.
  std::uintptr_t SlotWordForTest(std::uint32_t i) const noexcept;

  // Heap bytes a lock made now allocates (LockTraits::heap_bytes).
  static std::size_t HeapBytesHere() { return ConfiguredProcessors() * kSlotBytes; }

  static constexpr LockTraits kTraits = {
      .name = "cache_aware_push_lock",
      .description =
          "Windows cache-aware push lock: one 64 B push lock per processor; exclusive takes all",
      .size_bytes = 16,
      .recursion = Recursion::kNone,
      .fairness = "not fair, per slot as the push lock: woken waiters re-compete (barging); "
                  "exclusive takes every slot in order",
      .owner_query = false,
      .heap_bytes = &HeapBytesHere,
  };

 private:
  struct alignas(kSlotBytes) Slot {
    internal::WaitBlockWord word;
  };
  static_assert(sizeof(Slot) == kSlotBytes);

  CacheAwarePushLock(Slot* slots, std::uint32_t slot_count) noexcept
      : slots_(slots), slot_count_(slot_count) {}
  static Slot* AllocateSlots(std::uint32_t slot_count) noexcept;
  void CheckNotHeldExclusive() const;

  Slot* slots_;
  std::uint32_t slot_count_;
};

static_assert(BenchLock<CacheAwarePushLock>);
static_assert(sizeof(CacheAwarePushLock) == CacheAwarePushLock::kTraits.size_bytes);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_CACHE_AWARE_PUSH_LOCK_H_
