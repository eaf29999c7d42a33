#include "tool/commands.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "base/file_io.h"
#include "base/roles.h"
#include "base/strings.h"
#include "lockimpls/lock_concept.h"
#include "results/gbench_json.h"
#include "results/metrics.h"
#include "results/replay_fidelity.h"
#include "results/report.h"
#include "results/sweep_fits.h"
#include "results/timeline.h"
#include "results/result_json.h"
#include "results/summary.h"
#include "tool/context.h"
#include "tool/exit_codes.h"
#include "tool/messages.h"
#include "tool/plan/lock_catalog.h"
#include "tool/plan/run_plan.h"
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

// --timeline: the run's window as Trace Event JSON, with the run's config as metadata; FILE
// itself when the sweep is one run, else one file per run (TimelinePath).
void WriteTimelineFile(const RunPlan& plan, const EngineConfig& cfg, const RunRecord& r) {
  json config = json::object();
  config["workload"] = WorkloadToJson(cfg.spec);
  config["threads"] = cfg.threads;
  config["arrival_rate"] = cfg.arrival_rate;
  config["repetition"] = cfg.repetition;
  config["placement"] = cfg.plan.policy;
  config["memory"] = cfg.memory.spec;
  config["latency_sample_every"] = cfg.latency_sample_every;
  config["verify"] = cfg.verify;
  config["torture_seed"] = cfg.torture_seed ? json(*cfg.torture_seed) : json(nullptr);
  config["timeline_window_ns"] = cfg.timeline_window_ns;
  try {
    WriteFileAtomically(TimelinePath(plan.timeline, r, plan.runs.size() == 1),
                        TimelineTrace(r, config).dump());
  } catch (const std::exception& e) {
    PrintMessage("warning", std::string("--timeline: ") + e.what());
  }
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

// What the finished runs add up to: the exit code so far, and whether the sweep must stop; and
// what the sweep says on stderr as it goes.
struct SweepState {
  std::vector<json> runs;
  int exit_code = kExitOk;
  bool stop = false;
  WarningLog* warnings = nullptr;
  SweepProgress* progress = nullptr;
  bool footnoted = false;  // the report marks and explains an ok run's per-lock figures
};

// The run's warnings that the report's footnote already says (results/report.cc), so stderr need
// not: it marks an ok run's shared latency (exclusive-only lock) and CPU (spinners on too few
// processors) in a table or Markdown.
bool FootnoteSays(const RunRecord& record, const std::string& warning, const SweepState& state) {
  return state.footnoted && record.status == RunStatus::kOk &&
         (warning.ends_with(kRanExclusiveWarning) ||
          warning.ends_with(kOversubscribedSpinnersWarning));
}

// Reports a run's status on stderr and folds it into the sweep's exit code.
void NoteStatus(const RunRecord& record, const std::string& label, SweepState* state) {
  for (const std::string& w : record.warnings) {
    if (!FootnoteSays(record, w, *state)) state->warnings->Warn(w);
  }
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

// "push_lock, 2 threads at 10k/s, repetition 1/3": the run, in messages; `rep` names the
// repetition ("rep" in the status line).
std::string RunName(const PlannedRun& run, const std::string& rep) {
  const EngineConfig& cfg = run.engine;
  return std::string(run.lock->traits.name) + ", " +
         CountedNoun(static_cast<size_t>(cfg.threads), "thread", "threads") +
         AtRate(cfg.arrival_rate) + ", " + rep + " " + std::to_string(cfg.repetition) + "/" +
         std::to_string(cfg.spec.repetitions);
}

void RunOne(const RunPlan& plan, std::size_t index, SweepState* state) {
  const PlannedRun& run = plan.runs[index];
  EngineConfig cfg = run.engine;
  cfg.interrupt = &g_interrupted;
  const std::string label = RunName(run, "repetition");
  SweepProgress* progress = state->progress;
  progress->Start(index, RunName(run, "rep"));
  cfg.progress = [progress](double f) { progress->Update(f); };
  const RunRecord record = run.lock->Run(cfg);
  progress->Finish();
  const RunSummary summary = Summarize(record);
  state->runs.push_back(RunToJson(record, summary));
  if (!plan.hgrm_dir.empty()) WriteHgrmFiles(plan.hgrm_dir, record, summary);
  if (!plan.timeline.empty() && record.status != RunStatus::kStalled) {
    WriteTimelineFile(plan, cfg, record);
  }
  NoteStatus(record, label, state);
}

// The run the journal holds from before a resume, or nullptr.
const json* Resumed(SweepJournal* journal, const PlannedRun& run) {
  const EngineConfig& cfg = run.engine;
  return journal->Finished(run.lock->traits.name, cfg.threads, cfg.arrival_rate, cfg.repetition);
}

// Each run's planned seconds (warm-up + duration; 0 for a run the journal holds), for the ETA.
std::vector<double> PlannedSeconds(const RunPlan& plan, SweepJournal* journal) {
  std::vector<double> planned;
  for (const PlannedRun& run : plan.runs) {
    const WorkloadSpec& spec = run.engine.spec;
    planned.push_back(Resumed(journal, run) != nullptr
                          ? 0.0
                          : static_cast<double>(spec.warmup_ns + spec.duration_ns) / 1e9);
  }
  return planned;
}

// The plan's runs, in order; a run the journal holds from before a resume is taken from it.
SweepState RunSweep(const RunPlan& plan, SweepJournal* journal, SweepState state) {
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    if (state.stop) break;
    if (const json* done = Resumed(journal, plan.runs[i])) {
      state.runs.push_back(*done);  // finished before a resume
      if (done->value("status", "") == "violation") state.exit_code = kExitViolation;
      continue;
    }
    RunOne(plan, i, &state);
    // Between runs: the run's threads have joined, so the write is outside its window.
    journal->Record(&state.runs.back());
  }
  return state;
}

// The result on stdout, in the format asked for.
void EmitResult(const json& doc, const std::string& format, ReportColumns columns,
                const Topology& topology) {
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
    std::cout << RenderReport(doc["runs"], f, columns);
    // A recorded workload's fidelity table; CSV stays the one table its readers parse.
    if (f != ReportFormat::kCsv) {
      const json workload = doc.at("config").value("workload", json());
      std::cout << RenderReplayFidelity(workload, doc["runs"], f);
    }
    if (f != ReportFormat::kCsv && doc.contains("sweep_fits")) {
      std::cout << RenderSweepFits(doc["sweep_fits"]);
    }
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

// (resume: the journal's options) -> plan -> (dry run: print the plan) -> start the journal ->
// run each -> emit -> end the journal.
int DoRun(RunOptions o) {
  Journal resumed;
  if (!o.resume.empty()) {
    const RunOptions given = o;
    o = ResumedOptions(given, &resumed);
    o.wide = given.wide;  // how this invocation shows the sweep, not part of it
    o.quiet = given.quiet;
  }
  const RunPlan plan = PlanRun(o);
  if (plan.dry_run) {
    PrintPlans(plan.plans, plan.format);
    return kExitOk;
  }
  WarningLog warnings;
  for (const std::string& w : plan.warnings) warnings.Warn(w);
  InstallSignalHandlers();
  const json context = BuildContext(*plan.topology, Clock(), MeasuredTimedAcquisitionCost());
  SweepJournal journal;
  journal.Start(plan, context, o.resume.empty() ? nullptr : &resumed);
  SweepProgress progress(PlannedSeconds(plan, &journal), isatty(STDERR_FILENO) != 0, o.quiet);
  SweepState start;
  start.warnings = &warnings;
  start.progress = &progress;
  start.footnoted = plan.format == "table" || plan.format == "markdown";
  const SweepState sweep = RunSweep(plan, &journal, std::move(start));
  warnings.Flush();
  json doc = ResultDocument(journal.Context(context), plan.config, sweep.runs);
  if (json fits = SweepFits(doc["runs"], plan.topology->pus()); !fits.empty()) {
    doc["sweep_fits"] = std::move(fits);
  }
  EmitResult(doc, plan.format, o.wide ? ReportColumns::kAll : ReportColumns::kMain,
             *plan.topology);
  bool written = false;
  const int exit_code = WriteResultFile(plan.out, doc, sweep.exit_code, &written);
  journal.Finish(!sweep.stop, written);
  return Finish(exit_code);
}

}  // namespace

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
                       {"heap_bytes", t.heap_bytes},
                       {"slots", t.slots},
                       {"slot_bytes", t.slot_bytes},
                       {"holder_level", HolderLevelName(t.holder_level)},
                       {"holder_may_block", HolderMayBlock(t)},
                       {"waiters", WaitKindName(t.waiters)},
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
    std::string heap = t.heap_bytes != 0 ? " + " + std::to_string(t.heap_bytes) + " on the heap" : "";
    if (t.slots != 0) {
      heap += " (" + std::to_string(t.slots) + " slots of " + std::to_string(t.slot_bytes) + " B)";
    }
    std::printf("  %-22s size %zu bytes%s, recursion %s, owner query %s, shared mode %s\n", "",
                t.size_bytes, heap.c_str(), std::string(RecursionName(t.recursion)).c_str(),
                t.owner_query ? "yes" : "no", t.shared_mode ? "yes" : "no (served exclusive)");
    std::printf("  %-22s fairness: %s\n", "", std::string(t.fairness).c_str());
    std::printf("  %-22s holder: %s (%s), waiters: %s\n", "",
                std::string(HolderLevelName(t.holder_level)).c_str(),
                HolderMayBlock(t) ? "may block" : "may not block", std::string(WaitKindName(t.waiters)).c_str());
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
