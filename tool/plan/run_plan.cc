#include "tool/plan/run_plan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/file_io.h"
#include "base/strings.h"
#include "lockimpls/lock_concept.h"
#include "workloads/units.h"

namespace lockbench {
namespace {

using nlohmann::json;

std::string ReadWorkloadFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    throw SpecError("--workload: '" + path + "' is neither a preset nor a readable file");
  }
  if (S_ISDIR(st.st_mode)) throw SpecError("--workload: '" + path + "' is a directory, not a workload file");
  try {
    return ReadFileBounded(path, std::size_t{1} << 20);
  } catch (const FileTooLarge&) {
    throw SpecError("--workload: '" + path +
                    "' is larger than 1 MiB; a workload file is a small JSON object");
  } catch (const std::runtime_error&) {
    throw SpecError("--workload: cannot read '" + path + "'");
  }
}

WorkloadSpec ResolveWorkload(const RunOptions& o) {
  WorkloadSpec spec;
  const std::string& w = o.workload.empty() ? std::string("read-mostly") : o.workload;
  const bool is_path = w.find('/') != std::string::npos || w.ends_with(".json");
  spec = is_path ? ParseWorkload(ReadWorkloadFile(UserPath(w)), w) : LoadPreset(w);
  if (!o.workload_flags.empty()) {
    json overlay = json::object();
    for (const auto& [field, value] : o.workload_flags) overlay[field] = value;
    ApplyWorkloadJson(overlay, "", &spec);
  }
  ValidateWorkload(spec);
  return spec;
}

std::vector<int> ThreadCounts(const WorkloadSpec& spec, const Topology& topology) {
  if (spec.DedicatedRoles()) return {spec.readers + spec.writers};
  if (spec.threads_per_core > 0) return {std::min(kMaxThreads, spec.threads_per_core * topology.cores())};
  return spec.threads;
}

std::vector<Role> Roles(const WorkloadSpec& spec, int threads) {
  std::vector<Role> roles;
  for (int i = 0; i < threads; ++i) roles.push_back(spec.RoleOf(i));
  return roles;
}

Topology RunTopology(const RunOptions& o) {
  const bool other_machine = !o.synthetic.empty() || !o.topology_xml.empty();
  if (other_machine && !o.dry_run) {
    throw SpecError(std::string(o.synthetic.empty() ? "--topology-xml" : "--synthetic") +
                    ": another machine's topology can only be planned; add --dry-run");
  }
  return LoadTopology(o.synthetic, o.topology_xml);
}

MemoryPolicy ResolveMemory(const RunOptions& o, const Topology& topology) {
  std::string memory_spec = o.memory;
  if (!o.lock_node.empty()) {
    if (o.memory != "first-touch") throw SpecError("--lock-node: give it or --memory, not both");
    memory_spec = "node:" + o.lock_node;
  }
  return ParseMemoryPolicy(memory_spec, topology, o.lock_node.empty() ? "--memory" : "--lock-node");
}

void CheckRecursion(const WorkloadSpec& spec, const std::vector<const LockRunner*>& locks,
                    bool allow_deadlock) {
  if (spec.recursion_depth == 0 || allow_deadlock) return;
  for (const LockRunner* r : locks) {
    if (r->traits.recursion == Recursion::kNone) {
      throw SpecError("--recursion: lock '" + std::string(r->traits.name) +
                      "' does not allow recursive acquisition (recursion: " +
                      std::string(RecursionName(r->traits.recursion)) +
                      "); drop it from --lock, or add --allow-deadlock to show the hang");
    }
  }
}

std::vector<PlacementPlan> PlanPlacements(const RunOptions& o, const WorkloadSpec& spec,
                                          const std::vector<int>& counts, const Topology& topology) {
  std::vector<PlacementPlan> plans;
  for (int n : counts) plans.push_back(PlanPlacement(o.placement, Roles(spec, n), o.smt == "on", topology));
  return plans;
}

// Torture mode's seed: --torture-seed, else the workload's; none without --torture.
std::optional<uint64_t> TortureSeed(const RunOptions& o, const WorkloadSpec& spec) {
  if (!o.torture) {
    if (!o.torture_seed.empty()) throw SpecError("--torture-seed: given without --torture");
    return std::nullopt;
  }
  if (o.torture_seed.empty()) return spec.seed;
  return CountOption(o, &RunOptions::torture_seed);
}

// --latency-sample N, checked; empty for auto.
std::optional<uint32_t> LatencySample(const RunOptions& o, const WorkloadSpec& spec) {
  if (o.latency_sample == "auto") return std::nullopt;
  const uint64_t n = CountOption(o, &RunOptions::latency_sample);
  if (n != 1 && spec.OpenLoop()) {
    throw SpecError("--latency-sample: '" + o.latency_sample +
                    "' samples; the open loop (--arrival-rate) times every acquisition");
  }
  return static_cast<uint32_t>(n);
}

// A timed acquisition costs three timer reads (before and after the acquire, before the release)
// and its recording: MeasuredTimedAcquisitionCost(), 30-40 ns here. When the work per
// acquisition (critical section plus think time) is at least 20 times that, timing costs under
// 5% and every acquisition is timed; otherwise 1 in 256 is, which adds that cost / 256 (about
// 0.15 ns) to an uncontended round trip of 9-17 ns here, about 1%.
constexpr uint32_t kDefaultSampleEvery = 256;

// The share of shared acquisitions over the lock instances: read_ratio, or with per-instance
// read ratios, theirs weighted by how often each instance is chosen.
double MeanReadRatio(const WorkloadSpec& spec) {
  const std::vector<double>& ratios = spec.lock_read_ratios;
  if (ratios.empty()) return spec.read_ratio;
  std::vector<double> weights(ratios.size(), 1.0);
  for (std::size_t i = 0; i < ratios.size(); ++i) {
    switch (spec.lock_choice) {
      case LockChoice::kOne:
        weights[i] = i == 0 ? 1 : 0;
        break;
      case LockChoice::kUniform:
        break;
      case LockChoice::kZipf:
        weights[i] = std::pow(static_cast<double>(i + 1), -spec.zipf_s);
        break;
      case LockChoice::kWeights:
        weights[i] = i < spec.lock_weights.size() ? spec.lock_weights[i] : 0;
        break;
    }
  }
  double total = 0;
  double shared = 0;
  for (std::size_t i = 0; i < ratios.size(); ++i) {
    total += weights[i];
    shared += weights[i] * ratios[i];
  }
  return total > 0 ? shared / total : spec.read_ratio;
}

// --out can be written and --hgrm names a writable directory, before any run, so a typo costs
// no measurement.
void CheckOutputs(const RunPlan& plan) {
  for (const auto& [flag, path] : {std::pair<const char*, const std::string*>{"--out", &plan.out},
                                   {"--timeline", &plan.timeline}}) {
    if (path->empty()) continue;
    try {
      CheckWritable(*path);
    } catch (const std::exception& e) {
      throw SpecError(std::string(flag) + ": " + e.what());
    }
  }
  if (!plan.hgrm_dir.empty()) CheckHgrmDir(plan.hgrm_dir);
}

// The result's config: the options recorded as given (already in plan->config) and what the
// plan resolved.
void AddDerivedConfig(RunPlan* plan, bool verify) {
  json& config = plan->config;
  config["workload"] = WorkloadToJson(plan->spec);
  json lock_names = json::array();
  for (const LockRunner* r : plan->locks) lock_names.push_back(r->traits.name);
  config["locks"] = lock_names;
  config["thread_counts"] = plan->counts;
  config["memory"] = plan->memory.spec;
  config["latency_sample_every"] = plan->sample_every;
  config["verify"] = verify;
  config["torture"] = plan->torture_seed ? json{{"seed", *plan->torture_seed}} : json(nullptr);
  config["lock_settings"] = LockSettingsJson();
  json geometry = json::object();
  for (const LockRunner* r : plan->locks) {
    const LockTraits& t = r->traits;
    if (t.slots == 0) continue;
    geometry[std::string(t.name)] = {
        {"slots", t.slots}, {"slot_bytes", t.slot_bytes}, {"heap_bytes", t.heap_bytes}};
  }
  config["lock_geometry"] = geometry;
  // Results from before lock_settings hold one spin count, the first lock's; kept for their
  // readers.
  if (const std::optional<uint32_t> spins = FirstLockSetting("spin_count")) {
    config["spin_count"] = *spins;
  }
  if (!plan->catalog.plugins.empty()) config["plugins"] = PluginsJson(plan->catalog.plugins);
}

// What every run's engine config shares.
struct EngineSettings {
  bool verify = true;
  bool allow_deadlock = false;
  uint64_t stall_ns = 0;
  uint64_t interval_ns = 0;
  uint64_t timeline_window_ns = 0;  // --timeline: its window; 0 without it
};

// The sweep's runs in the order they run: thread counts, then rates, then repetitions (a round
// each), every lock in each round; with --shard, that slice's.
void AddRuns(RunPlan* plan, const EngineSettings& settings) {
  std::size_t round = 0;
  for (std::size_t c = 0; c < plan->counts.size(); ++c) {
    for (const double rate : plan->rates) {
      for (int rep = 1; rep <= plan->spec.repetitions; ++rep, ++round) {
        for (std::size_t l = 0; l < plan->locks.size(); ++l) {
          ++plan->sweep_runs;
          if (plan->shard && !InShard(*plan->shard, l, round)) continue;
          EngineConfig cfg;
          cfg.spec = plan->spec;
          cfg.threads = plan->counts[c];
          cfg.arrival_rate = rate;
          cfg.repetition = rep;
          cfg.plan = plan->plans[c];
          cfg.topology = plan->topology.get();
          cfg.memory = plan->memory;
          cfg.latency_sample_every = plan->sample_every;
          cfg.verify = settings.verify;
          cfg.allow_deadlock = settings.allow_deadlock;
          cfg.torture_seed = plan->torture_seed;
          cfg.stall_timeout_ns = settings.stall_ns;
          cfg.time_series_interval_ns = settings.interval_ns;
          cfg.timeline_window_ns = settings.timeline_window_ns;
          plan->runs.push_back(PlannedRun{.lock = plan->locks[l], .engine = std::move(cfg)});
        }
      }
    }
  }
  if (plan->shard && plan->runs.empty()) {
    throw SpecError("--shard: slice " + std::to_string(plan->shard->index) + "/" +
                    std::to_string(plan->shard->count) + " holds none of the sweep's " +
                    CountedNoun(plan->sweep_runs, "run", "runs") + "; use at most " +
                    CountedNoun(plan->sweep_runs, "slice", "slices"));
  }
  json& shard = plan->config["shard"] = nullptr;
  if (plan->shard) {
    shard = {{"index", plan->shard->index},
             {"count", plan->shard->count},
             {"runs", plan->runs.size()},
             {"sweep_runs", plan->sweep_runs}};
  }
}

}  // namespace

Topology LoadTopology(const std::string& synthetic, const std::string& xml) {
  if (!synthetic.empty() && !xml.empty()) {
    throw SpecError("--synthetic and --topology-xml: give one, not both");
  }
  if (!synthetic.empty()) return Topology::FromSynthetic(synthetic);
  if (!xml.empty()) return Topology::FromXmlFile(UserPath(xml));
  return Topology::LoadThisMachine();
}

uint32_t SampleEvery(const WorkloadSpec& spec, const TimedAcquisitionCost& timed) {
  if (spec.OpenLoop()) return 1;  // every request's response time is recorded
  const int role_threads = spec.readers + spec.writers;
  const double rr = !spec.DedicatedRoles() ? MeanReadRatio(spec)
                    : role_threads > 0     ? static_cast<double>(spec.readers) / role_threads
                                           : 0;
  const double work = rr * static_cast<double>(spec.shared_cs_ns) +
                      (1 - rr) * static_cast<double>(spec.exclusive_cs_ns) +
                      (spec.think == ThinkKind::kNone ? 0.0 : static_cast<double>(spec.think_ns));
  const double cost = rr * timed.shared_ns + (1 - rr) * timed.exclusive_ns;
  return work >= 20 * cost ? 1 : kDefaultSampleEvery;
}

// The options are read in one pass, helpers of this file first, then the typed values and the
// records of run_options.cc; what follows works on the plan alone.
RunPlan PlanRun(const RunOptions& o) {
  RunPlan plan;
  plan.catalog = LoadLockCatalog(o.plugins);
  plan.spec = ResolveWorkload(o);
  plan.locks = ResolveLockList(o.locks, plan.catalog.runners);
  const Topology& topology = *(plan.topology = std::make_shared<const Topology>(RunTopology(o)));
  plan.memory = ResolveMemory(o, topology);
  CheckRecursion(plan.spec, plan.locks, o.allow_deadlock);
  ApplyLockSettings(o.lock_settings);
  plan.counts = ThreadCounts(plan.spec, topology);
  const int most_threads = *std::max_element(plan.counts.begin(), plan.counts.end());
  CheckArrivalRates(plan.spec, most_threads);  // 4/core resolved
  plan.plans = PlanPlacements(o, plan.spec, plan.counts, topology);
  plan.rates = plan.spec.OpenLoop() ? plan.spec.arrival_rates : std::vector<double>{0};
  plan.torture_seed = TortureSeed(o, plan.spec);
  if (!o.shard.empty()) plan.shard = ParseShard(o.shard);
  const std::optional<uint32_t> latency_sample = LatencySample(o, plan.spec);
  plan.dry_run = o.dry_run;
  plan.out = o.out.empty() ? "" : UserPath(o.out);
  plan.hgrm_dir = o.hgrm_dir.empty() ? "" : UserPath(o.hgrm_dir);
  plan.timeline = o.timeline.empty() ? "" : UserPath(o.timeline);
  plan.format = o.format;
  plan.force = o.force;
  if (!plan.dry_run) CheckOutputs(plan);
  plan.config = RecordedOptions(o);  // checks the durations' ranges
  const uint64_t stall_ns = DurationOption(o, &RunOptions::stall_timeout);
  const uint64_t interval_ns = DurationOption(o, &RunOptions::time_series_interval);
  const uint64_t timeline_window_ns =
      plan.timeline.empty() ? 0 : DurationOption(o, &RunOptions::timeline_window);
  if (plan.dry_run) return plan;
  // Before any run, so a thread count the system's limits refuse costs no partial sweep.
  CheckThreadsCanStart(most_threads);
  for (const PlacementPlan& p : plan.plans) {
    plan.warnings.insert(plan.warnings.end(), p.warnings.begin(), p.warnings.end());
  }
  plan.sample_every = latency_sample ? *latency_sample
                                     : SampleEvery(plan.spec, MeasuredTimedAcquisitionCost());
  plan.journal_options = OptionsToJson(o, plan.sample_every);
  const EngineSettings settings{.verify = !o.no_verify,
                                .allow_deadlock = o.allow_deadlock,
                                .stall_ns = stall_ns,
                                .interval_ns = interval_ns,
                                .timeline_window_ns = timeline_window_ns};
  AddDerivedConfig(&plan, settings.verify);
  AddRuns(&plan, settings);
  return plan;
}

Shard ParseShard(const std::string& text) {
  const std::size_t slash = text.find('/');
  auto number = [&](std::string_view digits) {
    int n = 0;
    if (digits.empty() || digits.size() > 6) return -1;
    for (const char c : digits) {
      if (c < '0' || c > '9') return -1;
      n = n * 10 + (c - '0');
    }
    return n;
  };
  const int k = slash == std::string::npos ? -1 : number(std::string_view(text).substr(0, slash));
  const int n = slash == std::string::npos ? -1 : number(std::string_view(text).substr(slash + 1));
  if (k < 1 || n < 1 || k > n || n > kMaxShards) {
    throw SpecError("--shard: '" + text + "' is not a slice; expected K/N with N from 1 to " +
                    std::to_string(kMaxShards) + " and K from 1 to N, e.g. 2/3");
  }
  return Shard{.index = k, .count = n};
}

bool InShard(const Shard& shard, std::size_t lock_index, std::size_t round) {
  return (lock_index + round) % static_cast<std::size_t>(shard.count) ==
         static_cast<std::size_t>(shard.index - 1);
}

void CheckHgrmDir(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw SpecError("--hgrm: '" + dir + "' is not an existing directory");
  }
  if (access(dir.c_str(), W_OK) != 0) {
    throw SpecError("--hgrm: directory '" + dir + "' is not writable");
  }
}

}  // namespace lockbench
