// How the kernel spin-lock emulations (ex_spin_lock.h, queued_spin_lock.h) wait: poll with a CPU
// pause, and after kPollsBeforeYield polls yield the CPU between polls. A Windows spin-lock
// holder runs at DISPATCH_LEVEL and cannot be preempted; a user-mode one can, and on a machine
// with fewer CPUs than threads it only finishes if the spinners let it run. A spinner never
// blocks on the lock.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_SPIN_BACKOFF_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_SPIN_BACKOFF_H_

#include <sched.h>

#include "lockimpls/internal/futex.h"

namespace lockbench::internal {

inline constexpr int kPollsBeforeYield = 64;

class SpinBackoff {
 public:
  // One poll's pause.
  void Pause() {
    if (polls_ < kPollsBeforeYield) {
      ++polls_;
      CpuRelax();
    } else {
      sched_yield();
    }
  }

 private:
  int polls_ = 0;
};

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_SPIN_BACKOFF_H_
