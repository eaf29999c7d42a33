// How the kernel spin-lock emulations (ex_spin_lock.h, queued_spin_lock.h) wait: poll with a CPU
// pause, and after kPollsBeforeYield polls yield the CPU between polls. A Windows spin-lock
// holder runs at DISPATCH_LEVEL and cannot be preempted; a user-mode one can, and on a machine
// with fewer CPUs than threads it only finishes if the spinners let it run. A spinner never
// blocks on the lock.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_SPIN_BACKOFF_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_SPIN_BACKOFF_H_

#include "lockimpls/internal/atoms.h"

namespace lockbench::internal {

inline constexpr int kPollsBeforeYield = 64;

// `Atoms` supplies the pause and the yield (internal/atoms.h), so a lock written on the policy
// spins under the deterministic scheduler too.
template <class Atoms>
class BasicSpinBackoff {
 public:
  // One poll's pause.
  void Pause() {
    if (polls_ < kPollsBeforeYield) {
      ++polls_;
      Atoms::Relax();
    } else {
      Atoms::Yield();
    }
  }

 private:
  int polls_ = 0;
};

using SpinBackoff = BasicSpinBackoff<RealAtoms>;

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_SPIN_BACKOFF_H_
