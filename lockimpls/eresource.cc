#include "lockimpls/eresource.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace lockbench {
namespace {

// Never 0 and never an address, so no thread matches it: marks exclusive ownership that was
// handed to a waiter the event has not woken yet.
constexpr std::uintptr_t kHandedOff = 1;

std::uintptr_t CurrentThread() {
  static thread_local char tag;
  return reinterpret_cast<std::uintptr_t>(&tag);
}

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "EResource: %s\n", what);
  std::abort();
}

void FutexWait(std::atomic<std::uint32_t>* word, std::uint32_t expected) {
  // EINTR, EAGAIN and spurious returns all mean "look again"; the callers loop.
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr,
          nullptr, 0);
}

void FutexWake(std::atomic<std::uint32_t>* word, std::uint32_t count) {
  const int n = count > static_cast<std::uint32_t>(INT_MAX) ? INT_MAX : static_cast<int>(count);
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, n, nullptr,
          nullptr, 0);
}

// Counting semaphore: the word is the number of grants not yet taken. A grant is not tied to a
// thread: a shared waiter that queued after the grant may take a unit meant for one that has not
// reached its wait yet (a kernel semaphore has the same window). That changes which reader runs,
// never how many: every queued shared waiter already has its owner entry, and ActiveCount counts
// units, not names. ActiveCount is running owners plus units not yet taken, so it only reaches 0
// when no unit is left, and no exclusive owner can coexist with a shared one. The exclusive
// event works the same way.
void SemaphoreRelease(std::atomic<std::uint32_t>* sem, std::uint32_t count) {
  sem->fetch_add(count, std::memory_order_release);
  FutexWake(sem, count);
}

void SemaphoreWait(std::atomic<std::uint32_t>* sem) {
  std::uint32_t c = sem->load(std::memory_order_relaxed);
  for (;;) {
    if (c == 0) {
      FutexWait(sem, 0);
      c = sem->load(std::memory_order_relaxed);
    } else if (sem->compare_exchange_weak(c, c - 1, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
      return;
    }
  }
}

// Synchronization (auto-reset) event: setting it releases exactly one waiter, or the next one
// to arrive. The resource never sets it twice without a wait in between (a set hands ownership
// over, and the new owner must wake before it can release again), so no set is lost.
void EventSet(std::atomic<std::uint32_t>* event) {
  event->store(1, std::memory_order_release);
  FutexWake(event, 1);
}

void EventWait(std::atomic<std::uint32_t>* event) {
  while (event->exchange(0, std::memory_order_acquire) == 0) FutexWait(event, 0);
}

}  // namespace

EResource::~EResource() {
  CheckIdle("destroyed while owned or waited on");
  if (owner_table_ != inline_entries_) delete[] owner_table_;
}

void EResource::Initialize() {
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

void EResource::Delete() {
  LockSpin();
  CheckIdle("deleted while owned or waited on");
  if (owner_table_ != inline_entries_) delete[] owner_table_;
  owner_table_ = inline_entries_;
  owner_table_size_ = kInlineSharedEntries;
  UnlockSpin();
}

void EResource::CheckIdle(const char* what) const {
  if (active_count_ != 0 || shared_waiters_ != 0 || exclusive_waiters_ != 0) Fail(what);
}

// A FIFO (ticket) spin lock: Windows takes an in-stack queued spin lock here on multiprocessors,
// so callers get the resource's spin lock in arrival order. A test-and-set lock instead lets the
// releasing thread take it straight back, which would hide the resource's hand-off behind
// unfairness of its own spin lock.
void EResource::LockSpin() const {
  const std::uint16_t ticket = spin_next_.fetch_add(1, std::memory_order_relaxed);
  // Spin on a plain load so waiters share the cache line until it is their turn; yield after a
  // while because a user-mode holder (or the thread whose turn it is) may have been preempted.
  for (int i = 0; spin_serving_.load(std::memory_order_acquire) != ticket; ++i) {
    if (i < 128) {
      __builtin_ia32_pause();
    } else {
      sched_yield();
    }
  }
}

void EResource::UnlockSpin() const {
  // Only the holder writes spin_serving_, so a load and a store make the increment.
  spin_serving_.store(static_cast<std::uint16_t>(spin_serving_.load(std::memory_order_relaxed) + 1),
                      std::memory_order_release);
}

EResource::OwnerEntry* EResource::FindSharedEntry(std::uintptr_t thread, OwnerEntry** free_entry) {
  *free_entry = nullptr;
  for (std::uint32_t i = 0; i < owner_table_size_; ++i) {
    OwnerEntry& e = owner_table_[i];
    if (e.thread == thread) return &e;
    if (e.thread == 0 && *free_entry == nullptr) *free_entry = &e;
  }
  return nullptr;
}

const EResource::OwnerEntry* EResource::FindSharedEntry(std::uintptr_t thread) const {
  for (std::uint32_t i = 0; i < owner_table_size_; ++i) {
    if (owner_table_[i].thread == thread) return &owner_table_[i];
  }
  return nullptr;
}

void EResource::GrowOwnerTable() {
  // Allocates under the spin lock; tables only grow, so this happens a handful of times in a
  // resource's life.
  const std::uint32_t size = owner_table_size_ * 2;
  OwnerEntry* table = new OwnerEntry[size];
  std::copy(owner_table_, owner_table_ + owner_table_size_, table);
  if (owner_table_ != inline_entries_) delete[] owner_table_;
  owner_table_ = table;
  owner_table_size_ = size;
}

EResource::OwnerEntry* EResource::NewSharedEntry(std::uintptr_t thread) {
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

bool EResource::AcquireExclusive(bool wait) {
  const std::uintptr_t me = CurrentThread();
  LockSpin();
  if (flag_ & kNeverExclusive) Fail("exclusive acquire of a resource marked NeverExclusive");
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
  ++exclusive_waiters_;
  ++contention_count_;
  UnlockSpin();
  EventWait(&exclusive_event_);
  // The releaser already made this thread the owner (count 1, kHandedOff); put its name on it.
  LockSpin();
  owner_entry_.thread = me;
  UnlockSpin();
  return true;
}

bool EResource::AcquireShared(bool wait, SharedMode mode) {
  const std::uintptr_t me = CurrentThread();
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
  const bool already_owner = mine != nullptr;
  if (already_owner) {
    ++mine->count;
  } else {
    NewSharedEntry(me);
  }
  ++shared_waiters_;
  ++contention_count_;
  UnlockSpin();
  SemaphoreWait(&shared_semaphore_);
  if (already_owner) {
    // Unreachable in practice (see the header), but a grant counted this owner twice.
    LockSpin();
    --active_count_;
    UnlockSpin();
  }
  return true;
}

void EResource::GrantSharedWaitersAndUnlock(std::uint32_t already_active) {
  const std::uint32_t n = shared_waiters_;
  flag_ &= ~kOwnedExclusive;
  active_count_ = static_cast<std::uint16_t>(already_active + n);
  shared_waiters_ = 0;
  UnlockSpin();
  if (n != 0) SemaphoreRelease(&shared_semaphore_, n);
}

void EResource::GrantOneExclusiveWaiterAndUnlock() {
  flag_ |= kOwnedExclusive;
  owner_entry_ = {kHandedOff, 1};
  active_count_ = 1;
  --exclusive_waiters_;
  UnlockSpin();
  EventSet(&exclusive_event_);
}

void EResource::Release() {
  const std::uintptr_t me = CurrentThread();
  LockSpin();
  if (flag_ & kOwnedExclusive) {
    if (owner_entry_.thread != me) Fail("release of a resource owned exclusive by another thread");
    if (--owner_entry_.count != 0) {
      UnlockSpin();
      return;
    }
    owner_entry_ = {};
  } else {
    OwnerEntry* free_entry;
    OwnerEntry* mine = FindSharedEntry(me, &free_entry);
    if (mine == nullptr || active_count_ == 0)
      Fail("release of a resource the caller does not hold");
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

void EResource::ConvertExclusiveToShared() {
  const std::uintptr_t me = CurrentThread();
  LockSpin();
  if (!(flag_ & kOwnedExclusive) || owner_entry_.thread != me) {
    Fail("convert to shared by a thread that does not own the resource exclusive");
  }
  const std::uint32_t count = owner_entry_.count;
  owner_entry_ = {};
  NewSharedEntry(me)->count = count;
  GrantSharedWaitersAndUnlock(1);
}

void EResource::DisablePriorityBoost() {
  LockSpin();
  flag_ |= kHasDisabledPriorityBoost;
  UnlockSpin();
}

void EResource::SetNeverExclusive() {
  LockSpin();
  flag_ |= kNeverExclusive;
  UnlockSpin();
}

bool EResource::IsAcquiredExclusiveByCaller() const {
  const std::uintptr_t me = CurrentThread();
  LockSpin();
  const bool owns = (flag_ & kOwnedExclusive) && owner_entry_.thread == me;
  UnlockSpin();
  return owns;
}

std::uint32_t EResource::CallerAcquisitionCount() const {
  const std::uintptr_t me = CurrentThread();
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

std::uint32_t EResource::SharedWaiterCount() const {
  LockSpin();
  const std::uint32_t n = shared_waiters_;
  UnlockSpin();
  return n;
}

std::uint32_t EResource::ExclusiveWaiterCount() const {
  LockSpin();
  const std::uint32_t n = exclusive_waiters_;
  UnlockSpin();
  return n;
}

std::uint32_t EResource::ContentionCount() const {
  LockSpin();
  const std::uint32_t n = contention_count_;
  UnlockSpin();
  return n;
}

std::uint32_t EResource::ActiveCount() const {
  LockSpin();
  const std::uint32_t n = active_count_;
  UnlockSpin();
  return n;
}

std::uint16_t EResource::Flag() const {
  LockSpin();
  const std::uint16_t f = flag_;
  UnlockSpin();
  return f;
}

std::uint32_t EResource::OwnerTableCapacity() const {
  LockSpin();
  const std::uint32_t n = owner_table_size_;
  UnlockSpin();
  return n;
}

}  // namespace lockbench
