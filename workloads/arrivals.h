// The open-loop arrival schedule: when each request of one thread is due, independent of when
// the previous one was served. An open-loop workload asks at a fixed offered rate whether or not
// the lock keeps up, so a slow lock builds a queue instead of lowering the load, and the time
// from a request's scheduled arrival to its grant shows that queueing (no coordinated omission).
// Pure: the schedule depends only on the rate, the kind and the seed, never on the clock.
#ifndef LOCKBENCH_WORKLOADS_ARRIVALS_H_
#define LOCKBENCH_WORKLOADS_ARRIVALS_H_

#include <cstdint>

namespace lockbench {

// How the gaps between arrivals are drawn: exponential (a Poisson process of independent
// requests) or all equal.
enum class ArrivalKind { kPoisson, kFixed };

// One thread's arrivals, in clock ticks from `start`. Allocates nothing; O(1) per arrival
// (one log for Poisson).
class ArrivalSchedule {
 public:
  // REQUIRES: mean_gap_ticks > 0.
  ArrivalSchedule(ArrivalKind kind, double mean_gap_ticks, uint64_t seed, uint64_t start);

  // The next arrival's time in ticks: start plus the sum of the gaps drawn so far, this one's
  // included. Never earlier than the previous one.
  uint64_t Next() {
    double gap = mean_gap_;
    if (kind_ == ArrivalKind::kPoisson) gap *= ExponentialUnit();
    elapsed_ += gap;
    return start_ + static_cast<uint64_t>(elapsed_);
  }

 private:
  // An exponential variate of mean 1.
  double ExponentialUnit();

  ArrivalKind kind_;
  double mean_gap_;
  uint64_t rng_;
  uint64_t start_;
  double elapsed_ = 0;  // ticks since start: relative, so the sum keeps its precision
};

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_ARRIVALS_H_
