#include "lockimpls/plugin/plugin_checks.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <latch>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace lockbench {
namespace {

using std::chrono::milliseconds;

// Relaxed atomics for the guarded data: the check itself, not a data race, must catch a lock that
// lets two holders in (a race report would end the process before the check could speak).
constexpr std::memory_order kRelaxed = std::memory_order_relaxed;

// Writers leave a != b mid-section; readers and writers count themselves in and out.
struct Guarded {
  std::atomic<std::uint64_t> a{0};
  std::atomic<std::uint64_t> b{0};
  std::atomic<int> writers{0};
  std::atomic<int> readers{0};
  std::atomic<int> overlaps{0};  // a holder found a writer inside
  std::atomic<int> torn{0};      // a reader saw a half-done write
};

// Stretches a critical section, so overlapping holders are caught even on few cores: a write
// longer than a read, so that readers arriving meanwhile find the writer inside.
void Dwell(int rounds) {
  for (int i = 0; i < rounds; ++i) asm volatile("" ::: "memory");
}

// `yield` gives up the CPU mid-section, so that other threads run while the writer holds the
// lock even when there are fewer cores than threads.
void Write(PluginLock& lock, bool try_first, bool yield, Guarded& g) {
  if (!try_first || !lock.try_lock()) lock.lock();
  if (g.writers.fetch_add(1, kRelaxed) != 0 || g.readers.load(kRelaxed) != 0) {
    g.overlaps.fetch_add(1, kRelaxed);
  }
  g.a.store(g.a.load(kRelaxed) + 1, kRelaxed);
  Dwell(1024);
  if (yield) std::this_thread::yield();
  g.b.store(g.b.load(kRelaxed) + 1, kRelaxed);
  g.writers.fetch_sub(1, kRelaxed);
  lock.unlock();
}

void Read(PluginLock& lock, bool try_first, Guarded& g) {
  if (!try_first || !lock.try_lock_shared()) lock.lock_shared();
  g.readers.fetch_add(1, kRelaxed);
  if (g.writers.load(kRelaxed) != 0) g.overlaps.fetch_add(1, kRelaxed);
  const std::uint64_t a = g.a.load(kRelaxed);
  Dwell(64);
  if (g.b.load(kRelaxed) != a) g.torn.fetch_add(1, kRelaxed);
  g.readers.fetch_sub(1, kRelaxed);
  lock.unlock_shared();
}

CheckOutcome Pass(std::string detail) { return {true, std::move(detail), false}; }
CheckOutcome Fail(std::string detail) { return {false, std::move(detail), false}; }

// f() on a thread of its own, joined: a call that must not block is made where blocking would
// show as this check not finishing.
template <class F>
auto OnOtherThread(F f) {
  decltype(f()) result{};
  std::thread([&] { result = f(); }).join();
  return result;
}

// Waits up to `limit` for `flag`; true if it was set.
bool WaitFor(const std::atomic<bool>& flag, milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!flag.load()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

bool Always(const PluginLockType&) { return true; }
bool HasShared(const PluginLockType& t) { return t.has_shared; }
bool Recurses(const PluginLockType& t) { return t.traits.recursion != Recursion::kNone; }

CheckOutcome Exclusion(const PluginLockType& type) {
  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 20000;
  OwnedPluginLock owned(type);
  PluginLock& lock = owned.get();
  Guarded g;
  std::atomic<std::uint64_t> writes{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::minstd_rand rng(static_cast<unsigned>(t) + 1);
      start.arrive_and_wait();
      std::uint64_t mine = 0;
      for (int i = 0; i < kOpsPerThread; ++i) {
        const bool try_first = rng() % 4 == 0;
        if (rng() % 100 < 30) {
          Write(lock, try_first, rng() % 16 == 0, g);
          ++mine;
        } else {
          Read(lock, try_first, g);
        }
      }
      writes.fetch_add(mine);
    });
  }
  for (std::thread& t : threads) t.join();
  const std::uint64_t lost = writes.load() - g.a.load();
  if (g.overlaps.load() != 0 || g.torn.load() != 0 || lost != 0) {
    return Fail(std::to_string(g.overlaps.load()) + " acquisitions found a writer inside, " +
                std::to_string(g.torn.load()) + " reads saw a half-done write, " +
                std::to_string(lost) + " writes were lost");
  }
  return Pass(std::to_string(kThreads) + " threads, " + std::to_string(kThreads * kOpsPerThread) +
              " acquisitions (" + std::to_string(writes.load()) + " exclusive): no overlap");
}

CheckOutcome TryWhileHeld(const PluginLockType& type) {
  OwnedPluginLock owned(type);
  PluginLock& lock = owned.get();
  lock.lock();
  const bool exclusive_got_in = OnOtherThread([&] {
    const bool got = lock.try_lock();
    if (got) lock.unlock();
    return got;
  });
  const bool shared_got_in = OnOtherThread([&] {
    const bool got = lock.try_lock_shared();
    if (got) lock.unlock_shared();
    return got;
  });
  lock.unlock();
  if (exclusive_got_in) {
    return Fail("try_lock succeeded while another thread held the lock exclusive");
  }
  if (shared_got_in) {
    return Fail("try_lock_shared succeeded while another thread held the lock exclusive");
  }
  if (type.has_shared) {
    lock.lock_shared();
    const bool writer_got_in = OnOtherThread([&] {
      const bool got = lock.try_lock();
      if (got) lock.unlock();
      return got;
    });
    lock.unlock_shared();
    if (writer_got_in) return Fail("try_lock succeeded while another thread held the lock shared");
  }
  return Pass("tries by another thread failed while the lock was held");
}

CheckOutcome TryWhenFree(const PluginLockType& type) {
  OwnedPluginLock owned(type);
  PluginLock& lock = owned.get();
  // Held and released once first, so a release that leaves the lock taken is caught too.
  lock.lock();
  lock.unlock();
  if (type.has_shared) {
    lock.lock_shared();
    lock.unlock_shared();
  }
  const bool exclusive = OnOtherThread([&] {
    const bool got = lock.try_lock();
    if (got) lock.unlock();
    return got;
  });
  const bool shared = OnOtherThread([&] {
    const bool got = lock.try_lock_shared();
    if (got) lock.unlock_shared();
    return got;
  });
  if (!exclusive) return Fail("try_lock failed on a free lock");
  if (!shared) return Fail("try_lock_shared failed on a free lock");
  return Pass("try_lock and try_lock_shared succeeded on a free lock");
}

// A second thread comes in with `enter`/`leave` while this one holds the lock with `hold`;
// whether it got in within `limit`. The holder lets go afterwards, so the second thread ends.
template <class Hold, class Release, class Enter, class Leave>
bool SecondGetsIn(PluginLock& lock, Hold hold, Release release, Enter enter, Leave leave,
                  milliseconds limit) {
  (lock.*hold)();
  std::atomic<bool> inside{false};
  std::thread second([&] {
    (lock.*enter)();
    inside.store(true);
    (lock.*leave)();
  });
  const bool got_in = WaitFor(inside, limit);
  (lock.*release)();
  second.join();
  return got_in;
}

CheckOutcome ReadersShare(const PluginLockType& type) {
  OwnedPluginLock owned(type);
  if (!SecondGetsIn(owned.get(), &PluginLock::lock_shared, &PluginLock::unlock_shared,
                    &PluginLock::lock_shared, &PluginLock::unlock_shared, milliseconds(2000))) {
    return Fail("a second reader waited 2 s while the first held the lock shared");
  }
  return Pass("two readers were inside at once");
}

CheckOutcome WriterExcludesReaders(const PluginLockType& type) {
  OwnedPluginLock owned(type);
  if (SecondGetsIn(owned.get(), &PluginLock::lock, &PluginLock::unlock, &PluginLock::lock_shared,
                   &PluginLock::unlock_shared, milliseconds(100))) {
    return Fail("a reader got in while a writer held the lock");
  }
  return Pass("a reader waited while a writer held the lock");
}

CheckOutcome ReadersExcludeWriter(const PluginLockType& type) {
  OwnedPluginLock owned(type);
  if (SecondGetsIn(owned.get(), &PluginLock::lock_shared, &PluginLock::unlock_shared,
                   &PluginLock::lock, &PluginLock::unlock, milliseconds(100))) {
    return Fail("a writer got in while a reader held the lock");
  }
  return Pass("a writer waited while a reader held the lock");
}

// The re-acquisitions the traits allow, on one thread; then the lock must be free again.
CheckOutcome Reentry(const PluginLockType& type) {
  OwnedPluginLock owned(type);
  PluginLock& lock = owned.get();
  lock.lock_shared();
  lock.lock_shared();
  lock.unlock_shared();
  lock.unlock_shared();
  std::string done = "shared in shared";
  if (type.traits.recursion == Recursion::kFull) {
    lock.lock();
    lock.lock();
    lock.lock_shared();
    lock.unlock_shared();
    lock.unlock();
    lock.unlock();
    done += ", exclusive in exclusive, shared in exclusive";
  }
  const bool free = OnOtherThread([&] {
    const bool got = lock.try_lock();
    if (got) lock.unlock();
    return got;
  });
  if (!free) return Fail(done + " returned, but left the lock taken");
  return Pass(done + ": each returned and the lock was free after");
}

constexpr PluginCheck kChecks[] = {
    {"exclusion", "no holder is ever inside together with a writer, under a 4-thread stress",
     Always, Exclusion},
    {"try_while_held", "try_lock and try_lock_shared fail while another thread holds the lock",
     Always, TryWhileHeld},
    {"try_when_free", "try_lock and try_lock_shared succeed on a free lock", Always, TryWhenFree},
    {"readers_share", "two readers are inside at once", HasShared, ReadersShare},
    {"writer_excludes_readers", "a reader waits while a writer holds the lock", HasShared,
     WriterExcludesReaders},
    {"readers_exclude_writer", "a writer waits while a reader holds the lock", HasShared,
     ReadersExcludeWriter},
    {"recursion", "the re-acquisitions the lock claims return, and leave it free", Recurses,
     Reentry},
};

}  // namespace

std::span<const PluginCheck> PluginChecks() { return kChecks; }

CheckOutcome RunPluginCheck(const PluginCheck& check, const PluginLockType& type,
                            milliseconds deadline) {
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    CheckOutcome outcome;
  };
  auto state = std::make_shared<State>();
  // Owns a share of the state: it may outlive this call if the check is stuck.
  std::thread worker([state, &type, run = check.run] {
    CheckOutcome outcome = run(type);
    std::lock_guard<std::mutex> hold(state->mu);
    state->outcome = std::move(outcome);
    state->done = true;
    state->cv.notify_one();
  });
  std::unique_lock<std::mutex> hold(state->mu);
  if (!state->cv.wait_for(hold, deadline, [&] { return state->done; })) {
    worker.detach();
    return {false,
            "did not finish in " + std::to_string(deadline.count() / 1000) +
                " s: a deadlock or a lost wake-up",
            true};
  }
  hold.unlock();
  worker.join();
  return state->outcome;
}

}  // namespace lockbench
