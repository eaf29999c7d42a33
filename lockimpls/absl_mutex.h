// absl::Mutex as a lockbench lock: Google's general-purpose mutex, which is also a
// reader/writer lock, to compare the Windows emulations with a modern user-space design.
//
// Design: one word of state; waiters queue in a list hung off that word, spin briefly before
// sleeping, and a waiting writer holds back new readers. Abseil documents it as not fair, but
// approximately fair over long periods and starvation-free at equal priority; woken waiters
// re-compete with newcomers. Not recursive: a holder that asks again, in either mode, may
// deadlock (Recursion::kNone). No owner query (AssertHeld checks, it does not report).
//
// Deadlock detection is switched off, process-wide, the first time an AbslMutex is built: as
// Debian packages Abseil (built without NDEBUG) every acquire and release then also updates a
// global lock-order graph, which costs about 2.5x on an uncontended round trip here (40 ns
// against 16 ns). Other absl::Mutex users in the process lose detection too.
//
// Cost: one compare-and-swap each way uncontended (a call into the prebuilt library); 8 bytes.
#ifndef LOCKBENCH_LOCKIMPLS_ABSL_MUTEX_H_
#define LOCKBENCH_LOCKIMPLS_ABSL_MUTEX_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lockimpls/internal/tsan_library_lock.h"
#include "lockimpls/lock_concept.h"

namespace lockbench {

// Sets absl::OnDeadlockCycle::kIgnore once per process; later calls are a load and a branch.
void DisableAbslDeadlockDetectionOnce();

// The lock and unlock halves are separate calls by design (the BenchLock interface), which
// clang's -Wthread-safety cannot follow through, so they are exempt from its analysis.
class AbslMutex {
 public:
  AbslMutex() { DisableAbslDeadlockDetectionOnce(); }

  void lock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu_.Lock();
    internal::TsanAcquired(this);
  }
  void unlock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    internal::TsanReleasing(this);
    mu_.Unlock();
  }
  void lock_shared() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu_.ReaderLock();
    internal::TsanAcquired(this);
  }
  void unlock_shared() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    internal::TsanReleasing(this);
    mu_.ReaderUnlock();
  }
  bool try_lock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (!mu_.TryLock()) return false;
    internal::TsanAcquired(this);
    return true;
  }
  bool try_lock_shared() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (!mu_.ReaderTryLock()) return false;
    internal::TsanAcquired(this);
    return true;
  }

  static constexpr LockTraits kTraits{
      .name = "absl_mutex",
      .description =
          "absl::Mutex (Reader*/Lock), deadlock detection off: as packaged it "
          "costs ~2.5x per round trip",
      .size_bytes = sizeof(absl::Mutex),
      .recursion = Recursion::kNone,
      .fairness =
          "not FIFO; approximately fair over time; a waiting writer holds back new "
          "readers; woken waiters re-compete",
      .owner_query = false,
      .holder_level = HolderLevel::kUserMode,
      .waiters = WaitKind::kSpinThenSleep,
  };

 private:
  absl::Mutex mu_;
};

static_assert(BenchLock<AbslMutex>);
static_assert(sizeof(AbslMutex) == AbslMutex::kTraits.size_bytes);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_ABSL_MUTEX_H_
