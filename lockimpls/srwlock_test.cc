// SrwLock and the Win32 facade: try semantics, re-entry, the lone-reader quirk, condition
// variables in both modes with wake, wake-all and timeout, and mixed-mode stress.
#include "lockimpls/srwlock.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <latch>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lockimpls/internal/scoped_lock_setting.h"
#include "lockimpls/internal/test_support.h"
#include "lockimpls/internal/test_watchdog.h"
#include "lockimpls/srw_api.h"

namespace lockbench {
namespace {

using internal::LockEvent;
using internal::RecordingObserver;
using internal::ScopedObserver;
using internal::WaitBlockWord;
using internal::WaitUntil;

constexpr std::uintptr_t kLocked = WaitBlockWord::kLocked;
constexpr std::uintptr_t kWaiting = WaitBlockWord::kWaiting;

// Rule: SRWLOCK > Rules checked through the SRWLOCK names: 8 bytes; SRWLOCK_INIT and
// InitializeSRWLock give word 0; its own spin-count setting; no owner query.
TEST(SrwLockTest, TraitsSizeAndInit) {
  EXPECT_EQ(sizeof(SRWLOCK), 8u);
  EXPECT_EQ(SrwLock::kTraits.name, "srwlock");
  EXPECT_EQ(SrwLock::kTraits.size_bytes, 8u);
  EXPECT_EQ(SrwLock::kTraits.recursion, Recursion::kNone);
  EXPECT_FALSE(SrwLock::kTraits.owner_query);
  SRWLOCK lock = SRWLOCK_INIT;
  EXPECT_EQ(lock.RawWord(), 0u);
  static SRWLOCK static_lock = SRWLOCK_INIT;
  EXPECT_EQ(static_lock.RawWord(), 0u);
  SRWLOCK dynamic;
  InitializeSRWLock(&dynamic);
  EXPECT_EQ(dynamic.RawWord(), 0u);
  SetSrwLockSpinCount(5);
  EXPECT_EQ(SrwLockSpinCount(), 5u);
  SetSrwLockSpinCount(1024);
}

// Rule: SRWLOCK > Rules checked through the SRWLOCK names: each try fails while the other mode
// holds the lock; a try-shared joins readers while nobody waits.
TEST(SrwLockTest, TryExclusiveFailsWhileSharedHeldAndViceVersa) {
  internal::TestWatchdog watchdog;
  SRWLOCK lock = SRWLOCK_INIT;
  AcquireSRWLockShared(&lock);
  EXPECT_FALSE(TryAcquireSRWLockExclusive(&lock));
  BOOLEAN other = TRUE;
  std::thread([&] { other = TryAcquireSRWLockExclusive(&lock); }).join();
  EXPECT_FALSE(other);
  EXPECT_TRUE(TryAcquireSRWLockShared(&lock));  // shared joins shared while nobody waits
  EXPECT_EQ(lock.RawWord(), 0x21u);
  ReleaseSRWLockShared(&lock);
  ReleaseSRWLockShared(&lock);
  EXPECT_EQ(lock.RawWord(), 0u);

  AcquireSRWLockExclusive(&lock);
  EXPECT_FALSE(TryAcquireSRWLockShared(&lock));
  std::thread([&] { other = TryAcquireSRWLockShared(&lock); }).join();
  EXPECT_FALSE(other);
  ReleaseSRWLockExclusive(&lock);
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: SRWLOCK > Rules checked through the SRWLOCK names: TryAcquireSRWLockExclusive by the owner
// fails instead of hanging.
TEST(SrwLockTest, TryExclusiveByOwnerFailsInsteadOfHanging) {
  internal::TestWatchdog watchdog;
  SRWLOCK lock = SRWLOCK_INIT;
  ASSERT_TRUE(TryAcquireSRWLockExclusive(&lock));
  EXPECT_EQ(lock.RawWord(), 0x1u);
  EXPECT_FALSE(TryAcquireSRWLockExclusive(&lock));
  EXPECT_EQ(lock.RawWord(), 0x1u);
  ReleaseSRWLockExclusive(&lock);
  EXPECT_TRUE(TryAcquireSRWLockExclusive(&lock));
  ReleaseSRWLockExclusive(&lock);
}

// Rule: SRWLOCK > Rules checked through the SRWLOCK names: exclusive re-entry aborts in checked
// builds.
// In the child, alarm() is the watchdog: a hang dies of SIGALRM without the message.
TEST(SrwLockDeathTest, CheckedBuildCatchesExclusiveReentry) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  CheckedSrwLock lock;
  EXPECT_DEATH(
      {
        alarm(20);
        lock.lock();
        lock.lock();
      },
      "SRWLOCK re-acquired by the thread that holds it exclusive");
  EXPECT_DEATH(
      {
        alarm(20);
        lock.lock();
        lock.lock_shared();
      },
      "SRWLOCK re-acquired by the thread that holds it exclusive");
  if constexpr (SrwLock::kCheckedBuild) {
    SRWLOCK plain = SRWLOCK_INIT;
    EXPECT_DEATH(
        {
          alarm(20);
          AcquireSRWLockExclusive(&plain);
          AcquireSRWLockExclusive(&plain);
        },
        "re-acquired");
  }
}

// Rule: SRWLOCK > Rules checked through the SRWLOCK names
// microsoft/STL 4448: a reader can end up holding the lock alone and block another reader.
TEST(SrwLockTest, TwoReadersCanBlockEachOther) {
  internal::TestWatchdog watchdog;
  internal::ScopedLockSetting spins(internal::SettingOf<SrwLock>("spin_count"), 0);
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  SRWLOCK lock = SRWLOCK_INIT;
  AcquireSRWLockExclusive(&lock);
  internal::Holder<SrwLock> writer(lock, /*exclusive=*/true);
  WaitUntil([&] { return lock.WaitersForTest().size() == 1; });
  internal::Holder<SrwLock> reader(lock, /*exclusive=*/false);
  WaitUntil([&] { return lock.WaitersForTest().size() == 2; });
  observer.HoldNext(LockEvent::kWoken, writer.id());
  ReleaseSRWLockExclusive(&lock);  // wakes the writer alone and holds it back
  observer.AwaitHeld();
  EXPECT_EQ(lock.RawWord() & (kLocked | kWaiting), kWaiting);

  ASSERT_TRUE(TryAcquireSRWLockShared(&lock));
  BOOLEAN second_reader = TRUE;
  std::thread([&] { second_reader = TryAcquireSRWLockShared(&lock); }).join();
  EXPECT_FALSE(second_reader);

  observer.Release();
  WaitUntil([&] { return lock.WaitersForTest().size() == 2; });
  ReleaseSRWLockShared(&lock);
  writer.Release();
  reader.Release();
  writer.Join();
  reader.Join();
  EXPECT_TRUE(writer.acquired());
  EXPECT_TRUE(reader.acquired());
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: SRWLOCK > Condition variable: SleepConditionVariableSRW releases the lock, sleeps, and
// re-acquires it exclusive before returning TRUE.
TEST(SrwConditionVariableTest, ExclusiveSleepReleasesAndWakeReacquires) {
  internal::TestWatchdog watchdog;
  SRWLOCK lock = SRWLOCK_INIT;
  CONDITION_VARIABLE cv = CONDITION_VARIABLE_INIT;
  bool ready = false;  // guarded by lock
  std::atomic<bool> sleeping{false};
  std::atomic<std::uintptr_t> word_after_wake{0};
  std::atomic<BOOL> result{FALSE};

  std::thread consumer([&] {
    AcquireSRWLockExclusive(&lock);
    sleeping.store(true);
    BOOL ok = TRUE;
    while (!ready && ok) ok = SleepConditionVariableSRW(&cv, &lock, INFINITE, 0);
    result.store(ok);
    word_after_wake.store(lock.RawWord());
    ReleaseSRWLockExclusive(&lock);
  });
  WaitUntil([&] { return sleeping.load(); });
  // Succeeds only once the consumer has released the lock to sleep.
  AcquireSRWLockExclusive(&lock);
  ready = true;
  WakeConditionVariable(&cv);
  ReleaseSRWLockExclusive(&lock);
  consumer.join();
  EXPECT_EQ(result.load(), TRUE);
  // The consumer held it exclusive again on return.
  EXPECT_EQ(word_after_wake.load(), 0x1u);
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: SRWLOCK > Condition variable: WakeAllConditionVariable releases every sleeper, and shared
// sleepers re-acquire shared.
TEST(SrwConditionVariableTest, SharedSleepersWakeAllAndReacquireShared) {
  internal::TestWatchdog watchdog;
  SRWLOCK lock = SRWLOCK_INIT;
  CONDITION_VARIABLE cv = CONDITION_VARIABLE_INIT;
  std::atomic<bool> go{false};  // read under the shared lock, written under exclusive
  std::atomic<int> sleeping{0};
  std::latch both_hold_shared(2);
  std::atomic<int> woke_ok{0};

  auto reader = [&] {
    AcquireSRWLockShared(&lock);
    sleeping.fetch_add(1);
    BOOL ok = TRUE;
    while (!go.load() && ok) {
      ok = SleepConditionVariableSRW(&cv, &lock, INFINITE, CONDITION_VARIABLE_LOCKMODE_SHARED);
    }
    if (ok) woke_ok.fetch_add(1);
    // Both readers hold it shared at the same time, or this latch never opens.
    both_hold_shared.arrive_and_wait();
    ReleaseSRWLockShared(&lock);
  };
  std::thread r1(reader);
  std::thread r2(reader);
  WaitUntil([&] { return sleeping.load() == 2; });
  AcquireSRWLockExclusive(&lock);  // both readers have released to sleep
  go.store(true);
  ReleaseSRWLockExclusive(&lock);
  WakeAllConditionVariable(&cv);  // Windows lets the wake come after the release
  r1.join();
  r2.join();
  EXPECT_EQ(woke_ok.load(), 2);
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: SRWLOCK > Condition variable: WakeConditionVariable releases at least one sleeper per call.
TEST(SrwConditionVariableTest, WakeOneWakesASleeperEachTime) {
  internal::TestWatchdog watchdog;
  SRWLOCK lock = SRWLOCK_INIT;
  CONDITION_VARIABLE cv = CONDITION_VARIABLE_INIT;
  int tokens = 0;    // guarded by lock
  int sleeping = 0;  // guarded by lock
  std::atomic<int> consumed{0};
  auto consumer = [&] {
    AcquireSRWLockExclusive(&lock);
    ++sleeping;
    while (tokens == 0) SleepConditionVariableSRW(&cv, &lock, INFINITE, 0);
    --tokens;
    consumed.fetch_add(1);
    ReleaseSRWLockExclusive(&lock);
  };
  std::thread c1(consumer);
  std::thread c2(consumer);
  WaitUntil([&] {
    AcquireSRWLockShared(&lock);
    const bool both = sleeping == 2;
    ReleaseSRWLockShared(&lock);
    return both;
  });
  for (int round = 1; round <= 2; ++round) {
    AcquireSRWLockExclusive(&lock);
    ++tokens;
    WakeConditionVariable(&cv);
    ReleaseSRWLockExclusive(&lock);
    WaitUntil([&] { return consumed.load() == round; });
  }
  c1.join();
  c2.join();
  EXPECT_EQ(tokens, 0);
}

// Rule: SRWLOCK > Condition variable: on timeout the call re-acquires the lock in its mode and
// returns FALSE with ERROR_TIMEOUT.
TEST(SrwConditionVariableTest, TimeoutReturnsFalseWithErrorTimeoutInBothModes) {
  internal::TestWatchdog watchdog;
  SRWLOCK lock = SRWLOCK_INIT;
  CONDITION_VARIABLE cv;
  InitializeConditionVariable(&cv);

  AcquireSRWLockExclusive(&lock);
  SetLastError(0);
  EXPECT_EQ(SleepConditionVariableSRW(&cv, &lock, 20, 0), FALSE);
  EXPECT_EQ(GetLastError(), ERROR_TIMEOUT);
  EXPECT_EQ(lock.RawWord(), 0x1u);  // re-acquired exclusive
  SetLastError(0);
  EXPECT_EQ(SleepConditionVariableSRW(&cv, &lock, 0, 0), FALSE);
  EXPECT_EQ(GetLastError(), ERROR_TIMEOUT);
  ReleaseSRWLockExclusive(&lock);

  AcquireSRWLockShared(&lock);
  SetLastError(0);
  EXPECT_EQ(SleepConditionVariableSRW(&cv, &lock, 20, CONDITION_VARIABLE_LOCKMODE_SHARED), FALSE);
  EXPECT_EQ(GetLastError(), ERROR_TIMEOUT);
  EXPECT_EQ(lock.RawWord(), 0x11u);  // re-acquired shared
  ReleaseSRWLockShared(&lock);
  EXPECT_EQ(lock.RawWord(), 0u);

  // The last error is per thread.
  DWORD other = 1;
  std::thread([&] { other = GetLastError(); }).join();
  EXPECT_EQ(other, 0u);
}

// Rule: SRWLOCK > Condition variable: flag bits other than 0x1 return FALSE with
// ERROR_INVALID_PARAMETER and leave the lock held.
TEST(SrwConditionVariableTest, InvalidFlagsAreRejectedWithoutReleasing) {
  SRWLOCK lock = SRWLOCK_INIT;
  CONDITION_VARIABLE cv = CONDITION_VARIABLE_INIT;
  AcquireSRWLockExclusive(&lock);
  SetLastError(0);
  EXPECT_EQ(SleepConditionVariableSRW(&cv, &lock, INFINITE, 0x2), FALSE);
  EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
  EXPECT_EQ(lock.RawWord(), 0x1u);
  ReleaseSRWLockExclusive(&lock);
}

// Rule: SRWLOCK > Rules checked through the SRWLOCK names: writers never overlap with other holders
// under mixed calls.
TEST(SrwLockStressTest, MixedModesKeepWritersAlone) {
  internal::TestWatchdog watchdog;
  for (std::uint32_t spins : {1024u, 0u}) {
    RecordingObserver observer;
    ScopedObserver scoped(&observer);
    SRWLOCK lock = SRWLOCK_INIT;
    internal::StressResult r = [&] {
      internal::ScopedLockSetting spin_setting(internal::SettingOf<SrwLock>("spin_count"), spins);
      return internal::RunMixedStress(lock, /*threads=*/4, /*iterations=*/50000);
    }();
    EXPECT_EQ(r.violations, 0);
    EXPECT_EQ(r.counter, r.exclusive_holds);
    EXPECT_GT(r.shared_holds, 0);
    EXPECT_GT(observer.Count(LockEvent::kQueued), 0);
    EXPECT_EQ(lock.RawWord(), 0u);
  }
}

// Rule: SRWLOCK > Condition variable: a wake issued after a sleeper has counted in is never lost.
// Producers and consumers pass items through a bounded buffer with two condition variables,
// consumers sleeping in shared mode half of the time; every item arrives exactly once.
TEST(SrwConditionVariableStressTest, BoundedBufferLosesNoWakeups) {
  internal::TestWatchdog watchdog;
  constexpr int kItemsPerProducer = 5000;
  constexpr int kProducers = 2;
  constexpr int kConsumers = 2;
  constexpr int kCapacity = 4;
  SRWLOCK lock = SRWLOCK_INIT;
  CONDITION_VARIABLE not_empty = CONDITION_VARIABLE_INIT;
  CONDITION_VARIABLE not_full = CONDITION_VARIABLE_INIT;
  std::vector<int> buffer;  // guarded by lock
  int produced_done = 0;    // guarded by lock
  std::atomic<long> sum{0};
  std::atomic<int> received{0};

  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&] {
      for (int i = 1; i <= kItemsPerProducer; ++i) {
        AcquireSRWLockExclusive(&lock);
        while (static_cast<int>(buffer.size()) >= kCapacity) {
          SleepConditionVariableSRW(&not_full, &lock, INFINITE, 0);
        }
        buffer.push_back(i);
        WakeConditionVariable(&not_empty);
        ReleaseSRWLockExclusive(&lock);
      }
      AcquireSRWLockExclusive(&lock);
      ++produced_done;
      WakeAllConditionVariable(&not_empty);
      ReleaseSRWLockExclusive(&lock);
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&, c] {
      std::uint32_t n = static_cast<std::uint32_t>(c);
      for (;;) {
        // Wait shared for something to appear (a reader's view), then take it exclusive.
        if (++n % 2 == 0) {
          AcquireSRWLockShared(&lock);
          while (buffer.empty() && produced_done < kProducers) {
            SleepConditionVariableSRW(&not_empty, &lock, INFINITE,
                                      CONDITION_VARIABLE_LOCKMODE_SHARED);
          }
          ReleaseSRWLockShared(&lock);
        }
        AcquireSRWLockExclusive(&lock);
        while (buffer.empty() && produced_done < kProducers) {
          SleepConditionVariableSRW(&not_empty, &lock, INFINITE, 0);
        }
        if (buffer.empty()) {
          ReleaseSRWLockExclusive(&lock);
          return;
        }
        sum.fetch_add(buffer.back());
        buffer.pop_back();
        received.fetch_add(1);
        WakeConditionVariable(&not_full);
        ReleaseSRWLockExclusive(&lock);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(received.load(), kProducers * kItemsPerProducer);
  EXPECT_EQ(sum.load(),
            static_cast<long>(kProducers) * kItemsPerProducer * (kItemsPerProducer + 1) / 2);
  EXPECT_EQ(lock.RawWord(), 0u);
}

}  // namespace
}  // namespace lockbench
