// std::shared_mutex as a lockbench lock. libstdc++ wraps a default glibc pthread_rwlock_t,
// so it prefers readers: a steady stream of readers can starve writers. Recursion: none is
// promised by the standard (glibc lets shared re-entry through). Cost: one or two atomics each
// way uncontended; 56 bytes on x86-64.
#ifndef LOCKBENCH_LOCKIMPLS_STD_SHARED_MUTEX_H_
#define LOCKBENCH_LOCKIMPLS_STD_SHARED_MUTEX_H_

#include <shared_mutex>

#include "lockimpls/lock_concept.h"

namespace lockbench {

class StdSharedMutex : public std::shared_mutex {
 public:
  static constexpr LockTraits kTraits{
      .name = "shared_mutex",
      .description = "std::shared_mutex (libstdc++ over a default glibc pthread_rwlock)",
      .size_bytes = sizeof(std::shared_mutex),
      .recursion = Recursion::kNone,
      .fairness = "reader preference: readers enter while a writer waits; writers can starve",
      .owner_query = false,
      .holder_level = HolderLevel::kUserMode,
      .waiters = WaitKind::kSleep,
  };
};

static_assert(BenchLock<StdSharedMutex>);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_STD_SHARED_MUTEX_H_
