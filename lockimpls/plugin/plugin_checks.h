// The conformance checks `lockbench check` runs on a plugin's locks, one row each: mutual
// exclusion under a multi-thread stress with an invariant check, try semantics, readers that
// really share, writers and readers that exclude each other, and recursion where the lock
// claims it. The typed suite lockimpls/conformance_test.cc proves the same contract for the
// built-in locks at compile time; these run on a lock known only at run time.
//
// A check that does not finish within its deadline (a deadlock, a lost wake-up) fails as stuck:
// its threads are left behind, inside the lock, and the caller should stop soon after.
#ifndef LOCKBENCH_LOCKIMPLS_PLUGIN_PLUGIN_CHECKS_H_
#define LOCKBENCH_LOCKIMPLS_PLUGIN_PLUGIN_CHECKS_H_

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "lockimpls/plugin/plugin_lock.h"

namespace lockbench {

struct CheckOutcome {
  bool passed = false;
  std::string detail;  // one line: what was seen
  bool stuck = false;  // did not finish in time; threads are left inside the lock
};

struct PluginCheck {
  std::string_view name;  // "writer_excludes_readers"
  std::string_view what;  // one line: what the check proves
  bool (*applies)(const PluginLockType& type);
  CheckOutcome (*run)(const PluginLockType& type);
};

// Every check, in the order `check` runs them.
std::span<const PluginCheck> PluginChecks();

// Runs `check` on `type` on a thread of its own; a check not done by `deadline` fails as stuck.
CheckOutcome RunPluginCheck(const PluginCheck& check, const PluginLockType& type,
                            std::chrono::milliseconds deadline);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_PLUGIN_PLUGIN_CHECKS_H_
