// Scenario tests of the cache-aware push lock rules (lockimpls/SEMANTICS.md, "Cache-aware push
// lock"): which slot a shared acquire takes and which one its release frees, how an exclusive
// acquire takes every slot, and that each slot keeps the push lock's wake rules; then the
// Windows-named facade, its allocation failure, misuse and a mixed stress run. Threads are pinned
// to CPUs 0 and 1 with sched_setaffinity; the tests that need two CPUs skip on one.
#include "lockimpls/cache_aware_push_lock.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lockimpls/cache_aware_push_lock_api.h"
#include "lockimpls/internal/hang_watchdog.h"
#include "lockimpls/internal/test_support.h"
#include "lockimpls/internal/scoped_lock_setting.h"
#include "lockimpls/internal/test_watchdog.h"
#include "lockimpls/push_lock.h"

namespace lockbench {
namespace {

using internal::TestWatchdog;
using internal::RecordingObserver;
using internal::ScopedObserver;
using internal::WaitBlockWord;
using internal::WaitUntil;
using ::testing::ElementsAre;

constexpr std::uintptr_t kLocked = WaitBlockWord::kLocked;
constexpr std::uintptr_t kWaiting = WaitBlockWord::kWaiting;
constexpr std::uintptr_t kOneReader = WaitBlockWord::kShareUnit | kLocked;

// Moves the calling thread to `cpu` alone; true once it runs there.
bool PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) return false;
  return sched_getcpu() == cpu;
}

// True if this process may run on CPUs 0 and 1 and a lock made now has a slot for each.
bool HaveTwoCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return false;
  return CPU_ISSET(0, &set) && CPU_ISSET(1, &set) &&
         CacheAwarePushLock::ConfiguredProcessors() >= 2;
}

#define REQUIRE_TWO_CPUS()                                                   \
  do {                                                                       \
    if (!HaveTwoCpus()) GTEST_SKIP() << "needs CPUs 0 and 1 in the affinity"; \
  } while (false)

// A thread pinned to `cpu` that takes `lock` shared (or exclusive), reports it, and lets go when
// told to, optionally after moving to `release_cpu` first.
class PinnedHolder {
 public:
  PinnedHolder(CacheAwarePushLock& lock, int cpu, bool exclusive = false, int release_cpu = -1)
      : thread_([this, &lock, cpu, exclusive, release_cpu] {
          pinned_ = PinTo(cpu);
          if (exclusive) {
            lock.lock();
          } else {
            lock.lock_shared();
          }
          acquired_.store(true, std::memory_order_release);
          WaitUntil([this] { return release_.load(std::memory_order_acquire); });
          if (release_cpu >= 0) moved_ = PinTo(release_cpu);
          if (exclusive) {
            lock.unlock();
          } else {
            lock.unlock_shared();
          }
        }) {}
  ~PinnedHolder() { Join(); }

  std::uintptr_t id() { return static_cast<std::uintptr_t>(thread_.native_handle()); }
  bool acquired() const { return acquired_.load(std::memory_order_acquire); }
  void AwaitAcquired() const {
    WaitUntil([this] { return acquired(); });
  }
  void Join() {
    release_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
  }
  bool pinned() const { return pinned_; }  // after AwaitAcquired
  bool moved() const { return moved_; }    // after Join

 private:
  std::atomic<bool> acquired_{false};
  std::atomic<bool> release_{false};
  bool pinned_ = false;
  bool moved_ = false;
  std::thread thread_;
};

// Runs `f` on a thread pinned to `cpu` and returns its result.
template <class F>
bool OnCpu(int cpu, F f) {
  bool result = false;
  std::thread([&] { result = PinTo(cpu) && f(); }).join();
  return result;
}

// Waiters go straight to sleep, as in the push lock's tests.
class CacheAwarePushLockTest : public ::testing::Test {
 private:
  internal::ScopedLockSetting spins_{internal::SettingOf<PushLock>("spin_count"), 0};
};

// Rule: Cache-aware push lock > State: one padded push-lock slot per configured processor: 16 bytes
// plus 64 per processor on the heap; not recursive, no owner query.
TEST_F(CacheAwarePushLockTest, TraitsAndSizeGrowWithProcessors) {
  CacheAwarePushLock lock;
  const std::uint32_t n = CacheAwarePushLock::ConfiguredProcessors();
  EXPECT_EQ(lock.SlotCount(), n);
  EXPECT_EQ(sizeof(CacheAwarePushLock), CacheAwarePushLock::kTraits.size_bytes);
  EXPECT_EQ(lock.SizeBytes(), 16u + 64u * n);
  ASSERT_NE(CacheAwarePushLock::kTraits.heap_bytes, nullptr);
  EXPECT_EQ(CacheAwarePushLock::kTraits.heap_bytes(), 64u * n);
  EXPECT_EQ(CacheAwarePushLock::kTraits.recursion, Recursion::kNone);
  EXPECT_TRUE(CacheAwarePushLock::kTraits.shared_mode);
  EXPECT_FALSE(CacheAwarePushLock::kTraits.owner_query);
  CacheAwarePushLock seven(7);
  EXPECT_EQ(seven.SizeBytes(), 16u + 7 * 64u);
  EXPECT_EQ(seven.SlotOfCpu(9), 2u) << "processor modulo slot count";
}

// Rule: Cache-aware push lock > Grant rules: a shared acquire takes the slot of the processor it
// runs on, shared, and writes no other.
TEST_F(CacheAwarePushLockTest, SharedAcquiresOnDifferentCpusTakeDifferentSlots) {
  REQUIRE_TWO_CPUS();
  TestWatchdog watchdog;
  CacheAwarePushLock lock;
  PinnedHolder on0(lock, 0);
  on0.AwaitAcquired();
  ASSERT_TRUE(on0.pinned());
  EXPECT_EQ(lock.SlotWordForTest(0), kOneReader);
  EXPECT_EQ(lock.SlotWordForTest(1), 0u);
  PinnedHolder on1(lock, 1);
  on1.AwaitAcquired();
  ASSERT_TRUE(on1.pinned());
  EXPECT_EQ(lock.SlotWordForTest(0), kOneReader) << "one reader per slot, not two on one";
  EXPECT_EQ(lock.SlotWordForTest(1), kOneReader);
  for (std::uint32_t i = 2; i < lock.SlotCount(); ++i) EXPECT_EQ(lock.SlotWordForTest(i), 0u);
  on0.Join();
  on1.Join();
  EXPECT_EQ(lock.SlotWordForTest(0), 0u);
  EXPECT_EQ(lock.SlotWordForTest(1), 0u);
}

// Rule: Cache-aware push lock > Grant rules: a shared release frees the slot its acquire took, even
// after the thread has moved to another processor; the slot of the processor it now runs on is left
// alone.
TEST_F(CacheAwarePushLockTest, MigratedReaderReleasesItsOriginalSlot) {
  REQUIRE_TWO_CPUS();
  TestWatchdog watchdog;
  CacheAwarePushLock lock;
  PinnedHolder stays_on1(lock, 1);
  stays_on1.AwaitAcquired();
  {
    PinnedHolder migrates(lock, 0, /*exclusive=*/false, /*release_cpu=*/1);
    migrates.AwaitAcquired();
    ASSERT_TRUE(migrates.pinned());
    EXPECT_EQ(lock.SlotWordForTest(0), kOneReader);
    EXPECT_EQ(lock.SlotWordForTest(1), kOneReader);
    migrates.Join();  // moves to CPU 1, then releases
    ASSERT_TRUE(migrates.moved());
  }
  EXPECT_EQ(lock.SlotWordForTest(0), 0u) << "the original slot is free again";
  EXPECT_EQ(lock.SlotWordForTest(1), kOneReader) << "the reader still on CPU 1 keeps its hold";
  stays_on1.Join();
  EXPECT_EQ(lock.SlotWordForTest(1), 0u);
}

// Rule: Cache-aware push lock > Grant rules: an exclusive acquire waits while any slot has a
// reader, and once it holds slot 0 keeps new readers off it; when granted it holds every slot, so
// no reader gets in anywhere.
TEST_F(CacheAwarePushLockTest, ExclusiveWaitsForAnyReaderAndExcludesReadersOnEverySlot) {
  REQUIRE_TWO_CPUS();
  TestWatchdog watchdog;
  CacheAwarePushLock lock;
  PinnedHolder reader(lock, 1);
  reader.AwaitAcquired();
  PinnedHolder writer(lock, 0, /*exclusive=*/true);
  // The writer holds slot 0 and queues on slot 1 behind the reader.
  WaitUntil([&] { return (lock.SlotWordForTest(1) & kWaiting) != 0; });
  EXPECT_EQ(lock.SlotWordForTest(0), kLocked);
  EXPECT_FALSE(writer.acquired());
  EXPECT_FALSE(OnCpu(0, [&] { return lock.try_lock_shared(); })) << "slot 0 is the writer's";
  EXPECT_FALSE(OnCpu(1, [&] { return lock.try_lock_shared(); }))
      << "slot 1 has a waiting writer: new readers queue behind it";
  reader.Join();
  writer.AwaitAcquired();
  for (std::uint32_t i = 0; i < lock.SlotCount(); ++i) {
    EXPECT_EQ(lock.SlotWordForTest(i), kLocked) << "slot " << i;
  }
  EXPECT_FALSE(OnCpu(0, [&] { return lock.try_lock_shared(); }));
  EXPECT_FALSE(OnCpu(1, [&] { return lock.try_lock_shared(); }));
  writer.Join();
  for (std::uint32_t i = 0; i < lock.SlotCount(); ++i) EXPECT_EQ(lock.SlotWordForTest(i), 0u);
}

// Rule: Cache-aware push lock > Grant rules: exclusive acquirers take slots in index order, so a
// second one queues on slot 0 behind the first (never on a later slot it could hold while the first
// waits for it). A stress run of exclusive and shared acquirers on both CPUs then finishes (no
// deadlock) with writers alone.
TEST_F(CacheAwarePushLockTest, ExclusivesTakeSlotsInIndexOrderAndNeverDeadlock) {
  REQUIRE_TWO_CPUS();
  TestWatchdog watchdog;
  {
    CacheAwarePushLock lock;
    PinnedHolder reader(lock, 1);
    reader.AwaitAcquired();
    PinnedHolder first(lock, 0, /*exclusive=*/true);
    WaitUntil([&] { return (lock.SlotWordForTest(1) & kWaiting) != 0; });
    EXPECT_EQ(lock.SlotWordForTest(0), kLocked) << "the first holds slot 0 while it waits";
    PinnedHolder second(lock, 1, /*exclusive=*/true);
    WaitUntil([&] { return (lock.SlotWordForTest(0) & kWaiting) != 0; });
    EXPECT_FALSE(first.acquired() || second.acquired());
    reader.Join();
    first.AwaitAcquired();
    first.Join();
    second.AwaitAcquired();
    second.Join();
  }
  CacheAwarePushLock lock;
  std::atomic<int> writers{0};
  std::atomic<int> readers{0};
  std::atomic<long> violations{0};
  long counter = 0;
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t) {
    pool.emplace_back([&, t] {
      std::uint32_t rng = 0x9E3779B9u * static_cast<std::uint32_t>(t + 1);
      for (int i = 0; i < 3000; ++i) {
        if (i % 500 == 0) PinTo((t + i / 500) % 2);  // readers move between CPUs while working
        rng = rng * 1664525u + 1013904223u;
        if ((rng >> 24) % 3 == 0) {
          lock.lock();
          if (writers.fetch_add(1) != 0 || readers.load() != 0) violations.fetch_add(1);
          ++counter;
          writers.fetch_sub(1);
          lock.unlock();
        } else {
          lock.lock_shared();
          readers.fetch_add(1);
          if (writers.load() != 0) violations.fetch_add(1);
          volatile long seen = counter;
          (void)seen;
          readers.fetch_sub(1);
          lock.unlock_shared();
        }
      }
    });
  }
  for (std::thread& t : pool) t.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(counter, 0);
  for (std::uint32_t i = 0; i < lock.SlotCount(); ++i) EXPECT_EQ(lock.SlotWordForTest(i), 0u);
}

// Rule: Cache-aware push lock > Grant rules: a failed exclusive try gives back the slots it took
// before the busy one.
TEST_F(CacheAwarePushLockTest, FailedTryGivesBackTheSlotsItTook) {
  REQUIRE_TWO_CPUS();
  CacheAwarePushLock lock;
  PinnedHolder reader(lock, 1);
  reader.AwaitAcquired();
  EXPECT_FALSE(lock.try_lock());
  EXPECT_EQ(lock.SlotWordForTest(0), 0u) << "slot 0 was taken and must be free again";
  EXPECT_EQ(lock.SlotWordForTest(1), kOneReader);
  reader.Join();
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
}

// Rule: Cache-aware push lock > Grant rules: each slot wakes as a push lock does: a woken exclusive
// waiter re-competes and a newcomer can take the lock (every slot) between the release and its
// retry.
TEST_F(CacheAwarePushLockTest, WokenWaiterLosesToNewcomerAsOnAPushLock) {
  TestWatchdog watchdog;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  CacheAwarePushLock lock(2);
  lock.lock();
  internal::Holder<CacheAwarePushLock> waiter(lock, /*exclusive=*/true);
  WaitUntil([&] { return (lock.SlotWordForTest(0) & kWaiting) != 0; });  // queued on slot 0
  observer.HoldWhenWoken(waiter.id());

  lock.unlock();
  observer.AwaitHeld();
  EXPECT_THAT(observer.Wakes(), ElementsAre(waiter.id()));
  EXPECT_EQ(lock.SlotWordForTest(0), 0u) << "nothing handed over";
  bool newcomer_won = false;
  std::thread([&] { newcomer_won = lock.try_lock(); }).join();
  ASSERT_TRUE(newcomer_won);

  observer.Release();
  WaitUntil([&] { return (lock.SlotWordForTest(0) & kWaiting) != 0; });  // lost, queued again
  EXPECT_FALSE(waiter.acquired());
  lock.unlock();  // the newcomer's hold
  waiter.AwaitAcquired();
  waiter.Join();
  EXPECT_EQ(lock.SlotWordForTest(0), 0u);
  EXPECT_EQ(lock.SlotWordForTest(1), 0u);
}

// Rule: Cache-aware push lock > Grant rules: nested shared holds of one thread, on two locks, each
// release the slot their own acquire recorded.
TEST_F(CacheAwarePushLockTest, NestedSharedHoldsOfOneThreadReleaseTheirOwnSlots) {
  CacheAwarePushLock a(3);
  CacheAwarePushLock b(3);
  a.lock_shared();
  b.lock_shared();
  a.lock_shared();
  a.unlock_shared();
  b.unlock_shared();
  a.unlock_shared();
  for (std::uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(a.SlotWordForTest(i), 0u);
    EXPECT_EQ(b.SlotWordForTest(i), 0u);
  }
}

std::atomic<int> allocations{0};
std::atomic<int> frees{0};
std::atomic<int> fail_at{-1};  // the allocation (0-based) that fails; -1 none

void* CountingAllocate(std::size_t bytes, std::size_t alignment) {
  const int n = allocations.fetch_add(1);
  if (n == fail_at.load()) return nullptr;
  return std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
}
void CountingFree(void* p, std::size_t) {
  frees.fetch_add(1);
  std::free(p);
}

// Rule: Cache-aware push lock > API: ExAllocateCacheAwarePushLock makes one slot per configured
// processor; the Ex calls acquire, release and free it.
TEST(CacheAwarePushLockApiTest, AllocateAcquireReleaseFree) {
  PEX_PUSH_LOCK_CACHE_AWARE lock = ExAllocateCacheAwarePushLock();
  ASSERT_NE(lock, nullptr);
  EXPECT_EQ(lock->SlotCount(), CacheAwarePushLock::ConfiguredProcessors());
  ExAcquireCacheAwarePushLockShared(lock);
  EXPECT_FALSE(lock->try_lock());
  ExReleaseCacheAwarePushLockShared(lock);
  ExAcquireCacheAwarePushLockExclusive(lock);
  for (std::uint32_t i = 0; i < lock->SlotCount(); ++i) EXPECT_EQ(lock->SlotWordForTest(i), kLocked);
  ExReleaseCacheAwarePushLockExclusive(lock);
  for (std::uint32_t i = 0; i < lock->SlotCount(); ++i) EXPECT_EQ(lock->SlotWordForTest(i), 0u);
  ExFreeCacheAwarePushLock(lock);
}

// Rule: Cache-aware push lock > API: ExAllocateCacheAwarePushLock returns nullptr when either of
// its allocations fails, and leaks nothing.
TEST(CacheAwarePushLockApiTest, AllocationFailureReturnsNull) {
  internal::SetSlotAllocatorForTest(&CountingAllocate, &CountingFree);
  for (int failing : {0, 1}) {
    allocations = 0;
    frees = 0;
    fail_at = failing;
    EXPECT_EQ(ExAllocateCacheAwarePushLock(), nullptr) << "allocation " << failing << " failed";
    EXPECT_EQ(frees.load(), failing) << "what was allocated before the failure is freed";
  }
  allocations = 0;
  frees = 0;
  fail_at = -1;
  PEX_PUSH_LOCK_CACHE_AWARE lock = ExAllocateCacheAwarePushLock();
  ASSERT_NE(lock, nullptr);
  EXPECT_EQ(allocations.load(), 2);
  ExFreeCacheAwarePushLock(lock);
  EXPECT_EQ(frees.load(), 2);
  internal::SetSlotAllocatorForTest(nullptr, nullptr);
}

// Rule: Cache-aware push lock > Grant rules: a shared release with no recorded hold aborts, and so
// does exclusive re-entry in checked builds.
// In the child, alarm() is the watchdog: a hang dies of SIGALRM without the expected message.
TEST(CacheAwarePushLockDeathTest, MisuseAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        CacheAwarePushLock lock(2);
        lock.unlock_shared();
      },
      "shared release by a thread that holds no shared hold of this lock");
  if constexpr (internal::kCheckedLocks) {
    EXPECT_DEATH(
        {
          alarm(20);
          CacheAwarePushLock lock(2);
          lock.lock();
          lock.lock();
        },
        "cache-aware push lock re-acquired by the thread that holds it exclusive");
  }
}

}  // namespace
}  // namespace lockbench
