#include "tool/commands.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <iostream>
#include <optional>
#include <sstream>
#include <string_view>
#include <sys/stat.h>

#include "base/strings.h"
#include "lockimpls/lock_concept.h"
#include "lockimpls/registry.h"
#include "results/file_io.h"
#include "results/gbench_json.h"
#include "results/metrics.h"
#include "results/report.h"
#include "results/result_json.h"
#include "results/summary.h"
#include "tool/context.h"
#include "tool/exit_codes.h"
#include "tool/messages.h"
#include "tool/plugins.h"
#include "tool/run_journal.h"
#include "workloads/clock.h"
#include "workloads/engine.h"
#include "workloads/placement.h"
#include "workloads/runners.h"
#include "workloads/workload_spec.h"

namespace lockbench {
namespace {

using nlohmann::json;

std::atomic<bool> g_interrupted{false};

extern "C" void OnSignal(int) { g_interrupted.store(true); }

// Runs end early on SIGINT/SIGTERM and the finished runs are still written.
void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

Topology LoadTopology(const std::string& synthetic, const std::string& xml) {
  if (!synthetic.empty() && !xml.empty()) {
    throw SpecError("--synthetic and --topology-xml: give one, not both");
  }
  if (!synthetic.empty()) return Topology::FromSynthetic(synthetic);
  if (!xml.empty()) return Topology::FromXmlFile(UserPath(xml));
  return Topology::LoadThisMachine();
}

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

// Names among `runners`: the built-in locks and those of the plugins given.
std::vector<const LockRunner*> ResolveLocks(const std::string& list,
                                            const std::vector<LockRunner>& runners) {
  std::vector<const LockRunner*> out;
  if (list == "all") {
    for (const LockRunner& r : runners) out.push_back(&r);
    return out;
  }
  std::vector<std::string> names;
  for (const LockRunner& r : runners) names.emplace_back(r.traits.name);
  const std::string allowed = Join(names);
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    const LockRunner* r = nullptr;
    for (const LockRunner& candidate : runners) {
      if (candidate.traits.name == name) r = &candidate;
    }
    if (r == nullptr) {
      throw SpecError("--lock: unknown lock '" + name + "'" + DidYouMean(name, names) +
                      "; locks: " + allowed + ", or all");
    }
    for (const LockRunner* seen : out) {
      if (seen == r) throw SpecError("--lock: '" + name + "' is named twice");
    }
    out.push_back(r);
  }
  if (out.empty()) throw SpecError("--lock: no lock named; locks: " + allowed + ", or all");
  return out;
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

// A timed acquisition costs three timer reads (before and after the acquire, before the release)
// and its recording: MeasuredTimedAcquisitionCost(), 30-40 ns here. When the work per
// acquisition (critical section plus think time) is at least 20 times that, timing costs under
// 5% and every acquisition is timed; otherwise 1 in 256 is, which adds that cost / 256 (about
// 0.15 ns) to an uncontended round trip of 9-17 ns here, about 1%.
constexpr uint32_t kDefaultSampleEvery = 256;
uint32_t LatencySampling(const std::string& flag, const WorkloadSpec& spec,
                         const TimedAcquisitionCost& timed) {
  if (flag != "auto") {
    try {
      const uint64_t n = ParseCount(flag, 1'000'000);
      if (n == 0) throw SpecError("'0' is out of range");
      if (n != 1 && spec.OpenLoop()) {
        throw SpecError("'" + flag + "' samples; the open loop (--arrival-rate) times every acquisition");
      }
      return static_cast<uint32_t>(n);
    } catch (const SpecError& e) {
      throw SpecError(std::string("--latency-sample: ") + e.what() + "; expected auto or 1 to 1000000");
    }
  }
  if (spec.OpenLoop()) return 1;  // every request's response time is recorded
  const double rr = spec.DedicatedRoles() ? (spec.readers + spec.writers > 0
                                                 ? static_cast<double>(spec.readers) / (spec.readers + spec.writers)
                                                 : 0)
                                          : spec.read_ratio;
  const double work = rr * static_cast<double>(spec.shared_cs_ns) +
                      (1 - rr) * static_cast<double>(spec.exclusive_cs_ns) +
                      (spec.think == ThinkKind::kNone ? 0.0 : static_cast<double>(spec.think_ns));
  const double cost = rr * timed.shared_ns + (1 - rr) * timed.exclusive_ns;
  return work >= 20 * cost ? 1 : kDefaultSampleEvery;
}

uint64_t DurationFlag(const std::string& flag, const std::string& value, uint64_t min_ns) {
  try {
    const uint64_t ns = ParseDurationNs(value);
    if (ns < min_ns) throw SpecError("'" + value + "' is too short; at least " + FormatDurationNs(min_ns));
    return ns;
  } catch (const SpecError& e) {
    throw SpecError(flag + ": " + e.what());
  }
}

void Progress(const std::string& what, double fraction) {
  std::fprintf(stderr, "\r\033[K%s %3.0f%%", what.c_str(), fraction * 100);
  std::fflush(stderr);
}

// <dir>/<lock>.<workload>.t<threads>[.a<rate>].r<repetition>.<mode>.hgrm, in microseconds; the
// rate (open loop, e.g. a200k) tells a sweep's rates apart.
void WriteHgrmFiles(const std::string& dir, const RunRecord& r, const RunSummary& s) {
  std::string rate = r.offered_ops_per_s > 0 ? ".a" + FormatRate(r.offered_ops_per_s) : "";
  if (rate.ends_with("/s")) rate.resize(rate.size() - 2);
  const std::string stem = dir + "/" + r.lock + "." + r.workload + ".t" + std::to_string(r.threads) +
                           rate + ".r" + std::to_string(r.repetition) + ".";
  HgrmOptions options;
  options.value_unit_ratio = 1000.0;
  // The open loop's response times go beside the acquire times, as *.response.hgrm.
  for (const auto& [mode, h] :
       {std::pair<const char*, const Histogram*>{"shared", &s.shared_acquire},
        {"exclusive", &s.exclusive_acquire},
        {"shared.response", &s.shared_response},
        {"exclusive.response", &s.exclusive_response}}) {
    if (h->TotalCount() == 0) continue;
    std::ostringstream text;
    WriteHgrm(*h, text, options);
    try {
      WriteFileAtomically(stem + mode + ".hgrm", text.str());
    } catch (const std::exception& e) {
      PrintMessage("warning", std::string("--hgrm: ") + e.what());
    }
  }
}

// Everything a sweep needs, resolved and checked from the flags before the first run.
struct RunPlan {
  WorkloadSpec spec;
  std::vector<const LockRunner*> locks;
  Topology topology;
  MemoryPolicy memory;
  uint64_t stall_ns = 0;
  uint64_t interval_ns = 0;
  std::vector<int> counts;  // thread counts of the sweep
  std::vector<PlacementPlan> plans;  // one per thread count
  std::vector<double> rates;  // open-loop arrival rates of the sweep; {0} for a closed loop
  std::optional<uint64_t> torture_seed;  // torture mode
};

void ResolvePaths(RunOptions* o) {
  if (!o->out.empty()) o->out = UserPath(o->out);
  if (!o->hgrm_dir.empty()) o->hgrm_dir = UserPath(o->hgrm_dir);
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

// Sets each given lock setting on every lock that has it.
void ApplyLockSettings(const std::map<std::string, std::string>& given) {
  for (const LockSettingFlag& f : LockSettingFlags()) {
    const auto value = given.find(f.name);
    if (value == given.end()) continue;
    uint32_t n = 0;
    try {
      n = static_cast<uint32_t>(ParseCount(value->second, f.max));
    } catch (const SpecError& e) {
      throw SpecError(f.flag + ": " + e.what());
    }
    for (const LockSettings& lock : AllLocks::Settings()) {
      for (const LockSetting& setting : lock.settings) {
        if (setting.name == f.name) setting.set(n);
      }
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
  try {
    return ParseCount(o.torture_seed, INT64_MAX);
  } catch (const SpecError& e) {
    throw SpecError(std::string("--torture-seed: ") + e.what() + "; expected 0 to " +
                    std::to_string(INT64_MAX));
  }
}

// Checks the flags in the order a user reads them, so the first mistake is the one reported.
RunPlan PlanRun(const RunOptions& o, const LockCatalog& catalog) {
  WorkloadSpec spec = ResolveWorkload(o);
  std::vector<const LockRunner*> locks = ResolveLocks(o.locks, catalog.runners);
  Topology topology = RunTopology(o);
  MemoryPolicy memory = ResolveMemory(o, topology);
  CheckRecursion(spec, locks, o.allow_deadlock);
  ApplyLockSettings(o.lock_settings);
  const uint64_t stall_ns = DurationFlag("--stall-timeout", o.stall_timeout, 1'000'000);
  const uint64_t interval_ns =
      DurationFlag("--time-series-interval", o.time_series_interval, 100'000);
  std::vector<int> counts = ThreadCounts(spec, topology);
  CheckArrivalRates(spec, *std::max_element(counts.begin(), counts.end()));  // 4/core resolved
  std::vector<PlacementPlan> plans = PlanPlacements(o, spec, counts, topology);
  std::vector<double> rates = spec.OpenLoop() ? spec.arrival_rates : std::vector<double>{0};
  std::optional<uint64_t> torture_seed = TortureSeed(o, spec);
  return RunPlan{std::move(spec),   std::move(locks), std::move(topology), std::move(memory),
                 stall_ns,          interval_ns,      std::move(counts),   std::move(plans),
                 std::move(rates),  torture_seed};
}

void PrintPlans(const std::vector<PlacementPlan>& plans, const std::string& format) {
  json plans_json = json::array();
  for (const PlacementPlan& plan : plans) {
    if (format == "json") {
      plans_json.push_back(PlanToJson(plan));
    } else {
      std::cout << RenderPlanTable(plan) << "\n";
    }
  }
  if (format == "json") std::cout << plans_json.dump(2) << "\n";
}

// The output paths are checked before any run, so a typo costs no measurement.
void CheckOutputs(const RunOptions& o) {
  if (!o.out.empty()) {
    try {
      CheckWritable(o.out);
    } catch (const std::exception& e) {
      throw SpecError("--out: " + std::string(e.what()));
    }
  }
  if (!o.hgrm_dir.empty()) CheckHgrmDir(o.hgrm_dir);
}

// Before any run, so a thread count the system's limits refuse costs no partial sweep.
void Preflight(const RunPlan& plan) {
  CheckThreadsCanStart(*std::max_element(plan.counts.begin(), plan.counts.end()));
  for (const PlacementPlan& p : plan.plans) {
    for (const std::string& w : p.warnings) PrintMessage("warning", w);
  }
}

// Every lock's settings by lock name, as the sweep ran with them.
json LockSettingsJson() {
  json out = json::object();
  for (const LockSettings& lock : AllLocks::Settings()) {
    if (lock.settings.empty()) continue;
    json& values = out[std::string(lock.lock)];
    for (const LockSetting& s : lock.settings) values[std::string(s.name)] = s.get();
  }
  return out;
}

// The value of setting `name` on the first lock, in registry order, that has it.
std::optional<uint32_t> FirstLockSetting(std::string_view name) {
  for (const LockSettings& lock : AllLocks::Settings()) {
    for (const LockSetting& s : lock.settings) {
      if (s.name == name) return s.get();
    }
  }
  return std::nullopt;
}

json RunConfig(const RunOptions& o, const RunPlan& plan, const LockCatalog& catalog,
               uint32_t sample_every) {
  json config;
  config["workload"] = WorkloadToJson(plan.spec);
  json lock_names = json::array();
  for (const LockRunner* r : plan.locks) lock_names.push_back(r->traits.name);
  config["locks"] = lock_names;
  config["thread_counts"] = plan.counts;
  config["placement"] = o.placement;
  config["smt"] = o.smt;
  config["memory"] = plan.memory.spec;
  config["latency_sample_every"] = sample_every;
  config["verify"] = !o.no_verify;
  config["torture"] = plan.torture_seed ? json{{"seed", *plan.torture_seed}} : json(nullptr);
  config["stall_timeout_ns"] = plan.stall_ns;
  config["time_series_interval_ns"] = plan.interval_ns;
  config["lock_settings"] = LockSettingsJson();
  // Results from before lock_settings hold one spin count, the first lock's; kept for their
  // readers.
  if (const std::optional<uint32_t> spins = FirstLockSetting("spin_count")) {
    config["spin_count"] = *spins;
  }
  if (!catalog.plugins.empty()) config["plugins"] = PluginsJson(catalog.plugins);
  return config;
}

EngineConfig RunEngineConfig(const RunOptions& o, const RunPlan& plan, size_t count_index,
                             double rate, int repetition, uint32_t sample_every) {
  EngineConfig cfg;
  cfg.spec = plan.spec;
  cfg.threads = plan.counts[count_index];
  cfg.arrival_rate = rate;
  cfg.repetition = repetition;
  cfg.plan = plan.plans[count_index];
  cfg.topology = &plan.topology;
  cfg.memory = plan.memory;
  cfg.latency_sample_every = sample_every;
  cfg.verify = !o.no_verify;
  cfg.allow_deadlock = o.allow_deadlock;
  cfg.torture_seed = plan.torture_seed;
  cfg.stall_timeout_ns = plan.stall_ns;
  cfg.time_series_interval_ns = plan.interval_ns;
  cfg.interrupt = &g_interrupted;
  return cfg;
}

// What the finished runs add up to: the exit code so far, and whether the sweep must stop.
struct SweepState {
  std::vector<json> runs;
  int exit_code = kExitOk;
  bool stop = false;
};

// Reports a run's status on stderr and folds it into the sweep's exit code.
void NoteStatus(const RunRecord& record, const std::string& label, SweepState* state) {
  for (const std::string& w : record.warnings) PrintMessage("warning", w);
  switch (record.status) {
    case RunStatus::kOk:
      break;
    case RunStatus::kViolation:
      PrintMessage("VIOLATION", label + ": " + record.status_detail);
      state->exit_code = kExitViolation;
      break;
    case RunStatus::kStalled:
      PrintMessage("STALLED", label + ": " + record.status_detail);
      state->exit_code = kExitStalled;
      state->stop = true;
      break;
    case RunStatus::kInterrupted:
      std::fprintf(stderr, "lockbench: interrupted during %s\n", label.c_str());
      state->exit_code = kExitInterrupted;
      state->stop = true;
      break;
  }
}

void RunOne(const RunOptions& o, EngineConfig cfg, const LockRunner& lock, SweepState* state) {
  const bool tty = isatty(STDERR_FILENO) != 0;
  const std::string label = std::string(lock.traits.name) + ", " + std::to_string(cfg.threads) +
                            " threads" + AtRate(cfg.arrival_rate) + ", repetition " + std::to_string(cfg.repetition) + "/" +
                            std::to_string(cfg.spec.repetitions);
  if (tty) cfg.progress = [label](double f) { Progress(label, f); };
  const RunRecord record = lock.Run(cfg);
  if (tty) std::fprintf(stderr, "\r\033[K");
  const RunSummary summary = Summarize(record);
  state->runs.push_back(RunToJson(record, summary));
  if (!o.hgrm_dir.empty()) WriteHgrmFiles(o.hgrm_dir, record, summary);
  NoteStatus(record, label, state);
}

SweepState RunSweep(const RunOptions& o, const RunPlan& plan, uint32_t sample_every,
                    SweepJournal* journal) {
  SweepState state;
  for (size_t c = 0; c < plan.counts.size() && !state.stop; ++c) {
    for (size_t r = 0; r < plan.rates.size() && !state.stop; ++r) {
      for (int rep = 1; rep <= plan.spec.repetitions && !state.stop; ++rep) {
        // Interleaved: every lock's repetition 1, then every lock's repetition 2, ... so a slow
        // drift of the machine does not favour one lock.
        for (size_t l = 0; l < plan.locks.size() && !state.stop; ++l) {
          const LockRunner& lock = *plan.locks[l];
          if (const json* done =
                  journal->Finished(lock.traits.name, plan.counts[c], plan.rates[r], rep)) {
            state.runs.push_back(*done);  // finished before a resume
            if (done->value("status", "") == "violation") state.exit_code = kExitViolation;
            continue;
          }
          RunOne(o, RunEngineConfig(o, plan, c, plan.rates[r], rep, sample_every), lock, &state);
          // Between runs: the run's threads have joined, so the write is outside its window.
          journal->Record(&state.runs.back());
        }
      }
    }
  }
  return state;
}

// The result on stdout, in the format asked for.
void EmitResult(const json& doc, const std::string& format, const Topology& topology) {
  if (format == "json") {
    std::cout << doc.dump(2) << "\n";
  } else if (format == "gbench") {
    json caches = json::array();
    for (const CacheInfo& c : topology.cache_list()) {
      caches.push_back(GbenchCache(c.level, c.type, c.size_bytes, c.pus_per_instance));
    }
    std::cout << ToGbenchJson(doc, caches).dump(2) << "\n";
  } else {
    const ReportFormat f = format == "csv"        ? ReportFormat::kCsv
                           : format == "markdown" ? ReportFormat::kMarkdown
                                                  : ReportFormat::kTable;
    std::cout << RenderReport(doc["runs"], f);
  }
  std::cout.flush();
}

// Writes the result file, if asked for; returns the exit code with a failed write folded in.
int WriteResultFile(const std::string& path, const json& doc, int exit_code, bool* written) {
  if (path.empty()) return exit_code;
  try {
    WriteFileAtomically(path, doc.dump(2) + "\n");
    std::fprintf(stderr, "lockbench: wrote %s\n", OneLine(path).c_str());
    *written = true;
  } catch (const std::exception& e) {
    PrintMessage("error", std::string("--out: ") + e.what());
    if (exit_code == kExitOk) return kExitUsage;
  }
  return exit_code;
}

int Finish(int exit_code) {
  if (exit_code == kExitStalled) {
    // Stuck threads cannot be joined; leave without running destructors under them.
    std::fflush(nullptr);
    std::_Exit(kExitStalled);
  }
  return exit_code;
}

// (resume: the journal's options) -> resolve options -> plan -> (dry run: print the plan) ->
// check outputs -> start the journal -> run each -> emit -> end the journal.
int DoRun(RunOptions o) {
  Journal resumed;
  if (!o.resume.empty()) o = ResumedOptions(o, &resumed);
  ResolvePaths(&o);
  const LockCatalog catalog = LoadLockCatalog(o.plugins);
  const RunPlan plan = PlanRun(o, catalog);
  if (o.dry_run) {
    PrintPlans(plan.plans, o.format);
    return kExitOk;
  }
  CheckOutputs(o);
  Preflight(plan);
  const ClockCalibration& clock = Clock();
  const TimedAcquisitionCost& timed = MeasuredTimedAcquisitionCost();
  const uint32_t sample_every = LatencySampling(o.latency_sample, plan.spec, timed);
  InstallSignalHandlers();
  const json config = RunConfig(o, plan, catalog, sample_every);
  const json context = BuildContext(plan.topology, clock, timed);
  SweepJournal journal;
  journal.Start(o, sample_every, context, config, o.resume.empty() ? nullptr : &resumed);
  const SweepState sweep = RunSweep(o, plan, sample_every, &journal);
  const json doc = ResultDocument(journal.Context(context), config, sweep.runs);
  EmitResult(doc, o.format, plan.topology);
  bool written = false;
  const int exit_code = WriteResultFile(o.out, doc, sweep.exit_code, &written);
  journal.Finish(!sweep.stop, written);
  return Finish(exit_code);
}

}  // namespace

void CheckHgrmDir(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw SpecError("--hgrm: '" + dir + "' is not an existing directory");
  }
  if (access(dir.c_str(), W_OK) != 0) {
    throw SpecError("--hgrm: directory '" + dir + "' is not writable");
  }
}

std::vector<const LockRunner*> ResolveLockList(const std::string& list,
                                               const std::vector<LockRunner>& runners) {
  return ResolveLocks(list, runners);
}

std::vector<LockSettingFlag> LockSettingFlags() {
  std::vector<LockSettingFlag> flags;
  for (const LockSettings& lock : AllLocks::Settings()) {
    for (const LockSetting& s : lock.settings) {
      auto f = std::find_if(flags.begin(), flags.end(),
                            [&](const LockSettingFlag& x) { return x.name == s.name; });
      if (f == flags.end()) {
        std::string flag = "--" + std::string(s.name);
        std::replace(flag.begin(), flag.end(), '_', '-');
        flags.push_back(
            LockSettingFlag{std::string(s.name), flag, std::string(s.help) + "; for ", s.max});
        f = std::prev(flags.end());
      } else {
        f->help += ", ";
        f->max = std::min(f->max, s.max);
      }
      f->help += lock.lock;
    }
  }
  return flags;
}

std::string UserPath(const std::string& path) {
  const char* base = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || base == nullptr || *base == '\0') return path;
  return std::string(base) + "/" + path;
}


int RunCommand(const RunOptions& options) {
  try {
    return DoRun(options);
  } catch (const SpecError& e) {
    return UsageError(e.what());
  } catch (const PlacementError& e) {
    return UsageError(e.what());
  } catch (const ThreadStartError& e) {
    return UsageError(std::string("--threads: ") + e.what());
  } catch (const std::bad_alloc&) {
    return UsageError("out of memory setting up a run: the process's memory limit (ulimit -v) "
                      "is too low for this workload");
  }
}

int ListCommand(const ListOptions& options) {
  LockCatalog catalog;
  try {
    catalog = LoadLockCatalog(options.plugins);
  } catch (const SpecError& e) {
    return UsageError(e.what());
  }
  if (options.format == "json") {
    json locks = json::array();
    for (const LockRunner& r : catalog.runners) {
      const LockTraits& t = r.traits;
      locks.push_back({{"name", t.name},
                       {"description", t.description},
                       {"size_bytes", t.size_bytes},
                       {"heap_bytes", t.heap_bytes != nullptr ? t.heap_bytes() : 0},
                       {"recursion", RecursionName(t.recursion)},
                       {"fairness", t.fairness},
                       {"owner_query", t.owner_query},
                       {"shared_mode", t.shared_mode}});
    }
    json presets = json::array();
    for (const Preset& p : Presets()) presets.push_back({{"name", p.name}, {"description", p.description}});
    std::cout << json{{"locks", locks}, {"workloads", presets}, {"metrics", MetricTableJson()}}
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  std::cout << "Locks:\n";
  for (const LockRunner& r : catalog.runners) {
    const LockTraits& t = r.traits;
    std::printf("  %-22s %s\n", std::string(t.name).c_str(), std::string(t.description).c_str());
    const std::string heap =
        t.heap_bytes != nullptr ? " + " + std::to_string(t.heap_bytes()) + " on the heap here" : "";
    std::printf("  %-22s size %zu bytes%s, recursion %s, owner query %s, shared mode %s\n", "",
                t.size_bytes, heap.c_str(), std::string(RecursionName(t.recursion)).c_str(),
                t.owner_query ? "yes" : "no", t.shared_mode ? "yes" : "no (served exclusive)");
    std::printf("  %-22s fairness: %s\n", "", std::string(t.fairness).c_str());
  }
  std::cout << "\nWorkloads (presets):\n";
  for (const Preset& p : Presets()) std::printf("  %-18s %s\n", p.name.c_str(), p.description.c_str());
  std::cout << "\nMetrics (the report's columns, compare --metric, the notebook columns):\n";
  for (const MetricDef& m : MetricTable()) {
    std::printf("  %-22s %s, %s is better: %s\n", std::string(m.name).c_str(),
                std::string(UnitName(m.unit)).c_str(), HigherIsBetter(m) ? "higher" : "lower",
                std::string(m.meaning).c_str());
  }
  return kExitOk;
}

int TopologyCommand(const TopologyOptions& options) {
  try {
    const Topology t = LoadTopology(options.synthetic, options.topology_xml);
    if (options.format == "json") {
      std::cout << t.ToJson().dump(2) << "\n";
    } else {
      std::cout << t.RenderTable();
    }
    return kExitOk;
  } catch (const SpecError& e) {
    return UsageError(e.what());
  } catch (const PlacementError& e) {
    return UsageError(e.what());
  }
}

}  // namespace lockbench
