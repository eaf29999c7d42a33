// EResource: an emulation of the Windows kernel executive resource (ERESOURCE), the heavy,
// owner-tracking reader/writer lock behind ExAcquireResourceSharedLite and friends. It exists
// so the tool can set a lock that hands ownership over, counts recursion and reports its owners
// beside the push lock it is documented to be slower than. ex_resource_api.h puts the Windows
// names on it.
//
// Design: every operation takes an internal spin lock, then reads and updates plain fields named
// after the ones wdm.h declares: ActiveCount (owning threads), Flag, the exclusive owner entry, a
// table of {thread, count} entries for shared owners (three inline, then a heap table that
// doubles), the two waiter counts and ContentionCount. Shared waiters sleep on a counting
// semaphore and exclusive waiters on an auto-reset (synchronization) event, both one futex word
// inside the object, so nothing has to be made lazily and no operation allocates until more
// than three threads hold the lock shared at once. A thread is identified by the address of a
// thread_local, as the kernel uses the ETHREAD address.
//
// Granting (LOCK_SEMANTICS.md §2): exclusive is granted if the resource is unowned or the caller
// already owns it exclusive. Shared is granted if unowned; if the caller owns it exclusive (the
// count grows, it stays exclusive); if the caller already holds it shared, even with exclusive
// waiters; or if it is held shared and no exclusive waiter is queued. StarveExclusive ignores
// exclusive waiters; WaitForExclusive queues behind them even when the caller already holds the
// resource shared. With wait = false a call that would wait returns false and changes nothing.
//
// Fairness: hand-off. The final exclusive release grants every queued shared waiter at once if
// there is one, otherwise makes one exclusive waiter the owner before waking it; the last shared
// release hands ownership to one exclusive waiter. Since ownership is given before the waiter
// runs, a newcomer cannot barge: writers and reader batches alternate. Only StarveExclusive
// callers can starve writers. Within a kind, which waiter takes a grant is up to the kernel
// (futex wake order, or a waiter that arrives just then), not FIFO.
//
// Unsupported calls: there is no upgrade, a shared owner that asks for exclusive waits forever
// (Wait = false reports false). WaitForExclusive by a thread that already holds the resource
// shared while an exclusive waiter is queued deadlocks, as documented for Windows. Releasing a
// resource the caller does not own, or deleting one that is owned or waited on, aborts.
// ReleaseByOtherThread (ExReleaseResourceForThreadLite) and priority boosting have no Linux
// meaning: the flags exist, nothing acts on them.
//
// Cost: uncontended, one atomic increment and one store on the FIFO spin lock per call plus a few
// plain field updates; shared calls also scan the owner table (O(shared owners)). 104 bytes on
// x86-64, as the Windows structure. The spin lock spins, then yields, because a user-mode holder
// can be preempted where a kernel one runs at raised IRQL. Under contention the price of no
// barging is a convoy: a contended release hands the lock to a sleeping thread, and nobody
// enters until the scheduler has run it.
#ifndef LOCKBENCH_LOCKIMPLS_ERESOURCE_H_
#define LOCKBENCH_LOCKIMPLS_ERESOURCE_H_

#include <atomic>
#include <cstdint>

#include "lockimpls/lock_concept.h"

namespace lockbench {

class EResource {
 public:
  // Flag bits, with the Windows values.
  static constexpr std::uint16_t kOwnedExclusive = 0x80;
  static constexpr std::uint16_t kNeverExclusive = 0x10;
  static constexpr std::uint16_t kReleaseByOtherThread = 0x20;
  static constexpr std::uint16_t kHasDisabledPriorityBoost = 0x08;

  // Which shared acquire the caller made; they differ only in how they treat exclusive waiters.
  enum class SharedMode {
    kNormal,            // ExAcquireResourceSharedLite
    kStarveExclusive,   // ExAcquireSharedStarveExclusive
    kWaitForExclusive,  // ExAcquireSharedWaitForExclusive
  };

  static constexpr int kInlineSharedEntries = 3;

  EResource() = default;
  // REQUIRES: unowned and no waiters.
  ~EResource();
  EResource(const EResource&) = delete;
  EResource& operator=(const EResource&) = delete;

  // Returns a constructed resource to its initial state (ExInitializeResourceLite).
  // REQUIRES: unowned and no waiters.
  void Initialize();
  // Frees the grown owner table (ExDeleteResourceLite). REQUIRES: unowned and no waiters.
  void Delete();

  // Return true when granted; with wait = false, false instead of waiting, state unchanged.
  bool AcquireExclusive(bool wait);
  bool AcquireShared(bool wait, SharedMode mode = SharedMode::kNormal);
  // Releases one acquisition by the caller, in whichever mode it holds the resource.
  // REQUIRES: the caller holds the resource.
  void Release();
  // REQUIRES: the caller owns the resource exclusive. Its count carries over to the shared hold.
  void ConvertExclusiveToShared();

  // Sets HasDisabledPriorityBoost (ExDisableResourceBoostLite); no effect beyond the bit.
  void DisablePriorityBoost();
  // Sets NeverExclusive: the owner declares shared-only use; an exclusive acquire then aborts.
  void SetNeverExclusive();

  // Queries; each takes the spin lock, so they are exact at the moment of the call.
  bool IsAcquiredExclusiveByCaller() const;
  // The caller's acquisition count, exclusive or shared; 0 if it holds nothing.
  std::uint32_t CallerAcquisitionCount() const;
  std::uint32_t SharedWaiterCount() const;
  std::uint32_t ExclusiveWaiterCount() const;
  std::uint32_t ContentionCount() const;
  std::uint32_t ActiveCount() const;
  std::uint16_t Flag() const;
  // Entries the shared-owner table can hold before it grows again.
  std::uint32_t OwnerTableCapacity() const;

  // The lockbench contract: the Lite calls with Wait = TRUE, and Wait = FALSE for try_*.
  void lock() { AcquireExclusive(true); }
  void unlock() { Release(); }
  void lock_shared() { AcquireShared(true); }
  void unlock_shared() { Release(); }
  bool try_lock() { return AcquireExclusive(false); }
  bool try_lock_shared() { return AcquireShared(false); }

  static constexpr LockTraits kTraits{
      .name = "eresource",
      .description = "Windows ERESOURCE emulation: spin-locked owner table, semaphore + event",
      .size_bytes = 104,
      .recursion = Recursion::kFull,
      .fairness =
          "hand-off: ownership passes to waiters on release; reader batches and "
          "writers alternate; no barging",
      .owner_query = true,
  };

 private:
  struct OwnerEntry {
    std::uintptr_t thread = 0;  // 0: free
    std::uint32_t count = 0;
  };

  void LockSpin() const;
  void UnlockSpin() const;
  // Finds the caller's shared entry, or a free one to use (nullptr if the table is full).
  OwnerEntry* FindSharedEntry(std::uintptr_t thread, OwnerEntry** free_entry);
  const OwnerEntry* FindSharedEntry(std::uintptr_t thread) const;
  OwnerEntry* NewSharedEntry(std::uintptr_t thread);
  void GrowOwnerTable();
  // Each hands the resource on; called with the spin lock held, returns with it released.
  void GrantSharedWaitersAndUnlock(std::uint32_t already_active);
  void GrantOneExclusiveWaiterAndUnlock();
  void CheckIdle(const char* what) const;

  // The internal spin lock: a ticket lock (next ticket to hand out, ticket being served).
  mutable std::atomic<std::uint16_t> spin_next_{0};
  mutable std::atomic<std::uint16_t> spin_serving_{0};
  std::uint16_t active_count_ = 0;
  std::uint16_t flag_ = 0;
  OwnerEntry owner_entry_;  // the exclusive owner while kOwnedExclusive
  OwnerEntry* owner_table_ = inline_entries_;
  std::uint32_t owner_table_size_ = kInlineSharedEntries;
  std::uint32_t contention_count_ = 0;
  std::uint32_t shared_waiters_ = 0;                // NumberOfSharedWaiters
  std::uint32_t exclusive_waiters_ = 0;             // NumberOfExclusiveWaiters
  std::atomic<std::uint32_t> shared_semaphore_{0};  // count of grants not yet taken
  std::atomic<std::uint32_t> exclusive_event_{0};   // 1: signalled
  OwnerEntry inline_entries_[kInlineSharedEntries];
};

static_assert(BenchLock<EResource>);
static_assert(sizeof(EResource) == EResource::kTraits.size_bytes);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_ERESOURCE_H_
