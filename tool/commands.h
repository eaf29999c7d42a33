// The run, list and topology commands of lockbench: the wiring of the plan (tool/plan/) to the
// engine, the journal and the output. main.cc wires them to CLI11; each returns an exit code
// (tool/exit_codes.h) and throws nothing for bad user input (it prints one line and returns 2).
#ifndef LOCKBENCH_TOOL_COMMANDS_H_
#define LOCKBENCH_TOOL_COMMANDS_H_

#include <string>
#include <vector>

#include "tool/plan/run_options.h"

namespace lockbench {

int RunCommand(const RunOptions& options);

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
