// Lock plugins in the tool: `--plugin PATH` on run, list and check loads them, their locks join
// the built-in ones by name, and `check` runs the conformance checks on them.
#ifndef LOCKBENCH_TOOL_PLUGINS_H_
#define LOCKBENCH_TOOL_PLUGINS_H_

#include <string>
#include <vector>

#include "lockimpls/plugin/plugin_lock.h"
#include "nlohmann/json.hpp"
#include "workloads/runners.h"

namespace lockbench {

// The help of --plugin, on every command that takes it.
inline constexpr const char* kPluginHelp =
    "a lock plugin (.so, README \"Lock plugins\") whose locks join the built-in ones; repeatable";

// The plugins given and every lock a command can name: the built-in ones, in registry order,
// then each plugin's, in the order given.
struct LockCatalog {
  std::vector<LoadedPlugin> plugins;
  std::vector<LockRunner> runners;
};

// Loads every plugin and checks that no lock name is taken twice; throws SpecError
// "--plugin: '<path>': <problem>" at the first problem, before anything runs.
LockCatalog LoadLockCatalog(const std::vector<std::string>& plugin_paths);

// config.plugins of a result file: each plugin's path, content hash, ABI version and locks.
nlohmann::json PluginsJson(const std::vector<LoadedPlugin>& plugins);

struct CheckOptions {
  std::vector<std::string> plugins;
  std::string locks;  // comma-separated names of plugin locks; empty: all of them
};

// Prints one line per check and lock; 0 when all pass, kExitViolation when one fails.
int CheckCommand(const CheckOptions& options);

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_PLUGINS_H_
