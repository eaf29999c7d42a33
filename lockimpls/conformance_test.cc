// The contract every lock in the registry must keep, run over each of them: mutual exclusion
// under stress, try-acquires that never block, no lost wake-ups, and readers that really share.
// A lock that hangs fails through the watchdog rather than stalling the run.
#include <atomic>
#include <barrier>
#include <cstdint>
#include <latch>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lockimpls/internal/hang_watchdog.h"
#include "lockimpls/internal/tsan_library_lock.h"
#include "lockimpls/registry.h"

namespace lockbench {
namespace {

using internal::HangWatchdog;

// Turns the registry's LockList into the type list a typed test runs over.
template <class List>
struct AsTestTypes;
template <class... Ls>
struct AsTestTypes<LockList<Ls...>> {
  using type = ::testing::Types<Ls...>;
};

struct LockName {
  template <class L>
  static std::string GetName(int) {
    return std::string(L::kTraits.name);
  }
};

template <class L>
class ConformanceTest : public ::testing::Test {
 protected:
  std::string What(const char* test) const { return std::string(L::kTraits.name) + "." + test; }
};

TYPED_TEST_SUITE(ConformanceTest, AsTestTypes<AllLocks>::type, LockName);

// Writers leave the two fields different mid-section; a reader that ever sees them differ, or
// a final total short of the writes made, proves two holders overlapped where they must not.
struct Guarded {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
};

// Relaxed on purpose: ordering must come from the lock alone, so that ThreadSanitizer reports
// the plain accesses to Guarded if the lock fails to order them.
constexpr std::memory_order kRelaxed = std::memory_order_relaxed;

struct Occupancy {
  std::atomic<int> writers{0};
  std::atomic<int> readers{0};
  std::atomic<int> violations{0};
  std::atomic<int> torn_reads{0};
};

// Stretches a critical section, so holders that must not overlap would be caught doing so even
// on a machine with few cores.
void Dwell() {
  for (int i = 0; i < 64; ++i) asm volatile("" ::: "memory");
}

template <class L>
void Write(L& lock, bool try_first, Guarded& g, Occupancy& o) {
  if (!try_first || !lock.try_lock()) lock.lock();
  if (o.writers.fetch_add(1, kRelaxed) != 0 || o.readers.load(kRelaxed) != 0) {
    o.violations.fetch_add(1, kRelaxed);
  }
  ++g.a;
  Dwell();  // also keeps the compiler from fusing the two updates
  ++g.b;
  o.writers.fetch_sub(1, kRelaxed);
  lock.unlock();
}

template <class L>
void Read(L& lock, bool try_first, const Guarded& g, Occupancy& o) {
  if (!try_first || !lock.try_lock_shared()) lock.lock_shared();
  o.readers.fetch_add(1, kRelaxed);
  if (o.writers.load(kRelaxed) != 0) o.violations.fetch_add(1, kRelaxed);
  const std::uint64_t a = g.a;
  Dwell();
  const std::uint64_t b = g.b;
  if (a != b) o.torn_reads.fetch_add(1, kRelaxed);
  o.readers.fetch_sub(1, kRelaxed);
  lock.unlock_shared();
}

// Rule: Push lock > Release and wake-up: holders never overlap with a writer under mixed calls, for
// every lock in AllLocks (also cited under SRWLOCK and ERESOURCE).
TYPED_TEST(ConformanceTest, MutualExclusionUnderStress) {
  constexpr int kThreads = 4;
  // Enough operations to span several scheduler time slices on a busy two-core machine.
  constexpr int kOpsPerThread = internal::kThreadSanitizer ? 100000 : 400000;
  // A FIFO spin lock hands over only as fast as the scheduler runs the next waiter, so on a
  // loaded machine this takes from seconds to minutes: the watchdog looks for no progress.
  std::atomic<std::uint64_t> progress{0};
  HangWatchdog watchdog(this->What("MutualExclusionUnderStress"), std::chrono::seconds(45),
                        &progress);
  TypeParam lock;
  Guarded g;
  Occupancy o;
  std::atomic<std::uint64_t> writes{0};
  std::latch start(kThreads);  // all threads begin together, so they really collide
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::minstd_rand rng(t + 1);
      start.arrive_and_wait();
      std::uint64_t my_writes = 0;
      for (int i = 0; i < kOpsPerThread; ++i) {
        if (i % 1024 == 0) progress.fetch_add(1, std::memory_order_relaxed);
        const unsigned r = rng() % 100;
        const bool try_first = rng() % 4 == 0;
        if (r < 30) {
          Write(lock, try_first, g, o);
          ++my_writes;
        } else {
          Read(lock, try_first, g, o);
        }
      }
      writes.fetch_add(my_writes);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(o.violations.load(), 0) << "a holder was inside together with a writer";
  EXPECT_EQ(o.torn_reads.load(), 0) << "a reader saw a half-done write";
  EXPECT_EQ(g.a, writes.load()) << "writes were lost: two writers overlapped";
  EXPECT_EQ(g.b, writes.load());
}

// Rule: Push lock > Try, recursion and misuse: tries answer without waiting, for every lock in
// AllLocks (also cited for the fast mutex, queued spin lock and cache-aware push lock).
TYPED_TEST(ConformanceTest, TryAcquireNeverBlocks) {
  HangWatchdog watchdog(this->What("TryAcquireNeverBlocks"));
  TypeParam lock;
  // Each probe runs on a fresh thread: a try that blocked would never let join() return.
  auto probe = [&](auto f) {
    decltype(f()) result{};
    std::thread([&] { result = f(); }).join();
    return result;
  };

  lock.lock();
  EXPECT_FALSE(probe([&] { return lock.try_lock(); }));
  EXPECT_FALSE(probe([&] { return lock.try_lock_shared(); }));
  lock.unlock();

  lock.lock_shared();
  EXPECT_FALSE(probe([&] { return lock.try_lock(); }));
  // Whether a second reader may come in by a try is the lock's policy (a queue lock refuses
  // while anyone holds it); it must only answer without blocking and stay consistent.
  const bool shared_too = probe([&] {
    const bool got = lock.try_lock_shared();
    if (got) lock.unlock_shared();
    return got;
  });
  lock.unlock_shared();
  EXPECT_TRUE(probe([&] {
    const bool got = lock.try_lock();
    if (got) lock.unlock();
    return got;
  })) << "try_lock failed on a free lock (second reader by try: "
      << shared_too << ")";
  EXPECT_TRUE(probe([&] {
    const bool got = lock.try_lock_shared();
    if (got) lock.unlock_shared();
    return got;
  }));
}

// Rule: Push lock > Release and wake-up: every thread piled up behind an exclusive hold gets in
// after its release, for every lock in AllLocks (also cited under Executive spin lock).
TYPED_TEST(ConformanceTest, NoLostWakeUps) {
  // Each round the main thread holds the lock exclusive while the others pile up on it, then
  // lets go: every one of them must get in, or the round never ends and the watchdog fires.
  constexpr int kThreads = 3;
  constexpr int kRounds = 300;
  HangWatchdog watchdog(this->What("NoLostWakeUps"));
  TypeParam lock;
  Guarded g;
  Occupancy o;
  std::atomic<int> entered{0};
  std::barrier round(kThreads + 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        round.arrive_and_wait();  // the main thread holds the lock now
        if ((r + t) % 2 == 0) {
          Write(lock, false, g, o);
        } else {
          Read(lock, false, g, o);
        }
        entered.fetch_add(1);
        round.arrive_and_wait();
      }
    });
  }
  for (int r = 0; r < kRounds; ++r) {
    lock.lock();
    round.arrive_and_wait();
    lock.unlock();
    round.arrive_and_wait();
    ASSERT_EQ(entered.load(), kThreads * (r + 1)) << "round " << r;
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(o.violations.load(), 0);
  EXPECT_EQ(o.torn_reads.load(), 0);
}

// Rule: Push lock > Acquire: readers hold together, and an exclusive-only lock refuses a second
// reader, for every lock in AllLocks (also cited under the exclusive-only locks).
TYPED_TEST(ConformanceTest, SharedHoldersOverlap) {
  // All readers meet at a latch while holding the lock shared: the latch only opens if every
  // one of them is inside at the same time.
  constexpr int kReaders = 4;
  HangWatchdog watchdog(this->What("SharedHoldersOverlap"));
  TypeParam lock;
  if constexpr (!TypeParam::kTraits.shared_mode) {
    // An exclusive-only lock serves shared requests exclusive: a second "reader" is refused.
    lock.lock_shared();
    bool second = true;
    std::thread([&] { second = lock.try_lock_shared(); }).join();
    EXPECT_FALSE(second) << "traits say exclusive only, yet two shared holders overlapped";
    lock.unlock_shared();
    return;
  }
  std::latch all_inside(kReaders);
  std::atomic<int> max_inside{0};
  std::atomic<int> inside{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kReaders; ++t) {
    threads.emplace_back([&] {
      lock.lock_shared();
      const int now = inside.fetch_add(1) + 1;
      int seen = max_inside.load();
      while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
      }
      all_inside.arrive_and_wait();
      inside.fetch_sub(1);
      lock.unlock_shared();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(max_inside.load(), kReaders);
  EXPECT_EQ(inside.load(), 0);
}

}  // namespace
}  // namespace lockbench
