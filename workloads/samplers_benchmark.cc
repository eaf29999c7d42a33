// What a per-op draw costs in the hot loop, next to what it stands beside: a fixed section's
// length (a plan member, no draw), the run's generator alone, an exponential think time, and the
// uniform and Zipf instance choices. Each draw goes through the engine's per-thread generator
// (internal/rng.h), as the loop's does; the generator's own cost is BM_Rng.
//
// Every benchmark sums what it drew and checks the sum against its range, so the smoke test of
// this binary also proves the draws happened and stayed in bounds.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "lockimpls/internal/check.h"
#include "workloads/internal/rng.h"
#include "workloads/samplers.h"

namespace lockbench {
namespace {

using engine_internal::Rng;

constexpr std::string_view kName = "samplers_benchmark";

// 101 quantiles of a skewed section length, 100 ns to about 100 us, at 3 ticks per ns.
EmpiricalSampler SkewedSections() {
  std::vector<uint64_t> q;
  for (uint64_t k = 0; k <= 100; ++k) q.push_back(100 + 50 * k + k * k * k / 10);
  return EmpiricalSampler(q, 3.0);
}

void CheckSum(const benchmark::State& state, uint64_t sum, uint64_t lo, uint64_t hi) {
  const auto n = static_cast<uint64_t>(state.iterations());
  LOCKBENCH_CHECK(sum >= lo * n && sum <= hi * n, kName, "a draw left its range");
}

// A fixed section: its length is a plan member, read per op.
void BM_FixedDuration(benchmark::State& state) {
  volatile uint64_t fixed_ticks = 300;  // read afresh each time, as the plan's member would be
  uint64_t sum = 0;
  for (auto _ : state) {
    const uint64_t ticks = fixed_ticks;
    benchmark::DoNotOptimize(ticks);
    sum += ticks;
  }
  CheckSum(state, sum, 300, 300);
}
BENCHMARK(BM_FixedDuration);

void BM_Rng(benchmark::State& state) {
  Rng rng{1};
  uint64_t sum = 0;
  for (auto _ : state) {
    const uint64_t bits = rng.Next();
    benchmark::DoNotOptimize(bits);
    sum += bits & 1;
  }
  CheckSum(state, sum, 0, 1);
}
BENCHMARK(BM_Rng);

void BM_EmpiricalDuration(benchmark::State& state) {
  const EmpiricalSampler sampler = SkewedSections();
  Rng rng{1};
  uint64_t sum = 0;
  for (auto _ : state) {
    const uint64_t ticks = sampler.Draw(rng.Next());
    benchmark::DoNotOptimize(ticks);
    sum += ticks;
  }
  CheckSum(state, sum, 300, 300'300);
}
BENCHMARK(BM_EmpiricalDuration);

// The think-time draw the loop already makes for think exponential (ThinkFor).
void BM_ExponentialDuration(benchmark::State& state) {
  Rng rng{1};
  const double mean_ticks = 3000;
  uint64_t sum = 0;
  for (auto _ : state) {
    const auto ticks = static_cast<uint64_t>(mean_ticks * -std::log(1.0 - rng.Uniform()));
    benchmark::DoNotOptimize(ticks);
    sum += ticks;
  }
  CheckSum(state, sum, 0, 3000 * 40);
}
BENCHMARK(BM_ExponentialDuration);

constexpr uint64_t kInstances = 64;

// As the loop draws it: the count is a plan member, not a constant the compiler could fold.
void BM_UniformInstance(benchmark::State& state) {
  volatile uint64_t instances_member = kInstances;
  const uint64_t instances = instances_member;
  Rng rng{1};
  uint64_t sum = 0;
  for (auto _ : state) {
    const uint64_t i = rng.Next() % instances;
    benchmark::DoNotOptimize(i);
    sum += i;
  }
  CheckSum(state, sum, 0, kInstances - 1);
}
BENCHMARK(BM_UniformInstance);

void BM_ZipfInstance(benchmark::State& state) {
  std::vector<uint32_t> table(4096);  // as MakePlan builds it: a slot per 1/4096 of probability
  for (size_t k = 0; k < table.size(); ++k) table[k] = static_cast<uint32_t>(k * k / (4096 * 64));
  Rng rng{1};
  uint64_t sum = 0;
  for (auto _ : state) {
    const uint32_t i = table[rng.Next() & 4095];
    benchmark::DoNotOptimize(i);
    sum += i;
  }
  CheckSum(state, sum, 0, kInstances - 1);
}
BENCHMARK(BM_ZipfInstance);

void BM_WeightedInstance(benchmark::State& state) {
  std::vector<double> weights;
  for (uint64_t i = 0; i < kInstances; ++i) weights.push_back(i % 3 == 1 ? 0.0 : 1.0 / (1 + i));
  const WeightedChoice choice(weights);
  Rng rng{1};
  uint64_t sum = 0;
  for (auto _ : state) {
    const uint32_t i = choice.Draw(rng.Next());
    benchmark::DoNotOptimize(i);
    sum += i;
  }
  CheckSum(state, sum, 0, kInstances - 1);
}
BENCHMARK(BM_WeightedInstance);

}  // namespace
}  // namespace lockbench
