// Scenario tests of the fast and guarded mutex grant rules (lockimpls/SEMANTICS.md, "Fast mutex
// and guarded mutex"), run over both classes, and of their Windows-named facades. Threads are
// parked at known points (a waiter counted in the word, a contender or a woken thread held by
// the lock observer) instead of sleeping.
#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "lockimpls/fast_mutex.h"
#include "lockimpls/fast_mutex_api.h"
#include "lockimpls/internal/hang_watchdog.h"
#include "lockimpls/internal/test_support.h"
#include "lockimpls/internal/test_watchdog.h"

namespace lockbench {
namespace {

using internal::GateMutex;
using internal::Holder;
using internal::LockEvent;
using internal::RecordingObserver;
using internal::ScopedObserver;
using internal::TestWatchdog;
using internal::WaitUntil;

constexpr std::int32_t kLock = GateMutex::kLockBit;
constexpr std::int32_t kWoken = GateMutex::kWokenBit;
constexpr std::int32_t kWaiter = GateMutex::kWaiterInc;

template <class M>
class GateMutexTest : public ::testing::Test {};
using Mutexes = ::testing::Types<FastMutex, GuardedMutex>;
TYPED_TEST_SUITE(GateMutexTest, Mutexes);

// Rule: Fast mutex and guarded mutex > State: the count word reads 1 free, 0 held and 4 held with
// one waiter, for both classes.
TYPED_TEST(GateMutexTest, CountWordFreeHeldWaiting) {
  TestWatchdog watchdog;
  TypeParam m;
  EXPECT_EQ(m.CountForTest(), kLock) << "free: lock bit set";
  EXPECT_EQ(m.Owner(), 0u);
  m.lock();
  EXPECT_EQ(m.CountForTest(), 0) << "held: lock bit clear";
  EXPECT_EQ(m.Owner(), internal::CurrentThreadTag());
  Holder<TypeParam> waiter(m, true);
  WaitUntil([&] { return m.CountForTest() == kWaiter; });
  EXPECT_EQ(m.Contention(), 1u);
  m.unlock();
  waiter.AwaitAcquired();
  waiter.Join();
  EXPECT_EQ(m.CountForTest(), kLock);
}

// Rule: Fast mutex and guarded mutex > Acquire, release and wake-up: a contender that found the
// mutex held but finds it freed by the time it would count itself a waiter takes it at once,
// without sleeping on the gate (and still counts as contended).
TYPED_TEST(GateMutexTest, ContenderTakesMutexFreedBeforeItSleeps) {
  TestWatchdog watchdog;
  TypeParam m;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  observer.HoldNext(LockEvent::kContended);
  m.lock();
  Holder<TypeParam> contender(m, true);
  observer.AwaitHeld();  // found the lock bit clear; held before it reads the count
  EXPECT_EQ(m.CountForTest(), 0) << "held, and no waiter counted yet";
  EXPECT_EQ(m.Contention(), 1u);
  m.unlock();  // frees the mutex under the contender; no waiter is counted, so nobody is woken
  EXPECT_EQ(m.CountForTest(), kLock);
  observer.Release();
  WaitUntil([&] { return contender.acquired() || observer.Count(LockEvent::kQueued) != 0; });
  EXPECT_EQ(observer.Count(LockEvent::kQueued), 0)
      << "the contender slept on the gate of a free mutex";
  EXPECT_TRUE(contender.acquired());
  EXPECT_EQ(m.CountForTest(), 0) << "held by the contender, no waiter, no woken bit";
  EXPECT_EQ(m.Contention(), 1u) << "the acquire still counts as contended";
  EXPECT_EQ(observer.Count(LockEvent::kWakeIssued), 0);
  EXPECT_EQ(observer.Count(LockEvent::kWoken), 0);
  if (!contender.acquired()) {  // a contender asleep on a free mutex: wake it so the test ends
    m.lock();
    m.unlock();
  }
  contender.Join();
  EXPECT_EQ(m.CountForTest(), kLock);
}

// Rule: Fast mutex and guarded mutex > Acquire, release and wake-up: a release with waiters wakes
// exactly one of them: one gate signal, one waiter moved from the count to the woken bit; no other
// release can wake while that bit is set.
TYPED_TEST(GateMutexTest, ReleaseWakesExactlyOneWaiter) {
  TestWatchdog watchdog;
  TypeParam m;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  observer.HoldNext(LockEvent::kWoken);
  m.lock();
  Holder<TypeParam> w1(m, true);
  Holder<TypeParam> w2(m, true);
  WaitUntil([&] { return m.CountForTest() == 2 * kWaiter; });
  m.unlock();
  observer.AwaitHeld();
  EXPECT_EQ(observer.Count(LockEvent::kWakeIssued), 1);
  EXPECT_EQ(observer.Count(LockEvent::kWoken), 1);
  EXPECT_EQ(m.CountForTest(), kLock | kWoken | kWaiter)
      << "free, one waiter woken, the other still counted and asleep";
  EXPECT_FALSE(w1.acquired() || w2.acquired());
  // While the woken bit is set a release wakes nobody: a newcomer takes the mutex and lets go.
  bool newcomer_got_it = false;
  std::thread([&] {
    newcomer_got_it = m.try_lock();
    if (newcomer_got_it) m.unlock();
  }).join();
  ASSERT_TRUE(newcomer_got_it);
  EXPECT_EQ(observer.Count(LockEvent::kWakeIssued), 1)
      << "a release woke a second waiter while one was already woken";
  EXPECT_EQ(m.CountForTest(), kLock | kWoken | kWaiter);
  observer.Release();
  w1.Release();  // each lets go as soon as it has the mutex
  w2.Release();
  w1.Join();
  w2.Join();
  EXPECT_EQ(observer.Count(LockEvent::kWakeIssued), 2) << "one wake per release that found waiters";
  EXPECT_EQ(m.CountForTest(), kLock);
}

// Rule: Fast mutex and guarded mutex > Acquire, release and wake-up: the woken waiter re-competes;
// a newcomer arriving before its retry takes the mutex, and the woken waiter counts itself a waiter
// again and sleeps until the next release.
TYPED_TEST(GateMutexTest, WokenWaiterRecompetesAndNewcomerBarges) {
  TestWatchdog watchdog;
  TypeParam m;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  observer.HoldNext(LockEvent::kWoken);
  m.lock();
  Holder<TypeParam> waiter(m, true);
  WaitUntil([&] { return m.CountForTest() == kWaiter; });
  m.unlock();
  observer.AwaitHeld();  // woken, held before its retry
  bool newcomer_got_it = false;
  std::thread newcomer([&] { newcomer_got_it = m.try_lock(); });
  newcomer.join();
  ASSERT_TRUE(newcomer_got_it) << "the newcomer must be able to take a mutex a waiter was woken for";
  EXPECT_EQ(m.CountForTest(), kWoken) << "held by the newcomer, the woken bit still set";
  observer.Release();
  // The woken waiter finds the mutex held: the woken bit turns back into one waiter.
  WaitUntil([&] { return m.CountForTest() == kWaiter; });
  EXPECT_FALSE(waiter.acquired());
  m.unlock();  // on behalf of the newcomer: the mutex records no owner check on release
  waiter.AwaitAcquired();
  waiter.Join();
  EXPECT_EQ(observer.Count(LockEvent::kWakeIssued), 2);
  EXPECT_EQ(observer.Count(LockEvent::kWoken), 2);
}

// Rule: Fast mutex and guarded mutex > Try, recursion, shared requests: try fails at once when the
// mutex is held, and leaves no trace (no waiter, no contention).
TYPED_TEST(GateMutexTest, TryFailsWhenHeldWithoutWaiting) {
  TestWatchdog watchdog;
  TypeParam m;
  m.lock();
  bool got = true;
  std::thread([&] { got = m.try_lock(); }).join();
  EXPECT_FALSE(got);
  EXPECT_FALSE(m.try_lock()) << "not recursive: the owner's try fails too";
  EXPECT_EQ(m.CountForTest(), 0);
  EXPECT_EQ(m.Contention(), 0u);
  m.unlock();
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

// Rule: Fast mutex and guarded mutex > Try, recursion, shared requests: exclusive only and not
// recursive, as the traits say; a re-acquire by the owner aborts.
TYPED_TEST(GateMutexTest, ExclusiveOnlyAndNotRecursive) {
  static_assert(TypeParam::kTraits.recursion == Recursion::kNone);
  static_assert(!TypeParam::kTraits.shared_mode);
  static_assert(TypeParam::kTraits.owner_query);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        TypeParam m;
        m.lock();
        m.lock();
      },
      "re-acquired by the thread that holds it");
}

// Rule: Fast mutex and guarded mutex > API: ExAcquireFastMutex and a successful try raise the IRQL
// to APC_LEVEL and the release restores it; a failed try leaves it alone.
TEST(FastMutexApiTest, AcquireRaisesIrqlAndReleaseRestoresIt) {
  FAST_MUTEX m;
  ExInitializeFastMutex(&m);
  ASSERT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
  ExAcquireFastMutex(&m);
  EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
  EXPECT_TRUE(KeAreAllApcsDisabled());
  bool other = true;
  std::thread([&] { other = ExTryToAcquireFastMutex(&m); }).join();
  EXPECT_FALSE(other);
  ExReleaseFastMutex(&m);
  EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
  ASSERT_TRUE(ExTryToAcquireFastMutex(&m));
  EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
  ExReleaseFastMutex(&m);
  EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

// Rule: Fast mutex and guarded mutex > API: the Unsafe calls change no IRQL and abort unless APCs
// are already disabled.
TEST(FastMutexApiTest, UnsafeCallsRequireApcsDisabled) {
  FAST_MUTEX m;
  ExInitializeFastMutex(&m);
  KeEnterCriticalRegion();
  ExAcquireFastMutexUnsafe(&m);
  EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL) << "the unsafe pair changes no IRQL";
  ExReleaseFastMutexUnsafe(&m);
  KeLeaveCriticalRegion();
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(ExAcquireFastMutexUnsafe(&m), "ExAcquireFastMutexUnsafe requires APCs disabled");
}

// Rule: Fast mutex and guarded mutex > API: acquire and a successful try enter a guarded region,
// the release leaves it, and a failed try leaves it again.
TEST(GuardedMutexApiTest, AcquireEntersGuardedRegionAndFailedTryLeavesIt) {
  KGUARDED_MUTEX m;
  KeInitializeGuardedMutex(&m);
  KeAcquireGuardedMutex(&m);
  EXPECT_EQ(GuardedRegionDepth(), 1);
  EXPECT_TRUE(KeAreAllApcsDisabled());
  int depth_after_failed_try = -1;
  std::thread([&] {
    EXPECT_FALSE(KeTryToAcquireGuardedMutex(&m));
    depth_after_failed_try = GuardedRegionDepth();
  }).join();
  EXPECT_EQ(depth_after_failed_try, 0);
  KeReleaseGuardedMutex(&m);
  EXPECT_EQ(GuardedRegionDepth(), 0);
  EXPECT_FALSE(KeAreAllApcsDisabled());
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(KeLeaveGuardedRegion(), "KeLeaveGuardedRegion without a matching");
}

// Rule: Fast mutex and guarded mutex > API: the guarded Unsafe pair enters no region and requires
// a guarded region or APC_LEVEL; a critical region is not enough.
TEST(GuardedMutexApiTest, UnsafeCallsEnterNoRegionAndRequireAGuardedRegionOrApcLevel) {
  KGUARDED_MUTEX m;
  KeInitializeGuardedMutex(&m);
  KeEnterGuardedRegion();
  KeAcquireGuardedMutexUnsafe(&m);
  EXPECT_EQ(GuardedRegionDepth(), 1) << "the unsafe acquire enters no region of its own";
  EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
  bool other = true;
  std::thread([&] { other = m.try_lock(); }).join();
  EXPECT_FALSE(other) << "held";
  KeReleaseGuardedMutexUnsafe(&m);
  KeLeaveGuardedRegion();
  EXPECT_EQ(m.Owner(), 0u);
  const KIRQL old = SwapIrql(APC_LEVEL);  // APC_LEVEL will do as well
  KeAcquireGuardedMutexUnsafe(&m);
  KeReleaseGuardedMutexUnsafe(&m);
  SwapIrql(old);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(KeAcquireGuardedMutexUnsafe(&m),
               "KeAcquireGuardedMutexUnsafe requires a guarded region or APC_LEVEL");
  EXPECT_DEATH(
      {
        KeEnterCriticalRegion();
        KeAcquireGuardedMutexUnsafe(&m);
      },
      "KeAcquireGuardedMutexUnsafe requires a guarded region or APC_LEVEL");
  EXPECT_DEATH(
      {
        KeEnterGuardedRegion();
        KeAcquireGuardedMutexUnsafe(&m);
        KeLeaveGuardedRegion();
        KeReleaseGuardedMutexUnsafe(&m);
      },
      "KeReleaseGuardedMutexUnsafe requires a guarded region or APC_LEVEL");
}

}  // namespace
}  // namespace lockbench
