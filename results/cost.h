// The cost of waiting: what a run's acquisitions cost in CPU and context switches, from counters
// read at the window's start and end (RunRecord::cost_measured), never per operation.
//
// A spinning lock burns CPU while it waits; a sleeping one gives the CPU back and pays context
// switches instead. Throughput and latency hide both. lock_cpu_ns_per_op subtracts the configured
// busy work (critical sections and think time, which lockbench times on the clock), leaving what
// the lock calls, the verifier's line touches and the harness loop cost: lockhammer's "lock
// overhead", per operation.
#ifndef LOCKBENCH_RESULTS_COST_H_
#define LOCKBENCH_RESULTS_COST_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "results/run_record.h"

namespace lockbench {

// Per-op figures are nullopt for a thread or run without a completed acquisition.
struct ThreadCost {
  uint64_t cpu_ns = 0;
  std::optional<double> cpu_ns_per_op;
  std::optional<double> lock_cpu_ns_per_op;
  std::optional<double> voluntary_switches_per_op;
  std::optional<double> involuntary_switches_per_op;
  double running_fraction = 0;  // CPU time over the window's wall time
};

struct CostSummary {
  bool measured = false;  // every thread's counters were read
  uint64_t cpu_ns = 0;    // summed over threads
  uint64_t voluntary_switches = 0;
  uint64_t involuntary_switches = 0;
  std::optional<double> cpu_ns_per_op;
  std::optional<double> lock_cpu_ns_per_op;
  std::optional<double> voluntary_switches_per_op;
  std::optional<double> involuntary_switches_per_op;
  double running_fraction_min = 0;
  double running_fraction_median = 0;
  // The share of the machine's CPU time in the window that went to other processes (busy time
  // not spent by this run's threads); nullopt where /proc/stat could not be read. Its resolution
  // is the kernel's tick (usually 10 ms of each CPU), so it is coarse over short windows.
  std::optional<double> other_load;
  std::vector<ThreadCost> per_thread;  // in RunRecord::per_thread order
};

CostSummary SummarizeCost(const RunRecord& record);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_COST_H_
