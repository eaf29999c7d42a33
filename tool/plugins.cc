#include "tool/plugins.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "base/strings.h"
#include "lockimpls/plugin/plugin_checks.h"
#include "tool/commands.h"
#include "tool/exit_codes.h"
#include "tool/messages.h"
#include "workloads/units.h"

namespace lockbench {
namespace {

// Where a lock name is already taken, or "".
std::string TakenBy(const std::string& name, const LockCatalog& catalog) {
  for (const LockRunner& r : LockRunners()) {
    if (r.traits.name == name) return "the built-in lock of that name";
  }
  for (const LoadedPlugin& p : catalog.plugins) {
    for (const auto& t : p.locks) {
      if (t->name == name) return "a lock of plugin '" + p.path + "'";
    }
  }
  return "";
}

// A lock of this plugin whose name is taken, with what took it; throws SpecError.
void CheckNames(const std::string& path, const LoadedPlugin& plugin, const LockCatalog& catalog) {
  for (size_t i = 0; i < plugin.locks.size(); ++i) {
    const std::string& name = plugin.locks[i]->name;
    std::string taken = TakenBy(name, catalog);
    for (size_t j = 0; j < i && taken.empty(); ++j) {
      if (plugin.locks[j]->name == name) taken = "another lock of the same plugin";
    }
    if (!taken.empty()) {
      throw SpecError("--plugin: '" + path + "': lock '" + name + "' clashes with " + taken +
                      "; lock names must be unique");
    }
  }
}

// The plugin locks `list` names (comma-separated; empty: all); throws SpecError.
std::vector<const PluginLockType*> ChosenLocks(const std::vector<LoadedPlugin>& plugins,
                                               const std::string& list) {
  std::vector<const PluginLockType*> all;
  std::vector<std::string> names;
  for (const LoadedPlugin& p : plugins) {
    for (const auto& t : p.locks) {
      all.push_back(t.get());
      names.push_back(t->name);
    }
  }
  if (list.empty()) return all;
  std::vector<const PluginLockType*> out;
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    const PluginLockType* found = nullptr;
    for (const PluginLockType* t : all) {
      if (t->name == name) found = t;
    }
    if (found == nullptr) {
      throw SpecError("--lock: '" + name + "' is not a lock of the plugins given" +
                      DidYouMean(name, names) + "; their locks: " + Join(names));
    }
    out.push_back(found);
  }
  if (out.empty()) throw SpecError("--lock: no lock named; their locks: " + Join(names));
  return out;
}

// A check that may stress a lock on a slow, sanitized build: generous, it only catches hangs.
constexpr std::chrono::milliseconds kCheckDeadline{60'000};

}  // namespace

LockCatalog LoadLockCatalog(const std::vector<std::string>& plugin_paths) {
  LockCatalog catalog;
  for (const std::string& given : plugin_paths) {
    const std::string path = UserPath(given);
    for (const LoadedPlugin& p : catalog.plugins) {
      if (p.path == path) throw SpecError("--plugin: '" + given + "' is given twice");
    }
    LoadedPlugin plugin;
    try {
      plugin = LoadPlugin(path);
    } catch (const PluginError& e) {
      throw SpecError("--plugin: '" + given + "': " + e.what());
    }
    CheckNames(given, plugin, catalog);
    catalog.plugins.push_back(std::move(plugin));
  }
  catalog.runners = LockRunners();
  for (const LoadedPlugin& p : catalog.plugins) {
    for (const auto& t : p.locks) catalog.runners.push_back(PluginLockRunner(*t));
  }
  return catalog;
}

nlohmann::json PluginsJson(const std::vector<LoadedPlugin>& plugins) {
  nlohmann::json out = nlohmann::json::array();
  for (const LoadedPlugin& p : plugins) {
    nlohmann::json locks = nlohmann::json::array();
    for (const auto& t : p.locks) {
      locks.push_back({{"name", t->name}, {"shared_mode", t->has_shared}});
    }
    out.push_back({{"path", p.path},
                   {"content_hash", p.content_hash},
                   {"abi_version", p.abi_version},
                   {"locks", locks}});
  }
  return out;
}

// load the plugins -> choose the locks -> each check on each lock, one line each -> the verdict.
int CheckCommand(const CheckOptions& options) {
  LockCatalog catalog;
  std::vector<const PluginLockType*> locks;
  try {
    catalog = LoadLockCatalog(options.plugins);
    locks = ChosenLocks(catalog.plugins, options.locks);
  } catch (const SpecError& e) {
    return UsageError(e.what());
  }
  int passed = 0, failed = 0;
  for (const PluginLockType* lock : locks) {
    for (const PluginCheck& check : PluginChecks()) {
      if (!check.applies(*lock)) continue;
      const CheckOutcome out = RunPluginCheck(check, *lock, kCheckDeadline);
      std::printf("%s %s %s: %s\n", out.passed ? "PASS" : "FAIL", lock->name.c_str(),
                  std::string(check.name).c_str(), OneLine(out.detail).c_str());
      std::fflush(stdout);
      ++(out.passed ? passed : failed);
      if (out.stuck) {
        // Threads are stuck inside the lock; leave without running destructors under them.
        std::fprintf(stderr, "lockbench: check: stopped after a stuck check\n");
        std::fflush(nullptr);
        std::_Exit(kExitViolation);
      }
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? kExitOk : kExitViolation;
}

}  // namespace lockbench
