// EResource: an emulation of the Windows kernel executive resource (ERESOURCE), the heavy,
// owner-tracking reader/writer lock behind ExAcquireResourceSharedLite and friends. It exists
// so the tool can set a lock that hands ownership over, counts recursion and reports its owners
// beside the push lock it is documented to be slower than. ex_resource_api.h puts the Windows
// names on it.
//
// Design: every operation takes an internal spin lock, then reads and updates plain fields named
// after the ones wdm.h declares: ActiveCount (owning threads), Flag, the exclusive owner entry, a
// table of {thread, count} entries for shared owners (three inline, then a heap table that
// doubles), the two waiter counts and ContentionCount. A thread that must wait puts a wait block
// on its own stack (its thread, its mode, a futex word) at the tail of one FIFO wait list, as a
// dispatcher object keeps the threads waiting on it, and sleeps on its own word. Nothing is made
// lazily and no operation allocates until more than three threads hold the lock shared at once.
// A thread is identified by the address of a thread_local, as the kernel uses the ETHREAD
// address.
//
// Granting (lockimpls/SEMANTICS.md, "ERESOURCE"): exclusive is granted if the resource is unowned
// or the caller already owns it exclusive. Shared is granted if unowned; if the caller owns it
// exclusive (the count grows, it stays exclusive); if the caller already holds it shared, even
// with exclusive waiters; or if it is held shared and no exclusive waiter is queued.
// StarveExclusive ignores exclusive waiters; WaitForExclusive queues behind them even when the
// caller already holds the resource shared. With wait = false a call that would wait returns
// false and changes nothing.
//
// Fairness: hand-off to named waiters. The final exclusive release grants every queued shared
// waiter at once if there is one, otherwise the oldest queued exclusive waiter; the last shared
// release grants the oldest queued exclusive waiter. A grant is made under the spin lock: the
// waiters chosen become owners (ActiveCount, Flag and the owner entries say so) and their wait
// blocks leave the list before any of them runs, and only they are woken. A thread that asks
// after the grant, the releaser coming straight back included, finds the resource owned and
// queues behind; it cannot consume a grant meant for another thread. So exclusive waiters are
// granted in arrival order and writers and reader batches alternate. Only StarveExclusive
// callers can starve writers.
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
// barging is a convoy: a contended release hands the lock to a sleeping thread (a futex wake per
// granted waiter), and nobody enters until the scheduler has run it; on a busy machine that is a
// context switch per contended grant, which is what Windows pays too.
#ifndef LOCKBENCH_LOCKIMPLS_ERESOURCE_H_
#define LOCKBENCH_LOCKIMPLS_ERESOURCE_H_

#include <atomic>
#include <cstdint>

#include "lockimpls/internal/atoms.h"
#include "lockimpls/internal/step_hook.h"
#include "lockimpls/lock_concept.h"

namespace lockbench {

// The resource over the atomics and futex calls of `Atoms` (internal/atoms.h). Production uses
// EResource, over RealAtoms; the out-of-line members live in eresource_impl.h and are instantiated
// for RealAtoms in eresource.cc, and for the schedule tests' policies there.
template <class Atoms>
class BasicEResource {
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

  // The same resource with a step hook before each atomic operation and futex call, which
  // torture mode runs in its place (internal/step_hook.h).
  using Hooked = BasicEResource<internal::HookedAtoms>;

  BasicEResource() = default;
  // REQUIRES: unowned and no waiters.
  ~BasicEResource();
  BasicEResource(const BasicEResource&) = delete;
  BasicEResource& operator=(const BasicEResource&) = delete;

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
      .description = "Windows ERESOURCE emulation: spin-locked owner table, FIFO list of named waiters",
      .size_bytes = 104,
      .recursion = Recursion::kFull,
      .fairness =
          "hand-off: a release grants ownership to named queued waiters, writers in "
          "arrival order; reader batches and writers alternate; no barging",
      .owner_query = true,
      .holder_level = HolderLevel::kPassive,
      .waiters = WaitKind::kSleep,
  };

 private:
  struct OwnerEntry {
    std::uintptr_t thread = 0;  // 0: free
    std::uint32_t count = 0;
  };

  void LockSpin() const;
  void UnlockSpin() const;
  // A field read under the spin lock, so a query is exact at the moment of the call.
  template <class T>
  T ReadLocked(const T& field) const {
    LockSpin();
    const T value = field;
    UnlockSpin();
    return value;
  }
  // Finds the caller's shared entry, or a free one to use (nullptr if the table is full).
  OwnerEntry* FindSharedEntry(std::uintptr_t thread, OwnerEntry** free_entry);
  const OwnerEntry* FindSharedEntry(std::uintptr_t thread) const;
  OwnerEntry* NewSharedEntry(std::uintptr_t thread);
  void GrowOwnerTable();
  // A waiting thread's entry in the wait list; it lives on the waiter's stack.
  struct WaitBlock;
  void Enqueue(WaitBlock* block);
  // Takes `block` out of the list; `prev` is the block before it (itself when it is alone).
  void Unlink(WaitBlock* prev, WaitBlock* block);
  // Sleeps until a release has granted `block` (made its thread an owner).
  static void WaitForGrant(WaitBlock* block);
  // Tells the waiter of a block that has left the list that it owns the resource now.
  static void Grant(WaitBlock* block);
  // Each hands the resource on; called with the spin lock held, returns with it released.
  void GrantSharedWaitersAndUnlock(std::uint32_t already_active);
  void GrantOneExclusiveWaiterAndUnlock();
  void CheckIdle(const char* what) const;

  // The internal spin lock: a ticket lock (next ticket to hand out, ticket being served).
  mutable typename Atoms::template Atomic<std::uint16_t> spin_next_{0};
  mutable typename Atoms::template Atomic<std::uint16_t> spin_serving_{0};
  std::uint16_t active_count_ = 0;
  std::uint16_t flag_ = 0;
  OwnerEntry owner_entry_;  // the exclusive owner while kOwnedExclusive
  OwnerEntry* owner_table_ = inline_entries_;
  std::uint32_t owner_table_size_ = kInlineSharedEntries;
  std::uint32_t contention_count_ = 0;
  std::uint32_t shared_waiters_ = 0;     // NumberOfSharedWaiters
  std::uint32_t exclusive_waiters_ = 0;  // NumberOfExclusiveWaiters
  // The wait list, oldest first: a circular singly linked list reached through its newest block
  // (wait_tail_->next is the oldest), so one pointer gives O(1) append and access to the oldest.
  WaitBlock* wait_tail_ = nullptr;
  OwnerEntry inline_entries_[kInlineSharedEntries];
};

using EResource = BasicEResource<internal::RealAtoms>;
extern template class BasicEResource<internal::RealAtoms>;
extern template class BasicEResource<internal::HookedAtoms>;

static_assert(BenchLock<EResource>);
static_assert(sizeof(EResource) == EResource::kTraits.size_bytes);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_ERESOURCE_H_
