// lockbench: measures reader/writer lock contention. This file only wires flags to commands.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "tool/commands.h"
#include "tool/compare_command.h"
#include "tool/context.h"
#include "tool/exit_codes.h"
#include "tool/messages.h"
#include "workloads/workload_spec.h"

namespace lockbench {
namespace {

struct WorkloadFlag {
  const char* field;
  const char* help;
};

// Every workload field has a flag; values are parsed by the workload parser, so a flag and a
// file field are checked the same way.
constexpr WorkloadFlag kWorkloadFlags[] = {
    {"threads", "thread count, sweep list (1,2,4,8) or per core (4/core)"},
    {"readers", "dedicated reader threads (with --writers)"},
    {"writers", "dedicated writer threads (with --readers)"},
    {"read_ratio", "mixed roles: fraction of acquisitions made shared, 0..1"},
    {"shared_cs", "critical-section length in shared mode (busy work), e.g. 200ns"},
    {"exclusive_cs", "critical-section length in exclusive mode, e.g. 1us"},
    {"shared_lines", "cache lines of protected data read in shared mode"},
    {"exclusive_lines", "cache lines of protected data written in exclusive mode"},
    {"think", "think time between acquisitions: none, fixed, uniform, exponential"},
    {"think_time", "mean think time, e.g. 500ns"},
    {"duration", "measured window per run, e.g. 1s"},
    {"ops", "acquisitions per thread instead of a duration (0 = use duration)"},
    {"warmup", "warm-up before the window, e.g. 100ms"},
    {"repetitions", "repetitions per lock and thread count (interleaved across locks)"},
    {"seed", "random seed"},
    {"try_fraction", "fraction of acquisitions made with try_lock/try_lock_shared, 0..1"},
    {"recursion_depth", "re-acquisitions while holding (locks that allow recursion)"},
    {"lock_instances", "number of lock instances threads choose among"},
    {"lock_choice", "how threads choose an instance: one, uniform, zipf"},
    {"zipf_s", "Zipf exponent for lock_choice zipf"},
};

std::string FormatCheck(const std::string& value, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return "";
  }
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return "'" + value + "' is not allowed; use one of " + list;
}

// CLI11 reports an unknown subcommand as a missing one; name it, with a suggestion.
std::string UnknownSubcommand(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return "";
  std::vector<std::string> names;
  std::string joined;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == argv[1]) return "";
    names.push_back(sub->get_name());
    joined += (joined.empty() ? "" : ", ") + sub->get_name();
  }
  const std::string hint = Suggest(argv[1], names);
  return "unknown subcommand '" + std::string(argv[1]) + "'" +
         (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; subcommands: " + joined;
}

// " (did you mean '--lock'?)" for the first --flag that neither the subcommand nor the app has.
std::string FlagSuggestion(CLI::App& app, int argc, char** argv) {
  CLI::App* scope = &app;
  std::vector<std::string> flags;
  auto add_flags = [&flags](CLI::App* a) {
    for (const CLI::Option* opt : a->get_options()) {
      for (const std::string& n : opt->get_lnames()) flags.push_back("--" + n);
    }
  };
  add_flags(&app);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (scope == &app && arg[0] != '-') {
      for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        if (sub->get_name() == arg) scope = sub;
      }
      if (scope != &app) add_flags(scope);
      continue;
    }
    if (!arg.starts_with("--")) continue;
    const std::string name = arg.substr(0, arg.find('='));
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) continue;
    const std::string hint = Suggest(name, flags);
    return hint.empty() ? "" : " (did you mean '" + hint + "'?)";
  }
  return "";
}

// An empty value is never meant: `--out ""` would quietly write nothing, `--workload ""` quietly
// run the default.
std::string EmptyValue(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands()) {
    for (const CLI::Option* opt : sub->get_options()) {
      for (const std::string& value : opt->results()) {
        if (value.empty()) return opt->get_name() + ": empty value; give a value or leave it out";
      }
    }
  }
  return "";
}

int Main(int argc, char** argv) {
  CLI::App app{"lockbench: measures reader/writer lock contention: Windows lock emulations "
               "(push lock, ERESOURCE, SRWLOCK) side by side with std::shared_mutex, pthread "
               "rwlocks, absl::Mutex and TBB, with latency and fairness histograms in JSON.",
               "lockbench"};
  app.footer(kExitCodesHelp);
  app.set_version_flag("--version", std::string("lockbench ") + ToolVersion() + " (commit " +
                                        ToolCommit() + ")");
  app.require_subcommand(1);

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "run workloads on locks and report");
  run_cmd->footer(kExitCodesHelp);
  run_cmd->add_option("--lock,-l", run.locks, "locks to measure, comma-separated, or all")
      ->capture_default_str();
  run_cmd->add_option("--workload,-w", run.workload,
                      "a preset name (see `lockbench list`) or a workload .json file; "
                      "default read-mostly");
  for (const WorkloadFlag& f : kWorkloadFlags) {
    run_cmd->add_option(FlagForField(f.field), run.workload_flags[f.field], f.help);
  }
  run_cmd->add_option("--placement", run.placement,
                      "thread placement: compact, scatter, numa:<n>, split, cpus:<list>, none")
      ->capture_default_str();
  run_cmd->add_option("--smt", run.smt, "on: use every hardware thread; off: one PU per core")
      ->capture_default_str();
  run_cmd->add_option("--memory", run.memory,
                      "where the lock and its data live: first-touch, node:<n>, interleave")
      ->capture_default_str();
  run_cmd->add_option("--lock-node", run.lock_node, "same as --memory node:<n>");
  run_cmd->add_option("--synthetic", run.synthetic,
                      "plan for a synthetic hwloc topology, e.g. \"pack:2 numa:2 core:8 pu:2\" "
                      "(with --dry-run)");
  run_cmd->add_option("--topology-xml", run.topology_xml, "plan for an hwloc XML topology (with --dry-run)");
  run_cmd->add_flag("--dry-run", run.dry_run, "print the placement plan and exit");
  run_cmd->add_option("--out,-o", run.out, "write the JSON result file here");
  run_cmd->add_option("--hgrm", run.hgrm_dir,
                      "also write each run's acquire-latency histograms into this directory in "
                      "HdrHistogram's .hgrm percentile format (values in microseconds)");
  run_cmd->add_option("--format", run.format,
                      "stdout format: table, json, csv, markdown, or gbench (Google Benchmark's JSON)")
      ->capture_default_str();
  run_cmd->add_option("--latency-sample", run.latency_sample,
                      "time 1 in N acquisitions (1 = every one), or auto")
      ->capture_default_str();
  run_cmd->add_flag("--no-verify", run.no_verify, "do not check mutual exclusion in the critical section");
  run_cmd->add_option("--stall-timeout", run.stall_timeout,
                      "end a run with exit 4 when no thread acquires for this long")
      ->capture_default_str();
  run_cmd->add_option("--time-series-interval", run.time_series_interval,
                      "interval of the ops time series")
      ->capture_default_str();
  run_cmd->add_option("--spin-count", run.spin_count,
                      "polls of its wait block before a push lock or SRWLOCK waiter sleeps "
                      "(default 1024, 0 on one CPU)");
  run_cmd->add_flag("--allow-deadlock", run.allow_deadlock,
                    "run recursion on locks that cannot recurse (to show the hang)");

  ListOptions list;
  CLI::App* list_cmd = app.add_subcommand("list", "list the locks (with their traits) and the workload presets");
  list_cmd->add_option("--format", list.format, "table or json")->capture_default_str();

  TopologyOptions topo;
  CLI::App* topo_cmd = app.add_subcommand("topology", "print the machine's topology (or another one's)");
  topo_cmd->add_option("--synthetic", topo.synthetic, "a synthetic hwloc topology, e.g. \"pack:2 numa:2 core:8 pu:2\"");
  topo_cmd->add_option("--topology-xml", topo.topology_xml, "an hwloc XML topology file");
  topo_cmd->add_option("--format", topo.format, "table or json")->capture_default_str();

  CompareOptions compare;
  CLI::App* compare_cmd = app.add_subcommand("compare", "compare two result files (CI regression gate)");
  compare_cmd->add_option("BASELINE", compare.baseline, "baseline result file or directory of them")->required();
  compare_cmd->add_option("NEW", compare.candidate, "candidate result file or directory of them")->required();
  compare_cmd->add_option("--metric,-m", compare.metrics, kCompareMetricHelp)->capture_default_str();
  compare_cmd->add_option("--threshold", compare.threshold, kCompareThresholdHelp)->capture_default_str();
  compare_cmd->add_option("--alpha", compare.alpha, kCompareAlphaHelp)->capture_default_str();
  compare_cmd->add_option("--correction", compare.correction, kCompareCorrectionHelp)
      ->capture_default_str();
  compare_cmd->add_option("--format", compare.format, "table, markdown or json")->capture_default_str();
  compare_cmd->add_flag("--allow-different-machines", compare.allow_different_machines,
                        "compare files whose context.cpu_model or context.topology differ");
  compare_cmd->footer(std::string(kCompareFooter) + "\n" + kExitCodesHelp);

  if (std::string bad = UnknownSubcommand(app, argc, argv); !bad.empty()) return UsageError(bad);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help and --version end here
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.empty()) what = e.get_name();
    return UsageError(what + FlagSuggestion(app, argc, argv) + " (see lockbench --help)");
  }
  if (std::string bad = EmptyValue(app); !bad.empty()) return UsageError(bad);

  if (run_cmd->parsed()) {
    // Drop the workload flags that were not given, so they do not override the file.
    for (const WorkloadFlag& f : kWorkloadFlags) {
      if (run_cmd->count(FlagForField(f.field)) == 0) run.workload_flags.erase(f.field);
    }
    if (std::string bad = FormatCheck(run.format, {"table", "json", "csv", "markdown", "gbench"}); !bad.empty()) {
      return UsageError("--format: " + bad);
    }
    if (std::string bad = FormatCheck(run.smt, {"on", "off"}); !bad.empty()) {
      return UsageError("--smt: " + bad);
    }
    return RunCommand(run);
  }
  if (list_cmd->parsed()) {
    if (std::string bad = FormatCheck(list.format, {"table", "json"}); !bad.empty()) {
      return UsageError("--format: " + bad);
    }
    return ListCommand(list);
  }
  if (topo_cmd->parsed()) {
    if (std::string bad = FormatCheck(topo.format, {"table", "json"}); !bad.empty()) {
      return UsageError("--format: " + bad);
    }
    return TopologyCommand(topo);
  }
  if (compare_cmd->parsed()) {
    return CompareCommand(compare);
  }
  return UsageError("no subcommand");
}

}  // namespace
}  // namespace lockbench

int main(int argc, char** argv) { return lockbench::Main(argc, argv); }
