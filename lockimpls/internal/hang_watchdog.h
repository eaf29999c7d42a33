// A test guard that turns a hang into a failure. Lock tests that go wrong tend to deadlock
// rather than fail an assertion (a lost wake-up, a grant that never comes); the watchdog aborts
// the test binary with a message naming what did not finish, so the run reports a failure
// instead of sitting until the test runner's timeout. Never used to judge speed: the limit is
// far above what any correct run needs. A test whose length depends on the machine's load (a
// FIFO spin lock on an oversubscribed machine) passes a progress counter instead: the watchdog
// then fires only after `limit` without the counter moving.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_HANG_WATCHDOG_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_HANG_WATCHDOG_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace lockbench::internal {

class HangWatchdog {
 public:
  HangWatchdog(std::string what, std::chrono::seconds limit = std::chrono::seconds(45),
               const std::atomic<std::uint64_t>* progress = nullptr)
      : what_(std::move(what)), progress_(progress), thread_([this, limit] { Watch(limit); }) {}
  ~HangWatchdog() {
    {
      std::lock_guard<std::mutex> l(mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  HangWatchdog(const HangWatchdog&) = delete;
  HangWatchdog& operator=(const HangWatchdog&) = delete;

 private:
  void Watch(std::chrono::seconds limit) {
    std::unique_lock<std::mutex> l(mu_);
    std::uint64_t seen = Progress();
    for (;;) {
      if (cv_.wait_for(l, limit, [this] { return done_; })) return;
      const std::uint64_t now = Progress();
      if (progress_ == nullptr || now == seen) break;
      seen = now;
    }
    std::fprintf(stderr, "FAILED: %s %s within %lld s: a lost wake-up or a deadlock\n",
                 what_.c_str(), progress_ == nullptr ? "did not finish" : "made no progress",
                 static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::abort();
  }

  std::uint64_t Progress() const {
    return progress_ == nullptr ? 0 : progress_->load(std::memory_order_relaxed);
  }

  std::string what_;
  const std::atomic<std::uint64_t>* progress_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: starts after the members it reads
};

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_HANG_WATCHDOG_H_
