// The subcommands of lockbench. main.cc wires them to CLI11; each returns an exit code
// (tool/exit_codes.h) and throws nothing for bad user input (it prints one line and returns 2).
#ifndef LOCKBENCH_TOOL_COMMANDS_H_
#define LOCKBENCH_TOOL_COMMANDS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "workloads/runners.h"

namespace lockbench {

struct RunOptions {
  std::string locks = "all";
  std::string workload;  // preset name or a .json path; empty: read-mostly
  // Workload flags that were given, by workload field name ("shared_cs" -> "200ns").
  std::map<std::string, std::string> workload_flags;
  std::string placement = "compact";
  std::string smt = "on";
  std::string memory = "first-touch";
  std::string lock_node;
  std::string synthetic;
  std::string topology_xml;
  bool dry_run = false;
  std::string out;
  std::string hgrm_dir;  // write each run's acquire-latency histograms here as .hgrm files
  std::string format = "table";
  std::string latency_sample = "auto";
  bool no_verify = false;
  std::string stall_timeout = "10s";
  std::string time_series_interval = "10ms";
  bool allow_deadlock = false;
  // Torture mode (workloads/internal/torture.h); its seed, as given, or empty for the
  // workload's seed.
  bool torture = false;
  std::string torture_seed;
  // Lock settings that were given, by setting name ("spin_count" -> "64"); see LockSettingFlags.
  std::map<std::string, std::string> lock_settings;
  // --resume FILE: run what FILE.journal lacks, with the flags it recorded (tool/run_journal.h).
  std::string resume;
  bool force = false;  // resume a journal of another version, machine or config
  std::vector<std::string> plugins;  // lock plugin files (.so) whose locks join the built-in ones
};

// One `run` flag per lock setting name (lockimpls' LockSetting), whichever locks have it; the
// help names those locks. A given value is set on all of them.
struct LockSettingFlag {
  std::string name;  // "spin_count"
  std::string flag;  // "--spin-count"
  std::string help;
  uint32_t max;      // the largest value every lock with the setting accepts
};
std::vector<LockSettingFlag> LockSettingFlags();

// A path as the user meant it: relative paths are taken from where `bazel run` was started
// (BUILD_WORKING_DIRECTORY) when run that way, else from the current directory.
std::string UserPath(const std::string& path);

int RunCommand(const RunOptions& options);

// The locks a --lock list names among `runners` (comma-separated, or all), in the order given;
// throws SpecError "--lock: ..." naming an unknown or repeated lock.
std::vector<const LockRunner*> ResolveLockList(const std::string& list,
                                               const std::vector<LockRunner>& runners);

struct ListOptions {
  std::string format = "table";
  std::vector<std::string> plugins;
};
int ListCommand(const ListOptions& options);

struct TopologyOptions {
  std::string synthetic;
  std::string topology_xml;
  std::string format = "table";
};
int TopologyCommand(const TopologyOptions& options);

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_COMMANDS_H_
