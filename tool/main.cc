// lockbench: measures reader/writer lock contention. This file only wires flags to commands.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "base/strings.h"
#include "tool/commands.h"
#include "tool/compare_command.h"
#include "tool/context.h"
#include "tool/doctor_command.h"
#include "tool/exit_codes.h"
#include "tool/merge_command.h"
#include "tool/messages.h"
#include "tool/plugins.h"
#include "tool/profile_command.h"
#include "workloads/workload_spec.h"

namespace lockbench {
namespace {

std::string FormatCheck(const std::string& value, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return "";
  }
  const std::vector<std::string_view> names(allowed.begin(), allowed.end());
  return "'" + value + "' is not allowed; use one of " + Join(names);
}

// CLI11 reports an unknown subcommand as a missing one; name it, with a suggestion.
std::string UnknownSubcommand(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return "";
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == argv[1]) return "";
    names.push_back(sub->get_name());
  }
  return "unknown subcommand '" + std::string(argv[1]) + "'" + DidYouMean(argv[1], names) +
         "; subcommands: " + Join(names);
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
    return DidYouMean(name, flags);
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

constexpr const char* kAppDescription =
    "lockbench: measures reader/writer lock contention: Windows lock emulations (push lock, "
    "ERESOURCE, SRWLOCK) side by side with std::shared_mutex, pthread rwlocks, absl::Mutex and "
    "TBB, with latency and fairness histograms in JSON.";

CLI::App* AddRunCommand(CLI::App& app, RunOptions* run) {
  CLI::App* cmd = app.add_subcommand("run", "run workloads on locks and report");
  cmd->footer(kExitCodesHelp);
  AddRunFlags(cmd, run);
  return cmd;
}

CLI::App* AddListCommand(CLI::App& app, ListOptions* list) {
  CLI::App* cmd = app.add_subcommand("list", "list the locks (with their traits), the workload presets and the metrics");
  cmd->add_option("--format", list->format, "table or json")->capture_default_str();
  cmd->add_option("--plugin", list->plugins, kPluginHelp)->take_all();
  return cmd;
}

CLI::App* AddCheckCommand(CLI::App& app, CheckOptions* check) {
  CLI::App* cmd = app.add_subcommand(
      "check", "run the conformance checks on a lock plugin's locks (exit 3 if one fails)");
  cmd->footer(kExitCodesHelp);
  cmd->add_option("--plugin", check->plugins, kPluginHelp)->required()->take_all();
  cmd->add_option("--lock,-l", check->locks, "the plugin locks to check, comma-separated; default all");
  return cmd;
}

CLI::App* AddTopologyCommand(CLI::App& app, TopologyOptions* topo) {
  CLI::App* cmd = app.add_subcommand("topology", "print the machine's topology (or another one's)");
  cmd->add_option("--synthetic", topo->synthetic, "a synthetic hwloc topology, e.g. \"pack:2 numa:2 core:8 pu:2\"");
  cmd->add_option("--topology-xml", topo->topology_xml, "an hwloc XML topology file");
  cmd->add_option("--format", topo->format, "table or json")->capture_default_str();
  return cmd;
}

CLI::App* AddCompareCommand(CLI::App& app, CompareOptions* compare) {
  CLI::App* cmd = app.add_subcommand("compare", "compare two result files (CI regression gate)");
  cmd->add_option("BASELINE", compare->baseline, "baseline result file or directory of them")->required();
  cmd->add_option("NEW", compare->candidate, "candidate result file or directory of them")->required();
  cmd->add_option("--metric,-m", compare->metrics, kCompareMetricHelp)->capture_default_str();
  cmd->add_option("--threshold", compare->threshold, kCompareThresholdHelp)->capture_default_str();
  cmd->add_option("--alpha", compare->alpha, kCompareAlphaHelp)->capture_default_str();
  cmd->add_option("--correction", compare->correction, kCompareCorrectionHelp)->capture_default_str();
  cmd->add_option("--format", compare->format, "table, markdown or json")->capture_default_str();
  cmd->add_flag("--allow-different-machines", compare->allow_different_machines,
                "compare files whose context.cpu_model or context.topology differ");
  cmd->footer(std::string(kCompareFooter) + "\n" + kExitCodesHelp);
  return cmd;
}

CLI::App* AddMergeCommand(CLI::App& app, MergeOptions* merge) {
  CLI::App* cmd = app.add_subcommand(
      "merge", "combine result files from one or more machines into one result file");
  cmd->add_option("OUT", merge->out, "the merged result file")->required();
  cmd->add_option("IN", merge->inputs, "result files (merged ones too) or directories of them")
      ->required();
  cmd->footer(std::string(kMergeFooter) + "\n" + kExitCodesHelp);
  return cmd;
}

CLI::App* AddProfileCommand(CLI::App& app, ProfileOptions* profile) {
  CLI::App* cmd = app.add_subcommand(
      "profile", "run your program on its own pthread locks and see them contended, then on any "
                 "lockbench lock (lockbench profile [--lock LIST] -- CMD ARGS...)");
  cmd->add_option("COMMAND", profile->command, "the program and its arguments, after --")
      ->take_all();
  cmd->add_option("--lock,-l", profile->locks,
                  "also run the program with every pthread mutex and rwlock served by each of "
                  "these locks, comma-separated, or all");
  cmd->add_option("--plugin", profile->plugins, kPluginHelp)->take_all();
  cmd->add_option("--out,-o", profile->out, "write the JSON profile document here");
  cmd->add_option("--record-workload", profile->record_workload,
                  "write the program's observed lock use as a workload file here (replay it with "
                  "`lockbench run --workload FILE`)");
  cmd->add_option("--format", profile->format, "stdout format: table or json")
      ->capture_default_str();
  cmd->add_option("--hgrm", profile->hgrm_dir,
                  "also write the top locks' wait and hold histograms into this directory in "
                  "HdrHistogram's .hgrm format (microseconds)");
  cmd->add_option("--metric-regex", profile->metric_regex,
                  "the program's own figure per run: group 1 of the last match in its stdout, "
                  "e.g. 'events/s: ([0-9.]+)'");
  cmd->add_option("--sample", profile->sample,
                  "time the hold of 1 in N acquisitions (waits are always timed), to lower the "
                  "cost on a program that locks very often")
      ->capture_default_str();
  cmd->add_option("--timeout", profile->timeout,
                  "end a run of the program that takes longer (SIGTERM, SIGKILL 5 s later), e.g. "
                  "60s");
  cmd->add_option("--top", profile->top, "locks listed per run in the report")
      ->capture_default_str();
  cmd->footer(std::string(kProfileFooter) + "\n" + kExitCodesHelp);
  return cmd;
}

CLI::App* AddDoctorCommand(CLI::App& app, DoctorOptions* doctor) {
  CLI::App* cmd = app.add_subcommand(
      "doctor", "check whether this machine can show what you plan to measure (exit 5 if not)");
  cmd->add_option("--threads,-t", doctor->threads, kDoctorThreadsHelp);
  cmd->add_option("--format", doctor->format, "table or json")->capture_default_str();
  cmd->footer(std::string(kDoctorFooter) + "\n" + kExitCodesHelp);
  return cmd;
}

// Parses the command line; an exit code when that already ends the program (help, version, a
// usage error), else nullopt.
std::optional<int> Parse(CLI::App& app, int argc, char** argv) {
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
  return std::nullopt;
}

int Run(CLI::App* cmd, RunOptions* run) {
  if (std::string bad = ResumeConflict(cmd); !bad.empty()) return UsageError(bad);
  DropUngivenFlags(cmd, run);
  if (std::string bad = FormatCheck(run->format, {"table", "json", "csv", "markdown", "gbench"});
      !bad.empty()) {
    return UsageError("--format: " + bad);
  }
  if (std::string bad = FormatCheck(run->smt, {"on", "off"}); !bad.empty()) {
    return UsageError("--smt: " + bad);
  }
  return RunCommand(*run);
}

int List(const ListOptions& list) {
  if (std::string bad = FormatCheck(list.format, {"table", "json"}); !bad.empty()) {
    return UsageError("--format: " + bad);
  }
  return ListCommand(list);
}

int Topo(const TopologyOptions& topo) {
  if (std::string bad = FormatCheck(topo.format, {"table", "json"}); !bad.empty()) {
    return UsageError("--format: " + bad);
  }
  return TopologyCommand(topo);
}

// set up the app and its subcommands -> parse -> the subcommand that was given.
int Main(int argc, char** argv) {
  CLI::App app{kAppDescription, "lockbench"};
  app.footer(kExitCodesHelp);
  app.set_version_flag("--version", std::string("lockbench ") + ToolVersion() + " (commit " +
                                        ToolCommit() + ")");
  app.require_subcommand(1);
  RunOptions run;
  ListOptions list;
  TopologyOptions topo;
  CompareOptions compare;
  MergeOptions merge;
  CheckOptions check;
  ProfileOptions profile;
  DoctorOptions doctor;
  CLI::App* run_cmd = AddRunCommand(app, &run);
  CLI::App* list_cmd = AddListCommand(app, &list);
  CLI::App* topo_cmd = AddTopologyCommand(app, &topo);
  CLI::App* compare_cmd = AddCompareCommand(app, &compare);
  CLI::App* merge_cmd = AddMergeCommand(app, &merge);
  CLI::App* check_cmd = AddCheckCommand(app, &check);
  CLI::App* profile_cmd = AddProfileCommand(app, &profile);
  CLI::App* doctor_cmd = AddDoctorCommand(app, &doctor);
  if (std::optional<int> done = Parse(app, argc, argv)) return *done;
  if (run_cmd->parsed()) return Run(run_cmd, &run);
  if (list_cmd->parsed()) return List(list);
  if (topo_cmd->parsed()) return Topo(topo);
  if (compare_cmd->parsed()) return CompareCommand(compare);
  if (merge_cmd->parsed()) return MergeCommand(merge);
  if (check_cmd->parsed()) return CheckCommand(check);
  if (profile_cmd->parsed()) return ProfileCommand(profile);
  if (doctor_cmd->parsed()) return DoctorCommand(doctor);
  return UsageError("no subcommand");
}

}  // namespace
}  // namespace lockbench

int main(int argc, char** argv) { return lockbench::Main(argc, argv); }
