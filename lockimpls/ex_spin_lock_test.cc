// Scenario tests of the executive spin lock's grant rules (lockimpls/SEMANTICS.md, "Executive
// spin lock") and of its Windows-named facade. Threads are parked at known word values, never
// by sleeping.
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
constexpr std::uint32_t kWaiting = ExSpinLock::kWriterWaiting;

// Rule: Executive spin lock > State: one 32-bit word: free 0, N readers N, a writer 0x80000000,
// bit 30 a waiting writer.
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

// Rule: Executive spin lock > Grant rules: a waiting writer announces itself; new readers back off
// (a try fails, a blocking reader spins) while the readers inside drain, and the writer goes before
// the new reader.
TEST(ExSpinLockTest, WaitingWriterBlocksNewReaders) {
  TestWatchdog watchdog;
  ExSpinLock lock;
  lock.lock_shared();
  Holder<ExSpinLock> writer(lock, true);
  WaitUntil([&] { return lock.RawWord() == (kWaiting | 1); });
  bool reader_by_try = true;
  std::thread([&] { reader_by_try = lock.try_lock_shared(); }).join();
  EXPECT_FALSE(reader_by_try) << "a new reader got in past a waiting writer";
  Holder<ExSpinLock> reader(lock, false);
  lock.unlock_shared();  // the last reader inside leaves
  writer.AwaitAcquired();
  EXPECT_FALSE(reader.acquired());
  EXPECT_EQ(lock.RawWord(), kExclusive) << "the writer took it and cleared its waiting bit";
  writer.Join();
  reader.AwaitAcquired();
  EXPECT_EQ(lock.RawWord(), 1u);
  reader.Join();
}

// Rule: Executive spin lock > Grant rules: a shared holder converts to exclusive only while it is
// the sole reader.
TEST(ExSpinLockTest, TryConvertSucceedsOnlyForTheSoleReader) {
  TestWatchdog watchdog;
  EX_SPIN_LOCK lock;
  ExInitializeSpinLockEx(&lock);
  const KIRQL old = ExAcquireSpinLockShared(&lock);
  EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
  {
    Holder<ExSpinLock> other(lock, false);
    other.AwaitAcquired();
    EXPECT_FALSE(ExTryConvertSharedSpinLockExclusive(&lock)) << "another reader is inside";
    EXPECT_EQ(lock.RawWord(), 2u) << "a failed convert changes nothing";
  }
  EXPECT_TRUE(ExTryConvertSharedSpinLockExclusive(&lock));
  EXPECT_EQ(lock.RawWord(), kExclusive);
  bool reader_by_try = true;
  std::thread([&] { reader_by_try = lock.try_lock_shared(); }).join();
  EXPECT_FALSE(reader_by_try);
  ExReleaseSpinLockExclusive(&lock, old);
  EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
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
