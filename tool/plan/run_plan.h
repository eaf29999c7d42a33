// Planning a `run`: the options as typed (tool/plan/run_options.h) become a typed plan, checked
// before the first measurement, so a mistake costs no run. tool/commands.cc wires the plan to
// the journal, the engine and the output; nothing here prints or runs a lock.
//
// Planning resolves the workload (preset, file and flags), the locks (built-in and plugins),
// the topology and memory policy, the lock settings, the sweep's thread counts, placements and
// open-loop rates, torture mode's seed and the option values the result records. It checks the
// flags in the order a user reads them, so the first mistake is the one reported, as one
// SpecError (or PlacementError) line.
#ifndef LOCKBENCH_TOOL_PLAN_RUN_PLAN_H_
#define LOCKBENCH_TOOL_PLAN_RUN_PLAN_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tool/plan/lock_catalog.h"
#include "tool/plan/run_options.h"
#include "workloads/engine.h"
#include "workloads/placement.h"
#include "workloads/runners.h"
#include "workloads/topology.h"
#include "workloads/workload_spec.h"

namespace lockbench {

// Everything a sweep needs, resolved and checked from the options.
struct RunPlan {
  WorkloadSpec spec;
  std::vector<const LockRunner*> locks;
  Topology topology;
  MemoryPolicy memory;
  uint64_t stall_ns = 0;
  uint64_t interval_ns = 0;
  std::vector<int> counts;           // thread counts of the sweep
  std::vector<PlacementPlan> plans;  // one per thread count
  std::vector<double> rates;  // open-loop arrival rates of the sweep; {0} for a closed loop
  std::optional<uint64_t> torture_seed;  // torture mode
  std::optional<uint32_t> sample_every;  // --latency-sample N; empty for auto (SampleEvery)
  bool verify = true;
  bool allow_deadlock = false;
  nlohmann::json recorded;  // the config keys recorded as given (RecordedOptions)
};

// Sets the lock settings given on every lock that has them (a run's settings are global).
// Throws SpecError or PlacementError.
RunPlan PlanRun(const RunOptions& o, const LockCatalog& catalog);

// The topology of --synthetic or --topology-xml (one of them), else this machine's; throws
// SpecError.
Topology LoadTopology(const std::string& synthetic, const std::string& xml);

// 1 in how many acquisitions are timed: the plan's --latency-sample N, or for auto, every one
// when the work per acquisition is at least 20 times the timing's cost `timed`, else 1 in 256.
uint32_t SampleEvery(const RunPlan& plan, const TimedAcquisitionCost& timed);

// The result's config: what the sweep ran with (every lock's settings as set now).
nlohmann::json RunConfig(const RunPlan& plan, const LockCatalog& catalog, uint32_t sample_every);

// The engine's config for one run of the sweep: thread count `count_index`, arrival rate `rate`
// (0: closed loop), repetition `repetition`; `interrupt` ends it early when set.
EngineConfig RunEngineConfig(const RunPlan& plan, std::size_t count_index, double rate,
                             int repetition, uint32_t sample_every,
                             const std::atomic<bool>* interrupt);

// Checks that --out can be written and --hgrm names a writable directory, before any run, so a
// typo costs no measurement; throws SpecError.
void CheckOutputs(const RunOptions& o);

// Checks that --hgrm names an existing, writable directory; throws SpecError "--hgrm: ...".
void CheckHgrmDir(const std::string& dir);

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_PLAN_RUN_PLAN_H_
