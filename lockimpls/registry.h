// The explicit list of every lock lockbench can measure. Adding a lock means adding its type
// here; there is no static self-registration. Consumers iterate the list with ForEach and build
// their own name -> factory maps, so this folder knows nothing of workloads. The order is the
// order reports list locks in: the Windows emulations first, then the Linux and library peers.
#ifndef LOCKBENCH_LOCKIMPLS_REGISTRY_H_
#define LOCKBENCH_LOCKIMPLS_REGISTRY_H_

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "lockimpls/absl_mutex.h"
#include "lockimpls/cache_aware_push_lock.h"
#include "lockimpls/critical_section.h"
#include "lockimpls/eresource.h"
#include "lockimpls/ex_spin_lock.h"
#include "lockimpls/fast_mutex.h"
#include "lockimpls/lock_concept.h"
#include "lockimpls/pthread_mutex.h"
#include "lockimpls/pthread_rwlock.h"
#include "lockimpls/push_lock.h"
#include "lockimpls/queued_spin_lock.h"
#include "lockimpls/srwlock.h"
#include "lockimpls/std_shared_mutex.h"
#include "lockimpls/tbb_rw.h"

namespace lockbench {

struct LockSettings {
  std::string_view lock;  // LockTraits::name
  std::span<const LockSetting> settings;
};

template <BenchLock... Ls>
struct LockList {
  static constexpr std::size_t kSize = sizeof...(Ls);
  // Calls f.template operator()<L>() for each lock type, in list order.
  template <class F>
  static constexpr void ForEach(F&& f) {
    (f.template operator()<Ls>(), ...);
  }
  static constexpr std::array<LockTraits, kSize> Traits() { return {Ls::kTraits...}; }
  // Each lock's settings (LockSetting), by lock name, in list order; most locks have none.
  static constexpr std::array<LockSettings, kSize> Settings() {
    return {LockSettings{Ls::kTraits.name, SettingsOf<Ls>()}...};
  }
};

using AllLocks =
    LockList<PushLock, CacheAwarePushLock, EResource, SrwLock, CriticalSection, FastMutex,
             GuardedMutex, ExSpinLock, QueuedSpinLock, StdSharedMutex, PthreadRwlock,
             PthreadRwlockWriterPref, PthreadMutex, AbslMutex, TbbSpinRw, TbbQueuingRw>;

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_REGISTRY_H_
