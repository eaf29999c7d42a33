// Planning a `run`: the options as typed (tool/plan/run_options.h) become a typed plan, checked
// before the first measurement, so a mistake costs no run. tool/commands.cc runs the plan's
// runs and writes the journal and the outputs; nothing here prints or runs a lock.
//
// Planning resolves the workload (preset, file and flags), the locks (built-in and plugins),
// the topology and memory policy, the lock settings, the sweep's thread counts, placements and
// open-loop rates, torture mode's seed, the latency sampling, the option values the result and
// the journal record, and the list of runs. The options reach no further down: below the plan,
// the engine reads its EngineConfig. A mistake is reported as one SpecError (or PlacementError)
// line, the first one met: the workload, the locks, the machine, then the sweep and its outputs.
#ifndef LOCKBENCH_TOOL_PLAN_RUN_PLAN_H_
#define LOCKBENCH_TOOL_PLAN_RUN_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <memory>
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

// --shard K/N: slice `index` (1 to `count`) of the sweep's runs.
struct Shard {
  int index = 1;
  int count = 1;
};

// One run of the sweep: its lock and the engine's config (thread count, arrival rate,
// repetition, placement). The caller adds what belongs to the process (interrupt, progress).
struct PlannedRun {
  const LockRunner* lock = nullptr;
  EngineConfig engine;
};

// Everything a sweep needs, resolved and checked from the options. A dry run's plan stops at the
// placements: it has no sample rate, config, journal options or runs.
struct RunPlan {
  LockCatalog catalog;  // the built-in locks and the plugins'; `locks` point into it
  WorkloadSpec spec;
  std::vector<const LockRunner*> locks;
  std::shared_ptr<const Topology> topology;  // shared, so the runs' configs may point to it
  MemoryPolicy memory;
  std::vector<int> counts;           // thread counts of the sweep
  std::vector<PlacementPlan> plans;  // one per thread count
  std::vector<double> rates;  // open-loop arrival rates of the sweep; {0} for a closed loop
  std::optional<uint64_t> torture_seed;  // torture mode
  uint32_t sample_every = 0;  // 1 in how many acquisitions are timed (`auto` resolved)
  bool dry_run = false;
  std::string out;       // --out, resolved against the user's directory; empty: none
  std::string hgrm_dir;  // --hgrm, likewise
  std::string timeline;  // --timeline, likewise
  std::string format;
  bool force = false;  // --resume --force
  std::vector<std::string> warnings;  // the placements', for the user before the first run
  nlohmann::json config;              // the result's config (every lock's settings as set now)
  nlohmann::json journal_options;     // the journal's record of the options (OptionsToJson)
  // In the order they run: interleaved, every lock's repetition 1, then every lock's
  // repetition 2, ..., so a slow drift of the machine does not favour one lock.
  std::vector<PlannedRun> runs;
  std::optional<Shard> shard;  // --shard: `runs` holds that slice only
  std::size_t sweep_runs = 0;  // the whole sweep's runs, all slices
};

// Loads the plugins, resolves and checks every option, sets the lock settings given on every
// lock that has them (a run's settings are global) and, unless it is a dry run, checks the
// outputs and that the threads can start and measures what `--latency-sample auto` needs.
// Throws SpecError, PlacementError or ThreadStartError.
RunPlan PlanRun(const RunOptions& o);

// The topology of --synthetic or --topology-xml (one of them), else this machine's; throws
// SpecError.
Topology LoadTopology(const std::string& synthetic, const std::string& xml);

// 1 in how many acquisitions `--latency-sample auto` times: every one when the work per
// acquisition is at least 20 times the timing's cost `timed`, else 1 in 256.
uint32_t SampleEvery(const WorkloadSpec& spec, const TimedAcquisitionCost& timed);

// --shard's "K/N", checked (1 <= K <= N <= kMaxShards); throws SpecError naming the flag.
inline constexpr int kMaxShards = 100000;
Shard ParseShard(const std::string& text);

// Whether the run of the sweep's `lock_index`-th lock in round `round` (the rounds of a sweep:
// each thread count, rate and repetition in turn) belongs to `shard`: slice (lock + round) mod N,
// so consecutive rounds deal a lock to different slices and each slice holds every lock in turn.
bool InShard(const Shard& shard, std::size_t lock_index, std::size_t round);

// Checks that --hgrm names an existing, writable directory; throws SpecError "--hgrm: ...".
void CheckHgrmDir(const std::string& dir);

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_PLAN_RUN_PLAN_H_
