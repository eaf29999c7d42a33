// glibc's plain pthread_mutex_t as a lockbench lock: the lock most Linux programs take (std::mutex
// is one), so a workload recorded from such a program (`lockbench profile --record-workload`)
// can be replayed on the lock it was recorded on, beside the others.
//
// Design: a thin adapter over pthread_mutex_* (glibc nptl) on a mutex made with default
// attributes, PTHREAD_MUTEX_NORMAL (glibc's PTHREAD_MUTEX_TIMED_NP): one 32-bit futex word
// (0 free, 1 held, 2 held with waiters) plus owner and count fields the normal kind leaves
// unchecked. A contended acquire marks the word 2 and sleeps in futex_wait at once; glibc does
// not spin for this kind (PTHREAD_MUTEX_ADAPTIVE_NP would). A release that finds 2 wakes one
// sleeper. Any error the library reports aborts with the call's name (pthread_rwlock.h does the
// same).
//
// Fairness: not fair. A release wakes one sleeper, who re-competes with newcomers: a thread that
// arrives between the release and the woken thread's retry takes the mutex (barging), and the
// releaser may take it back at once. Waiters are not served in arrival order.
//
// Unsupported calls: exclusive only; lock_shared, try_lock_shared and unlock_shared take and
// release the mutex exclusive (traits: shared_mode false). Not recursive: a thread that locks a
// normal mutex it holds deadlocks, as POSIX specifies for the kind (Recursion::kNone). Releasing
// a mutex the caller does not hold is not detected. No owner query.
//
// Cost: uncontended, one atomic compare-and-swap to acquire and one atomic exchange to release (a
// call into libc each); 40 bytes on x86-64; allocates nothing.
#ifndef LOCKBENCH_LOCKIMPLS_PTHREAD_MUTEX_H_
#define LOCKBENCH_LOCKIMPLS_PTHREAD_MUTEX_H_

#include <pthread.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lockimpls/internal/check.h"
#include "lockimpls/lock_concept.h"

namespace lockbench {

class PthreadMutex {
 public:
  PthreadMutex() { Check(pthread_mutex_init(&m_, nullptr), "pthread_mutex_init"); }
  PthreadMutex(const PthreadMutex&) = delete;
  PthreadMutex& operator=(const PthreadMutex&) = delete;
  ~PthreadMutex() { pthread_mutex_destroy(&m_); }

  void lock() { Check(pthread_mutex_lock(&m_), "pthread_mutex_lock"); }
  void unlock() { Check(pthread_mutex_unlock(&m_), "pthread_mutex_unlock"); }
  bool try_lock() {
    const int rc = pthread_mutex_trylock(&m_);
    if (rc == EBUSY) return false;
    Check(rc, "pthread_mutex_trylock");
    return true;
  }
  // Exclusive only: a shared request takes the mutex exclusive.
  void lock_shared() { lock(); }
  void unlock_shared() { unlock(); }
  bool try_lock_shared() { return try_lock(); }

  static constexpr LockTraits kTraits{
      .name = "pthread_mutex",
      .description = "glibc pthread_mutex_t, default kind (PTHREAD_MUTEX_NORMAL); exclusive only",
      .size_bytes = sizeof(pthread_mutex_t),
      .recursion = Recursion::kNone,
      .fairness = "not fair: a release wakes one sleeper, who re-competes with newcomers (barging)",
      .owner_query = false,
      .shared_mode = false,
      .holder_level = HolderLevel::kUserMode,
      .waiters = WaitKind::kSleep,
  };

 private:
  // PthreadRwlockBase::Check's twin. Not shared through a helper: moving pthread_rwlock.h onto
  // one changed the code the compiler generates for its worker loops, which must stay as they are.
  static void Check(int rc, const char* call) {
    LOCKBENCH_CHECK(rc == 0, "PthreadMutex", std::string(call) + " failed: " + std::strerror(rc));
  }

  pthread_mutex_t m_;
};

static_assert(BenchLock<PthreadMutex>);
static_assert(sizeof(PthreadMutex) == PthreadMutex::kTraits.size_bytes);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_PTHREAD_MUTEX_H_
