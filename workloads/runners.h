// The runner level: where lock types are erased. Each lock in lockimpls' registry gets one
// entry whose `run` is the engine instantiated for that lock, so the hot loop stays a template
// and the tool picks locks by name. A plugin's locks get entries of their own, made at run time.
#ifndef LOCKBENCH_WORKLOADS_RUNNERS_H_
#define LOCKBENCH_WORKLOADS_RUNNERS_H_

#include <string>
#include <vector>

#include "lockimpls/lock_concept.h"
#include "lockimpls/plugin/plugin_lock.h"
#include "results/run_record.h"
#include "workloads/engine.h"

namespace lockbench {

// `run(config, context)` runs the lock once; a built-in lock's ignores the context, a plugin
// lock's is its PluginLockType.
struct LockRunner {
  LockTraits traits;
  RunRecord (*run)(const EngineConfig& config, const void* context);
  const void* context = nullptr;

  RunRecord Run(const EngineConfig& config) const { return run(config, context); }
};

// Every registered lock, in registry order.
const std::vector<LockRunner>& LockRunners();

// The runner of a plugin's lock: the engine's loop instantiated once for PluginLock, whose calls
// go through the descriptor. `type` must outlive the runner. Every run of a lock without a
// shared mode carries a warning that its shared requests ran exclusive.
LockRunner PluginLockRunner(const PluginLockType& type);

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_RUNNERS_H_
