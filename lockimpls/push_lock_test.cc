// One deterministic scenario per push-lock rule of lockimpls/SEMANTICS.md, "Push lock",
// sequenced by the waiter list itself (WaitersForTest), by threads reporting their holds and by
// the wake-up observer; then a mixed-mode stress test that checks the reader/writer invariant.
#include "lockimpls/push_lock.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lockimpls/internal/scoped_lock_setting.h"
#include "lockimpls/internal/test_support.h"
#include "lockimpls/internal/test_watchdog.h"

namespace lockbench {
namespace {

using internal::Holder;
using internal::LockEvent;
using internal::RecordingObserver;
using internal::ScopedObserver;
using internal::WaitBlockWord;
using internal::WaitUntil;
using ::testing::ElementsAre;

constexpr std::uintptr_t kLocked = WaitBlockWord::kLocked;
constexpr std::uintptr_t kWaiting = WaitBlockWord::kWaiting;
constexpr std::uintptr_t kMultipleShared = WaitBlockWord::kMultipleShared;

std::vector<std::uintptr_t> WaiterThreads(PushLock& lock) {
  std::vector<std::uintptr_t> ids;
  for (const internal::WaiterInfo& w : lock.WaitersForTest()) ids.push_back(w.thread);
  return ids;
}

void AwaitWaiters(PushLock& lock, std::size_t n) {
  WaitUntil([&] { return lock.WaitersForTest().size() == n; });
}

// Waiters go straight to sleep, so a woken thread runs its whole wake path every time.
class PushLockTest : public ::testing::Test {
 private:
  internal::ScopedLockSetting spins_{internal::SettingOf<PushLock>("spin_count"), 0};
};

// Rule: Push lock > State: 8 bytes, allocates nothing, no owner recorded or reported (owner_query
// false).
TEST_F(PushLockTest, TraitsAndSize) {
  EXPECT_EQ(sizeof(PushLock), 8u);
  EXPECT_EQ(PushLock::kTraits.name, "push_lock");
  EXPECT_EQ(PushLock::kTraits.size_bytes, 8u);
  EXPECT_EQ(PushLock::kTraits.recursion, Recursion::kNone);
  EXPECT_FALSE(PushLock::kTraits.owner_query);
}

// Rule: Push lock > State: waiters poll PushLockSpinCount() times, a process-wide setting.
TEST_F(PushLockTest, SpinCountIsASetting) {
  SetPushLockSpinCount(77);
  EXPECT_EQ(PushLockSpinCount(), 77u);
}

// Rule: Push lock > State: a free lock reads 0, an exclusive hold 0x1, N readers (N << 4) | 1.
TEST_F(PushLockTest, WordValuesFreeExclusiveShared) {
  PushLock lock;
  EXPECT_EQ(lock.RawWord(), 0u);
  lock.lock();
  EXPECT_EQ(lock.RawWord(), 0x1u);
  lock.unlock();
  EXPECT_EQ(lock.RawWord(), 0u);
  for (std::uintptr_t n = 1; n <= 3; ++n) {
    lock.lock_shared();
    EXPECT_EQ(lock.RawWord(), (n << 4) | 1);
  }
  for (std::uintptr_t n = 3; n >= 1; --n) {
    lock.unlock_shared();
    EXPECT_EQ(lock.RawWord(), ((n - 1) << 4) | ((n - 1) ? 1 : 0));
  }
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Push lock > Try, recursion and misuse: try_lock fails whenever Locked is set, for the owner
// too; try_lock_shared fails where a shared acquire would queue; neither waits.
TEST_F(PushLockTest, TryNeverBlocks) {
  internal::TestWatchdog watchdog;
  PushLock lock;
  ASSERT_TRUE(lock.try_lock());
  EXPECT_EQ(lock.RawWord(), 0x1u);
  EXPECT_FALSE(lock.try_lock());  // the owner itself: fails rather than hangs
  EXPECT_FALSE(lock.try_lock_shared());
  std::thread([&] {
    EXPECT_FALSE(lock.try_lock());
    EXPECT_FALSE(lock.try_lock_shared());
  }).join();
  lock.unlock();

  ASSERT_TRUE(lock.try_lock_shared());
  EXPECT_FALSE(lock.try_lock());
  EXPECT_TRUE(lock.try_lock_shared());  // held shared, nobody waits
  EXPECT_EQ(lock.RawWord(), 0x21u);

  // With a writer queued behind the readers, a new try-reader is refused, and returns.
  Holder<PushLock> writer(lock, /*exclusive=*/true);
  AwaitWaiters(lock, 1);
  EXPECT_FALSE(lock.try_lock_shared());
  EXPECT_FALSE(lock.try_lock());
  lock.unlock_shared();
  lock.unlock_shared();
  writer.AwaitAcquired();
  writer.Join();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Push lock > State: wait blocks are pushed newest first and read back oldest first: a new
// reader queues behind the waiting writer (see Acquire).
TEST_F(PushLockTest, NewReaderQueuesBehindWaitingWriter) {
  internal::TestWatchdog watchdog;
  PushLock lock;
  lock.lock_shared();
  Holder<PushLock> writer(lock, /*exclusive=*/true);
  AwaitWaiters(lock, 1);
  // The lock is held shared only, yet the new reader queues behind the writer.
  Holder<PushLock> reader(lock, /*exclusive=*/false);
  AwaitWaiters(lock, 2);
  const std::vector<internal::WaiterInfo> waiters = lock.WaitersForTest();
  ASSERT_EQ(waiters.size(), 2u);
  EXPECT_TRUE(waiters[0].exclusive);
  EXPECT_EQ(waiters[0].thread, writer.id());
  EXPECT_FALSE(waiters[1].exclusive);
  EXPECT_EQ(waiters[1].thread, reader.id());
  EXPECT_FALSE(reader.acquired());

  lock.unlock_shared();
  writer.AwaitAcquired();
  EXPECT_FALSE(reader.acquired());
  EXPECT_THAT(WaiterThreads(lock), ElementsAre(reader.id()));
  writer.Release();
  reader.AwaitAcquired();
  reader.Release();
  writer.Join();
  reader.Join();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Push lock > Acquire: the first waiter behind N > 1 readers takes the count and sets
// MultipleShared; only the last shared release wakes.
TEST_F(PushLockTest, MultipleSharedMovesCountAndLastReleaseWakes) {
  internal::TestWatchdog watchdog;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  PushLock lock;
  // Three shared holds (the lock records no owners, so one thread can stand for three).
  lock.lock_shared();
  lock.lock_shared();
  lock.lock_shared();
  ASSERT_EQ(lock.RawWord(), 0x31u);

  Holder<PushLock> writer(lock, /*exclusive=*/true);
  AwaitWaiters(lock, 1);
  std::uintptr_t word = lock.RawWord();
  EXPECT_EQ(word & (kLocked | kWaiting | kMultipleShared), kLocked | kWaiting | kMultipleShared);
  EXPECT_EQ(lock.WaitersForTest()[0].share_count, 3u);

  lock.unlock_shared();
  EXPECT_EQ(lock.WaitersForTest()[0].share_count, 2u);
  EXPECT_NE(lock.RawWord() & kMultipleShared, 0u);
  lock.unlock_shared();
  EXPECT_EQ(lock.WaitersForTest()[0].share_count, 1u);
  EXPECT_TRUE(observer.Wakes().empty());
  EXPECT_FALSE(writer.acquired());

  lock.unlock_shared();  // the last shared release really releases, and wakes
  writer.AwaitAcquired();
  EXPECT_THAT(observer.Wakes(), ElementsAre(writer.id()));
  EXPECT_EQ(lock.RawWord(), 0x1u);
  writer.Join();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Push lock > Acquire: behind a single reader the waiter takes the count 1 and MultipleShared
// stays clear.
TEST_F(PushLockTest, OneSharedOwnerDoesNotSetMultipleShared) {
  internal::TestWatchdog watchdog;
  PushLock lock;
  lock.lock_shared();
  Holder<PushLock> writer(lock, /*exclusive=*/true);
  AwaitWaiters(lock, 1);
  EXPECT_EQ(lock.RawWord() & kMultipleShared, 0u);
  EXPECT_EQ(lock.WaitersForTest()[0].share_count, 1u);
  lock.unlock_shared();
  writer.AwaitAcquired();
  writer.Join();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Push lock > Acquire: an exclusive acquire of a held lock queues; the release wakes the
// oldest exclusive waiter alone (see Release and wake-up).
TEST_F(PushLockTest, OldestExclusiveWaiterIsWokenAlone) {
  internal::TestWatchdog watchdog;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  PushLock lock;
  lock.lock();
  Holder<PushLock> writer(lock, /*exclusive=*/true);
  AwaitWaiters(lock, 1);
  Holder<PushLock> reader1(lock, /*exclusive=*/false);
  AwaitWaiters(lock, 2);
  Holder<PushLock> reader2(lock, /*exclusive=*/false);
  AwaitWaiters(lock, 3);
  EXPECT_THAT(WaiterThreads(lock), ElementsAre(writer.id(), reader1.id(), reader2.id()));

  lock.unlock();
  writer.AwaitAcquired();
  // Only the writer was unlinked and woken; the readers kept their places.
  EXPECT_THAT(observer.Wakes(), ElementsAre(writer.id()));
  EXPECT_THAT(WaiterThreads(lock), ElementsAre(reader1.id(), reader2.id()));

  writer.Release();  // oldest is now a reader: everyone is woken, oldest first
  reader1.AwaitAcquired();
  reader2.AwaitAcquired();  // both hold it shared at once
  EXPECT_THAT(observer.Wakes(), ElementsAre(writer.id(), reader1.id(), reader2.id()));
  reader1.Join();
  reader2.Join();
  writer.Join();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Push lock > Release and wake-up: when the oldest waiter is shared, one release wakes the
// whole list, oldest first.
TEST_F(PushLockTest, OldestSharedWaiterMeansEveryoneIsWokenOldestFirst) {
  internal::TestWatchdog watchdog;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  PushLock lock;
  lock.lock();
  Holder<PushLock> reader1(lock, /*exclusive=*/false);
  AwaitWaiters(lock, 1);
  Holder<PushLock> writer(lock, /*exclusive=*/true);
  AwaitWaiters(lock, 2);
  Holder<PushLock> reader2(lock, /*exclusive=*/false);
  AwaitWaiters(lock, 3);

  lock.unlock();
  // Whoever wins, all three were let go in queue order by the one release.
  WaitUntil([&] { return observer.Wakes().size() >= 3; });
  const std::vector<std::uintptr_t> wakes = observer.Wakes();
  ASSERT_GE(wakes.size(), 3u);
  EXPECT_THAT(std::vector<std::uintptr_t>(wakes.begin(), wakes.begin() + 3),
              ElementsAre(reader1.id(), writer.id(), reader2.id()));
  reader1.Release();
  writer.Release();
  reader2.Release();
  reader1.Join();
  writer.Join();
  reader2.Join();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Push lock > Acquire: an exclusive caller that finds Locked clear takes the lock (barging):
// a woken waiter loses to a newcomer and queues again.
TEST_F(PushLockTest, WokenWaiterLosesToNewcomer) {
  internal::TestWatchdog watchdog;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  PushLock lock;
  lock.lock();
  Holder<PushLock> waiter(lock, /*exclusive=*/true);
  AwaitWaiters(lock, 1);
  observer.HoldNext(LockEvent::kWoken, waiter.id());

  lock.unlock();
  observer.AwaitHeld();  // woken, not yet competing again
  EXPECT_THAT(observer.Wakes(), ElementsAre(waiter.id()));
  // Nothing was handed over: the word is free, and a newcomer barges in.
  EXPECT_EQ(lock.RawWord(), 0u);
  bool newcomer_won = false;
  std::thread newcomer([&] { newcomer_won = lock.try_lock(); });
  newcomer.join();
  ASSERT_TRUE(newcomer_won);

  observer.Release();
  AwaitWaiters(lock, 1);  // the woken waiter lost and queued again
  EXPECT_THAT(WaiterThreads(lock), ElementsAre(waiter.id()));
  EXPECT_FALSE(waiter.acquired());
  lock.unlock();  // the newcomer's hold (no owner is recorded)
  waiter.AwaitAcquired();
  waiter.Join();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Push lock > Acquire: a reader that finds Locked clear with waiters queued takes the lock
// with no share count, so another reader is refused.
TEST_F(PushLockTest, ReaderArrivingWhileWaitersQueuedHoldsAlone) {
  internal::TestWatchdog watchdog;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  PushLock lock;
  lock.lock();
  Holder<PushLock> writer(lock, /*exclusive=*/true);
  AwaitWaiters(lock, 1);
  Holder<PushLock> reader(lock, /*exclusive=*/false);
  AwaitWaiters(lock, 2);
  observer.HoldNext(LockEvent::kWoken, writer.id());

  lock.unlock();  // wakes the writer alone; the reader stays queued behind a free lock
  observer.AwaitHeld();
  EXPECT_EQ(lock.RawWord() & (kLocked | kWaiting), kWaiting);
  // A newcomer reader takes the free lock bare, without a share count...
  ASSERT_TRUE(lock.try_lock_shared());
  EXPECT_EQ(lock.RawWord() & (kLocked | kWaiting | kMultipleShared), kLocked | kWaiting);
  // ...so another reader is refused although only readers hold or wait.
  bool second_reader = true;
  std::thread([&] { second_reader = lock.try_lock_shared(); }).join();
  EXPECT_FALSE(second_reader);

  observer.Release();
  AwaitWaiters(lock, 2);
  EXPECT_THAT(WaiterThreads(lock), ElementsAre(reader.id(), writer.id()));
  lock.unlock_shared();
  // Both were woken; in whichever order they win, each gets the lock and lets go.
  writer.Release();
  reader.Release();
  writer.Join();
  reader.Join();
  EXPECT_TRUE(writer.acquired());
  EXPECT_TRUE(reader.acquired());
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Push lock > Try, recursion and misuse: a reader may take the lock shared again while nobody
// waits.
TEST_F(PushLockTest, SharedReentryWorksWhileNobodyWaits) {
  PushLock lock;
  lock.lock_shared();
  lock.lock_shared();
  EXPECT_EQ(lock.RawWord(), 0x21u);
  lock.unlock_shared();
  lock.unlock_shared();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Push lock > Try, recursion and misuse: exclusive re-entry, in either mode, aborts with a
// message in checked builds.
// In the child, alarm() is the watchdog: a hang dies of SIGALRM without the expected message.
TEST(PushLockDeathTest, CheckedBuildCatchesExclusiveReentry) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  CheckedPushLock lock;
  EXPECT_DEATH(
      {
        alarm(20);
        lock.lock();
        lock.lock();
      },
      "push lock re-acquired by the thread that holds it exclusive");
  EXPECT_DEATH(
      {
        alarm(20);
        lock.lock();
        lock.lock_shared();
      },
      "push lock re-acquired by the thread that holds it exclusive");
  if constexpr (PushLock::kCheckedBuild) {
    PushLock plain;
    EXPECT_DEATH(
        {
          alarm(20);
          plain.lock();
          plain.lock();
        },
        "re-acquired");
  }
}

// Rule: Push lock > Try, recursion and misuse: in a checked build the owner's tries still fail
// without aborting, and others queue normally.
TEST(PushLockDeathTest, CheckedBuildLetsOwnerTryAndOthersWait) {
  internal::TestWatchdog watchdog;
  CheckedPushLock lock;
  lock.lock();
  EXPECT_FALSE(lock.try_lock());
  EXPECT_FALSE(lock.try_lock_shared());
  lock.unlock();
  // After the release the same thread may take it again, and others may queue normally.
  lock.lock();
  std::thread other([&] {
    lock.lock();
    lock.unlock();
  });
  WaitUntil([&] { return lock.WaitersForTest().size() == 1; });
  lock.unlock();
  other.join();
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
  EXPECT_EQ(lock.RawWord(), 0u);
}

template <class Lock>
void ExpectStressHolds(std::uint32_t spins) {
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  Lock lock;
  internal::StressResult r = [&] {
    internal::ScopedLockSetting spin_setting(internal::SettingOf<PushLock>("spin_count"), spins);
    return internal::RunMixedStress(lock, /*threads=*/4, /*iterations=*/50000);
  }();
  EXPECT_EQ(r.violations, 0);
  EXPECT_GT(observer.Count(LockEvent::kQueued), 0);
  EXPECT_GT(observer.Count(LockEvent::kWakeIssued), 0);
  std::printf(
      "spins %u: %ld exclusive, %ld shared holds; %d queued (%d over several readers), %d "
      "wakes\n",
      spins, r.exclusive_holds, r.shared_holds, observer.Count(LockEvent::kQueued),
      observer.QueuedBehindSharedOwners(), observer.Count(LockEvent::kWakeIssued));
  EXPECT_EQ(r.counter, r.exclusive_holds);
  EXPECT_GT(r.exclusive_holds, 0);
  EXPECT_GT(r.shared_holds, 0);
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Push lock > Release and wake-up: holders never overlap with a writer under mixed calls,
// spinning or not, checked or not.
TEST(PushLockStressTest, MixedModesKeepWritersAlone) {
  internal::TestWatchdog watchdog;
  ExpectStressHolds<PushLock>(/*spins=*/1024);
  ExpectStressHolds<PushLock>(/*spins=*/0);
  ExpectStressHolds<CheckedPushLock>(/*spins=*/64);
}

}  // namespace
}  // namespace lockbench
