// Per-operation draws from tables that a workload gives, for workloads that describe what a real
// program does: a duration from its empirical quantiles (inverse transform) and a lock instance
// from per-instance weights (Walker's alias method). Each is built once per run; a draw takes 64
// random bits from the caller's generator (the run's seeded per-thread Rng), looks up one table
// entry and allocates nothing. Copies share the table, so a per-thread copy of the plan costs a
// reference count, not the table: at 65,536 lock instances and 4096 threads, copies would not fit.
#ifndef LOCKBENCH_WORKLOADS_SAMPLERS_H_
#define LOCKBENCH_WORKLOADS_SAMPLERS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace lockbench {

// A value drawn from an empirical distribution given by K+1 quantiles q[0] (the minimum) to
// q[K] (the maximum) at equal probability steps of 1/K: u, uniform in [0, 1), falls between
// q[i] and q[i+1] with i = floor(u K), and the value is interpolated linearly between them. The
// values' distribution function is therefore the piecewise-linear one through (i/K, q[i]); its
// mean is EmpiricalMean. With one quantile every draw is that value.
//
// Cost per draw: a multiply, one look-up of two neighbouring entries and an interpolation.
class EmpiricalSampler {
 public:
  EmpiricalSampler() = default;
  // The quantiles scaled by `scale` (clock ticks per ns, say). REQUIRES: quantiles not empty
  // and not decreasing; scale > 0.
  EmpiricalSampler(std::span<const uint64_t> quantiles, double scale);

  // The value for 64 random bits, of which the top 53 make u; truncated like a fixed duration's
  // conversion, so a value that is a quantile exactly comes out as that quantile would.
  uint64_t Draw(uint64_t bits) const {
    const double x = static_cast<double>(bits >> 11) * step_;
    const auto i = static_cast<size_t>(x);
    const double* q = table_.get() + i;  // u K can round up to K: the table repeats q[K]
    return static_cast<uint64_t>(q[0] + (x - static_cast<double>(i)) * (q[1] - q[0]));
  }

  bool empty() const { return table_ == nullptr; }

 private:
  std::shared_ptr<const double[]> table_;  // q[0..K] scaled, then q[K] once more
  double step_ = 0;                        // K / 2^53
};

// The mean of EmpiricalSampler's distribution over `quantiles` (unscaled): the average of the
// K segments' midpoints, or the one value. REQUIRES: quantiles not empty.
double EmpiricalMean(std::span<const uint64_t> quantiles);

// An index in [0, n) drawn with probability weight[i] / sum(weights), by Walker's alias method
// with integer masses: each of n equal slots keeps its own index with a 32-bit probability and
// gives the rest to one alias. A weight of 0 is never drawn; the others are exact to 2^-32 of a
// slot. Building is O(n); a draw is one multiply, one look-up, one compare and a select.
class WeightedChoice {
 public:
  WeightedChoice() = default;
  // REQUIRES: weights not empty, at most 2^31 of them, each finite and >= 0, some above 0.
  explicit WeightedChoice(std::span<const double> weights);

  // The index for 64 random bits: the high 32 pick the slot, the low 32 decide slot or alias.
  // The choice is a mask, not a branch: with random bits a branch would mispredict often.
  uint32_t Draw(uint64_t bits) const {
    const auto slot = static_cast<uint32_t>(((bits >> 32) * n_) >> 32);
    const Slot s = slots_.get()[slot];
    const uint32_t keep = 0u - static_cast<uint32_t>(static_cast<uint32_t>(bits) < s.keep);
    return s.alias ^ ((slot ^ s.alias) & keep);
  }

  bool empty() const { return slots_ == nullptr; }

 private:
  struct Slot {
    uint32_t keep;   // the slot's own index when the low 32 bits are below this
    uint32_t alias;  // otherwise this one; a slot that keeps everything is its own alias
  };
  std::shared_ptr<const Slot[]> slots_;
  uint64_t n_ = 0;
};

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_SAMPLERS_H_
