// Scenario tests of the CRITICAL_SECTION rules (lockimpls/SEMANTICS.md, "CRITICAL_SECTION"): the
// LockCount encoding, counted recursion, spin-then-wait, one wake per release and the woken
// waiter re-competing (not FIFO), the Windows-named facade, misuse, and a stress run. Threads
// are parked at known points (a waiter counted in LockCount, a woken thread held by the
// observer) instead of sleeping.
#include "lockimpls/critical_section.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ios>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lockimpls/critical_section_api.h"
#include "lockimpls/internal/hang_watchdog.h"
#include "lockimpls/internal/scoped_lock_setting.h"
#include "lockimpls/internal/test_support.h"
#include "lockimpls/internal/test_watchdog.h"

namespace lockbench {
namespace {

using internal::LockEvent;
using internal::RecordingObserver;
using internal::ScopedObserver;
using internal::TestWatchdog;
using internal::ThreadCpuTime;
using internal::WaitUntil;
using Cs = internal::BasicCriticalSection<internal::RealAtoms, true>;

constexpr std::int32_t kFree = Cs::kFree;                  // -1
constexpr std::int32_t kHeld = kFree & ~Cs::kLockBit;      // -2
constexpr std::int32_t kWaiter = Cs::kWaiterUnit;          // one sleeper: subtract

bool MultiCpu() { return std::thread::hardware_concurrency() > 1; }

// A thread that enters `cs`, reports it, and leaves when told to.
class Enterer {
 public:
  explicit Enterer(CRITICAL_SECTION& cs)
      : thread_([this, &cs] {
          EnterCriticalSection(&cs);
          entered_.store(true, std::memory_order_release);
          WaitUntil([this] { return leave_.load(std::memory_order_acquire); });
          LeaveCriticalSection(&cs);
        }) {}
  ~Enterer() { Join(); }
  bool entered() const { return entered_.load(std::memory_order_acquire); }
  void AwaitEntered() const {
    WaitUntil([this] { return entered(); });
  }
  void Release() { leave_.store(true, std::memory_order_release); }
  void Join() {
    Release();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> entered_{false};
  std::atomic<bool> leave_{false};
  std::thread thread_;
};

// Rule: CRITICAL_SECTION > State: the x64 RTL_CRITICAL_SECTION fields in order, 40 bytes; a fresh
// section reads LockCount -1, no owner.
TEST(CriticalSectionTest, LayoutAndFreshFields) {
  static_assert(sizeof(CRITICAL_SECTION) == 40, "x64 RTL_CRITICAL_SECTION is 40 bytes");
  static_assert(CriticalSection::kTraits.size_bytes == 40);
  static_assert(CriticalSection::kTraits.recursion == Recursion::kFull);
  static_assert(CriticalSection::kTraits.owner_query);
  static_assert(!CriticalSection::kTraits.shared_mode);
  CRITICAL_SECTION cs;
  InitializeCriticalSection(&cs);
  EXPECT_EQ(cs.LockCount(), -1) << "free: lock bit set, nobody woken, no waiters";
  EXPECT_EQ(cs.OwningThread(), 0u);
  EXPECT_EQ(cs.SpinCount(), 0u);
  DeleteCriticalSection(&cs);
}

// Rule: CRITICAL_SECTION > State: a debugger reading the x64 offsets finds each field where
// Windows keeps it: LockCount at 8, RecursionCount at 12, OwningThread at 16, SpinCount at 32.
TEST(CriticalSectionTest, FieldsSitAtTheWindowsOffsets) {
  CRITICAL_SECTION cs;
  InitializeCriticalSectionAndSpinCount(&cs, 1234);
  EnterCriticalSection(&cs);
  EnterCriticalSection(&cs);
  const auto* bytes = reinterpret_cast<const unsigned char*>(&cs);
  std::int32_t lock_count;
  std::int32_t recursion_count;
  std::uintptr_t owning_thread;
  std::uintptr_t spin_count;
  std::memcpy(&lock_count, bytes + 8, sizeof lock_count);
  std::memcpy(&recursion_count, bytes + 12, sizeof recursion_count);
  std::memcpy(&owning_thread, bytes + 16, sizeof owning_thread);
  std::memcpy(&spin_count, bytes + 32, sizeof spin_count);
  EXPECT_EQ(lock_count, kHeld);
  EXPECT_EQ(recursion_count, 2);
  EXPECT_EQ(owning_thread, internal::CurrentThreadId());
  EXPECT_EQ(spin_count, MultiCpu() ? 1234u : 0u);
  LeaveCriticalSection(&cs);
  LeaveCriticalSection(&cs);
  DeleteCriticalSection(&cs);
}

// Rule: CRITICAL_SECTION > Grant rules: the owner re-enters, Enter and TryEnter alike, and
// RecursionCount counts; the section is free again only after as many Leaves; OwningThread is the
// owner's thread id.
TEST(CriticalSectionTest, RecursiveEnterIsCountedAndOwnerTracked) {
  CRITICAL_SECTION cs;
  InitializeCriticalSection(&cs);
  EnterCriticalSection(&cs);
  EnterCriticalSection(&cs);
  EXPECT_EQ(TryEnterCriticalSection(&cs), TRUE) << "the owner's try succeeds (recursion)";
  EXPECT_EQ(cs.RecursionCount(), 3);
  EXPECT_EQ(cs.OwningThread(), internal::CurrentThreadId());
  EXPECT_EQ(cs.OwningThread(), static_cast<std::uintptr_t>(gettid()));
  EXPECT_EQ(cs.LockCount(), kHeld);
  BOOL other = TRUE;
  std::thread([&] { other = TryEnterCriticalSection(&cs); }).join();
  EXPECT_EQ(other, FALSE);
  LeaveCriticalSection(&cs);
  LeaveCriticalSection(&cs);
  EXPECT_EQ(cs.RecursionCount(), 1);
  EXPECT_EQ(cs.LockCount(), kHeld) << "still held after two of three Leaves";
  LeaveCriticalSection(&cs);
  EXPECT_EQ(cs.LockCount(), kFree);
  EXPECT_EQ(cs.OwningThread(), 0u);
  std::thread([&] {
    other = TryEnterCriticalSection(&cs);
    LeaveCriticalSection(&cs);
  }).join();
  EXPECT_EQ(other, TRUE);
  DeleteCriticalSection(&cs);
}

// Rule: CRITICAL_SECTION > State: a contender that finds the section owned, with spin count 0,
// counts itself a sleeping waiter in LockCount's upper bits; the owner's Leave wakes it and it
// enters.
TEST(CriticalSectionTest, ContenderSleepsCountedInLockCount) {
  TestWatchdog watchdog;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  CRITICAL_SECTION cs;
  InitializeCriticalSectionAndSpinCount(&cs, 0);
  EnterCriticalSection(&cs);
  Enterer waiter(cs);
  WaitUntil([&] { return cs.LockCount() == kHeld - kWaiter; });
  EXPECT_EQ(Cs::Waiters(cs.LockCount()), 1u);
  EXPECT_FALSE(waiter.entered());
  LeaveCriticalSection(&cs);
  waiter.AwaitEntered();
  EXPECT_EQ(observer.Count(LockEvent::kWakeIssued), 1);
  EXPECT_EQ(cs.LockCount(), kHeld) << "the woken waiter owns it; no waiter, nobody woken";
  waiter.Join();
  EXPECT_EQ(cs.LockCount(), kFree);
  DeleteCriticalSection(&cs);
}

// Rule: CRITICAL_SECTION > Grant rules: (not FIFO since Vista) a release wakes one waiter and hands
// nothing over; a newcomer that arrives before the woken waiter runs takes the section, and the
// woken waiter counts itself a waiter again and sleeps until the next release.
TEST(CriticalSectionTest, WokenWaiterRecompetesAndNewcomerBarges) {
  TestWatchdog watchdog;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  observer.HoldNext(LockEvent::kWoken);
  CRITICAL_SECTION cs;
  InitializeCriticalSectionAndSpinCount(&cs, 0);
  EnterCriticalSection(&cs);
  Enterer waiter(cs);
  Enterer second_waiter(cs);
  WaitUntil([&] { return cs.LockCount() == kHeld - 2 * kWaiter; });
  LeaveCriticalSection(&cs);
  observer.AwaitHeld();  // woken, held before it re-competes
  EXPECT_EQ(observer.Count(LockEvent::kWakeIssued), 1) << "one wake per release";
  EXPECT_EQ(cs.LockCount(), (kFree & ~Cs::kNoWokenBit) - kWaiter)
      << "free, one waiter woken, the other still asleep";
  std::atomic<BOOL> newcomer_entered{FALSE};
  std::atomic<bool> newcomer_tried{false};
  std::atomic<bool> newcomer_leave{false};
  std::thread newcomer([&] {
    newcomer_entered = TryEnterCriticalSection(&cs);
    newcomer_tried = true;
    WaitUntil([&] { return newcomer_leave.load(); });
    if (newcomer_entered) LeaveCriticalSection(&cs);
  });
  WaitUntil([&] { return newcomer_tried.load(); });
  if (newcomer_entered != TRUE) {
    observer.Release();
    newcomer_leave = true;
    newcomer.join();
    FAIL() << "the newcomer must be able to enter a section a waiter was woken for";
  }
  observer.Release();
  // The woken waiter finds the section owned: its woken state turns back into a waiter.
  WaitUntil([&] { return cs.LockCount() == kHeld - 2 * kWaiter; });
  EXPECT_FALSE(waiter.entered() || second_waiter.entered());
  newcomer_leave = true;
  newcomer.join();
  waiter.Release();  // each leaves as soon as it has entered, in whichever order they enter
  second_waiter.Release();
  waiter.Join();
  second_waiter.Join();
  EXPECT_EQ(observer.Count(LockEvent::kWakeIssued), 3)
      << "one wake per release that found sleepers";
  EXPECT_EQ(cs.LockCount(), kFree);
  DeleteCriticalSection(&cs);
}

// Rule: CRITICAL_SECTION > Grant rules: a contender first polls the section SpinCount times; one
// that sees it free meanwhile enters without ever sleeping or being counted a waiter.
TEST(CriticalSectionTest, SpinningContenderEntersWithoutSleeping) {
  if (!MultiCpu()) GTEST_SKIP() << "spin counts are 0 on one CPU";
  TestWatchdog watchdog;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  CRITICAL_SECTION cs;
  InitializeCriticalSectionAndSpinCount(&cs, 0x00FFFFFF);
  EnterCriticalSection(&cs);
  std::atomic<bool> started{false};
  std::atomic<bool> entered{false};
  std::thread contender([&] {
    started = true;
    EnterCriticalSection(&cs);
    entered = true;
    LeaveCriticalSection(&cs);
  });
  WaitUntil([&] { return started.load(); });
  // Spinning shows as CPU time with no waiter counted; sleeping would count a waiter at once.
  WaitUntil([&] {
    return ThreadCpuTime(contender) >= std::chrono::milliseconds(2) ||
           Cs::Waiters(cs.LockCount()) != 0;
  });
  EXPECT_EQ(Cs::Waiters(cs.LockCount()), 0u) << "asleep, not spinning";
  EXPECT_FALSE(entered.load());
  LeaveCriticalSection(&cs);
  contender.join();
  EXPECT_TRUE(entered.load());
  EXPECT_EQ(observer.Count(LockEvent::kWakeIssued), 0) << "no wake was needed";
  EXPECT_EQ(cs.LockCount(), kFree);
  DeleteCriticalSection(&cs);
}

// Rule: CRITICAL_SECTION > Grant rules: spin_past_sleepers decides whether a contender spins
// while another waiter sleeps: 1 (Windows 10) spins the full count, 0 (Wine) sleeps at once.
TEST(CriticalSectionTest, SpinPastSleepersDecidesWhetherAContenderSpinsBehindASleeper) {
  if (!MultiCpu()) GTEST_SKIP() << "spin counts are 0 on one CPU";
  TestWatchdog watchdog;
  for (std::uint32_t policy : {0u, 1u}) {
    internal::ScopedLockSetting setting(
        internal::SettingOf<CriticalSection>("spin_past_sleepers"), policy);
    CRITICAL_SECTION cs;
    InitializeCriticalSectionAndSpinCount(&cs, 0);
    EnterCriticalSection(&cs);
    Enterer sleeper(cs);  // spin count 0: sleeps at once
    WaitUntil([&] { return Cs::Waiters(cs.LockCount()) == 1; });
    SetCriticalSectionSpinCount(&cs, 0x00FFFFFF);
    std::thread contender([&] {
      EnterCriticalSection(&cs);
      LeaveCriticalSection(&cs);
    });
    WaitUntil([&] { return Cs::Waiters(cs.LockCount()) == 2; });
    // 2^24 polls take tens of milliseconds of CPU at the least; going to sleep at once, well
    // under one.
    const auto cpu = ThreadCpuTime(contender);
    if (policy == 0) {
      EXPECT_LT(cpu, std::chrono::milliseconds(5)) << "spun behind a sleeping waiter";
    } else {
      EXPECT_GE(cpu, std::chrono::milliseconds(5)) << "stopped spinning behind a sleeping waiter";
    }
    LeaveCriticalSection(&cs);
    sleeper.Join();
    contender.join();
    EXPECT_EQ(cs.LockCount(), kFree);
    DeleteCriticalSection(&cs);
  }
}

// Rule: CRITICAL_SECTION > API: SetCriticalSectionSpinCount returns the previous spin count; on one
// CPU every spin count reads 0.
TEST(CriticalSectionTest, SpinCountSetReturnsPrevious) {
  CRITICAL_SECTION cs;
  ASSERT_EQ(InitializeCriticalSectionAndSpinCount(&cs, 1234), TRUE);
  const DWORD expected = MultiCpu() ? 1234 : 0;
  EXPECT_EQ(cs.SpinCount(), expected);
  EXPECT_EQ(SetCriticalSectionSpinCount(&cs, 99), expected);
  EXPECT_EQ(SetCriticalSectionSpinCount(&cs, 7), MultiCpu() ? 99u : 0u);
  DeleteCriticalSection(&cs);
  SetCriticalSectionDefaultSpinCount(321);
  CriticalSection bench;
  EXPECT_EQ(bench.SpinCount(), MultiCpu() ? 321u : 0u) << "the registry's lock uses the setting";
  SetCriticalSectionDefaultSpinCount(4000);
}

// Rule: CRITICAL_SECTION > API: InitializeCriticalSectionEx accepts each flag winnt.h defines
// and returns FALSE for each reserved bit.
TEST(CriticalSectionTest, InitializeExAcceptsTheDefinedFlagsAndRefusesReservedBits) {
  CRITICAL_SECTION cs;
  EXPECT_EQ(InitializeCriticalSectionEx(&cs, 10, CRITICAL_SECTION_NO_DEBUG_INFO), TRUE);
  EXPECT_EQ(cs.SpinCount(), MultiCpu() ? 10u : 0u);
  EnterCriticalSection(&cs);
  LeaveCriticalSection(&cs);
  DeleteCriticalSection(&cs);
  for (DWORD flag : {DWORD{0}, RTL_CRITICAL_SECTION_FLAG_DYNAMIC_SPIN,
                     RTL_CRITICAL_SECTION_FLAG_STATIC_INIT, RTL_CRITICAL_SECTION_FLAG_RESOURCE_TYPE,
                     RTL_CRITICAL_SECTION_FLAG_FORCE_DEBUG_INFO, DWORD{0x1F000000}}) {
    EXPECT_EQ(InitializeCriticalSectionEx(&cs, 0, flag), TRUE) << std::hex << flag;
    DeleteCriticalSection(&cs);
  }
  for (DWORD bit : {0x20000000u, 0x40000000u, 0x80000000u}) {
    EXPECT_EQ(InitializeCriticalSectionEx(&cs, 0, bit | CRITICAL_SECTION_NO_DEBUG_INFO), FALSE)
        << std::hex << bit;
  }
}

// Rule: CRITICAL_SECTION > Grant rules: exclusive only; a "shared" hold keeps other shared requests
// out, but the owner may re-enter in either mode.
TEST(CriticalSectionTest, SharedRequestsAreServedExclusiveAndRecursive) {
  CriticalSection cs(0);
  cs.lock_shared();
  EXPECT_TRUE(cs.try_lock_shared()) << "recursion by the owner";
  bool other = true;
  std::thread([&] { other = cs.try_lock_shared(); }).join();
  EXPECT_FALSE(other);
  cs.unlock_shared();
  cs.unlock_shared();
  EXPECT_EQ(cs.LockCount(), kFree);
}

// Rule: CRITICAL_SECTION > Grant rules: Leave by a thread that does not own the section is
// undefined on Windows; checked builds abort with a message.
TEST(CriticalSectionDeathTest, LeaveByNonOwnerAbortsInCheckedBuilds) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        CheckedCriticalSection cs;
        cs.Enter();
        std::thread([&] { cs.Leave(); }).join();
      },
      "LeaveCriticalSection by thread [0-9]+, which does not own the section \\(owner: [0-9]+");
  EXPECT_DEATH(
      {
        CheckedCriticalSection cs;
        cs.Leave();
      },
      "does not own the section \\(owner: none");
  if constexpr (internal::kCheckedLocks) {
    EXPECT_DEATH(
        {
          CRITICAL_SECTION cs;
          InitializeCriticalSection(&cs);
          LeaveCriticalSection(&cs);
        },
        "does not own the section");
  }
}

// Rule: CRITICAL_SECTION > Grant rules
// Threads mixing Enter, recursive Enter and TryEnter, with and without spinning: writers are
// alone and every increment counts.
TEST(CriticalSectionStressTest, MutualExclusionWithRecursionAndSpinning) {
  TestWatchdog watchdog;
  for (DWORD spins : {0u, 200u}) {
    CRITICAL_SECTION cs;
    InitializeCriticalSectionAndSpinCount(&cs, spins);
    std::atomic<int> inside{0};
    std::atomic<long> violations{0};
    long counter = 0;
    long expected = 0;
    std::mutex expected_mu;
    std::vector<std::thread> pool;
    for (int t = 0; t < 4; ++t) {
      pool.emplace_back([&, t] {
        long mine = 0;
        for (int i = 0; i < 4000; ++i) {
          const bool tried = (i + t) % 5 == 0;
          if (tried) {
            if (!TryEnterCriticalSection(&cs)) continue;
          } else {
            EnterCriticalSection(&cs);
          }
          if (inside.fetch_add(1) != 0) violations.fetch_add(1);
          if (i % 3 == 0) {
            EnterCriticalSection(&cs);  // recursion inside the hold
            ++counter;
            LeaveCriticalSection(&cs);
          } else {
            ++counter;
          }
          ++mine;
          if (i % 64 == 0) std::this_thread::yield();
          inside.fetch_sub(1);
          LeaveCriticalSection(&cs);
        }
        std::lock_guard<std::mutex> l(expected_mu);
        expected += mine;
      });
    }
    for (std::thread& th : pool) th.join();
    EXPECT_EQ(violations.load(), 0) << "spin count " << spins;
    EXPECT_EQ(counter, expected) << "spin count " << spins;
    EXPECT_EQ(cs.LockCount(), kFree) << "spin count " << spins;
    DeleteCriticalSection(&cs);
  }
}

}  // namespace
}  // namespace lockbench
