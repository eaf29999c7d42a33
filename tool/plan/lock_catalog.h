// Which locks a command can name, and their settings: the built-in locks and those of the
// plugins given (`--plugin PATH` on run, list, check and profile), `--lock` lists resolved
// against them, and the lock settings (lockimpls' LockSetting) as `run` flags.
#ifndef LOCKBENCH_TOOL_PLAN_LOCK_CATALOG_H_
#define LOCKBENCH_TOOL_PLAN_LOCK_CATALOG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockimpls/plugin/plugin_lock.h"
#include "nlohmann/json.hpp"
#include "workloads/runners.h"

namespace lockbench {

// The help of --plugin, on every command that takes it.
inline constexpr const char* kPluginHelp =
    "a lock plugin (.so, docs/plugins.md) whose locks join the built-in ones; repeatable";

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

// The locks a --lock list names among `runners` (comma-separated, or all), in the order given;
// throws SpecError "--lock: ..." naming an unknown or repeated lock.
std::vector<const LockRunner*> ResolveLockList(const std::string& list,
                                               const std::vector<LockRunner>& runners);

// One `run` flag per lock setting name, whichever locks have it; the help names those locks. A
// given value is set on all of them.
struct LockSettingFlag {
  std::string name;  // "spin_count"
  std::string flag;  // "--spin-count"
  std::string help;
  uint32_t max;      // the largest value every lock with the setting accepts
};
std::vector<LockSettingFlag> LockSettingFlags();

// Sets each given setting ("spin_count" -> "64") on every lock that has it; throws SpecError
// "<flag>: <problem>" for a value out of the setting's range.
void ApplyLockSettings(const std::map<std::string, std::string>& given);

// Every lock's settings by lock name, as they are now: config.lock_settings of a result file.
nlohmann::json LockSettingsJson();

// The value of setting `name` on the first lock, in registry order, that has it.
std::optional<uint32_t> FirstLockSetting(std::string_view name);

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_PLAN_LOCK_CATALOG_H_
