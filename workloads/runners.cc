#include "workloads/runners.h"

#include "lockimpls/registry.h"
#include "workloads/internal/drive.h"

namespace lockbench {

const std::vector<LockRunner>& LockRunners() {
  static const std::vector<LockRunner> kRunners = [] {
    std::vector<LockRunner> out;
    AllLocks::ForEach([&out]<class L>() { out.push_back({L::kTraits, &RunLock<L>}); });
    return out;
  }();
  return kRunners;
}

const LockRunner* FindLockRunner(const std::string& name) {
  for (const LockRunner& r : LockRunners()) {
    if (r.traits.name == name) return &r;
  }
  return nullptr;
}

}  // namespace lockbench
