// The runner level: where lock types are erased. Each lock in lockimpls' registry gets one
// entry whose `run` is the engine instantiated for that lock, so the hot loop stays a template
// and the tool picks locks by name.
#ifndef LOCKBENCH_WORKLOADS_RUNNERS_H_
#define LOCKBENCH_WORKLOADS_RUNNERS_H_

#include <string>
#include <vector>

#include "lockimpls/lock_concept.h"
#include "results/run_record.h"
#include "workloads/engine.h"

namespace lockbench {

struct LockRunner {
  LockTraits traits;
  RunRecord (*run)(const EngineConfig& config);
};

// Every registered lock, in registry order.
const std::vector<LockRunner>& LockRunners();

// The runner named `name`, or nullptr.
const LockRunner* FindLockRunner(const std::string& name);

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_RUNNERS_H_
