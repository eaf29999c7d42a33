// Scenario tests of the cache-aware push lock rules (lockimpls/SEMANTICS.md, "Cache-aware push
// lock"): its Windows 10 geometry, which slot a shared acquire takes and which one its release
// frees, the order in which an exclusive acquire takes the slots, and that each slot keeps the
// push lock's wake rules; then the Windows-named facade, its allocation failure, misuse and a
// mixed stress run. A thread chooses the processor number its acquires see with
// internal::SetCpuForTest, so the slot rules run on any machine; one test checks the real
// processor number on two CPUs of the affinity (and skips with fewer).
#include "lockimpls/cache_aware_push_lock.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <thread>
#include <utility>
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
using internal::LockEvent;
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

// Two CPUs of this process's affinity whose slots in a 32-slot lock differ, if it has them.
std::optional<std::pair<int, int>> TwoCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return std::nullopt;
  std::optional<int> first;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    if (!first) {
      first = cpu;
    } else if (cpu % CacheAwarePushLock::kSlotCount != *first % CacheAwarePushLock::kSlotCount) {
      return std::pair{*first, cpu};
    }
  }
  return std::nullopt;
}

// A thread whose acquires see processor `cpu` that takes `lock` shared (or exclusive), reports
// it, and lets go when told to, optionally seeing `release_cpu` by then (a moved thread).
class SlotHolder {
 public:
  SlotHolder(CacheAwarePushLock& lock, int cpu, bool exclusive = false, int release_cpu = -1)
      : thread_([this, &lock, cpu, exclusive, release_cpu] {
          internal::SetCpuForTest(cpu);
          if (exclusive) {
            lock.lock();
          } else {
            lock.lock_shared();
          }
          acquired_.store(true, std::memory_order_release);
          WaitUntil([this] { return release_.load(std::memory_order_acquire); });
          if (release_cpu >= 0) internal::SetCpuForTest(release_cpu);
          if (exclusive) {
            lock.unlock();
          } else {
            lock.unlock_shared();
          }
        }) {}
  ~SlotHolder() { Join(); }

  bool acquired() const { return acquired_.load(std::memory_order_acquire); }
  void AwaitAcquired() const {
    WaitUntil([this] { return acquired(); });
  }
  void Join() {
    release_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> acquired_{false};
  std::atomic<bool> release_{false};
  std::thread thread_;
};

// Runs `f` on a thread whose acquires see processor `cpu` and returns its result.
template <class F>
bool OnCpu(int cpu, F f) {
  bool result = false;
  std::thread([&] {
    internal::SetCpuForTest(cpu);
    result = f();
  }).join();
  return result;
}

// Waiters go straight to sleep, as in the push lock's tests.
class CacheAwarePushLockTest : public ::testing::Test {
 private:
  internal::ScopedLockSetting spins_{internal::SettingOf<PushLock>("spin_count"), 0};
};

// Rule: Cache-aware push lock > State: 32 slots on any machine, each padded to 128 bytes in one
// 4 KiB block
TEST_F(CacheAwarePushLockTest, GeometryIsWindows10sThirtyTwoSlotsOf128Bytes) {
  CacheAwarePushLock lock;
  ASSERT_EQ(lock.SlotCount(), 32u) << "EX_PUSH_LOCK_FANNED_COUNT, not the processor count";
  const auto* base = static_cast<const char*>(lock.SlotAddressForTest(0));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(base) % 128, 0u) << "slots start on a line pair";
  for (std::uint32_t i = 1; i < lock.SlotCount(); ++i) {
    EXPECT_EQ(static_cast<const char*>(lock.SlotAddressForTest(i)) - base, 128 * i) << "slot " << i;
  }
  EXPECT_EQ(sizeof(CacheAwarePushLock), CacheAwarePushLock::kTraits.size_bytes);
  EXPECT_EQ(lock.SizeBytes(), 16u + 32u * 128u);
  EXPECT_EQ(CacheAwarePushLock::kTraits.slots, 32u);
  EXPECT_EQ(CacheAwarePushLock::kTraits.slot_bytes, 128u);
  EXPECT_EQ(CacheAwarePushLock::kTraits.heap_bytes, 4096u);
  EXPECT_EQ(CacheAwarePushLock::kTraits.recursion, Recursion::kNone);
  EXPECT_TRUE(CacheAwarePushLock::kTraits.shared_mode);
  EXPECT_FALSE(CacheAwarePushLock::kTraits.owner_query);
  EXPECT_EQ(lock.SlotOfCpu(31), 31u);
  EXPECT_EQ(lock.SlotOfCpu(33), 1u) << "processor number & 31";
}

// Rule: Cache-aware push lock > Grant rules: a shared acquire takes slot (processor number & 31),
// shared, and writes no other
TEST_F(CacheAwarePushLockTest, SharedAcquiresOnDifferentCpusTakeDifferentSlots) {
  TestWatchdog watchdog;
  CacheAwarePushLock lock;
  SlotHolder on0(lock, 0);
  on0.AwaitAcquired();
  EXPECT_EQ(lock.SlotWordForTest(0), kOneReader);
  EXPECT_EQ(lock.SlotWordForTest(1), 0u);
  SlotHolder on33(lock, 33);
  on33.AwaitAcquired();
  EXPECT_EQ(lock.SlotWordForTest(0), kOneReader) << "one reader per slot, not two on one";
  EXPECT_EQ(lock.SlotWordForTest(1), kOneReader) << "processor 33 takes slot 1";
  for (std::uint32_t i = 2; i < lock.SlotCount(); ++i) EXPECT_EQ(lock.SlotWordForTest(i), 0u);
  on0.Join();
  on33.Join();
  EXPECT_EQ(lock.SlotWordForTest(0), 0u);
  EXPECT_EQ(lock.SlotWordForTest(1), 0u);
}

// Rule: Cache-aware push lock > Grant rules: a shared acquire takes slot (processor number & 31),
// shared, and writes no other
// (The processor number is the one the thread runs on: two pinned threads on two real CPUs.)
TEST_F(CacheAwarePushLockTest, PinnedReadersTakeTheirRealProcessorsSlots) {
  const std::optional<std::pair<int, int>> cpus = TwoCpus();
  if (!cpus) GTEST_SKIP() << "needs two CPUs in the affinity";
  TestWatchdog watchdog;
  CacheAwarePushLock lock;
  std::atomic<int> ready{0};
  std::atomic<bool> unpinned{false};
  std::atomic<bool> release{false};
  std::vector<std::thread> readers;
  for (int cpu : {cpus->first, cpus->second}) {
    readers.emplace_back([&, cpu] {
      if (!PinTo(cpu)) {
        unpinned = true;
        ready.fetch_add(1);
        return;
      }
      lock.lock_shared();
      ready.fetch_add(1);
      WaitUntil([&] { return release.load(); });
      lock.unlock_shared();
    });
  }
  WaitUntil([&] { return ready.load() == 2; });
  if (unpinned) {
    release = true;
    for (std::thread& t : readers) t.join();
    GTEST_SKIP() << "a thread could not be moved to its CPU";
  }
  EXPECT_EQ(lock.SlotWordForTest(lock.SlotOfCpu(cpus->first)), kOneReader);
  EXPECT_EQ(lock.SlotWordForTest(lock.SlotOfCpu(cpus->second)), kOneReader);
  release = true;
  for (std::thread& t : readers) t.join();
  for (std::uint32_t i = 0; i < lock.SlotCount(); ++i) EXPECT_EQ(lock.SlotWordForTest(i), 0u);
}

// Rule: Cache-aware push lock > Grant rules: a shared release frees the slot its acquire took, even
// after the thread has moved to another processor; the slot of the processor it now runs on is left
// alone.
TEST_F(CacheAwarePushLockTest, MigratedReaderReleasesItsOriginalSlot) {
  TestWatchdog watchdog;
  CacheAwarePushLock lock;
  SlotHolder stays_on1(lock, 1);
  stays_on1.AwaitAcquired();
  {
    SlotHolder migrates(lock, 0, /*exclusive=*/false, /*release_cpu=*/1);
    migrates.AwaitAcquired();
    EXPECT_EQ(lock.SlotWordForTest(0), kOneReader);
    EXPECT_EQ(lock.SlotWordForTest(1), kOneReader);
    migrates.Join();  // moves to processor 1, then releases
  }
  EXPECT_EQ(lock.SlotWordForTest(0), 0u) << "the original slot is free again";
  EXPECT_EQ(lock.SlotWordForTest(1), kOneReader) << "the reader still on processor 1 keeps its hold";
  stays_on1.Join();
  EXPECT_EQ(lock.SlotWordForTest(1), 0u);
}

// Rule: Cache-aware push lock > Grant rules: an exclusive acquire takes slot 0 (blocking), then
// tries the slots upward; at a busy slot it takes the highest slot not yet taken instead
TEST_F(CacheAwarePushLockTest, ExclusiveTakesBusySlotsLastWorkingDownFromTheTop) {
  TestWatchdog watchdog;
  CacheAwarePushLock lock;
  SlotHolder on1(lock, 1);
  on1.AwaitAcquired();
  SlotHolder on31(lock, 31);
  on31.AwaitAcquired();
  SlotHolder writer(lock, 0, /*exclusive=*/true);
  // Slot 1 is busy, so the writer goes to the top slot, busy too: it waits there.
  WaitUntil([&] { return ((lock.SlotWordForTest(1) | lock.SlotWordForTest(31)) & kWaiting) != 0; });
  ASSERT_EQ(lock.SlotWordForTest(1), kOneReader) << "no wait on slot 1 yet: the top comes first";
  EXPECT_NE(lock.SlotWordForTest(31) & kWaiting, 0u);
  EXPECT_EQ(lock.SlotWordForTest(0), kLocked);
  for (std::uint32_t i = 2; i < 31; ++i) EXPECT_EQ(lock.SlotWordForTest(i), 0u) << "slot " << i;
  // Slot 31 freed: the writer takes it, then 30 down to 2 (retrying slot 1 before each), and
  // waits on slot 1 last, holding every other slot.
  on31.Join();
  WaitUntil([&] { return (lock.SlotWordForTest(1) & kWaiting) != 0; });
  for (std::uint32_t i = 2; i < 32; ++i) EXPECT_EQ(lock.SlotWordForTest(i), kLocked) << "slot " << i;
  EXPECT_FALSE(writer.acquired());
  EXPECT_FALSE(OnCpu(5, [&] { return lock.try_lock_shared(); }))
      << "a waiting exclusive acquirer already keeps readers off the slots it took";
  on1.Join();
  writer.AwaitAcquired();
  for (std::uint32_t i = 0; i < 32; ++i) EXPECT_EQ(lock.SlotWordForTest(i), kLocked) << "slot " << i;
  writer.Join();
  for (std::uint32_t i = 0; i < 32; ++i) EXPECT_EQ(lock.SlotWordForTest(i), 0u);
}

// Rule: Cache-aware push lock > Grant rules: an exclusive acquire waits while any slot has a
// reader; once granted it holds every slot, so no reader gets in anywhere
TEST_F(CacheAwarePushLockTest, ExclusiveWaitsForAnyReaderAndExcludesReadersOnEverySlot) {
  TestWatchdog watchdog;
  CacheAwarePushLock lock;
  SlotHolder reader(lock, 1);
  reader.AwaitAcquired();
  SlotHolder writer(lock, 0, /*exclusive=*/true);
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
  for (int cpu = 0; cpu < 32; ++cpu) {
    EXPECT_FALSE(OnCpu(cpu, [&] { return lock.try_lock_shared(); })) << "processor " << cpu;
  }
  writer.Join();
  for (std::uint32_t i = 0; i < lock.SlotCount(); ++i) EXPECT_EQ(lock.SlotWordForTest(i), 0u);
}

// Rule: Cache-aware push lock > Grant rules: exclusive acquirers never deadlock one another: each
// queues on slot 0 first
// A stress run of exclusive and shared acquirers moving between CPUs then finishes with writers
// alone.
TEST_F(CacheAwarePushLockTest, ExclusivesQueueOnSlotZeroAndNeverDeadlock) {
  TestWatchdog watchdog;
  {
    CacheAwarePushLock lock;
    SlotHolder reader(lock, 1);
    reader.AwaitAcquired();
    SlotHolder first(lock, 0, /*exclusive=*/true);
    WaitUntil([&] { return (lock.SlotWordForTest(1) & kWaiting) != 0; });
    EXPECT_EQ(lock.SlotWordForTest(0), kLocked) << "the first holds slot 0 while it waits";
    SlotHolder second(lock, 1, /*exclusive=*/true);
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
        if (i % 250 == 0) internal::SetCpuForTest((i / 250) % 3 == 0 ? -1 : (t * 7 + i) % 32);
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
  CacheAwarePushLock lock;
  SlotHolder reader(lock, 31);
  reader.AwaitAcquired();
  EXPECT_FALSE(lock.try_lock());
  for (std::uint32_t i = 0; i < 31; ++i) {
    EXPECT_EQ(lock.SlotWordForTest(i), 0u) << "slot " << i << " was taken and must be free again";
  }
  EXPECT_EQ(lock.SlotWordForTest(31), kOneReader);
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
  observer.HoldNext(LockEvent::kWoken, waiter.id());

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

// Rule: Cache-aware push lock > API: ExAllocateCacheAwarePushLock makes a lock of 32 slots; the Ex
// calls acquire, release and free it.
TEST(CacheAwarePushLockApiTest, AllocateAcquireReleaseFree) {
  PEX_PUSH_LOCK_CACHE_AWARE lock = ExAllocateCacheAwarePushLock();
  ASSERT_NE(lock, nullptr);
  EXPECT_EQ(lock->SlotCount(), CacheAwarePushLock::kSlotCount);
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
