#include "lockimpls/critical_section.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "lockimpls/internal/check.h"
#include "lockimpls/internal/futex.h"
#include "lockimpls/internal/spin_setting.h"

namespace lockbench {
namespace {

constinit internal::SpinSetting critical_section_spins{4000};
constinit std::atomic<std::uint32_t> spin_past_sleepers{1};

std::atomic<internal::CriticalSectionObserver*> observer{nullptr};

bool OneCpu() { return std::thread::hardware_concurrency() <= 1; }

}  // namespace

std::uint32_t CriticalSectionDefaultSpinCount() { return critical_section_spins.Get(); }
void SetCriticalSectionDefaultSpinCount(std::uint32_t spins) { critical_section_spins.Set(spins); }
std::uint32_t CriticalSectionSpinPastSleepers() {
  return spin_past_sleepers.load(std::memory_order_relaxed);
}
void SetCriticalSectionSpinPastSleepers(std::uint32_t value) {
  spin_past_sleepers.store(value != 0 ? 1 : 0, std::memory_order_relaxed);
}

namespace internal {

std::uintptr_t CurrentThreadId() {
  static thread_local const std::uintptr_t id = static_cast<std::uintptr_t>(syscall(SYS_gettid));
  return id;
}

void SetCriticalSectionObserver(CriticalSectionObserver* o) { observer.store(o); }

void CriticalSectionLeftByNonOwner(const void* cs, std::uintptr_t owner) {
  Fatal("CriticalSection",
        "LeaveCriticalSection by thread " + std::to_string(CurrentThreadId()) +
            ", which does not own the section (owner: " +
            (owner == 0 ? std::string("none") : std::to_string(owner)) +
            "; undefined on Windows)");
}

template <bool kChecked>
std::uint32_t BasicCriticalSection<kChecked>::SetSpinCount(std::uint32_t spins) {
  const std::uint32_t value = OneCpu() ? 0 : (spins > kMaxSpinCount ? kMaxSpinCount : spins);
  return static_cast<std::uint32_t>(spin_count_.exchange(value, std::memory_order_relaxed));
}

// Spin, then sleep; once woken, compete again like a newcomer. With spin_past_sleepers 0 the
// spin ends as soon as the word counts a sleeping waiter. Until this thread has slept once
// it takes the lock by clearing the lock bit and sleeps by adding a waiter; once woken, the
// cleared woken bit is its own, so taking the lock also sets that bit back and sleeping turns it
// back into a waiter.
template <bool kChecked>
void BasicCriticalSection<kChecked>::EnterContended(std::uintptr_t self) {
  std::int32_t take = -kLockBit;
  std::int32_t wait = -kWaiterUnit;
  const bool past_sleepers = spin_past_sleepers.load(std::memory_order_relaxed) != 0;
  for (;;) {
    std::uint32_t spins = SpinCount();
    std::int32_t old = lock_count_.load(std::memory_order_relaxed);
    for (;;) {
      if (old & kLockBit) {
        if (lock_count_.compare_exchange_weak(old, old + take, std::memory_order_acquire,
                                              std::memory_order_relaxed)) {
          Own(self);
          return;
        }
      } else if (spins > 0 && (past_sleepers || Waiters(old) == 0)) {
        --spins;
        CpuRelax();
        old = lock_count_.load(std::memory_order_relaxed);
      } else if (lock_count_.compare_exchange_weak(old, old + wait, std::memory_order_relaxed,
                                                   std::memory_order_relaxed)) {
        break;
      }
    }
    WaitForEvent();
    if (CriticalSectionObserver* o = observer.load(std::memory_order_acquire)) o->OnWoken(this);
    take = -kLockBit + kNoWokenBit;
    wait = kNoWokenBit - kWaiterUnit;
  }
}

// Moves one sleeping waiter to the woken state and signals it, unless the section was taken
// again (its next Leave wakes), nobody sleeps, or a woken waiter is already on its way.
template <bool kChecked>
void BasicCriticalSection<kChecked>::WakeOne() {
  std::int32_t old = lock_count_.load(std::memory_order_relaxed);
  for (;;) {
    if ((old & kLockBit) == 0 || Waiters(old) == 0 || (old & kNoWokenBit) == 0) return;
    if (lock_count_.compare_exchange_weak(old, old + kWaiterUnit - kNoWokenBit,
                                          std::memory_order_relaxed, std::memory_order_relaxed)) {
      break;
    }
  }
  if (CriticalSectionObserver* o = observer.load(std::memory_order_acquire)) o->OnWakeIssued(this);
  event_.fetch_add(1, std::memory_order_release);
  FutexWake(&event_, 1);
}

// The event is a counting signal: each wake adds one, each waiter that passes takes one.
template <bool kChecked>
void BasicCriticalSection<kChecked>::WaitForEvent() {
  for (;;) {
    std::uint32_t pending = event_.load(std::memory_order_acquire);
    if (pending == 0) {
      FutexWait(&event_, 0);
      continue;
    }
    if (event_.compare_exchange_weak(pending, pending - 1, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      return;
    }
  }
}

template class BasicCriticalSection<true>;
template class BasicCriticalSection<false>;

}  // namespace internal
}  // namespace lockbench
