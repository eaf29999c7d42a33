#include "tool/plan/lock_catalog.h"

#include <algorithm>
#include <iterator>
#include <sstream>

#include "base/file_io.h"
#include "base/strings.h"
#include "lockimpls/lock_concept.h"
#include "lockimpls/registry.h"
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

std::vector<const LockRunner*> ResolveLockList(const std::string& list,
                                               const std::vector<LockRunner>& runners) {
  std::vector<const LockRunner*> out;
  if (list == "all") {
    for (const LockRunner& r : runners) out.push_back(&r);
    return out;
  }
  std::vector<std::string> names;
  for (const LockRunner& r : runners) names.emplace_back(r.traits.name);
  const std::string allowed = Join(names);
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    const LockRunner* r = nullptr;
    for (const LockRunner& candidate : runners) {
      if (candidate.traits.name == name) r = &candidate;
    }
    if (r == nullptr) {
      throw SpecError("--lock: unknown lock '" + name + "'" + DidYouMean(name, names) +
                      "; locks: " + allowed + ", or all");
    }
    for (const LockRunner* seen : out) {
      if (seen == r) throw SpecError("--lock: '" + name + "' is named twice");
    }
    out.push_back(r);
  }
  if (out.empty()) throw SpecError("--lock: no lock named; locks: " + allowed + ", or all");
  return out;
}

std::vector<LockSettingFlag> LockSettingFlags() {
  std::vector<LockSettingFlag> flags;
  for (const LockSettings& lock : AllLocks::Settings()) {
    for (const LockSetting& s : lock.settings) {
      auto f = std::find_if(flags.begin(), flags.end(),
                            [&](const LockSettingFlag& x) { return x.name == s.name; });
      if (f == flags.end()) {
        std::string flag = "--" + std::string(s.name);
        std::replace(flag.begin(), flag.end(), '_', '-');
        flags.push_back(
            LockSettingFlag{std::string(s.name), flag, std::string(s.help) + "; for ", s.max});
        f = std::prev(flags.end());
      } else {
        f->help += ", ";
        f->max = std::min(f->max, s.max);
      }
      f->help += lock.lock;
    }
  }
  return flags;
}

void ApplyLockSettings(const std::map<std::string, std::string>& given) {
  for (const LockSettingFlag& f : LockSettingFlags()) {
    const auto value = given.find(f.name);
    if (value == given.end()) continue;
    uint32_t n = 0;
    try {
      n = static_cast<uint32_t>(ParseCount(value->second, f.max));
    } catch (const SpecError& e) {
      throw SpecError(f.flag + ": " + e.what());
    }
    for (const LockSettings& lock : AllLocks::Settings()) {
      for (const LockSetting& setting : lock.settings) {
        if (setting.name == f.name) setting.set(n);
      }
    }
  }
}

nlohmann::json LockSettingsJson() {
  nlohmann::json out = nlohmann::json::object();
  for (const LockSettings& lock : AllLocks::Settings()) {
    if (lock.settings.empty()) continue;
    nlohmann::json& values = out[std::string(lock.lock)];
    for (const LockSetting& s : lock.settings) values[std::string(s.name)] = s.get();
  }
  return out;
}

std::optional<uint32_t> FirstLockSetting(std::string_view name) {
  for (const LockSettings& lock : AllLocks::Settings()) {
    for (const LockSetting& s : lock.settings) {
      if (s.name == name) return s.get();
    }
  }
  return std::nullopt;
}

}  // namespace lockbench
