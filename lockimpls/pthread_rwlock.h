// glibc's pthread_rwlock_t as lockbench locks, in its two policies, so the tool can show what
// reader or writer preference does under the same load as the Windows emulations.
//
// Design: a thin adapter over pthread_rwlock_* (glibc nptl): one 32-bit state word plus waiter
// futexes; a phase change wakes every reader, writers are woken one at a time, and glibc does
// not spin. Any error the library reports (for example EDEADLK when the writer asks again)
// aborts with the call's name: a benchmark cannot go on with a lock it does not hold.
//
// PthreadRwlock is the default kind, PTHREAD_RWLOCK_PREFER_READER_NP: readers enter while a
// writer waits, so a steady stream of readers starves writers; a reader may re-enter at any
// time. PthreadRwlockWriterPref is PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP: new readers
// queue behind a waiting writer, so a reader that re-enters while a writer waits deadlocks
// (hence "nonrecursive", and Recursion::kNone). Neither hands ownership over: woken threads
// compete with newcomers. Neither reports an owner.
//
// Cost: one or two atomic read-modify-writes each way uncontended (a call into libc); 56 bytes
// on x86-64.
#ifndef LOCKBENCH_LOCKIMPLS_PTHREAD_RWLOCK_H_
#define LOCKBENCH_LOCKIMPLS_PTHREAD_RWLOCK_H_

#include <pthread.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lockimpls/internal/check.h"
#include "lockimpls/lock_concept.h"

namespace lockbench {

class PthreadRwlockBase {
 public:
  PthreadRwlockBase(const PthreadRwlockBase&) = delete;
  PthreadRwlockBase& operator=(const PthreadRwlockBase&) = delete;
  ~PthreadRwlockBase() { pthread_rwlock_destroy(&rw_); }

  void lock() { Check(pthread_rwlock_wrlock(&rw_), "pthread_rwlock_wrlock"); }
  void unlock() { Check(pthread_rwlock_unlock(&rw_), "pthread_rwlock_unlock"); }
  void lock_shared() { Check(pthread_rwlock_rdlock(&rw_), "pthread_rwlock_rdlock"); }
  void unlock_shared() { Check(pthread_rwlock_unlock(&rw_), "pthread_rwlock_unlock"); }
  bool try_lock() { return TryResult(pthread_rwlock_trywrlock(&rw_), "pthread_rwlock_trywrlock"); }
  bool try_lock_shared() {
    return TryResult(pthread_rwlock_tryrdlock(&rw_), "pthread_rwlock_tryrdlock");
  }

 protected:
  explicit PthreadRwlockBase(int kind) {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    Check(pthread_rwlockattr_setkind_np(&attr, kind), "pthread_rwlockattr_setkind_np");
    Check(pthread_rwlock_init(&rw_, &attr), "pthread_rwlock_init");
    pthread_rwlockattr_destroy(&attr);
  }

 private:
  static void Check(int rc, const char* call) {
    LOCKBENCH_CHECK(rc == 0, "PthreadRwlock", std::string(call) + " failed: " + std::strerror(rc));
  }
  static bool TryResult(int rc, const char* call) {
    if (rc == EBUSY) return false;
    Check(rc, call);
    return true;
  }

  pthread_rwlock_t rw_;
};

class PthreadRwlock : public PthreadRwlockBase {
 public:
  PthreadRwlock() : PthreadRwlockBase(PTHREAD_RWLOCK_PREFER_READER_NP) {}

  static constexpr LockTraits kTraits{
      .name = "pthread_rwlock",
      .description = "glibc pthread_rwlock_t, default kind (PTHREAD_RWLOCK_PREFER_READER_NP)",
      .size_bytes = sizeof(pthread_rwlock_t),
      .recursion = Recursion::kSharedOnly,
      .fairness =
          "reader preference: readers enter while a writer waits; writers can starve; "
          "woken threads re-compete",
      .owner_query = false,
      .holder_level = HolderLevel::kUserMode,
      .waiters = WaitKind::kSleep,
  };
};

class PthreadRwlockWriterPref : public PthreadRwlockBase {
 public:
  PthreadRwlockWriterPref() : PthreadRwlockBase(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP) {}

  static constexpr LockTraits kTraits{
      .name = "pthread_rwlock_wp",
      .description = "glibc pthread_rwlock_t, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP",
      .size_bytes = sizeof(pthread_rwlock_t),
      .recursion = Recursion::kNone,
      .fairness =
          "writer preference: new readers wait behind a waiting writer; readers can "
          "starve; woken threads re-compete",
      .owner_query = false,
      .holder_level = HolderLevel::kUserMode,
      .waiters = WaitKind::kSleep,
  };
};

static_assert(BenchLock<PthreadRwlock>);
static_assert(BenchLock<PthreadRwlockWriterPref>);
static_assert(sizeof(PthreadRwlock) == PthreadRwlock::kTraits.size_bytes);
static_assert(sizeof(PthreadRwlockWriterPref) == PthreadRwlockWriterPref::kTraits.size_bytes);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_PTHREAD_RWLOCK_H_
