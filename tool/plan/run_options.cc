#include "tool/plan/run_options.h"

#include <cstdint>
#include <string>

#include "CLI/CLI.hpp"
#include "tool/plan/lock_catalog.h"
#include "tool/plan/run_plan.h"
#include "workloads/units.h"
#include "workloads/workload_spec.h"

namespace lockbench {
namespace {

using json = nlohmann::json;

constexpr RunOptionRow kRows[] = {
    {.flag = "--lock,-l", .help = "locks to measure, comma-separated, or all",
     .field = &RunOptions::locks, .journal_key = "locks", .show_default = true,
     .config_key = "locks", .config_derived = true},
    {.flag = "--plugin", .help = kPluginHelp, .field = &RunOptions::plugins,
     .journal_key = "plugins", .config_key = "plugins", .config_derived = true},
    {.flag = "--workload,-w",
     .help = "a preset name (see `lockbench list`) or a workload .json file; default read-mostly",
     .field = &RunOptions::workload, .journal_key = "workload", .config_key = "workload",
     .config_derived = true},
    {.flag = kWorkloadFlagsRow},
    // How the run happens: placement, memory, the plan-only topologies and dry run.
    {.flag = "--placement",
     .help = "thread placement: compact, scatter, numa:<n>, split, cpus:<list>, none",
     .field = &RunOptions::placement, .journal_key = "placement", .show_default = true,
     .config_key = "placement"},
    {.flag = "--smt", .help = "on: use every hardware thread; off: one PU per core",
     .field = &RunOptions::smt, .journal_key = "smt", .show_default = true, .config_key = "smt"},
    {.flag = "--memory",
     .help = "where the lock and its data live: first-touch, node:<n>, interleave",
     .field = &RunOptions::memory, .journal_key = "memory", .show_default = true,
     .config_key = "memory", .config_derived = true},
    {.flag = "--lock-node", .help = "same as --memory node:<n>", .field = &RunOptions::lock_node,
     .journal_key = "lock_node", .config_key = "memory", .config_derived = true},
    {.flag = "--synthetic",
     .help = "plan for a synthetic hwloc topology, e.g. \"pack:2 numa:2 core:8 pu:2\" (with "
             "--dry-run)",
     .field = &RunOptions::synthetic},
    {.flag = "--topology-xml", .help = "plan for an hwloc XML topology (with --dry-run)",
     .field = &RunOptions::topology_xml},
    {.flag = "--dry-run", .help = "print the placement plan and exit",
     .field = &RunOptions::dry_run},
    // What is measured and written, and the knobs of the measurement itself.
    {.flag = "--out,-o",
     .help = "write the JSON result file here; until the sweep completes, each finished run is "
             "also kept in FILE.journal (see --resume)",
     .field = &RunOptions::out},
    {.flag = "--hgrm",
     .help = "also write each run's acquire-latency histograms into this directory in "
             "HdrHistogram's .hgrm percentile format (values in microseconds)",
     .field = &RunOptions::hgrm_dir, .journal_key = "hgrm"},
    {.flag = "--timeline",
     .help = "also write each run's first --timeline-window of the measured window as Trace Event "
             "JSON (Perfetto, chrome://tracing): every acquisition's wait and hold per thread, "
             "hand-off arrows; one file per run when there are several (docs/user_guide.md, "
             "\"Timeline\")",
     .field = &RunOptions::timeline, .journal_key = "timeline", .type_name = "FILE",
     .config_key = "timeline"},
    {.flag = "--timeline-window",
     .help = "length of --timeline's window, from the measured window's start (events capped per "
             "thread, the cap stated in the file)",
     .field = &RunOptions::timeline_window, .journal_key = "timeline_window", .show_default = true,
     .kind = ValueKind::kDuration, .min = 1'000, .config_key = "timeline_window_ns"},
    {.flag = "--shard",
     .help = "run only slice K of N of the sweep's runs, e.g. 2/3, so N machines (a Slurm job "
             "array) share one sweep; each slice holds every lock in turn, and `lockbench merge` "
             "joins the slices' result files, naming any that is missing",
     .field = &RunOptions::shard, .journal_key = "shard", .type_name = "K/N",
     .config_key = "shard", .config_derived = true},
    {.flag = "--format",
     .help = "stdout format: table, json, csv, markdown, or gbench (Google Benchmark's JSON)",
     .field = &RunOptions::format, .show_default = true, .with_resume = true},
    {.flag = "--wide",
     .help = "the table with every metric column; without it, the main columns (120 wide)",
     .field = &RunOptions::wide, .with_resume = true},
    {.flag = "--quiet,-q",
     .help = "no sweep progress on stderr (a status line on a terminal, else a line per run)",
     .field = &RunOptions::quiet, .with_resume = true},
    {.flag = "--latency-sample", .help = "time 1 in N acquisitions (1 = every one), or auto",
     .field = &RunOptions::latency_sample, .journal_key = "latency_sample", .show_default = true,
     .kind = ValueKind::kCount, .min = 1, .max = 1'000'000, .keyword = "auto",
     .config_key = "latency_sample_every", .config_derived = true},
    {.flag = "--no-verify", .help = "do not check mutual exclusion in the critical section",
     .field = &RunOptions::no_verify, .journal_key = "verify", .negated = true,
     .config_key = "verify", .config_derived = true},
    {.flag = "--stall-timeout", .help = "end a run with exit 4 when no thread acquires for this long",
     .field = &RunOptions::stall_timeout, .journal_key = "stall_timeout", .show_default = true,
     .kind = ValueKind::kDuration, .min = 1'000'000, .config_key = "stall_timeout_ns"},
    {.flag = "--time-series-interval", .help = "interval of the ops time series",
     .field = &RunOptions::time_series_interval, .journal_key = "time_series_interval",
     .show_default = true, .kind = ValueKind::kDuration, .min = 100'000,
     .config_key = "time_series_interval_ns"},
    {.flag = kLockSettingFlagsRow},
    {.flag = "--allow-deadlock", .help = "run recursion on locks that cannot recurse (to show the hang)",
     .field = &RunOptions::allow_deadlock, .journal_key = "allow_deadlock"},
    {.flag = "--torture",
     .help = "disturb the lock on purpose: delays and sleeps inside holds, stutters, re-pinning "
             "and signals to waiting threads (docs/user_guide.md, \"Torture mode\")",
     .field = &RunOptions::torture, .journal_key = "torture", .config_key = "torture",
     .config_derived = true},
    {.flag = "--torture-seed",
     .help = "seed of torture mode's disturbances (default: the workload's seed)",
     .field = &RunOptions::torture_seed, .journal_key = "torture_seed", .kind = ValueKind::kCount,
     .max = INT64_MAX, .config_key = "torture", .config_derived = true},
    // --resume takes a sweep's flags from its journal (tool/run_journal.h).
    {.flag = "--resume",
     .help = "finish the sweep into FILE that ended early: skip the runs FILE.journal holds, run "
             "the rest with the flags it recorded and write FILE; takes no other flag but "
             "--format and --force",
     .field = &RunOptions::resume, .with_resume = true, .type_name = "FILE"},
    {.flag = "--force",
     .help = "with --resume: resume a journal of another lockbench version, machine or config",
     .field = &RunOptions::force, .with_resume = true},
};

bool IsMarker(const RunOptionRow& row) {
  return row.flag == kWorkloadFlagsRow || row.flag == kLockSettingFlagsRow;
}

// "--lock" of "--lock,-l": the name CLI11 reports an option by.
std::string LongName(std::string_view flag) {
  return std::string(flag.substr(0, flag.find(',')));
}

// The row whose value lives in `member`; every string member has one.
const RunOptionRow& RowOf(std::string RunOptions::*member) {
  for (const RunOptionRow& row : kRows) {
    if (auto* s = std::get_if<std::string RunOptions::*>(&row.field); s != nullptr && *s == member) {
      return row;
    }
  }
  throw std::logic_error("a RunOptions member without a row");
}

}  // namespace

std::span<const RunOptionRow> RunOptionRows() { return kRows; }

uint64_t DurationOption(const RunOptions& o, std::string RunOptions::*member) {
  const RunOptionRow& row = RowOf(member);
  const std::string& value = o.*member;
  try {
    const uint64_t ns = ParseDurationNs(value);
    if (ns < row.min) {
      throw SpecError("'" + value + "' is too short; at least " + FormatDurationNs(row.min));
    }
    return ns;
  } catch (const SpecError& e) {
    throw SpecError(LongName(row.flag) + ": " + e.what());
  }
}

uint64_t CountOption(const RunOptions& o, std::string RunOptions::*member) {
  const RunOptionRow& row = RowOf(member);
  const std::string& value = o.*member;
  const std::string word = row.keyword.empty() ? "" : std::string(row.keyword) + " or ";
  // The range is stated once: ParseCount's own "expected ..." would repeat it in other words.
  const std::string allowed = word + std::to_string(row.min) + " to " + std::to_string(row.max);
  try {
    const uint64_t n = ParseCount(value, row.max, allowed);
    if (n < row.min) throw SpecError("'" + value + "' is out of range; expected " + allowed);
    return n;
  } catch (const SpecError& e) {
    throw SpecError(LongName(row.flag) + ": " + e.what());
  }
}

json RecordedOptions(const RunOptions& o) {
  json config = json::object();
  for (const RunOptionRow& row : kRows) {
    if (row.config_key.empty() || row.config_derived) continue;
    const auto member = std::get<std::string RunOptions::*>(row.field);
    const std::string key(row.config_key);
    if (row.kind == ValueKind::kDuration) {
      config[key] = DurationOption(o, member);
    } else if (row.kind == ValueKind::kCount) {
      config[key] = CountOption(o, member);
    } else {
      config[key] = o.*member;
    }
  }
  return config;
}

void AddRunFlags(CLI::App* cmd, RunOptions* run) {
  for (const RunOptionRow& row : kRows) {
    if (row.flag == kWorkloadFlagsRow) {
      // Values go through the workload parser, so a flag and a file field are checked alike.
      for (const WorkloadField& f : WorkloadFields()) {
        if (f.flag.empty()) continue;
        cmd->add_option(std::string(f.flag), run->workload_flags[std::string(f.name)],
                        std::string(f.help));
      }
      continue;
    }
    if (row.flag == kLockSettingFlagsRow) {
      for (const LockSettingFlag& f : LockSettingFlags()) {
        cmd->add_option(f.flag, run->lock_settings[f.name], f.help);
      }
      continue;
    }
    const std::string flag(row.flag);
    const std::string help(row.help);
    CLI::Option* opt = nullptr;
    if (auto* s = std::get_if<std::string RunOptions::*>(&row.field)) {
      opt = cmd->add_option(flag, run->**s, help);
    } else if (auto* b = std::get_if<bool RunOptions::*>(&row.field)) {
      opt = cmd->add_flag(flag, run->**b, help);
    } else {
      opt = cmd->add_option(flag, run->*std::get<std::vector<std::string> RunOptions::*>(row.field),
                            help)
                ->take_all();
    }
    if (row.show_default) opt->capture_default_str();
    if (!row.type_name.empty()) opt->type_name(std::string(row.type_name));
  }
}

void DropUngivenFlags(CLI::App* cmd, RunOptions* run) {
  for (const WorkloadField& f : WorkloadFields()) {
    if (f.flag.empty() || cmd->count(std::string(f.flag)) == 0) {
      run->workload_flags.erase(std::string(f.name));
    }
  }
  for (const LockSettingFlag& f : LockSettingFlags()) {
    if (cmd->count(f.flag) == 0) run->lock_settings.erase(f.name);
  }
}

std::string ResumeConflict(CLI::App* cmd) {
  if (cmd->count("--resume") == 0) {
    return cmd->count("--force") > 0 ? "--force: only with --resume" : "";
  }
  for (const CLI::Option* opt : cmd->get_options()) {
    const std::string name = opt->get_name();
    if (opt->count() == 0) continue;
    bool allowed = false;
    for (const RunOptionRow& row : kRows) {
      if (!IsMarker(row) && LongName(row.flag) == name) allowed = row.with_resume;
    }
    if (allowed) continue;
    return "--resume: " + name + " cannot be given with it; a resume takes the sweep's flags "
           "from its journal";
  }
  return "";
}

json OptionsToJson(const RunOptions& o, std::uint32_t sample_every) {
  json j;
  for (const RunOptionRow& row : kRows) {
    if (row.journal_key.empty()) continue;
    const std::string key(row.journal_key);
    if (auto* s = std::get_if<std::string RunOptions::*>(&row.field)) {
      j[key] = o.**s;
    } else if (auto* b = std::get_if<bool RunOptions::*>(&row.field)) {
      j[key] = row.negated ? !(o.**b) : o.**b;
    } else {
      j[key] = o.*std::get<std::vector<std::string> RunOptions::*>(row.field);
    }
  }
  j["latency_sample"] = std::to_string(sample_every);  // what `auto` chose, not re-measured
  j["workload_flags"] = o.workload_flags;
  j["lock_settings"] = o.lock_settings;
  return j;
}

RunOptions OptionsFromJson(const json& options) {
  RunOptions o;
  for (const RunOptionRow& row : kRows) {
    if (row.journal_key.empty()) continue;
    const json& value = options.at(std::string(row.journal_key));
    if (auto* s = std::get_if<std::string RunOptions::*>(&row.field)) {
      value.get_to(o.**s);
    } else if (auto* b = std::get_if<bool RunOptions::*>(&row.field)) {
      o.**b = row.negated ? !value.get<bool>() : value.get<bool>();
    } else {
      value.get_to(o.*std::get<std::vector<std::string> RunOptions::*>(row.field));
    }
  }
  options.at("workload_flags").get_to(o.workload_flags);
  options.at("lock_settings").get_to(o.lock_settings);
  return o;
}

}  // namespace lockbench
