// The Flt* facade: each call maps onto PushLock, enters or leaves the emulated critical region,
// accepts the documented flags and rejects the rest.
#include "lockimpls/flt_push_lock.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <iterator>
#include <thread>

#include "gtest/gtest.h"
#include "lockimpls/internal/test_support.h"
#include "lockimpls/internal/test_watchdog.h"

namespace lockbench {
namespace {

using internal::WaitUntil;

// Rule: Push lock > State: FltInitializePushLock builds a free 8-byte lock on caller storage of
// sizeof(EX_PUSH_LOCK) bytes.
TEST(FltPushLockTest, InitializeOnCallerStorageAndDelete) {
  alignas(8) unsigned char storage[sizeof(EX_PUSH_LOCK)];
  static_assert(sizeof(EX_PUSH_LOCK) == 8);
  static_assert(alignof(EX_PUSH_LOCK) <= 8);
  std::fill(std::begin(storage), std::end(storage), 0xA5);  // garbage before initialization
  PEX_PUSH_LOCK lock = reinterpret_cast<PEX_PUSH_LOCK>(storage);
  FltInitializePushLock(lock);
  EXPECT_EQ(lock->RawWord(), 0u);
  FltAcquirePushLockExclusive(lock);
  FltReleasePushLock(lock);
  FltDeletePushLock(lock);
}

// Rule: Push lock > Flt API: every acquire enters the emulated critical region and every release
// leaves it; KeAreApcsDisabled is TRUE inside.
TEST(FltPushLockTest, AcquireEntersAndReleaseLeavesCriticalRegion) {
  EX_PUSH_LOCK lock;
  FltInitializePushLock(&lock);
  ASSERT_EQ(CriticalRegionDepth(), 0);
  EXPECT_FALSE(KeAreApcsDisabled());

  FltAcquirePushLockExclusive(&lock);
  EXPECT_EQ(lock.RawWord(), 0x1u);
  EXPECT_EQ(CriticalRegionDepth(), 1);
  EXPECT_TRUE(KeAreApcsDisabled());
  FltReleasePushLock(&lock);
  EXPECT_EQ(lock.RawWord(), 0u);
  EXPECT_EQ(CriticalRegionDepth(), 0);
  EXPECT_FALSE(KeAreApcsDisabled());

  FltAcquirePushLockShared(&lock);
  EXPECT_EQ(lock.RawWord(), 0x11u);
  EXPECT_EQ(CriticalRegionDepth(), 1);
  FltReleasePushLock(&lock);
  EXPECT_EQ(lock.RawWord(), 0u);
  EXPECT_EQ(CriticalRegionDepth(), 0);
  FltDeletePushLock(&lock);
}

// Rule: Push lock > Flt API: the critical region is a per-thread nesting count.
TEST(FltPushLockTest, CriticalRegionsNestAndArePerThread) {
  EX_PUSH_LOCK a;
  EX_PUSH_LOCK b;
  FltInitializePushLock(&a);
  FltInitializePushLock(&b);
  FltAcquirePushLockExclusive(&a);
  FltAcquirePushLockShared(&b);
  EXPECT_EQ(CriticalRegionDepth(), 2);
  int other_depth = -1;
  std::thread([&] { other_depth = CriticalRegionDepth(); }).join();
  EXPECT_EQ(other_depth, 0);
  FltReleasePushLock(&b);
  EXPECT_EQ(CriticalRegionDepth(), 1);
  FltReleasePushLock(&a);
  EXPECT_EQ(CriticalRegionDepth(), 0);
  KeEnterCriticalRegion();
  EXPECT_TRUE(KeAreApcsDisabled());
  KeLeaveCriticalRegion();
  EXPECT_FALSE(KeAreApcsDisabled());
}

// Rule: Push lock > Flt API: flags 0x1 and 0x2 are accepted and change nothing.
TEST(FltPushLockTest, ValidFlagsAreAccepted) {
  EX_PUSH_LOCK lock;
  FltInitializePushLock(&lock);
  for (ULONG flags : {ULONG{0}, FLT_PUSH_LOCK_ENABLE_AUTO_BOOST, FLT_PUSH_LOCK_DISABLE_AUTO_BOOST,
                      FLT_PUSH_LOCK_VALID_FLAGS}) {
    FltAcquirePushLockExclusiveEx(&lock, flags);
    EXPECT_EQ(lock.RawWord(), 0x1u);
    EXPECT_EQ(CriticalRegionDepth(), 1);
    FltReleasePushLockEx(&lock, flags);
    EXPECT_EQ(lock.RawWord(), 0u);
    FltAcquirePushLockSharedEx(&lock, flags);
    EXPECT_EQ(lock.RawWord(), 0x11u);
    FltReleasePushLockEx(&lock, flags);
    EXPECT_EQ(lock.RawWord(), 0u);
    EXPECT_EQ(CriticalRegionDepth(), 0);
  }
  EXPECT_EQ(FLT_PUSH_LOCK_ENABLE_AUTO_BOOST, 0x1u);
  EXPECT_EQ(FLT_PUSH_LOCK_DISABLE_AUTO_BOOST, 0x2u);
  EXPECT_EQ(FLT_PUSH_LOCK_VALID_FLAGS, 0x3u);
}

// Rule: Push lock > Try, recursion and misuse
// The release tells a shared hold from an exclusive one by the word, with and without waiters
// (including the count that moved into a waiter's block).
TEST(FltPushLockTest, ReleaseTellsSharedFromExclusive) {
  internal::TestWatchdog watchdog;
  EX_PUSH_LOCK lock;
  FltInitializePushLock(&lock);
  FltAcquirePushLockShared(&lock);
  FltAcquirePushLockShared(&lock);
  EXPECT_EQ(lock.RawWord(), 0x21u);
  FltReleasePushLock(&lock);
  EXPECT_EQ(lock.RawWord(), 0x11u);
  FltReleasePushLock(&lock);
  EXPECT_EQ(lock.RawWord(), 0u);

  // Two shared holds, then a writer queues: the count moves into its wait block.
  FltAcquirePushLockShared(&lock);
  FltAcquirePushLockShared(&lock);
  std::atomic<bool> writer_in{false};
  std::thread writer([&] {
    FltAcquirePushLockExclusive(&lock);
    writer_in.store(true);
    // Exclusive release with a waiter queued behind it.
    WaitUntil([&] { return lock.WaitersForTest().size() == 1; });
    FltReleasePushLock(&lock);
    EXPECT_EQ(CriticalRegionDepth(), 0);
  });
  WaitUntil([&] { return lock.WaitersForTest().size() == 1; });
  EXPECT_NE(lock.RawWord() & internal::WaitBlockWord::kMultipleShared, 0u);
  FltReleasePushLock(&lock);
  EXPECT_FALSE(writer_in.load());
  FltReleasePushLock(&lock);  // the last shared hold: the writer gets in
  WaitUntil([&] { return writer_in.load(); });
  FltAcquirePushLockShared(&lock);  // queues behind the writer, which then releases
  EXPECT_EQ(lock.RawWord(), 0x11u);
  FltReleasePushLock(&lock);
  writer.join();
  EXPECT_EQ(lock.RawWord(), 0u);
  EXPECT_EQ(CriticalRegionDepth(), 0);
  FltDeletePushLock(&lock);
}

// Rule: Push lock > Flt API: any flag bit outside 0x3 aborts, in every build, naming the call and
// the bad bits.
// In the children, alarm() is the watchdog: a hang dies of SIGALRM without the message.
TEST(FltPushLockDeathTest, InvalidFlagsAreRejected) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EX_PUSH_LOCK lock;
  FltInitializePushLock(&lock);
  EXPECT_DEATH(
      {
        alarm(20);
        FltAcquirePushLockExclusiveEx(&lock, 0x4);
      },
      "FltAcquirePushLockExclusiveEx: invalid Flags 0x4");
  EXPECT_DEATH(
      {
        alarm(20);
        FltAcquirePushLockSharedEx(&lock, 0x80000001);
      },
      "FltAcquirePushLockSharedEx: invalid Flags 0x80000001 \\(bits 0x80000000");
  EXPECT_DEATH(
      {
        alarm(20);
        FltAcquirePushLockExclusive(&lock);
        FltReleasePushLockEx(&lock, 0x10);
      },
      "FltReleasePushLockEx: invalid Flags 0x10");
  // A rejected call changed nothing in this process.
  EXPECT_EQ(lock.RawWord(), 0u);
  EXPECT_EQ(CriticalRegionDepth(), 0);
}

// Rule: Push lock > Flt API: leaving a critical region the thread is not in aborts, in every build.
TEST(FltPushLockDeathTest, UnbalancedLeaveIsCaught) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        alarm(20);
        KeLeaveCriticalRegion();
      },
      "KeLeaveCriticalRegion without a matching KeEnterCriticalRegion");
  EX_PUSH_LOCK lock;
  FltInitializePushLock(&lock);
  EXPECT_DEATH(
      {
        alarm(20);
        FltAcquirePushLockExclusive(&lock);
        FltReleasePushLock(&lock);
        KeLeaveCriticalRegion();  // one leave too many
      },
      "KeLeaveCriticalRegion without a matching KeEnterCriticalRegion");
}

}  // namespace
}  // namespace lockbench
