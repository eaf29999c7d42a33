// The subcommands of lockbench. main.cc wires them to CLI11; each returns an exit code
// (tool/exit_codes.h) and throws nothing for bad user input (it prints one line and returns 2).
#ifndef LOCKBENCH_TOOL_COMMANDS_H_
#define LOCKBENCH_TOOL_COMMANDS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tool/run_options.h"
#include "workloads/runners.h"

namespace lockbench {

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

// Checks that --hgrm names an existing, writable directory; throws SpecError "--hgrm: ...".
void CheckHgrmDir(const std::string& dir);

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
