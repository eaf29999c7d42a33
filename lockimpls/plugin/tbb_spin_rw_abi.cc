// The built-in tbb_spin_rw served through the plugin ABI, as tbb_spin_rw_abi: the same lock on
// both sides of the boundary, so that running the two side by side measures what the boundary
// costs (docs/plugins.md). Built by Bazel only; it links the lock's own library.
#include <new>

#include "lockimpls/plugin/lockbench_plugin.h"
#include "lockimpls/tbb_rw.h"

namespace {

using Lock = lockbench::TbbSpinRw;

Lock& Of(void* p) { return *std::launder(static_cast<Lock*>(p)); }

void Init(void* p) { new (p) Lock(); }
void Destroy(void* p) { Of(p).~Lock(); }
void Acquire(void* p) { Of(p).lock(); }
void Release(void* p) { Of(p).unlock(); }
int TryAcquire(void* p) { return Of(p).try_lock() ? 1 : 0; }
void AcquireShared(void* p) { Of(p).lock_shared(); }
void ReleaseShared(void* p) { Of(p).unlock_shared(); }
int TryAcquireShared(void* p) { return Of(p).try_lock_shared() ? 1 : 0; }

const lockbench_lock_v1 kLocks[] = {{
    .name = "tbb_spin_rw_abi",
    .description = "tbb_spin_rw through the plugin ABI (measures the boundary's cost)",
    .fairness = "as tbb_spin_rw",
    .size = sizeof(Lock),
    .align = alignof(Lock),
    .recursion = LOCKBENCH_RECURSION_NONE,
    .has_shared = 1,
    .init = Init,
    .destroy = Destroy,
    .lock = Acquire,
    .unlock = Release,
    .try_lock = TryAcquire,
    .lock_shared = AcquireShared,
    .unlock_shared = ReleaseShared,
    .try_lock_shared = TryAcquireShared,
}};

const lockbench_plugin_v1 kPlugin = {
    .abi_version = LOCKBENCH_PLUGIN_ABI_VERSION,
    .lock_count = 1,
    .locks = kLocks,
};

}  // namespace

extern "C" const lockbench_plugin_v1* lockbench_plugin_entry() { return &kPlugin; }
