#include "workloads/samplers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "workloads/internal/rng.h"

namespace lockbench {
namespace {

using engine_internal::Rng;

// A skewed distribution's 101 quantiles, as a recorder would write them: a floor of 100 ns, a
// slow rise and a long tail (the cube), 100 ns to 100,100 ns.
std::vector<uint64_t> SkewedQuantiles() {
  std::vector<uint64_t> q;
  for (uint64_t k = 0; k <= 100; ++k) q.push_back(100 + 50 * k + k * k * k / 10);
  return q;
}

// Known answer: a million draws with a fixed seed give back the quantiles they were drawn from,
// each within 5%, the extremes included, and their mean is the one EmpiricalMean states.
TEST(EmpiricalSampler, DrawsReproduceTheirQuantiles) {
  const std::vector<uint64_t> q = SkewedQuantiles();
  const EmpiricalSampler sampler(q, 1.0);
  Rng rng{42};
  constexpr size_t kDraws = 1'000'000;
  std::vector<uint64_t> drawn(kDraws);
  double sum = 0;
  for (uint64_t& v : drawn) {
    v = sampler.Draw(rng.Next());
    sum += static_cast<double>(v);
  }
  std::sort(drawn.begin(), drawn.end());
  EXPECT_GE(drawn.front(), q.front());
  EXPECT_LE(drawn.back(), q.back());
  for (size_t k = 0; k < q.size(); ++k) {
    const size_t rank = std::min(kDraws - 1, k * kDraws / (q.size() - 1));
    const double expected = static_cast<double>(q[k]);
    EXPECT_NEAR(static_cast<double>(drawn[rank]), expected, 0.05 * expected) << "quantile " << k;
  }
  EXPECT_NEAR(sum / kDraws, EmpiricalMean(q), 0.01 * EmpiricalMean(q));
}

TEST(EmpiricalSampler, InterpolatesBetweenNeighbours) {
  const std::vector<uint64_t> q = {100, 200, 1000};
  const EmpiricalSampler sampler(q, 1.0);
  // u = 0 is the minimum; u = 1/4 is halfway between q0 and q1; u = 3/4 halfway to q2.
  EXPECT_EQ(sampler.Draw(0), 100u);
  EXPECT_EQ(sampler.Draw(uint64_t{1} << 62), 150u);
  EXPECT_EQ(sampler.Draw(uint64_t{3} << 62), 600u);
  // The largest u stays below the maximum, and never past the table.
  EXPECT_LE(sampler.Draw(UINT64_MAX), 1000u);
  EXPECT_GE(sampler.Draw(UINT64_MAX), 999u);
  // Scaled: 3 ticks per ns.
  EXPECT_EQ(EmpiricalSampler(q, 3.0).Draw(uint64_t{1} << 63), 600u);
  EXPECT_DOUBLE_EQ(EmpiricalMean(q), (150.0 + 600.0) / 2);
}

TEST(EmpiricalSampler, OneQuantileOrEqualOnesAreAFixedValue) {
  const EmpiricalSampler one(std::vector<uint64_t>{250}, 1.0);
  const EmpiricalSampler flat(std::vector<uint64_t>{70, 70, 70}, 1.0);
  Rng rng{7};
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(one.Draw(rng.Next()), 250u);
    EXPECT_EQ(flat.Draw(rng.Next()), 70u);
  }
  EXPECT_EQ(one.Draw(UINT64_MAX), 250u);
  EXPECT_DOUBLE_EQ(EmpiricalMean(std::vector<uint64_t>{250}), 250.0);
  EXPECT_TRUE(EmpiricalSampler().empty());
  EXPECT_FALSE(one.empty());
}

// Copies share the table: what a per-thread copy of the plan relies on.
TEST(EmpiricalSampler, CopiesDrawTheSame) {
  const EmpiricalSampler a(SkewedQuantiles(), 2.5);
  const EmpiricalSampler b = a;
  Rng rng{3};
  for (int i = 0; i < 1000; ++i) {
    const uint64_t bits = rng.Next();
    EXPECT_EQ(a.Draw(bits), b.Draw(bits));
  }
}

std::vector<uint64_t> Counts(const WeightedChoice& choice, size_t n, uint64_t seed, size_t draws) {
  std::vector<uint64_t> counts(n, 0);
  Rng rng{seed};
  for (size_t i = 0; i < draws; ++i) ++counts[choice.Draw(rng.Next())];
  return counts;
}

// Known answer: weights {1, 0, 3}: instance 1 never, instance 2 three times as often as 0.
TEST(WeightedChoice, ZeroIsNeverDrawnAndTheRestInProportion) {
  const std::vector<double> weights = {1, 0, 3};
  const std::vector<uint64_t> c = Counts(WeightedChoice(weights), 3, 1, 400'000);
  EXPECT_EQ(c[1], 0u);
  EXPECT_NEAR(static_cast<double>(c[2]) / static_cast<double>(c[0]), 3.0, 0.05 * 3.0);
  EXPECT_NEAR(static_cast<double>(c[0]) / 400'000, 0.25, 0.01);
}

TEST(WeightedChoice, MatchesManyUnequalWeights) {
  std::vector<double> weights;
  double total = 0;
  for (int i = 0; i < 50; ++i) {
    weights.push_back(i % 7 == 3 ? 0.0 : 1.0 / (1 + i) + (i % 5) * 0.01);
    total += weights.back();
  }
  constexpr size_t kDraws = 2'000'000;
  const std::vector<uint64_t> c = Counts(WeightedChoice(weights), weights.size(), 5, kDraws);
  for (size_t i = 0; i < weights.size(); ++i) {
    const double expected = weights[i] / total * kDraws;
    if (weights[i] == 0) {
      EXPECT_EQ(c[i], 0u) << i;
    } else {
      // Binomial: 5 standard deviations.
      EXPECT_NEAR(static_cast<double>(c[i]), expected, 5 * std::sqrt(expected) + 1) << i;
    }
  }
}

TEST(WeightedChoice, OnePositiveWeightIsAlwaysChosen) {
  const std::vector<double> edges = {0, 0, 2.5, 0};
  const std::vector<uint64_t> c = Counts(WeightedChoice(edges), 4, 9, 10'000);
  EXPECT_EQ(c[2], 10'000u);
  const std::vector<double> tiny_beside_huge = {1e-9, 1e12};
  const std::vector<uint64_t> d = Counts(WeightedChoice(tiny_beside_huge), 2, 9, 10'000);
  EXPECT_EQ(d[1], 10'000u);
  EXPECT_TRUE(WeightedChoice().empty());
}

}  // namespace
}  // namespace lockbench
