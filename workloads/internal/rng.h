// The engine's small, fast random generator (splitmix64): one per thread, seeded from the
// workload's seed, so a run's random choices repeat with the seed.
#ifndef LOCKBENCH_WORKLOADS_INTERNAL_RNG_H_
#define LOCKBENCH_WORKLOADS_INTERNAL_RNG_H_

#include <cstdint>

namespace lockbench::engine_internal {

struct Rng {
  uint64_t s;
  uint64_t Next() {
    s += 0x9e3779b97f4a7c15ull;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
};

}  // namespace lockbench::engine_internal

#endif  // LOCKBENCH_WORKLOADS_INTERNAL_RNG_H_
