// Helpers for the wait-block lock tests (push lock, SRWLOCK): condition polling that never
// sleeps on hope, threads that hold a lock on request, recorders of wait-block events and a
// mixed-mode stress run. Test-only; hangs are left to internal/hang_watchdog.h.
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
#include <thread>
#include <vector>

#include "lockimpls/internal/futex.h"
#include "lockimpls/internal/hang_watchdog.h"
#include "lockimpls/internal/wait_block_word.h"

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

// Records wake-ups as they are issued, and can hold chosen threads back once woken.
class RecordingObserver : public WaitObserver {
 public:
  void OnWakeIssued(const void* lock, const WaiterInfo& waiter) override {
    std::lock_guard<std::mutex> guard(mu_);
    wakes_.push_back(waiter.thread);
  }
  void OnWoken(const void* lock, bool exclusive) override {
    std::unique_lock<std::mutex> guard(mu_);
    const std::uintptr_t self = SelfId();
    if (held_thread_ != self) return;
    held_waiting_ = true;
    cv_.notify_all();
    cv_.wait(guard, [this] { return !hold_; });
    held_thread_ = 0;
  }

  std::vector<std::uintptr_t> Wakes() {
    std::lock_guard<std::mutex> guard(mu_);
    return wakes_;
  }
  // The next time `thread` is woken it stops before competing again, until Release().
  void HoldWhenWoken(std::uintptr_t thread) {
    std::lock_guard<std::mutex> guard(mu_);
    held_thread_ = thread;
    hold_ = true;
    held_waiting_ = false;
  }
  // Blocks until the held thread has been woken and is being held.
  void AwaitHeld() {
    std::unique_lock<std::mutex> guard(mu_);
    cv_.wait(guard, [this] { return held_waiting_; });
  }
  void Release() {
    {
      std::lock_guard<std::mutex> guard(mu_);
      hold_ = false;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::uintptr_t> wakes_;
  std::uintptr_t held_thread_ = 0;
  bool hold_ = false;
  bool held_waiting_ = false;
};

// Counts queueing and wake-ups, so a stress test can show it reached the slow paths.
class CountingObserver : public WaitObserver {
 public:
  void OnQueued(const void* lock, const WaiterInfo& waiter) override {
    queued_.fetch_add(1, std::memory_order_relaxed);
    if (waiter.share_count > 1) multiple_shared_.fetch_add(1, std::memory_order_relaxed);
  }
  void OnWakeIssued(const void* lock, const WaiterInfo& waiter) override {
    wakes_.fetch_add(1, std::memory_order_relaxed);
  }
  long queued() const { return queued_.load(); }
  long wakes() const { return wakes_.load(); }
  // Waiters that found several shared owners and took over their count.
  long multiple_shared() const { return multiple_shared_.load(); }

 private:
  std::atomic<long> queued_{0};
  std::atomic<long> wakes_{0};
  std::atomic<long> multiple_shared_{0};
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

// Installs an observer for the current scope.
class ScopedObserver {
 public:
  explicit ScopedObserver(WaitObserver* o) { SetWaitObserver(o); }
  ~ScopedObserver() { SetWaitObserver(nullptr); }
  ScopedObserver(const ScopedObserver&) = delete;
  ScopedObserver& operator=(const ScopedObserver&) = delete;
};

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_TEST_SUPPORT_H_
