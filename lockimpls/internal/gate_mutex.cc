#include "lockimpls/internal/gate_mutex.h"

#include "lockimpls/internal/check.h"
#include "lockimpls/internal/gate_mutex_impl.h"

namespace lockbench::internal {
void GateMutexReentered(const void* mutex) {
  Fatal("GateMutex",
        "fast or guarded mutex re-acquired by the thread that holds it (not recursive: this "
        "deadlocks on Windows)");
}

template class BasicGateMutex<RealAtoms>;

}  // namespace lockbench::internal
