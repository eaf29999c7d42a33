// Tells ThreadSanitizer about locks whose code it cannot see. absl::Mutex and
// tbb::queuing_rw_mutex do their synchronization inside prebuilt system libraries that were not
// compiled with -fsanitize=thread, so without these marks every access they protect looks like
// a race. In a normal build both calls compile to nothing.
//
// Use: TsanAcquired(lock) right after any acquire (shared or exclusive) succeeds,
// TsanReleasing(lock) right before any release. That orders everything a holder did before
// everything later holders do, which is what a reader/writer lock guarantees and no more than
// tsan needs: it also orders readers among themselves, which can only hide a race between two
// readers, and readers do not write.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_TSAN_LIBRARY_LOCK_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_TSAN_LIBRARY_LOCK_H_

#include "base/sanitizers.h"

#if defined(LOCKBENCH_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace lockbench::internal {

// Whether this build runs under ThreadSanitizer, for tests that scale their stress down there:
// tsan finds unordered accesses by analysis, so it needs fewer collisions than a plain build.
using lockbench::kThreadSanitizer;

inline void TsanAcquired(const void* lock) {
#if defined(LOCKBENCH_TSAN)
  __tsan_acquire(const_cast<void*>(lock));
#else
  (void)lock;
#endif
}

inline void TsanReleasing(const void* lock) {
#if defined(LOCKBENCH_TSAN)
  __tsan_release(const_cast<void*>(lock));
#else
  (void)lock;
#endif
}

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_TSAN_LIBRARY_LOCK_H_
