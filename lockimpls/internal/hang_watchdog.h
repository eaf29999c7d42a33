// A test guard that turns a hang into a failure. Lock tests that go wrong tend to deadlock
// rather than fail an assertion (a lost wake-up, a grant that never comes); the watchdog aborts
// the test binary with a message naming what did not finish, so the run reports a failure
// instead of sitting until the test runner's timeout. Never used to judge speed: the limit is
// far above what any correct run needs.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_HANG_WATCHDOG_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_HANG_WATCHDOG_H_

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace lockbench::internal {

class HangWatchdog {
 public:
  HangWatchdog(std::string what, std::chrono::seconds limit = std::chrono::seconds(45))
      : what_(std::move(what)), thread_([this, limit] { Watch(limit); }) {}
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
    if (cv_.wait_for(l, limit, [this] { return done_; })) return;
    std::fprintf(stderr, "FAILED: %s did not finish within %lld s: a lost wake-up or a deadlock\n",
                 what_.c_str(), static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::abort();
  }

  std::string what_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: starts after the members it reads
};

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_HANG_WATCHDOG_H_
