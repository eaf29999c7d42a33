// `lockbench check`: the conformance checks on the locks of the plugins given. Loading plugins
// and naming their locks is the lock catalog's (tool/plan/lock_catalog.h).
#ifndef LOCKBENCH_TOOL_PLUGINS_H_
#define LOCKBENCH_TOOL_PLUGINS_H_

#include <string>
#include <vector>

#include "tool/plan/lock_catalog.h"

namespace lockbench {

struct CheckOptions {
  std::vector<std::string> plugins;
  std::string locks;  // comma-separated names of plugin locks; empty: all of them
};

// Prints one line per check and lock; 0 when all pass, kExitViolation when one fails.
int CheckCommand(const CheckOptions& options);

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_PLUGINS_H_
