// The out-of-line members of BasicEResource (eresource.h), as templates over the policy `Atoms`
// (internal/atoms.h). Include this only where the resource is instantiated: eresource.cc for
// production, the schedule tests for theirs. The rules implemented here are those of
// lockimpls/SEMANTICS.md, "ERESOURCE".
#ifndef LOCKBENCH_LOCKIMPLS_ERESOURCE_IMPL_H_
#define LOCKBENCH_LOCKIMPLS_ERESOURCE_IMPL_H_

#include <algorithm>
#include <string_view>

#include "lockimpls/eresource.h"
#include "lockimpls/internal/check.h"
#include "lockimpls/internal/thread_tag.h"

namespace lockbench {
namespace eresource_detail {

inline std::uintptr_t CurrentThread() { return internal::CurrentThreadTag(); }

inline constexpr std::string_view kComponent = "EResource";

}  // namespace eresource_detail

template <class Atoms>
struct BasicEResource<Atoms>::WaitBlock {
  WaitBlock* next = nullptr;
  std::uintptr_t thread = 0;
  bool exclusive = false;
  // A shared waiter that already holds the resource shared (WaitForExclusive): its grant does
  // not add an owner.
  bool already_owner = false;
  typename Atoms::template Atomic<std::uint32_t> granted{0};  // 1 once a release made this thread an owner
};

template <class Atoms>
void BasicEResource<Atoms>::Enqueue(WaitBlock* block) {
  if (wait_tail_ == nullptr) {
    block->next = block;
  } else {
    block->next = wait_tail_->next;
    wait_tail_->next = block;
  }
  wait_tail_ = block;
}

template <class Atoms>
void BasicEResource<Atoms>::Unlink(WaitBlock* prev, WaitBlock* block) {
  if (block == prev) {
    wait_tail_ = nullptr;  // it was the only block
  } else {
    prev->next = block->next;
    if (block == wait_tail_) wait_tail_ = prev;
  }
}

template <class Atoms>
void BasicEResource<Atoms>::WaitForGrant(WaitBlock* block) {
  while (block->granted.load(std::memory_order_acquire) == 0) {
    Atoms::FutexWait(&block->granted, 0);
  }
}

// `block` may be gone as soon as the store is seen (the waiter returns and its stack frame
// ends), so the caller reads everything it needs from the block first, and the wake uses only
// the address: a futex wake on an address nobody waits on does nothing, and one that reaches a
// later wait at the same address is a spurious wake-up, which every wait here re-checks.
template <class Atoms>
void BasicEResource<Atoms>::Grant(WaitBlock* block) {
  auto* word = &block->granted;
  word->store(1, std::memory_order_release);
  if constexpr (Atoms::kPlanted == internal::PlantedBug::kUseBlockAfterRelease) {
    // The bug: skip the wake when the waiter is still spinning, judged from its block, which
    // may be gone once the store above is seen.
    if (word->load(std::memory_order_relaxed) != 1) return;
  }
  if constexpr (Atoms::kPlanted != internal::PlantedBug::kDropWake) Atoms::FutexWake(word, 1);
}

template <class Atoms>
BasicEResource<Atoms>::~BasicEResource() {
  CheckIdle("destroyed while owned or waited on");
  if (owner_table_ != inline_entries_) delete[] owner_table_;
}

template <class Atoms>
void BasicEResource<Atoms>::Initialize() {
  LockSpin();
  CheckIdle("initialized while owned or waited on");
  if (owner_table_ != inline_entries_) delete[] owner_table_;
  owner_table_ = inline_entries_;
  owner_table_size_ = kInlineSharedEntries;
  std::fill(std::begin(inline_entries_), std::end(inline_entries_), OwnerEntry{});
  owner_entry_ = {};
  flag_ = 0;
  contention_count_ = 0;
  UnlockSpin();
}

template <class Atoms>
void BasicEResource<Atoms>::Delete() {
  LockSpin();
  CheckIdle("deleted while owned or waited on");
  if (owner_table_ != inline_entries_) delete[] owner_table_;
  owner_table_ = inline_entries_;
  owner_table_size_ = kInlineSharedEntries;
  UnlockSpin();
}

template <class Atoms>
void BasicEResource<Atoms>::CheckIdle(const char* what) const {
  LOCKBENCH_CHECK(active_count_ == 0 && shared_waiters_ == 0 && exclusive_waiters_ == 0 &&
                      wait_tail_ == nullptr,
                  eresource_detail::kComponent, what);
}

// A FIFO (ticket) spin lock: Windows takes an in-stack queued spin lock here on multiprocessors,
// so callers get the resource's spin lock in arrival order. A test-and-set lock instead lets the
// releasing thread take it straight back, which would hide the resource's hand-off behind
// unfairness of its own spin lock.
template <class Atoms>
void BasicEResource<Atoms>::LockSpin() const {
  const std::uint16_t ticket = spin_next_.fetch_add(1, std::memory_order_relaxed);
  // Spin on a plain load so waiters share the cache line until it is their turn; yield after a
  // while because a user-mode holder (or the thread whose turn it is) may have been preempted.
  for (int i = 0; spin_serving_.load(std::memory_order_acquire) != ticket; ++i) {
    if (i < 128) {
      Atoms::Relax();
    } else {
      Atoms::Yield();
    }
  }
}

template <class Atoms>
void BasicEResource<Atoms>::UnlockSpin() const {
  // Only the holder writes spin_serving_, so a load and a store make the increment.
  spin_serving_.store(static_cast<std::uint16_t>(spin_serving_.load(std::memory_order_relaxed) + 1),
                      std::memory_order_release);
}

template <class Atoms>
typename BasicEResource<Atoms>::OwnerEntry* BasicEResource<Atoms>::FindSharedEntry(std::uintptr_t thread, OwnerEntry** free_entry) {
  *free_entry = nullptr;
  for (std::uint32_t i = 0; i < owner_table_size_; ++i) {
    OwnerEntry& e = owner_table_[i];
    if (e.thread == thread) return &e;
    if (e.thread == 0 && *free_entry == nullptr) *free_entry = &e;
  }
  return nullptr;
}

template <class Atoms>
const typename BasicEResource<Atoms>::OwnerEntry* BasicEResource<Atoms>::FindSharedEntry(std::uintptr_t thread) const {
  for (std::uint32_t i = 0; i < owner_table_size_; ++i) {
    if (owner_table_[i].thread == thread) return &owner_table_[i];
  }
  return nullptr;
}

template <class Atoms>
void BasicEResource<Atoms>::GrowOwnerTable() {
  // Allocates under the spin lock; tables only grow, so this happens a handful of times in a
  // resource's life.
  const std::uint32_t size = owner_table_size_ * 2;
  OwnerEntry* table = new OwnerEntry[size];
  std::copy(owner_table_, owner_table_ + owner_table_size_, table);
  if (owner_table_ != inline_entries_) delete[] owner_table_;
  owner_table_ = table;
  owner_table_size_ = size;
}

template <class Atoms>
typename BasicEResource<Atoms>::OwnerEntry* BasicEResource<Atoms>::NewSharedEntry(std::uintptr_t thread) {
  OwnerEntry* free_entry = nullptr;
  for (std::uint32_t i = 0; i < owner_table_size_ && free_entry == nullptr; ++i) {
    if (owner_table_[i].thread == 0) free_entry = &owner_table_[i];
  }
  if (free_entry == nullptr) {
    const std::uint32_t used = owner_table_size_;
    GrowOwnerTable();
    free_entry = &owner_table_[used];
  }
  free_entry->thread = thread;
  free_entry->count = 1;
  return free_entry;
}

template <class Atoms>
bool BasicEResource<Atoms>::AcquireExclusive(bool wait) {
  const std::uintptr_t me = eresource_detail::CurrentThread();
  LockSpin();
  LOCKBENCH_CHECK(!(flag_ & kNeverExclusive), eresource_detail::kComponent,
                  "exclusive acquire of a resource marked NeverExclusive");
  if (active_count_ == 0) {
    flag_ |= kOwnedExclusive;
    owner_entry_ = {me, 1};
    active_count_ = 1;
    UnlockSpin();
    return true;
  }
  if ((flag_ & kOwnedExclusive) && owner_entry_.thread == me) {
    ++owner_entry_.count;
    UnlockSpin();
    return true;
  }
  if (!wait) {
    UnlockSpin();
    return false;
  }
  typename Atoms::template Local<WaitBlock> block;
  block->thread = me;
  block->exclusive = true;
  Enqueue(block.get());
  ++exclusive_waiters_;
  ++contention_count_;
  UnlockSpin();
  WaitForGrant(block.get());  // the releaser made this thread the owner, by name
  return true;
}

template <class Atoms>
bool BasicEResource<Atoms>::AcquireShared(bool wait, SharedMode mode) {
  const std::uintptr_t me = eresource_detail::CurrentThread();
  LockSpin();
  if (active_count_ == 0) {
    flag_ &= ~kOwnedExclusive;
    NewSharedEntry(me);
    active_count_ = 1;
    UnlockSpin();
    return true;
  }
  OwnerEntry* mine = nullptr;
  if (flag_ & kOwnedExclusive) {
    if (owner_entry_.thread == me) {
      ++owner_entry_.count;
      UnlockSpin();
      return true;
    }
  } else {
    OwnerEntry* free_entry;
    mine = FindSharedEntry(me, &free_entry);
    const bool writer_queued = exclusive_waiters_ != 0;
    const bool grant = mine != nullptr ? mode != SharedMode::kWaitForExclusive || !writer_queued
                                       : mode == SharedMode::kStarveExclusive || !writer_queued;
    if (grant) {
      if (mine != nullptr) {
        ++mine->count;
      } else {
        if (free_entry == nullptr) free_entry = NewSharedEntry(me);
        *free_entry = {me, 1};
        ++active_count_;
      }
      UnlockSpin();
      return true;
    }
  }
  if (!wait) {
    UnlockSpin();
    return false;
  }
  // The entry is filled in before waiting, so a grant only has to raise ActiveCount.
  typename Atoms::template Local<WaitBlock> block;
  block->thread = me;
  block->already_owner = mine != nullptr;
  if (block->already_owner) {
    ++mine->count;
  } else {
    NewSharedEntry(me);
  }
  Enqueue(block.get());
  ++shared_waiters_;
  ++contention_count_;
  UnlockSpin();
  WaitForGrant(block.get());
  return true;
}

template <class Atoms>
void BasicEResource<Atoms>::GrantSharedWaitersAndUnlock(std::uint32_t already_active) {
  // Every shared block leaves the list, in order, onto a chain of its own; exclusive blocks keep
  // their places.
  WaitBlock* granted = nullptr;
  WaitBlock** granted_end = &granted;
  std::uint32_t new_owners = 0;
  if (shared_waiters_ != 0) {
    WaitBlock* prev = wait_tail_;
    WaitBlock* b = wait_tail_->next;
    for (std::uint32_t left = shared_waiters_; left != 0;) {
      WaitBlock* next = b->next;
      if (b->exclusive) {
        prev = b;
      } else {
        --left;
        new_owners += b->already_owner ? 0 : 1;
        Unlink(prev, b);
        *granted_end = b;
        granted_end = &b->next;
      }
      b = next;
    }
    *granted_end = nullptr;
  }
  flag_ &= ~kOwnedExclusive;
  active_count_ = static_cast<std::uint16_t>(already_active + new_owners);
  shared_waiters_ = 0;
  UnlockSpin();
  while (granted != nullptr) {
    WaitBlock* next = granted->next;  // read before the grant: the block may vanish after it
    Grant(granted);
    granted = next;
  }
}

template <class Atoms>
void BasicEResource<Atoms>::GrantOneExclusiveWaiterAndUnlock() {
  // The oldest exclusive block leaves the list and its thread becomes the owner.
  WaitBlock* prev = wait_tail_;
  WaitBlock* b = wait_tail_->next;
  while (!b->exclusive) {
    prev = b;
    b = b->next;
  }
  Unlink(prev, b);
  flag_ |= kOwnedExclusive;
  owner_entry_ = {b->thread, 1};
  active_count_ = 1;
  --exclusive_waiters_;
  UnlockSpin();
  Grant(b);
}

template <class Atoms>
void BasicEResource<Atoms>::Release() {
  const std::uintptr_t me = eresource_detail::CurrentThread();
  LockSpin();
  if (flag_ & kOwnedExclusive) {
    LOCKBENCH_CHECK(owner_entry_.thread == me, eresource_detail::kComponent,
                    "release of a resource owned exclusive by another thread");
    if (--owner_entry_.count != 0) {
      UnlockSpin();
      return;
    }
    owner_entry_ = {};
  } else {
    OwnerEntry* free_entry;
    OwnerEntry* mine = FindSharedEntry(me, &free_entry);
    LOCKBENCH_CHECK(mine != nullptr && active_count_ != 0, eresource_detail::kComponent,
                    "release of a resource the caller does not hold");
    if (--mine->count != 0) {
      UnlockSpin();
      return;
    }
    mine->thread = 0;
    if (--active_count_ != 0) {
      UnlockSpin();
      return;
    }
  }
  // The last owner is gone: hand on, readers first after a writer, a writer after readers.
  if (shared_waiters_ != 0 && (flag_ & kOwnedExclusive)) {
    GrantSharedWaitersAndUnlock(0);
  } else if (exclusive_waiters_ != 0) {
    GrantOneExclusiveWaiterAndUnlock();
  } else if (shared_waiters_ != 0) {
    // Shared waiters only queue behind a writer, so this is a defensive path.
    GrantSharedWaitersAndUnlock(0);
  } else {
    flag_ &= ~kOwnedExclusive;
    active_count_ = 0;
    UnlockSpin();
  }
}

template <class Atoms>
void BasicEResource<Atoms>::ConvertExclusiveToShared() {
  const std::uintptr_t me = eresource_detail::CurrentThread();
  LockSpin();
  LOCKBENCH_CHECK((flag_ & kOwnedExclusive) && owner_entry_.thread == me, eresource_detail::kComponent,
                  "convert to shared by a thread that does not own the resource exclusive");
  const std::uint32_t count = owner_entry_.count;
  owner_entry_ = {};
  NewSharedEntry(me)->count = count;
  GrantSharedWaitersAndUnlock(1);
}

template <class Atoms>
void BasicEResource<Atoms>::DisablePriorityBoost() {
  LockSpin();
  flag_ |= kHasDisabledPriorityBoost;
  UnlockSpin();
}

template <class Atoms>
void BasicEResource<Atoms>::SetNeverExclusive() {
  LockSpin();
  flag_ |= kNeverExclusive;
  UnlockSpin();
}

template <class Atoms>
bool BasicEResource<Atoms>::IsAcquiredExclusiveByCaller() const {
  const std::uintptr_t me = eresource_detail::CurrentThread();
  LockSpin();
  const bool owns = (flag_ & kOwnedExclusive) && owner_entry_.thread == me;
  UnlockSpin();
  return owns;
}

template <class Atoms>
std::uint32_t BasicEResource<Atoms>::CallerAcquisitionCount() const {
  const std::uintptr_t me = eresource_detail::CurrentThread();
  LockSpin();
  std::uint32_t count = 0;
  if (flag_ & kOwnedExclusive) {
    if (owner_entry_.thread == me) count = owner_entry_.count;
  } else if (const OwnerEntry* e = FindSharedEntry(me); e != nullptr) {
    count = e->count;
  }
  UnlockSpin();
  return count;
}

template <class Atoms>
std::uint32_t BasicEResource<Atoms>::SharedWaiterCount() const { return ReadLocked(shared_waiters_); }

template <class Atoms>
std::uint32_t BasicEResource<Atoms>::ExclusiveWaiterCount() const { return ReadLocked(exclusive_waiters_); }

template <class Atoms>
std::uint32_t BasicEResource<Atoms>::ContentionCount() const { return ReadLocked(contention_count_); }

template <class Atoms>
std::uint32_t BasicEResource<Atoms>::ActiveCount() const { return ReadLocked(active_count_); }

template <class Atoms>
std::uint16_t BasicEResource<Atoms>::Flag() const { return ReadLocked(flag_); }

template <class Atoms>
std::uint32_t BasicEResource<Atoms>::OwnerTableCapacity() const { return ReadLocked(owner_table_size_); }

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_ERESOURCE_IMPL_H_
