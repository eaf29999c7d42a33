#include "workloads/internal/torture.h"

#include <sched.h>
#include <signal.h>
#include <time.h>

#include <chrono>
#include <mutex>

namespace lockbench::engine_internal {
namespace {

// SIGURG is ignored by default and used by nothing else lockbench links.
constexpr int kTortureSignal = SIGURG;

void IgnoreTortureSignal(int) {}

void SleepNs(uint64_t ns) {
  timespec t{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  while (nanosleep(&t, &t) != 0) {
  }
}

}  // namespace

void TortureHold::SleepWhileHolding() { SleepNs(50'000 + rng_.Next() % 450'000); }

void InstallTortureSignal() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = IgnoreTortureSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: an interrupted futex wait returns EINTR
    sigaction(kTortureSignal, &sa, nullptr);
  });
}

TortureController::TortureController(uint64_t seed, std::atomic<bool>* stutter,
                                     std::vector<std::thread>* workers,
                                     const Topology* topology)
    : rng_{seed ^ 0xc2b2ae3d27d4eb4full}, stutter_(stutter) {
  for (std::thread& t : *workers) workers_.push_back(t.native_handle());
  if (topology != nullptr && topology->is_this_machine()) {
    for (const PuInfo& pu : topology->pu_list()) pus_.push_back(pu.os_index);
  }
  InstallTortureSignal();
  thread_ = std::thread([this] { Loop(); });
}

TortureController::~TortureController() { Stop(); }

TortureCounts TortureController::Stop() {
  stop_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
  stutter_->store(false, std::memory_order_release);
  return counts_;
}

void TortureController::Loop() {
  while (!stop_.load(std::memory_order_relaxed)) {
    SleepNs(200'000 + rng_.Next() % 1'800'000);
    if (stop_.load(std::memory_order_relaxed) || workers_.empty()) break;
    const pthread_t victim = workers_[rng_.Next() % workers_.size()];
    switch (rng_.Next() % 3) {
      case 0:
        stutter_->store(true, std::memory_order_release);
        SleepNs(100'000 + rng_.Next() % 1'900'000);
        stutter_->store(false, std::memory_order_release);
        ++counts_.stutters;
        break;
      case 1: {
        if (pus_.empty()) break;
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(pus_[rng_.Next() % pus_.size()], &set);
        // A thread that has already exited refuses (ESRCH); nothing to count then.
        if (pthread_setaffinity_np(victim, sizeof set, &set) == 0) ++counts_.repins;
        break;
      }
      default:
        if (pthread_kill(victim, kTortureSignal) == 0) ++counts_.signals;
        break;
    }
  }
}

}  // namespace lockbench::engine_internal
