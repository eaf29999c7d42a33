// Torture mode (`lockbench run --torture`): a run that disturbs the lock on purpose, in the
// manner of the Linux kernel's locktorture, so that lost wake-ups, grants made twice and
// exclusion bugs show up on a machine whose scheduler would otherwise explore few
// interleavings. Driven by one seed, so the same seed makes the same random choices (the
// interleavings themselves still depend on the machine).
//
// Inside every hold (TortureHold, on the worker thread, before the release):
//   - with probability 1/16 a busy delay of up to 20 us, which lengthens the window in which
//     waiters queue and wake;
//   - with probability 1/512 the holder sleeps for 50 to 500 us while holding, so its waiters
//     spin out and block, and the release finds a full queue.
// From a controller thread (TortureController), every 0.2 to 2 ms one of:
//   - stutter: every worker pauses between acquisitions for 0.1 to 2 ms, then all resume at
//     once (a thundering herd at the lock);
//   - re-pin: one worker is moved to another processor, whatever it is doing (this machine's
//     topology only);
//   - signal: one worker gets a signal whose handler does nothing and does not restart system
//     calls, so a futex wait it sleeps in returns EINTR (a spurious wake-up the lock must
//     survive).
// The run's verifier (exit 3) and stall watchdog (exit 4) report what breaks; their messages
// carry the seed.
#ifndef LOCKBENCH_WORKLOADS_INTERNAL_TORTURE_H_
#define LOCKBENCH_WORKLOADS_INTERNAL_TORTURE_H_

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "lockimpls/internal/step_hook.h"
#include "results/run_record.h"
#include "workloads/clock.h"
#include "workloads/internal/rng.h"
#include "workloads/topology.h"

namespace lockbench::engine_internal {

// A worker's part: the disturbances inside its holds, and the stutter it obeys.
class TortureHold {
 public:
  TortureHold(uint64_t seed, double ticks_per_ns)
      : rng_{seed}, max_delay_ticks_(static_cast<uint64_t>(20'000 * ticks_per_ns) + 1) {}

  // Called while the lock is held, just before the release.
  void InHold() {
    const uint64_t draw = rng_.Next();
    if ((draw & 15) == 0) {
      BusyFor((draw >> 16) % max_delay_ticks_);
      ++cs_delays_;
    }
    if ((draw >> 4 & 511) == 0) {
      SleepWhileHolding();
      ++holder_sleeps_;
    }
  }

  // Called between acquisitions: waits, without holding anything, while a stutter lasts.
  static void AwaitStutter(const std::atomic<bool>& stutter) {
    while (stutter.load(std::memory_order_acquire)) std::this_thread::yield();
  }

  // Called by a hooked lock before each of its atomic steps (lockimpls/internal/step_hook.h):
  // with probability 1/64 a busy delay of up to 2 us, and with 1/1024 a yield of the processor,
  // so other threads run between two steps of one acquisition or release.
  void BetweenSteps() {
    const uint64_t draw = rng_.Next();
    if ((draw & 63) == 0) {
      BusyFor((draw >> 16) % (max_delay_ticks_ / 10 + 1));
      ++step_delays_;
    } else if ((draw >> 6 & 1023) == 0) {
      std::this_thread::yield();
      ++step_delays_;
    }
  }

  uint64_t cs_delays() const { return cs_delays_; }
  uint64_t step_delays() const { return step_delays_; }
  uint64_t holder_sleeps() const { return holder_sleeps_; }

 private:
  void SleepWhileHolding();

  Rng rng_;
  uint64_t max_delay_ticks_;
  uint64_t cs_delays_ = 0;
  uint64_t holder_sleeps_ = 0;
  uint64_t step_delays_ = 0;
};

// Installs `hold`'s BetweenSteps as the calling thread's step hook for its lifetime (none when
// `hold` is null).
class StepHookScope {
 public:
  explicit StepHookScope(TortureHold* hold) : installed_(hold != nullptr) {
    if (installed_) {
      internal::SetThreadStepHook([](void* h) { static_cast<TortureHold*>(h)->BetweenSteps(); },
                                  hold);
    }
  }
  ~StepHookScope() {
    if (installed_) internal::SetThreadStepHook(nullptr, nullptr);
  }
  StepHookScope(const StepHookScope&) = delete;
  StepHookScope& operator=(const StepHookScope&) = delete;

 private:
  bool installed_;
};

// The controller's part: stutters, re-pins and signals, from a thread of its own that runs
// from construction to destruction.
class TortureController {
 public:
  // `workers` must outlive this object (the threads may exit before it; their handles stay).
  // Re-pins only when `topology` is this machine.
  TortureController(uint64_t seed, std::atomic<bool>* stutter,
                    std::vector<std::thread>* workers, const Topology* topology);
  ~TortureController();
  TortureController(const TortureController&) = delete;
  TortureController& operator=(const TortureController&) = delete;

  // Stops the controller (ending any stutter) and returns what it did. Idempotent.
  TortureCounts Stop();

 private:
  void Loop();

  Rng rng_;
  std::atomic<bool>* stutter_;
  std::vector<pthread_t> workers_;
  std::vector<int> pus_;  // OS indexes to re-pin to; empty: no re-pinning
  std::atomic<bool> stop_{false};
  TortureCounts counts_;
  std::thread thread_;
};

// Installs, once per process, the handler of the signal the controller sends (it does
// nothing, and system calls it interrupts are not restarted).
void InstallTortureSignal();

}  // namespace lockbench::engine_internal

#endif  // LOCKBENCH_WORKLOADS_INTERNAL_TORTURE_H_
