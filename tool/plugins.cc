#include "tool/plugins.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "base/strings.h"
#include "lockimpls/plugin/plugin_checks.h"
#include "tool/exit_codes.h"
#include "tool/messages.h"
#include "workloads/units.h"

namespace lockbench {
namespace {

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
