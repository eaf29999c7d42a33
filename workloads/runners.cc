#include "workloads/runners.h"

#include "lockimpls/registry.h"
#include "workloads/internal/drive.h"

namespace lockbench {
namespace {

// Torture mode runs a lock's hooked copy where it has one (lockimpls/internal/step_hook.h), so
// delays fall between its steps too; it reports the lock's own traits.
template <BenchLock L>
RunRecord RunBuiltIn(const EngineConfig& cfg, const void* /*context*/) {
  if constexpr (requires { typename L::Hooked; }) {
    if (cfg.torture_seed) return RunLockAs<typename L::Hooked>(cfg, L::kTraits);
  }
  return RunLock<L>(cfg);
}

RunRecord RunPluginLock(const EngineConfig& cfg, const void* context) {
  const auto& type = *static_cast<const PluginLockType*>(context);
  const engine_internal::LockOps ops{
      type.size, type.align,
      [](void* p, const void* t) {
        PluginLock::Construct(p, *static_cast<const PluginLockType*>(t));
      },
      &PluginLock::Destroy, &type};
  return RunWithOps<PluginLock>(cfg, type.traits, ops);
}

}  // namespace

const std::vector<LockRunner>& LockRunners() {
  static const std::vector<LockRunner> kRunners = [] {
    std::vector<LockRunner> out;
    AllLocks::ForEach([&out]<class L>() { out.push_back({L::kTraits, &RunBuiltIn<L>}); });
    return out;
  }();
  return kRunners;
}

LockRunner PluginLockRunner(const PluginLockType& type) {
  return LockRunner{type.traits, &RunPluginLock, &type};
}

}  // namespace lockbench
