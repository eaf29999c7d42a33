// Scenario tests of the executive spin lock's grant rules (lockimpls/SEMANTICS.md, "Executive
// spin lock") and of its Windows-named facade. Threads are parked at known word values, never
// by sleeping.
#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lockimpls/ex_spin_lock.h"
#include "lockimpls/ex_spin_lock_api.h"
#include "lockimpls/internal/hang_watchdog.h"
#include "lockimpls/internal/test_support.h"
#include "lockimpls/internal/test_watchdog.h"

namespace lockbench {
namespace {

using internal::TestWatchdog;
using internal::Holder;
using internal::WaitUntil;

constexpr std::uint32_t kExclusive = ExSpinLock::kExclusive;
constexpr std::uint32_t kDraining = ExSpinLock::kDraining;

// Rule: Executive spin lock > State: one 32-bit word: free 0, N readers N, a writer 0x80000000.
TEST(ExSpinLockTest, WordValuesFreeSharedExclusive) {
  ExSpinLock lock;
  EXPECT_EQ(lock.RawWord(), 0u);
  lock.lock_shared();
  lock.lock_shared();
  EXPECT_EQ(lock.RawWord(), 2u) << "two shared holders";
  lock.unlock_shared();
  lock.unlock_shared();
  lock.lock();
  EXPECT_EQ(lock.RawWord(), kExclusive);
  lock.unlock();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Executive spin lock > Grant rules: readers share: all of them hold the lock at once.
TEST(ExSpinLockTest, ManyReadersHoldAtOnce) {
  constexpr int kReaders = 4;
  TestWatchdog watchdog;
  ExSpinLock lock;
  std::latch inside(kReaders + 1);
  std::latch leave(1);
  std::vector<std::thread> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.emplace_back([&] {
      lock.lock_shared();
      inside.count_down();
      leave.wait();
      lock.unlock_shared();
    });
  }
  inside.arrive_and_wait();
  EXPECT_EQ(lock.RawWord(), static_cast<std::uint32_t>(kReaders));
  leave.count_down();
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Executive spin lock > Grant rules: a writer claims bit 31 at once, which stops new
// readers (a try fails, a blocking reader spins), sets bit 30 while the readers inside drain, and
// goes before the reader that came after it.
TEST(ExSpinLockTest, ClaimingWriterStopsNewReadersWhileTheOthersDrain) {
  TestWatchdog watchdog;
  ExSpinLock lock;
  lock.lock_shared();
  Holder<ExSpinLock> writer(lock, true);
  WaitUntil([&] { return lock.RawWord() == (kExclusive | kDraining | 1); });
  bool reader_by_try = true;
  std::thread([&] { reader_by_try = lock.try_lock_shared(); }).join();
  EXPECT_FALSE(reader_by_try) << "a new reader got in past a claiming writer";
  Holder<ExSpinLock> reader(lock, false);
  lock.unlock_shared();  // the last reader inside leaves
  writer.AwaitAcquired();
  EXPECT_FALSE(reader.acquired());
  EXPECT_EQ(lock.RawWord(), kExclusive | kDraining) << "the draining bit stays until the release";
  writer.Join();
  reader.AwaitAcquired();
  EXPECT_EQ(lock.RawWord(), 1u);
  reader.Join();
}

// Rule: Executive spin lock > Grant rules: the exclusive release stores 0, the draining bit
// included, so nothing it leaves keeps a reader out.
TEST(ExSpinLockTest, ExclusiveReleaseStoresZero) {
  TestWatchdog watchdog;
  ExSpinLock lock;
  lock.lock_shared();
  Holder<ExSpinLock> writer(lock, true);
  WaitUntil([&] { return lock.RawWord() == (kExclusive | kDraining | 1); });
  lock.unlock_shared();
  writer.AwaitAcquired();
  ASSERT_EQ(lock.RawWord(), kExclusive | kDraining);
  writer.Join();
  EXPECT_EQ(lock.RawWord(), 0u) << "the release kept a bit";
  EXPECT_TRUE(lock.try_lock_shared()) << "a reader is kept out after the release";
  lock.unlock_shared();
}

// Rule: Executive spin lock > Grant rules: a writer that finds bit 31 owned spins without
// touching the word, so the holder's release leaves readers and writers to race.
TEST(ExSpinLockTest, WriterWaitingForAWriterLeavesTheWordAlone) {
  TestWatchdog watchdog;
  ExSpinLock lock;
  lock.lock();
  std::atomic<bool> calling{false};
  std::thread second([&] {
    calling.store(true);
    lock.lock();
    lock.unlock();
  });
  WaitUntil([&] { return calling.load(); });
  // The second writer spins from now on; for 20 ms of its polls the word must read as the
  // holder left it (a marking writer shows within its first poll).
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(lock.RawWord(), kExclusive) << "a waiting writer marked the word";
    std::this_thread::yield();
  }
  lock.unlock();
  second.join();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Executive spin lock > Grant rules: the sole reader converts at once, and holds the lock
// exclusive with its share still counted until the release stores 0.
TEST(ExSpinLockTest, SoleReaderConvertsAtOnce) {
  TestWatchdog watchdog;
  EX_SPIN_LOCK lock;
  ExInitializeSpinLockEx(&lock);
  const KIRQL old = ExAcquireSpinLockShared(&lock);
  EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
  EXPECT_TRUE(ExTryConvertSharedSpinLockExclusive(&lock));
  EXPECT_EQ(lock.RawWord(), kExclusive | 1);
  bool reader_by_try = true;
  std::thread([&] { reader_by_try = lock.try_lock_shared(); }).join();
  EXPECT_FALSE(reader_by_try);
  ExReleaseSpinLockExclusive(&lock, old);
  EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Executive spin lock > Grant rules: a converting reader claims bit 31 and waits for the
// other readers to leave, then holds the lock exclusive.
TEST(ExSpinLockTest, ConvertWaitsForTheOtherReaders) {
  TestWatchdog watchdog;
  ExSpinLock lock;
  lock.lock_shared();
  std::atomic<bool> converted{false};
  std::uint32_t word_after = 0;
  std::thread converter([&] {
    lock.lock_shared();
    if (lock.TryConvertSharedToExclusive()) {
      word_after = lock.RawWord();
      converted.store(true);
      lock.unlock();
    } else {
      lock.unlock_shared();
    }
  });
  // Both shares inside, bit 31 claimed, draining: the converter waits for this thread.
  WaitUntil([&] { return lock.RawWord() == (kExclusive | kDraining | 2) || converted.load(); });
  EXPECT_FALSE(converted.load()) << "converted while another reader was inside";
  lock.unlock_shared();
  converter.join();
  EXPECT_TRUE(converted.load()) << "the convert failed with no writer claiming the lock";
  EXPECT_EQ(word_after, kExclusive | kDraining | 1);
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Executive spin lock > Grant rules: the convert fails, changing nothing, when a writer
// already owns bit 31; the reader then releases so that writer can proceed.
TEST(ExSpinLockTest, ConvertFailsBehindAClaimingWriter) {
  TestWatchdog watchdog;
  ExSpinLock lock;
  lock.lock_shared();
  Holder<ExSpinLock> writer(lock, true);
  WaitUntil([&] { return lock.RawWord() == (kExclusive | kDraining | 1); });
  EXPECT_FALSE(lock.TryConvertSharedToExclusive());
  EXPECT_EQ(lock.RawWord(), kExclusive | kDraining | 1) << "a failed convert changed the word";
  lock.unlock_shared();
  writer.AwaitAcquired();
  writer.Join();
  EXPECT_EQ(lock.RawWord(), 0u);
}

// Rule: Executive spin lock > API: the plain calls raise the IRQL to DISPATCH_LEVEL and the release
// restores it; the ...AtDpcLevel / ...FromDpcLevel forms change no IRQL.
TEST(ExSpinLockApiTest, DpcLevelCallsLeaveIrqlAlone) {
  EX_SPIN_LOCK lock;
  ExInitializeSpinLockEx(&lock);
  const KIRQL old = ExAcquireSpinLockExclusive(&lock);
  EXPECT_EQ(old, PASSIVE_LEVEL);
  EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
  ExReleaseSpinLockExclusive(&lock, old);
  EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
  ExAcquireSpinLockSharedAtDpcLevel(&lock);
  EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
  ExReleaseSpinLockSharedFromDpcLevel(&lock);
  ExAcquireSpinLockExclusiveAtDpcLevel(&lock);
  EXPECT_EQ(lock.RawWord(), kExclusive);
  ExReleaseSpinLockExclusiveFromDpcLevel(&lock);
  EXPECT_EQ(lock.RawWord(), 0u);
}

}  // namespace
}  // namespace lockbench
