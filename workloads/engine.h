// The run engine: drives one lock type through one workload for one thread count and
// repetition, and returns the raw RunRecord.
//
// Sequence: the lock instances and their protected data are placed in memory (MemoryBlock),
// threads are created, pin themselves, and are released together by a start barrier; they run
// the warm-up, then the measured window, then see the stop flag. The main thread only watches:
// it flips the phase, polls for a stall (no thread completed an acquisition for stall_timeout),
// an interrupt or a verifier violation, and reports progress.
//
// The hot loop is a template over the lock type, so each lock call is direct and inlinable. It
// writes only its own thread's state, the lock and the protected data: counts and histograms
// are per thread and merged after the window; the only per-op store to a shared-visible line is
// the thread's own progress word (its own cache line), which the stall watchdog reads.
//
// The verifier (on unless verify=false) works through the protected data alone: a writer stamps
// every line it owns with (generation, thread) and checks the stamp is still its own at the end;
// a reader checks the lines agree and that line 0 did not change while it was inside. Any
// mismatch is a mutual-exclusion violation: the run stops with status violation. The writer's
// generation numbers of lock instance 0 also give the exclusive grant order for hand-off metrics,
// and those of any instance read before and after a timed acquisition give its bypass.
//
// This header is what the tool sees: the run's configuration and the checks around runs. Runs
// are started by name through workloads/runners.h; the engine's internals (the hot loop in
// internal/worker.h, Drive and RunLock<L> in internal/drive.h) are private to workloads/.
#ifndef LOCKBENCH_WORKLOADS_ENGINE_H_
#define LOCKBENCH_WORKLOADS_ENGINE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "workloads/placement.h"
#include "workloads/workload_spec.h"

namespace lockbench {

struct EngineConfig {
  // Resolved: spec.threads and spec.arrival_rates are ignored; `threads` and `arrival_rate` are
  // this run's.
  WorkloadSpec spec;
  int threads = 1;
  double arrival_rate = 0;  // open loop: requests per second over all threads; 0 = closed loop
  int repetition = 1;
  PlacementPlan plan;  // one entry per thread
  const Topology* topology = nullptr;
  MemoryPolicy memory;
  uint32_t latency_sample_every = 1;  // time 1 in N acquisitions; 1 = every one
  bool verify = true;
  // Torture mode (workloads/internal/torture.h): disturbances drawn from this seed.
  std::optional<uint64_t> torture_seed;
  // Recursion on a lock whose traits forbid it (to show the hang) instead of skipping it.
  bool allow_deadlock = false;
  uint64_t stall_timeout_ns = 10'000'000'000;
  uint64_t time_series_interval_ns = 10'000'000;
  // Timeline: every acquisition of this long a window from the measured window's start is timed
  // and logged (RunRecord's per-thread `timeline`, up to a cap per thread); 0 = none, and the
  // loop runs as without it.
  uint64_t timeline_window_ns = 0;
  const std::atomic<bool>* interrupt = nullptr;  // set by a signal handler to end the run
  // Called on the main thread about 10 times a second with the fraction of the run done.
  std::function<void(double)> progress;
};

// Thrown by a run (and by CheckThreadsCanStart) when the operating system refuses to start a
// thread (limits on threads or on memory for their stacks). The threads already started are
// stopped and joined first.
class ThreadStartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  // "could not start thread <thread + 1> of <threads> (<why>): ..." naming the limits to raise.
  ThreadStartError(size_t thread, size_t threads, const std::string& why);
};

// Starts `threads` threads that wait for each other, then joins them: a cheap check, before a
// long sweep, that a run with that many threads can start. Throws ThreadStartError.
void CheckThreadsCanStart(int threads);

// What timing an acquisition adds to it: three timer reads (before and after the acquire,
// before the release) plus RecordTimed, per mode (a shared one also logs its hold when every
// acquisition is timed). Measured once per process by running that code in a loop, so a run
// with every acquisition timed can be read as the untimed round trip plus this.
struct TimedAcquisitionCost {
  double shared_ns = 0;
  double exclusive_ns = 0;
};
const TimedAcquisitionCost& MeasuredTimedAcquisitionCost();

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_ENGINE_H_
