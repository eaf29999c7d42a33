#include "workloads/arrivals.h"

#include <cmath>

namespace lockbench {

ArrivalSchedule::ArrivalSchedule(ArrivalKind kind, double mean_gap_ticks, uint64_t seed,
                                 uint64_t start)
    : kind_(kind), mean_gap_(mean_gap_ticks), rng_(seed), start_(start) {}

double ArrivalSchedule::ExponentialUnit() {
  // splitmix64: one step per draw.
  rng_ += 0x9e3779b97f4a7c15ull;
  uint64_t z = rng_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  const double u = static_cast<double>(z >> 11) * 0x1.0p-53;  // [0, 1)
  return -std::log1p(-u);
}

}  // namespace lockbench
