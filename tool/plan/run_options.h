// The `run` command's options: RunOptions, and the table that defines each of them once.
//
// A row says where an option lives in RunOptions, its flag and help, whether `--resume` takes it
// from the journal (and under which key), and whether it may be given beside `--resume`. The
// CLI11 flags (AddRunFlags), the journal's save and restore (OptionsToJson, OptionsFromJson) and
// `--resume`'s "no other flag" rule (ResumeConflict) all read the table, so adding an option is
// adding a row (docs/extending.md). The workload fields and the lock settings are
// tables of their own (workloads/workload_spec.h, LockSettingFlags) and come in as two marked
// rows.
//
// Values stay the strings the user typed. A row with a typed value (a duration, a count) parses
// and checks it with its range (DurationOption, CountOption), so the range and the message live
// in the row; the run's planning (tool/plan/run_plan.h) turns the rest into a typed plan.
#ifndef LOCKBENCH_TOOL_PLAN_RUN_OPTIONS_H_
#define LOCKBENCH_TOOL_PLAN_RUN_OPTIONS_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "nlohmann/json.hpp"

namespace CLI {
class App;
}

namespace lockbench {

struct RunOptions {
  std::string locks = "all";
  std::string workload{};  // preset name or a .json path; empty: read-mostly
  // Workload flags that were given, by workload field name ("shared_cs" -> "200ns").
  std::map<std::string, std::string> workload_flags{};
  std::string placement = "compact";
  std::string smt = "on";
  std::string memory = "first-touch";
  std::string lock_node{};
  std::string synthetic{};
  std::string topology_xml{};
  bool dry_run = false;
  std::string out{};
  std::string hgrm_dir{};  // write each run's acquire-latency histograms here as .hgrm files
  std::string timeline{};  // write each run's timeline window here as Trace Event JSON
  std::string timeline_window = "20ms";  // its length, from the measured window's start
  std::string shard{};  // "K/N": run only slice K of the sweep's N slices; empty: all of it
  std::string format = "table";
  bool wide = false;   // the table with every column, not only the main ones
  bool quiet = false;  // no sweep progress on stderr
  std::string latency_sample = "auto";
  bool no_verify = false;
  std::string stall_timeout = "10s";
  std::string time_series_interval = "10ms";
  bool allow_deadlock = false;
  // Torture mode (workloads/internal/torture.h); its seed, as given, or empty for the
  // workload's seed.
  bool torture = false;
  std::string torture_seed{};
  // Lock settings that were given, by setting name ("spin_count" -> "64"); see LockSettingFlags.
  std::map<std::string, std::string> lock_settings{};
  // --resume FILE: run what FILE.journal lacks, with the flags it recorded (tool/run_journal.h).
  std::string resume{};
  bool force = false;  // resume a journal of another version, machine or config
  std::vector<std::string> plugins{};  // lock plugin files (.so) whose locks join the built-in ones
};

// Where a row's value lives: a string, a flag (true when given), or a repeatable list.
using RunOptionField = std::variant<std::string RunOptions::*, bool RunOptions::*,
                                    std::vector<std::string> RunOptions::*>;

// How a row's text value is read: as typed, a duration ("10ms", at least `min` ns) or a count
// (`min` to `max`).
enum class ValueKind { kText, kDuration, kCount };

struct RunOptionRow {
  std::string_view flag{};  // CLI11 names: "--stall-timeout", "--lock,-l"
  std::string_view help{};
  RunOptionField field{};
  // The journal's key; empty when a resumed sweep does not take it from the journal (outputs
  // it writes anew, the plan-only flags).
  std::string_view journal_key{};
  bool show_default = false;     // --help prints the default
  bool with_resume = false;      // may be given beside --resume
  bool negated = false;          // a flag journaled as its opposite (--no-verify as "verify")
  std::string_view type_name{};  // --help's name for the value, e.g. "FILE"; empty: CLI11's
  ValueKind kind = ValueKind::kText;
  uint64_t min = 0;  // kDuration: the shortest, in ns; kCount: the smallest
  uint64_t max = 0;  // kCount: the largest
  std::string_view keyword{};  // kCount: a word allowed instead of a number ("auto"), or empty
  // The key of the result's `config` that records the option; empty when none does.
  std::string_view config_key{};
  // The plan writes that key from what it resolved (the memory policy, the sampling `auto`
  // chose), not from the value as given.
  bool config_derived = false;
};

// Marks where the rows generated from other tables go, in --help's order.
inline constexpr std::string_view kWorkloadFlagsRow = "<workload fields>";
inline constexpr std::string_view kLockSettingFlagsRow = "<lock settings>";

// Every `run` option, in --help's order.
std::span<const RunOptionRow> RunOptionRows();

// Registers every row's flag on `cmd`, storing into *run (workload and lock-setting flags
// into their maps).
void AddRunFlags(CLI::App* cmd, RunOptions* run);

// Drops the workload and lock-setting flags that were not given, so they override neither the
// workload file nor a lock's default.
void DropUngivenFlags(CLI::App* cmd, RunOptions* run);

// "" when the flags given may go with --resume (or there is no --resume), else the one-line
// reason naming the first flag that may not.
std::string ResumeConflict(CLI::App* cmd);

// The value of a duration row's option in ns, or of a count row's, checked against the row's
// range; throws SpecError "<flag>: <problem>; <the range>".
uint64_t DurationOption(const RunOptions& o, std::string RunOptions::*member);
uint64_t CountOption(const RunOptions& o, std::string RunOptions::*member);

// The result's `config` keys of the rows whose value is recorded as given (typed: durations in
// ns); the plan adds the derived ones (RunConfig).
nlohmann::json RecordedOptions(const RunOptions& o);

// The journal's record of the options a resumed sweep runs with; `sample_every` is what
// `--latency-sample auto` chose, recorded so that a resume does not measure it again.
nlohmann::json OptionsToJson(const RunOptions& o, std::uint32_t sample_every);
// The options a journal recorded; throws nlohmann::json::exception on a missing or mistyped key.
RunOptions OptionsFromJson(const nlohmann::json& options);

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_PLAN_RUN_OPTIONS_H_
