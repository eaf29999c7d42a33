#include "tool/commands.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>

#include "lockimpls/lock_concept.h"
#include "lockimpls/push_lock.h"
#include "lockimpls/srwlock.h"
#include "results/gbench_json.h"
#include "results/report.h"
#include "results/result_json.h"
#include "results/summary.h"
#include "tool/context.h"
#include "tool/exit_codes.h"
#include "tool/messages.h"
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
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError("--workload: cannot read '" + path + "'");
  // Bounded, so that /dev/zero or a runaway pipe is an error rather than all of memory.
  constexpr std::streamsize kMaxBytes = 1 << 20;
  std::string text(static_cast<size_t>(kMaxBytes) + 1, '\0');
  in.read(text.data(), kMaxBytes + 1);
  if (in.bad()) throw SpecError("--workload: cannot read '" + path + "'");
  if (in.gcount() > kMaxBytes) {
    throw SpecError("--workload: '" + path +
                    "' is larger than 1 MiB; a workload file is a small JSON object");
  }
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
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

std::vector<const LockRunner*> ResolveLocks(const std::string& list) {
  std::vector<const LockRunner*> out;
  if (list == "all") {
    for (const LockRunner& r : LockRunners()) out.push_back(&r);
    return out;
  }
  std::vector<std::string> names;
  for (const LockRunner& r : LockRunners()) names.emplace_back(r.traits.name);
  std::string allowed;
  for (const std::string& n : names) allowed += (allowed.empty() ? "" : ", ") + n;
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    const LockRunner* r = FindLockRunner(name);
    if (r == nullptr) {
      const std::string hint = Suggest(name, names);
      throw SpecError("--lock: unknown lock '" + name + "'" +
                      (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; locks: " +
                      allowed + ", or all");
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

std::vector<ThreadRole> Roles(const WorkloadSpec& spec, int threads) {
  std::vector<ThreadRole> roles;
  for (int i = 0; i < threads; ++i) {
    const Role r = spec.RoleOf(i);
    roles.push_back(r == Role::kReader   ? ThreadRole::kReader
                    : r == Role::kWriter ? ThreadRole::kWriter
                                         : ThreadRole::kMixed);
  }
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
      return static_cast<uint32_t>(n);
    } catch (const SpecError& e) {
      throw SpecError(std::string("--latency-sample: ") + e.what() + "; expected auto or 1 to 1000000");
    }
  }
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

// <dir>/<lock>.<workload>.t<threads>.r<repetition>.<mode>.hgrm, in microseconds.
void WriteHgrmFiles(const std::string& dir, const RunRecord& r, const RunSummary& s) {
  const std::string stem = dir + "/" + r.lock + "." + r.workload + ".t" + std::to_string(r.threads) +
                           ".r" + std::to_string(r.repetition) + ".";
  HgrmOptions options;
  options.value_unit_ratio = 1000.0;
  for (const auto& [mode, h] : {std::pair<const char*, const Histogram*>{"shared", &s.shared_acquire},
                                {"exclusive", &s.exclusive_acquire}}) {
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

int DoRun(RunOptions o) {
  if (!o.out.empty()) o.out = UserPath(o.out);
  if (!o.hgrm_dir.empty()) o.hgrm_dir = UserPath(o.hgrm_dir);
  const WorkloadSpec spec = ResolveWorkload(o);
  const std::vector<const LockRunner*> locks = ResolveLocks(o.locks);
  const bool other_machine = !o.synthetic.empty() || !o.topology_xml.empty();
  if (other_machine && !o.dry_run) {
    throw SpecError(std::string(o.synthetic.empty() ? "--topology-xml" : "--synthetic") +
                    ": another machine's topology can only be planned; add --dry-run");
  }
  const Topology topology = LoadTopology(o.synthetic, o.topology_xml);
  std::string memory_spec = o.memory;
  if (!o.lock_node.empty()) {
    if (o.memory != "first-touch") throw SpecError("--lock-node: give it or --memory, not both");
    memory_spec = "node:" + o.lock_node;
  }
  const MemoryPolicy memory =
      ParseMemoryPolicy(memory_spec, topology, o.lock_node.empty() ? "--memory" : "--lock-node");
  if (spec.recursion_depth > 0 && !o.allow_deadlock) {
    for (const LockRunner* r : locks) {
      if (r->traits.recursion == Recursion::kNone) {
        throw SpecError("--recursion: lock '" + std::string(r->traits.name) +
                        "' does not allow recursive acquisition (recursion: " +
                        std::string(RecursionName(r->traits.recursion)) +
                        "); drop it from --lock, or add --allow-deadlock to show the hang");
      }
    }
  }
  if (!o.spin_count.empty()) {
    try {
      const auto spins = static_cast<uint32_t>(ParseCount(o.spin_count, 1'000'000));
      SetPushLockSpinCount(spins);
      SetSrwLockSpinCount(spins);
    } catch (const SpecError& e) {
      throw SpecError(std::string("--spin-count: ") + e.what());
    }
  }
  const uint64_t stall_ns = DurationFlag("--stall-timeout", o.stall_timeout, 1'000'000);
  const uint64_t interval_ns = DurationFlag("--time-series-interval", o.time_series_interval, 100'000);
  const std::vector<int> counts = ThreadCounts(spec, topology);
  std::vector<PlacementPlan> plans;
  for (int n : counts) plans.push_back(PlanPlacement(o.placement, Roles(spec, n), o.smt == "on", topology));

  if (o.dry_run) {
    json plans_json = json::array();
    for (const PlacementPlan& plan : plans) {
      if (o.format == "json") {
        plans_json.push_back(PlanToJson(plan));
      } else {
        std::cout << RenderPlanTable(plan) << "\n";
      }
    }
    if (o.format == "json") std::cout << plans_json.dump(2) << "\n";
    return kExitOk;
  }
  if (!o.out.empty()) {
    try {
      CheckWritable(o.out);
    } catch (const std::exception& e) {
      throw SpecError("--out: " + std::string(e.what()));
    }
  }
  if (!o.hgrm_dir.empty()) {
    struct stat st {};
    if (stat(o.hgrm_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      throw SpecError("--hgrm: '" + o.hgrm_dir + "' is not an existing directory");
    }
    if (access(o.hgrm_dir.c_str(), W_OK) != 0) {
      throw SpecError("--hgrm: directory '" + o.hgrm_dir + "' is not writable");
    }
  }
  // Before any run, so a thread count the system's limits refuse costs no partial sweep.
  CheckThreadsCanStart(*std::max_element(counts.begin(), counts.end()));
  for (const PlacementPlan& plan : plans) {
    for (const std::string& w : plan.warnings) PrintMessage("warning", w);
  }

  const ClockCalibration& clock = Clock();
  const TimedAcquisitionCost& timed = MeasuredTimedAcquisitionCost();
  const uint32_t sample_every = LatencySampling(o.latency_sample, spec, timed);
  InstallSignalHandlers();
  const bool tty = isatty(STDERR_FILENO) != 0;

  json config;
  config["workload"] = WorkloadToJson(spec);
  json lock_names = json::array();
  for (const LockRunner* r : locks) lock_names.push_back(r->traits.name);
  config["locks"] = lock_names;
  config["thread_counts"] = counts;
  config["placement"] = o.placement;
  config["smt"] = o.smt;
  config["memory"] = memory.spec;
  config["latency_sample_every"] = sample_every;
  config["verify"] = !o.no_verify;
  config["stall_timeout_ns"] = stall_ns;
  config["time_series_interval_ns"] = interval_ns;
  config["spin_count"] = PushLockSpinCount();

  std::vector<json> runs;
  int exit_code = kExitOk;
  bool stop = false;
  for (size_t c = 0; c < counts.size() && !stop; ++c) {
    for (int rep = 1; rep <= spec.repetitions && !stop; ++rep) {
      // Interleaved: every lock's repetition 1, then every lock's repetition 2, ... so a slow
      // drift of the machine does not favour one lock.
      for (size_t l = 0; l < locks.size() && !stop; ++l) {
        EngineConfig cfg;
        cfg.spec = spec;
        cfg.threads = counts[c];
        cfg.repetition = rep;
        cfg.plan = plans[c];
        cfg.topology = &topology;
        cfg.memory = memory;
        cfg.latency_sample_every = sample_every;
        cfg.verify = !o.no_verify;
        cfg.allow_deadlock = o.allow_deadlock;
        cfg.stall_timeout_ns = stall_ns;
        cfg.time_series_interval_ns = interval_ns;
        cfg.interrupt = &g_interrupted;
        const std::string label = std::string(locks[l]->traits.name) + ", " + std::to_string(counts[c]) +
                                  " threads, repetition " + std::to_string(rep) + "/" +
                                  std::to_string(spec.repetitions);
        if (tty) cfg.progress = [label](double f) { Progress(label, f); };
        const RunRecord record = locks[l]->run(cfg);
        if (tty) std::fprintf(stderr, "\r\033[K");
        const RunSummary summary = Summarize(record);
        runs.push_back(RunToJson(record, summary));
        if (!o.hgrm_dir.empty()) WriteHgrmFiles(o.hgrm_dir, record, summary);
        for (const std::string& w : record.warnings) PrintMessage("warning", w);
        switch (record.status) {
          case RunStatus::kOk:
            break;
          case RunStatus::kViolation:
            PrintMessage("VIOLATION", label + ": " + record.status_detail);
            exit_code = kExitViolation;
            break;
          case RunStatus::kStalled:
            PrintMessage("STALLED", label + ": " + record.status_detail);
            exit_code = kExitStalled;
            stop = true;
            break;
          case RunStatus::kInterrupted:
            std::fprintf(stderr, "lockbench: interrupted during %s\n", label.c_str());
            exit_code = kExitInterrupted;
            stop = true;
            break;
        }
      }
    }
  }

  const json doc = ResultDocument(BuildContext(topology, clock, timed), config, runs);
  if (o.format == "json") {
    std::cout << doc.dump(2) << "\n";
  } else if (o.format == "gbench") {
    json caches = json::array();
    for (const CacheInfo& c : topology.cache_list()) {
      caches.push_back(GbenchCache(c.level, c.type, c.size_bytes, c.pus_per_instance));
    }
    std::cout << ToGbenchJson(doc, caches).dump(2) << "\n";
  } else {
    const ReportFormat f = o.format == "csv"        ? ReportFormat::kCsv
                           : o.format == "markdown" ? ReportFormat::kMarkdown
                                                    : ReportFormat::kTable;
    std::cout << RenderReport(doc["runs"], f);
  }
  std::cout.flush();
  if (!o.out.empty()) {
    try {
      WriteFileAtomically(o.out, doc.dump(2) + "\n");
      std::fprintf(stderr, "lockbench: wrote %s\n", OneLine(o.out).c_str());
    } catch (const std::exception& e) {
      PrintMessage("error", std::string("--out: ") + e.what());
      if (exit_code == kExitOk) exit_code = kExitUsage;
    }
  }
  if (exit_code == kExitStalled) {
    // Stuck threads cannot be joined; leave without running destructors under them.
    std::fflush(nullptr);
    std::_Exit(kExitStalled);
  }
  return exit_code;
}

}  // namespace

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
  if (options.format == "json") {
    json locks = json::array();
    for (const LockRunner& r : LockRunners()) {
      const LockTraits& t = r.traits;
      locks.push_back({{"name", t.name},
                       {"description", t.description},
                       {"size_bytes", t.size_bytes},
                       {"recursion", RecursionName(t.recursion)},
                       {"fairness", t.fairness},
                       {"owner_query", t.owner_query}});
    }
    json presets = json::array();
    for (const Preset& p : Presets()) presets.push_back({{"name", p.name}, {"description", p.description}});
    std::cout << json{{"locks", locks}, {"workloads", presets}}.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "Locks:\n";
  for (const LockRunner& r : LockRunners()) {
    const LockTraits& t = r.traits;
    std::printf("  %-18s %s\n", std::string(t.name).c_str(), std::string(t.description).c_str());
    std::printf("  %-18s size %zu bytes, recursion %s, owner query %s\n", "", t.size_bytes,
                std::string(RecursionName(t.recursion)).c_str(), t.owner_query ? "yes" : "no");
    std::printf("  %-18s fairness: %s\n", "", std::string(t.fairness).c_str());
  }
  std::cout << "\nWorkloads (presets):\n";
  for (const Preset& p : Presets()) std::printf("  %-18s %s\n", p.name.c_str(), p.description.c_str());
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
