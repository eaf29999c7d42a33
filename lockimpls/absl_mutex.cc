#include "lockimpls/absl_mutex.h"

namespace lockbench {

void DisableAbslDeadlockDetectionOnce() {
  static const bool disabled = [] {
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
    return true;
  }();
  (void)disabled;
}

}  // namespace lockbench
