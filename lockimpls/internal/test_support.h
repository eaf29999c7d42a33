// Helpers for the lock scenario tests: condition polling that never sleeps on hope, threads that
// hold a lock on request, the recorder of lock events (internal/lock_observer.h) and a mixed-mode
// stress run. Test-only; hangs are left to internal/hang_watchdog.h.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_TEST_SUPPORT_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_TEST_SUPPORT_H_

#include <pthread.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "lockimpls/internal/futex.h"
#include "lockimpls/internal/hang_watchdog.h"
#include "lockimpls/internal/lock_observer.h"

namespace lockbench::internal {

// Polls `condition` until it holds, yielding between polls. Hangs are the watchdog's business.
template <class Condition>
void WaitUntil(Condition condition) {
  while (!condition()) std::this_thread::yield();
}

inline std::uintptr_t ThreadId(std::thread& t) {
  return static_cast<std::uintptr_t>(t.native_handle());
}

inline std::uintptr_t SelfId() { return static_cast<std::uintptr_t>(pthread_self()); }

// CPU time `thread` has used so far: how a test tells a thread that spins from one that has not
// run yet. Aborts if the clock cannot be read.
inline std::chrono::nanoseconds ThreadCpuTime(std::thread& thread) {
  clockid_t clock;
  timespec ts{};
  if (pthread_getcpuclockid(thread.native_handle(), &clock) != 0 ||
      clock_gettime(clock, &ts) != 0) {
    std::fprintf(stderr, "FAILED: cannot read a test thread's CPU clock\n");
    std::abort();
  }
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Records the events every lock reports (internal/lock_observer.h): counts each kind, keeps the
// threads woken in wake order, and stops the next thread that reports a chosen event, until
// Release(), so a test can open a race window at a known point. Counting is lock-free; only wakes
// and a hold take the observer's mutex, so stress runs can count their slow paths through it.
class RecordingObserver final : public LockObserver {
 public:
  ~RecordingObserver() override { Release(); }

  void OnEvent(const LockEventInfo& e) override {
    counts_[static_cast<int>(e.event)].fetch_add(1, std::memory_order_relaxed);
    if (e.event == LockEvent::kQueued && e.waiter.share_count > 1) {
      took_over_shares_.fetch_add(1, std::memory_order_relaxed);
    }
    if (e.event == LockEvent::kWakeIssued) {
      std::lock_guard<std::mutex> guard(mu_);
      wakes_.push_back(e.waiter.thread);
    }
    if (armed_.load(std::memory_order_acquire)) MaybeHold(e);
  }

  // Events of kind `event` reported so far.
  int Count(LockEvent event) const {
    return counts_[static_cast<int>(event)].load(std::memory_order_relaxed);
  }
  // Wait-block word: waiters queued as the first behind several shared owners (kQueued with a
  // share count above 1).
  int QueuedBehindSharedOwners() const {
    return took_over_shares_.load(std::memory_order_relaxed);
  }
  // The waiter named by each kWakeIssued so far, in wake order (0 for a lock that names none).
  std::vector<std::uintptr_t> Wakes() {
    std::lock_guard<std::mutex> guard(mu_);
    return wakes_;
  }

  // The next thread to report `event` (only `thread`, if not 0) stops inside the report until
  // Release(); later reports pass.
  void HoldNext(LockEvent event, std::uintptr_t thread = 0) {
    std::lock_guard<std::mutex> guard(mu_);
    hold_event_ = event;
    hold_thread_ = thread;
    held_.reset();
    released_ = false;
    armed_.store(true, std::memory_order_release);
  }
  // Blocks until the thread chosen by HoldNext is stopped; returns its report.
  LockEventInfo AwaitHeld() {
    std::unique_lock<std::mutex> guard(mu_);
    cv_.wait(guard, [this] { return held_.has_value(); });
    return *held_;
  }
  // Lets the held thread go on, and disarms a hold nobody has reached.
  void Release() {
    {
      std::lock_guard<std::mutex> guard(mu_);
      released_ = true;
      armed_.store(false, std::memory_order_release);
    }
    cv_.notify_all();
  }

 private:
  void MaybeHold(const LockEventInfo& e) {
    std::unique_lock<std::mutex> guard(mu_);
    if (!armed_.load(std::memory_order_relaxed) || e.event != hold_event_ ||
        (hold_thread_ != 0 && hold_thread_ != SelfId())) {
      return;
    }
    armed_.store(false, std::memory_order_relaxed);
    held_ = e;
    cv_.notify_all();
    cv_.wait(guard, [this] { return released_; });
  }

  std::atomic<int> counts_[kLockEventCount] = {};
  std::atomic<int> took_over_shares_{0};
  std::atomic<bool> armed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::uintptr_t> wakes_;
  LockEvent hold_event_ = LockEvent::kWoken;
  std::uintptr_t hold_thread_ = 0;
  std::optional<LockEventInfo> held_;
  bool released_ = false;
};

// A thread that takes `lock` exclusive or shared, reports it, and lets go when told to.
template <class Lock>
class Holder {
 public:
  Holder(Lock& lock, bool exclusive)
      : exclusive_(exclusive), thread_([this, &lock] { Run(lock); }) {}
  ~Holder() { Join(); }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;

  std::uintptr_t id() { return ThreadId(thread_); }
  bool acquired() const { return acquired_.load(std::memory_order_acquire); }
  void AwaitAcquired() const {
    WaitUntil([this] { return acquired(); });
  }
  void Release() { release_.store(true, std::memory_order_release); }
  void Join() {
    Release();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run(Lock& lock) {
    if (exclusive_) {
      lock.lock();
    } else {
      lock.lock_shared();
    }
    acquired_.store(true, std::memory_order_release);
    WaitUntil([this] { return release_.load(std::memory_order_acquire); });
    if (exclusive_) {
      lock.unlock();
    } else {
      lock.unlock_shared();
    }
  }

  const bool exclusive_;
  std::atomic<bool> acquired_{false};
  std::atomic<bool> release_{false};
  std::thread thread_;
};

struct StressResult {
  long violations = 0;
  long exclusive_holds = 0;
  long shared_holds = 0;
  long counter = 0;  // equals exclusive_holds when writers were alone
};

// Runs `threads` threads through `iterations` random lock operations each (exclusive, shared,
// try exclusive, try shared) and counts how often the reader/writer invariant broke: a writer
// that was not alone, or a reader that saw a writer. A plain counter updated under the
// exclusive hold also lets TSan see any overlap. Every worker first queues behind the calling
// thread, so at least `threads` waits happen. REQUIRES: `lock` is free and has WaitersForTest.
template <class Lock>
StressResult RunMixedStress(Lock& lock, int threads, int iterations) {
  std::atomic<int> writers{0};
  std::atomic<int> readers{0};
  std::atomic<long> violations{0};
  std::atomic<long> exclusive_holds{0};
  std::atomic<long> shared_holds{0};
  long counter = 0;
  // Holds last a few polls, and now and then the holder yields its CPU, so that even on a
  // busy two-CPU machine other threads run while the lock is held and have to queue.
  auto dwell = [] {
    thread_local std::uint32_t n = 0;
    for (int i = 0; i < 16; ++i) CpuRelax();
    if (++n % 8 == 0) std::this_thread::yield();
  };
  auto exclusive_section = [&] {
    if (writers.fetch_add(1) != 0 || readers.load() != 0) violations.fetch_add(1);
    ++counter;
    dwell();
    writers.fetch_sub(1);
    exclusive_holds.fetch_add(1, std::memory_order_relaxed);
  };
  auto shared_section = [&] {
    readers.fetch_add(1);
    if (writers.load() != 0) violations.fetch_add(1);
    volatile long seen = counter;  // a read TSan checks against the writers' increments
    (void)seen;
    dwell();
    readers.fetch_sub(1);
    shared_holds.fetch_add(1, std::memory_order_relaxed);
  };
  // Opening: every worker queues behind this thread's exclusive hold (writers and readers
  // alternating), so the run starts with a full queue however the machine schedules it.
  lock.lock();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      if (t % 2 == 0) {
        lock.lock();
        exclusive_section();
        lock.unlock();
      } else {
        lock.lock_shared();
        shared_section();
        lock.unlock_shared();
      }
      std::uint32_t rng = 0x9E3779B9u * static_cast<std::uint32_t>(t + 1);
      for (int i = 0; i < iterations; ++i) {
        rng = rng * 1664525u + 1013904223u;
        switch ((rng >> 24) % 4) {
          case 0:
            lock.lock();
            exclusive_section();
            lock.unlock();
            break;
          case 1:
            lock.lock_shared();
            shared_section();
            lock.unlock_shared();
            break;
          case 2:
            if (lock.try_lock()) {
              exclusive_section();
              lock.unlock();
            }
            break;
          default:
            if (lock.try_lock_shared()) {
              shared_section();
              lock.unlock_shared();
            }
            break;
        }
      }
    });
  }
  WaitUntil([&] { return lock.WaitersForTest().size() == static_cast<std::size_t>(threads); });
  lock.unlock();
  for (std::thread& t : pool) t.join();
  return {violations.load(), exclusive_holds.load(), shared_holds.load(), counter};
}

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_TEST_SUPPORT_H_
