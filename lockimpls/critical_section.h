// CriticalSection: an emulation of the Windows user-mode critical section (CRITICAL_SECTION,
// RTL_CRITICAL_SECTION in ntdll), the recursive, owner-tracked mutex most Win32 code locks with.
// critical_section_api.h puts the Windows names on it (EnterCriticalSection and friends).
//
// Design (lockimpls/SEMANTICS.md, "CRITICAL_SECTION"): the x64 RTL_CRITICAL_SECTION layout,
// 40 bytes: DebugInfo (always null here), LockCount, RecursionCount, OwningThread (the owner's
// Linux thread id, as Windows keeps the thread id), LockSemaphore (here the futex word waiters
// sleep on, where Windows keeps an event handle or falls back to a keyed event) and SpinCount.
// LockCount uses the Windows Vista and later encoding: bit 0 is SET when the section is FREE,
// bit 1 is CLEAR while a woken waiter has not yet re-competed, and the bits above hold the ones'
// complement of the number of sleeping waiters; a fresh section reads -1. Enter clears bit 0
// with one atomic bit-test-and-reset; a thread that finds it clear and is not the owner polls
// LockCount SpinCount times, then counts itself a waiter and sleeps. Leave by the last recursion
// sets bit 0 with one atomic add and, if waiters sleep and none is woken, moves one from the
// count to the woken state and signals the event.
//
// Fairness: not fair, not FIFO (since Windows Vista / Server 2003 SP1). A release does not hand
// the section over: the woken waiter re-competes with newcomers and with spinners, and a thread
// that arrives between the release and the woken waiter's retry takes the section (the woken
// waiter counts itself a waiter again and sleeps). This avoids lock convoys at the price of
// arrival order.
//
// Unsupported calls: exclusive only; lock_shared, try_lock_shared and unlock_shared enter and
// leave (traits: shared_mode false). Recursion is full and counted: the owner re-enters (Enter
// or TryEnter) and must leave as often. Leave by a thread that does not own the section is
// undefined on Windows; checked builds (internal/lock_checks.h) abort with a message.
//
// Cost: uncontended Enter and Leave, one atomic read-modify-write each plus relaxed stores of the
// owner and the recursion count; the thread id is a thread-local read (one gettid per thread).
// A contended Leave makes one futex wake. 40 bytes; allocates nothing.
//
// Test hook: the lock observer (internal/lock_observer.h) is told of each wake (kWakeIssued) and
// can hold a woken waiter back before it re-competes (kWoken); one load on the slow paths when
// none is installed.
//
// The section is written once over an atomics policy (internal/atoms.h): every atomic operation
// on its fields, the event's futex calls and the spin's pause go through `Atoms`. Production uses
// CriticalSection and CheckedCriticalSection, over RealAtoms; the out-of-line members live in
// critical_section_impl.h and are instantiated for RealAtoms in critical_section.cc, and for the
// deterministic scheduler's policy in lock_schedules_test.cc.
#ifndef LOCKBENCH_LOCKIMPLS_CRITICAL_SECTION_H_
#define LOCKBENCH_LOCKIMPLS_CRITICAL_SECTION_H_

#include <atomic>
#include <cstdint>
#include <string_view>

#include "lockimpls/internal/atoms.h"
#include "lockimpls/internal/lock_checks.h"
#include "lockimpls/lock_concept.h"

namespace lockbench {

// The spin count of critical sections made by the benchmark (the registry's CriticalSection()):
// default 4000, the figure Microsoft documents for the heap manager's critical sections; 0 on a
// one-CPU machine, where Windows ignores spin counts.
std::uint32_t CriticalSectionDefaultSpinCount();
void SetCriticalSectionDefaultSpinCount(std::uint32_t spins);

// Whether a contender spins its full count while other waiters sleep: 1 (the default) as
// Windows 10's ntdll does (RtlpEnterCriticalSectionContended polls the lock bit alone), 0 to stop
// spinning once one waiter sleeps, as Wine does. Every section of the process follows it.
std::uint32_t CriticalSectionSpinPastSleepers();
void SetCriticalSectionSpinPastSleepers(std::uint32_t spin_past_sleepers);

namespace internal {

// The calling thread's Linux thread id (gettid), never 0.
std::uintptr_t CurrentThreadId();

[[noreturn]] void CriticalSectionLeftByNonOwner(const void* cs, std::uintptr_t owner);

// The section over the atomics, futex calls and spin hints of `Atoms` (internal/atoms.h); with
// kChecked, Leave aborts when the caller does not own it.
template <class Atoms, bool kChecked>
class BasicCriticalSection {
 public:
  static constexpr std::int32_t kLockBit = 0x1;      // set: free
  static constexpr std::int32_t kNoWokenBit = 0x2;   // clear: a woken waiter is on its way
  static constexpr std::int32_t kWaiterUnit = 0x4;   // subtracted per sleeping waiter
  static constexpr std::int32_t kFree = -1;          // no owner, no waiter, nobody woken
  // The largest spin count; Windows keeps flags in SpinCount's top byte.
  static constexpr std::uint32_t kMaxSpinCount = 0x00FFFFFF;

  // REQUIRES: spin_count <= kMaxSpinCount (larger values are clamped).
  explicit BasicCriticalSection(std::uint32_t spin_count) { SetSpinCount(spin_count); }
  BasicCriticalSection(const BasicCriticalSection&) = delete;
  BasicCriticalSection& operator=(const BasicCriticalSection&) = delete;

  void Enter() {
    const std::uintptr_t self = CurrentThreadId();
    if (TakeLockBit()) [[likely]] {
      Own(self);
    } else if (owning_thread_.load(std::memory_order_relaxed) == self) {
      ++recursion_count_;
    } else {
      EnterContended(self);
    }
  }
  // Never waits: true if the section was free or the caller owns it (one more recursion).
  bool TryEnter() {
    const std::uintptr_t self = CurrentThreadId();
    if (TakeLockBit()) {
      Own(self);
      return true;
    }
    if (owning_thread_.load(std::memory_order_relaxed) == self) {
      ++recursion_count_;
      return true;
    }
    return false;
  }
  // REQUIRES: the calling thread owns the section (checked builds abort otherwise).
  void Leave() {
    if constexpr (kChecked) {
      const std::uintptr_t owner = owning_thread_.load(std::memory_order_relaxed);
      if (owner != CurrentThreadId()) CriticalSectionLeftByNonOwner(this, owner);
    }
    if (--recursion_count_ > 0) return;
    owning_thread_.store(0, std::memory_order_relaxed);
    const std::int32_t old = lock_count_.fetch_add(kLockBit, std::memory_order_release);
    if (Waiters(old) != 0 && (old & kNoWokenBit) != 0) [[unlikely]] WakeOne();
  }

  void lock() { Enter(); }
  bool try_lock() { return TryEnter(); }
  void unlock() { Leave(); }
  // Exclusive only: shared requests are served exclusive (LockTraits::shared_mode is false).
  void lock_shared() { Enter(); }
  bool try_lock_shared() { return TryEnter(); }
  void unlock_shared() { Leave(); }

  // Returns the previous spin count. On a one-CPU machine the spin count is 0 whatever is asked.
  std::uint32_t SetSpinCount(std::uint32_t spins);

  // The fields, as a debugger shows them.
  std::int32_t LockCount() const { return lock_count_.load(std::memory_order_acquire); }
  std::int32_t RecursionCount() const { return recursion_count_; }  // meaningful to the owner
  std::uintptr_t OwningThread() const { return owning_thread_.load(std::memory_order_relaxed); }
  std::uint32_t SpinCount() const {
    return static_cast<std::uint32_t>(spin_count_.load(std::memory_order_relaxed));
  }
  // Signals on the event that no waiter has taken yet (a test's check that none is left over).
  std::uint32_t EventForTest() const { return event_.load(std::memory_order_acquire); }
  // Sleeping waiters counted in a LockCount value (the ones' complement of its upper bits).
  static std::uint32_t Waiters(std::int32_t lock_count) {
    return static_cast<std::uint32_t>(~lock_count) >> 2;
  }

 protected:
  ~BasicCriticalSection() = default;

 private:
  // True if this call cleared the lock bit (took the section).
  bool TakeLockBit() {
    return (lock_count_.fetch_and(~kLockBit, std::memory_order_acquire) & kLockBit) != 0;
  }
  void Own(std::uintptr_t self) {
    owning_thread_.store(self, std::memory_order_relaxed);
    recursion_count_ = 1;
  }
  void EnterContended(std::uintptr_t self);
  void WakeOne();
  void WaitForEvent();

  template <class T>
  using Atomic = typename Atoms::template Atomic<T>;

  // RTL_CRITICAL_SECTION, field for field.
  void* debug_info_ = nullptr;                  // DebugInfo: none kept
  Atomic<std::int32_t> lock_count_{kFree};      // LockCount
  std::int32_t recursion_count_ = 0;            // RecursionCount: written by the owner
  Atomic<std::uintptr_t> owning_thread_{0};     // OwningThread
  Atomic<std::uint32_t> event_{0};              // LockSemaphore: pending signals
  std::uint32_t event_high_ = 0;                //   (the handle's upper half)
  Atomic<std::uintptr_t> spin_count_{0};        // SpinCount
};

extern template class BasicCriticalSection<RealAtoms, true>;
extern template class BasicCriticalSection<RealAtoms, false>;

inline constexpr std::string_view kCriticalSectionFairness =
    "not fair, not FIFO: a release wakes one waiter, who re-competes with newcomers (barging)";

}  // namespace internal

class CriticalSection final
    : public internal::BasicCriticalSection<internal::RealAtoms, internal::kCheckedLocks> {
 public:
  CriticalSection() : BasicCriticalSection(CriticalSectionDefaultSpinCount()) {}
  explicit CriticalSection(std::uint32_t spin_count) : BasicCriticalSection(spin_count) {}

  static constexpr LockSetting kSettings[] = {
      {"spin_count", "polls of the section before an Enter sleeps (default 4000, 0 on one CPU)",
       kMaxSpinCount, &CriticalSectionDefaultSpinCount, &SetCriticalSectionDefaultSpinCount},
      {"spin_past_sleepers",
       "1: a contender spins its full count while others sleep (Windows 10); 0: it stops once "
       "one sleeps (Wine)",
       1, &CriticalSectionSpinPastSleepers, &SetCriticalSectionSpinPastSleepers}};
  static constexpr LockTraits kTraits = {
      .name = "critical_section",
      .description = "Windows CRITICAL_SECTION: recursive, spin then wait, not FIFO; exclusive only",
      .size_bytes = 40,
      .recursion = Recursion::kFull,
      .fairness = internal::kCriticalSectionFairness,
      .owner_query = true,
      .shared_mode = false,
      .holder_level = HolderLevel::kUserMode,
      .waiters = WaitKind::kSpinThenSleep,
  };
};

// The same section with the non-owner Leave check compiled in, whatever the build.
class CheckedCriticalSection final
    : public internal::BasicCriticalSection<internal::RealAtoms, true> {
 public:
  explicit CheckedCriticalSection(std::uint32_t spin_count = 0) : BasicCriticalSection(spin_count) {}
};

static_assert(BenchLock<CriticalSection>);
static_assert(sizeof(CriticalSection) == 40 && sizeof(CheckedCriticalSection) == 40);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_CRITICAL_SECTION_H_
