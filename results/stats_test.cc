#include "results/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <numbers>
#include <random>
#include <vector>

namespace lockbench {
namespace {

using Ops = std::vector<uint64_t>;

// ---- Per-thread operation counts ----

TEST(SharesTest, FractionsOfTheTotal) {
  const std::vector<double> s = Shares(Ops{1, 3, 0, 4});
  ASSERT_EQ(s.size(), 4u);
  EXPECT_DOUBLE_EQ(s[0], 0.125);
  EXPECT_DOUBLE_EQ(s[1], 0.375);
  EXPECT_DOUBLE_EQ(s[2], 0.0);
  EXPECT_DOUBLE_EQ(s[3], 0.5);
}

TEST(SharesTest, DegenerateInputs) {
  EXPECT_TRUE(Shares(Ops{}).empty());
  const std::vector<double> s = Shares(Ops{0, 0});
  EXPECT_DOUBLE_EQ(s[0], 0.5);
  EXPECT_DOUBLE_EQ(s[1], 0.5);
}

TEST(JainTest, HandComputedValues) {
  EXPECT_DOUBLE_EQ(JainFairnessIndex(Ops{5, 5, 5, 5}), 1.0);
  EXPECT_DOUBLE_EQ(JainFairnessIndex(Ops{10, 0, 0, 0}), 0.25);  // one of n: 1/n
  EXPECT_DOUBLE_EQ(JainFairnessIndex(Ops{7, 7, 0, 0}), 0.5);    // k of n: k/n
  // (1+2+3)^2 / (3 * (1+4+9)) = 36/42.
  EXPECT_DOUBLE_EQ(JainFairnessIndex(Ops{1, 2, 3}), 36.0 / 42.0);
  EXPECT_DOUBLE_EQ(JainFairnessIndex(Ops{3, 6, 9}), 36.0 / 42.0);  // scale-free
  EXPECT_DOUBLE_EQ(JainFairnessIndex(Ops{}), 1.0);
  EXPECT_DOUBLE_EQ(JainFairnessIndex(Ops{0, 0, 0}), 1.0);
  // Counts near 2^64 do not overflow.
  const uint64_t big = ~uint64_t{0};
  EXPECT_DOUBLE_EQ(JainFairnessIndex(Ops{big, big}), 1.0);
}

TEST(MinMaxRatioTest, HandComputedValues) {
  EXPECT_DOUBLE_EQ(MinMaxRatio(Ops{2, 8, 4}), 0.25);
  EXPECT_DOUBLE_EQ(MinMaxRatio(Ops{0, 8}), 0.0);
  EXPECT_DOUBLE_EQ(MinMaxRatio(Ops{3, 3}), 1.0);
  EXPECT_DOUBLE_EQ(MinMaxRatio(Ops{}), 1.0);
  EXPECT_DOUBLE_EQ(MinMaxRatio(Ops{0, 0}), 1.0);
}

TEST(CoefficientOfVariationTest, HandComputedValues) {
  // Mean 5, population variance ((3^2 + 1 + 1 + 1 + 0 + 0 + 2^2 + 4^2) / 8) = 4: CV 2/5.
  EXPECT_DOUBLE_EQ(CoefficientOfVariation(Ops{2, 4, 4, 4, 5, 5, 7, 9}), 0.4);
  EXPECT_DOUBLE_EQ(CoefficientOfVariation(Ops{6, 6, 6}), 0.0);
  EXPECT_DOUBLE_EQ(CoefficientOfVariation(Ops{10, 0}), 1.0);
  EXPECT_DOUBLE_EQ(CoefficientOfVariation(Ops{}), 0.0);
  EXPECT_DOUBLE_EQ(CoefficientOfVariation(Ops{0, 0}), 0.0);
}

TEST(IsStarvedTest, LessThanHalfOfTheBusiest) {
  EXPECT_TRUE(IsStarved(Ops{100, 49}));
  EXPECT_FALSE(IsStarved(Ops{100, 50}));
  EXPECT_TRUE(IsStarved(Ops{3, 1}));  // locktorture's integer 3/2 > 1 would not flag this
  EXPECT_TRUE(IsStarved(Ops{5, 0, 5}));
  EXPECT_FALSE(IsStarved(Ops{7}));
  EXPECT_FALSE(IsStarved(Ops{}));
  EXPECT_FALSE(IsStarved(Ops{0, 0}));
  const uint64_t big = ~uint64_t{0};
  EXPECT_FALSE(IsStarved(Ops{big, big / 2 + 1}));  // 2 * min does not wrap
  EXPECT_TRUE(IsStarved(Ops{big, big / 2}));
}

TEST(FairShareTest, BinsByShareOverFairShare) {
  // n = 4, total 40, fair share 10 per thread: ratios 0, 0.5, 1.0, 2.5.
  FairShareHistogram expected{};
  expected[0] = 1;  // 0
  expected[2] = 1;  // 0.5 is the lower edge of [0.5, 0.75)
  expected[4] = 1;  // 1.0
  expected[8] = 1;  // 2.5
  EXPECT_EQ(FairShareDistribution(Ops{0, 5, 10, 25}), expected);
}

TEST(FairShareTest, EdgesAreExact) {
  // n = 4, total 16, fair share 4: ratios 0.25, 0.5, 0.75, 2.5 sit on lower bin edges.
  FairShareHistogram edges{};
  edges[1] = edges[2] = edges[3] = edges[8] = 1;
  EXPECT_EQ(FairShareDistribution(Ops{1, 2, 3, 10}), edges);
  // Ratios 1.75, 0.25, 1, 1.
  FairShareHistogram upper{};
  upper[7] = upper[1] = 1;
  upper[4] = 2;
  EXPECT_EQ(FairShareDistribution(Ops{7, 1, 4, 4}), upper);
  // Ratio exactly 2 opens the last bin; 1.9 stays in [1.75, 2).
  FairShareHistogram top{};
  top[0] = top[8] = 1;
  EXPECT_EQ(FairShareDistribution(Ops{0, 6}), top);
  FairShareHistogram below{};
  below[0] = below[7] = 1;
  EXPECT_EQ(FairShareDistribution(Ops{1, 19}), below);  // ratios 0.1, 1.9
}

TEST(FairShareTest, AllZeroIsFair) {
  FairShareHistogram expected{};
  expected[4] = 3;
  EXPECT_EQ(FairShareDistribution(Ops{0, 0, 0}), expected);
  EXPECT_EQ(FairShareDistribution(Ops{}), FairShareHistogram{});
}

TEST(FairShareTest, Labels) {
  EXPECT_EQ(FairShareBinLabel(0), "[0,0.25)");
  EXPECT_EQ(FairShareBinLabel(4), "[1,1.25)");
  EXPECT_EQ(FairShareBinLabel(8), "[2,inf)");
  EXPECT_DEATH(FairShareBinLabel(9), "FairShareBinLabel");
}

TEST(SummarizeFairnessTest, AgreesWithTheSingleFunctions) {
  const Ops ops = {2, 4, 4, 4, 5, 5, 7, 9};
  const FairnessSummary s = SummarizeFairness(ops);
  EXPECT_EQ(s.threads, 8u);
  EXPECT_EQ(s.total, 40u);
  EXPECT_EQ(s.min, 2u);
  EXPECT_EQ(s.max, 9u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_DOUBLE_EQ(s.jain_index, 1600.0 / (8.0 * 232.0));
  EXPECT_DOUBLE_EQ(s.min_max_ratio, 2.0 / 9.0);
  EXPECT_DOUBLE_EQ(s.coefficient_of_variation, 0.4);
  EXPECT_TRUE(s.starved);
  EXPECT_EQ(s.fair_share, FairShareDistribution(ops));
  const FairnessSummary empty = SummarizeFairness(Ops{});
  EXPECT_EQ(empty.threads, 0u);
  EXPECT_DOUBLE_EQ(empty.jain_index, 1.0);
  EXPECT_FALSE(empty.starved);
}

// ---- Grant order ----

TEST(GrantRunsTest, HandComputedSequence) {
  // Runs: [0 0] [1 1 1] [0] [2]. Re-acquires: 0->0, 1->1, 1->1 out of 6 hand-overs.
  const std::vector<uint32_t> order = {0, 0, 1, 1, 1, 0, 2};
  const GrantRunSummary s = SummarizeGrantRuns(order);
  EXPECT_EQ(s.grants, 7u);
  EXPECT_EQ(s.reacquires, 3u);
  EXPECT_DOUBLE_EQ(s.reacquire_rate, 0.5);
  EXPECT_EQ(s.runs, 4u);
  EXPECT_EQ(s.longest_run, 3u);
  EXPECT_DOUBLE_EQ(s.mean_run, 1.75);
  const std::map<uint64_t, uint64_t> expected = {{1, 2}, {2, 1}, {3, 1}};
  EXPECT_EQ(s.run_lengths, expected);
}

TEST(GrantRunsTest, RoundRobinAndSingleHolder) {
  const GrantRunSummary fifo = SummarizeGrantRuns(std::vector<uint32_t>{0, 1, 2, 0, 1, 2});
  EXPECT_EQ(fifo.reacquires, 0u);
  EXPECT_DOUBLE_EQ(fifo.reacquire_rate, 0.0);
  EXPECT_EQ(fifo.run_lengths, (std::map<uint64_t, uint64_t>{{1, 6}}));
  const GrantRunSummary hog = SummarizeGrantRuns(std::vector<uint32_t>{4, 4, 4, 4});
  EXPECT_DOUBLE_EQ(hog.reacquire_rate, 1.0);
  EXPECT_EQ(hog.runs, 1u);
  EXPECT_EQ(hog.longest_run, 4u);
  EXPECT_EQ(hog.run_lengths, (std::map<uint64_t, uint64_t>{{4, 1}}));
}

// Known answers: a lock that hands off in turn reads 1 in windows of 2 x threads; one that
// lets each thread re-take it 2 x threads times in a row reads 1 / threads in most windows,
// although both give every thread the same share of the whole run (whole-run Jain 1).
TEST(WindowedFairness, HandOffReadsOneBargingReadsOneOverThreads) {
  std::vector<uint32_t> turns, batches;
  for (int i = 0; i < 400; ++i) turns.push_back(static_cast<uint32_t>(i % 4));
  for (int i = 0; i < 400; ++i) batches.push_back(static_cast<uint32_t>((i / 8) % 4));
  const WindowedFairness fifo = SummarizeWindowedFairness(turns, 2);
  EXPECT_EQ(fifo.threads, 4u);
  EXPECT_EQ(fifo.window, 8u);
  EXPECT_EQ(fifo.windows, 393u);
  EXPECT_DOUBLE_EQ(fifo.p10, 1.0);
  EXPECT_DOUBLE_EQ(fifo.p50, 1.0);
  const WindowedFairness barging = SummarizeWindowedFairness(batches, 2);
  // A window aligned on a batch holds one thread (1/4); the others straddle two batches.
  EXPECT_DOUBLE_EQ(barging.p10, 0.25);
  EXPECT_LT(barging.p50, 0.5);
  EXPECT_GT(barging.p50, 0.25);
  // Over windows of 10 x threads both are near even: at worst one thread has 16 of 40 grants
  // and the others 8, 40^2 / (4 (16^2 + 3 x 8^2)) = 0.893.
  EXPECT_GE(SummarizeWindowedFairness(batches, 10).p10, 1600.0 / 1792 - 1e-12);
  std::vector<uint64_t> shares(4, 100);
  EXPECT_DOUBLE_EQ(SummarizeFairness(shares).jain_index, 1.0);
}

TEST(WindowedFairness, NothingToSayWithoutEnoughGrantsOrThreads) {
  EXPECT_EQ(SummarizeWindowedFairness(std::vector<uint32_t>{0, 1, 0}, 2).windows, 0u);
  EXPECT_EQ(SummarizeWindowedFairness(std::vector<uint32_t>(100, 3), 2).windows, 0u);
  EXPECT_EQ(SummarizeWindowedFairness(std::vector<uint32_t>{0, 1}, 0).windows, 0u);
  // Two threads, one window: 3 grants to one, 1 to the other: 16 / (2 * 10).
  const WindowedFairness w = SummarizeWindowedFairness(std::vector<uint32_t>{0, 0, 1, 0}, 2);
  EXPECT_EQ(w.windows, 1u);
  EXPECT_DOUBLE_EQ(w.p50, 0.8);
}

TEST(GrantRunsTest, ShortSequences) {
  const GrantRunSummary none = SummarizeGrantRuns({});
  EXPECT_EQ(none.grants, 0u);
  EXPECT_EQ(none.runs, 0u);
  EXPECT_DOUBLE_EQ(none.reacquire_rate, 0.0);
  EXPECT_DOUBLE_EQ(none.mean_run, 0.0);
  EXPECT_TRUE(none.run_lengths.empty());
  const GrantRunSummary one = SummarizeGrantRuns(std::vector<uint32_t>{9});
  EXPECT_EQ(one.runs, 1u);
  EXPECT_DOUBLE_EQ(one.reacquire_rate, 0.0);
  EXPECT_DOUBLE_EQ(one.mean_run, 1.0);
}

TEST(GrantRunsTest, RunLengthsAccountForEveryGrant) {
  std::mt19937 rng(7);
  std::vector<uint32_t> order(10'000);
  for (auto& id : order) id = rng() % 3;
  const GrantRunSummary s = SummarizeGrantRuns(order);
  uint64_t grants = 0, runs = 0;
  for (const auto& [length, count] : s.run_lengths) {
    grants += length * count;
    runs += count;
  }
  EXPECT_EQ(grants, order.size());
  EXPECT_EQ(runs, s.runs);
  EXPECT_EQ(s.reacquires, s.grants - s.runs);  // every grant but a run's first re-acquires
}

// ---- Median ----

TEST(MedianTest, OddEvenEmpty) {
  EXPECT_DOUBLE_EQ(Median(std::vector<double>{3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(Median(std::vector<double>{4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median(std::vector<double>{-1.5}), -1.5);
  EXPECT_DOUBLE_EQ(Median(std::vector<double>{}), 0.0);
  EXPECT_DOUBLE_EQ(Median(Ops{10, 30, 20, 40}), 25.0);
  EXPECT_DOUBLE_EQ(Median(Ops{}), 0.0);
  const uint64_t big = ~uint64_t{0};
  EXPECT_DOUBLE_EQ(Median(Ops{big, big}), static_cast<double>(big));  // no wrap in the average
}

// ---- Mann-Whitney U ----

using Sample = std::vector<double>;

TEST(MannWhitneyTest, ExactCompleteSeparation) {
  // U = 0; only 1 of C(6,3) = 20 splits is as extreme on each side: p = 2/20.
  const MannWhitneyResult r = MannWhitneyU(Sample{1, 2, 3}, Sample{4, 5, 6});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 0.0);
  EXPECT_DOUBLE_EQ(r.effect, 0.0);
  EXPECT_DOUBLE_EQ(r.p_value, 0.1);
  // 5 vs 5: 2 / C(10,5) = 2/252.
  const MannWhitneyResult r5 = MannWhitneyU(Sample{6, 7, 8, 9, 10}, Sample{1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(r5.u, 25.0);
  EXPECT_DOUBLE_EQ(r5.effect, 1.0);
  EXPECT_NEAR(r5.p_value, 2.0 / 252.0, 1e-15);
}

TEST(MannWhitneyTest, ExactOneOverlap) {
  // a = {1, 2, 4}, b = {3, 5, 6}: U_a = 1. Rank sums of a <= 7 (U <= 1): {1,2,3}, {1,2,4}: 2/20.
  const MannWhitneyResult r = MannWhitneyU(Sample{1, 2, 4}, Sample{3, 5, 6});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 1.0);
  EXPECT_DOUBLE_EQ(r.p_value, 0.2);
}

TEST(MannWhitneyTest, ExactWithTiesUsesTheConditionalDistribution) {
  // a = {1, 2, 2}, b = {2, 3, 3}. Mid-ranks: 1 -> 1; 2, 2, 2 -> 3; 3, 3 -> 5.5. U_a = 7 - 6 = 1.
  // Doubled ranks {2, 6, 6, 6, 11, 11}; a's sum 14 is the minimum, reached by 3 of 20 subsets:
  // p = 2 * 3/20.
  const MannWhitneyResult r = MannWhitneyU(Sample{1, 2, 2}, Sample{2, 3, 3});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 1.0);
  EXPECT_DOUBLE_EQ(r.p_value, 0.3);
}

TEST(MannWhitneyTest, NormalWithTiesAndContinuityCorrection) {
  // Same data: mu = 4.5, sigma^2 = 9/12 * (7 - (24 + 6) / 30) = 4.5, |U - mu| - 1/2 = 3,
  // z = 3 / sqrt(4.5) = sqrt(2), p = erfc(1).
  const MannWhitneyResult r =
      MannWhitneyU(Sample{1, 2, 2}, Sample{2, 3, 3}, MannWhitneyMethod::kNormal);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 1.0);
  EXPECT_NEAR(r.z, -std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(r.p_value, std::erfc(1.0), 1e-12);
}

TEST(MannWhitneyTest, NormalWithoutTies) {
  // 1..10 vs 11..20: U = 0, mu = 50, sigma^2 = 100 * 21 / 12 = 175, z = -49.5 / sqrt(175).
  Sample a, b;
  for (int i = 1; i <= 10; ++i) {
    a.push_back(i);
    b.push_back(i + 10);
  }
  const MannWhitneyResult r = MannWhitneyU(a, b);  // both samples > 8: auto picks normal
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 0.0);
  EXPECT_NEAR(r.z, -49.5 / std::sqrt(175.0), 1e-12);
  EXPECT_NEAR(r.p_value, std::erfc(49.5 / std::sqrt(175.0) / std::sqrt(2.0)), 1e-15);
  EXPECT_NEAR(r.p_value, 1.8267e-4, 1e-7);
  // The exact answer for the same data is 2 / C(20,10).
  const MannWhitneyResult e = MannWhitneyU(a, b, MannWhitneyMethod::kExact);
  EXPECT_TRUE(e.exact);
  EXPECT_NEAR(e.p_value, 2.0 / 184756.0, 1e-18);
}

TEST(MannWhitneyTest, IdenticalSamplesAreNotDifferent) {
  const MannWhitneyResult exact = MannWhitneyU(Sample{1, 2, 3}, Sample{1, 2, 3});
  EXPECT_DOUBLE_EQ(exact.u, 4.5);
  EXPECT_DOUBLE_EQ(exact.effect, 0.5);
  EXPECT_DOUBLE_EQ(exact.p_value, 1.0);
  const MannWhitneyResult all_tied =
      MannWhitneyU(Sample{5, 5, 5, 5}, Sample{5, 5, 5, 5}, MannWhitneyMethod::kNormal);
  EXPECT_DOUBLE_EQ(all_tied.p_value, 1.0);
  EXPECT_DOUBLE_EQ(all_tied.z, 0.0);
}

TEST(MannWhitneyTest, EmptySampleGivesNoEvidence) {
  const MannWhitneyResult r = MannWhitneyU(Sample{}, Sample{1, 2});
  EXPECT_DOUBLE_EQ(r.p_value, 1.0);
  EXPECT_DOUBLE_EQ(r.u, 0.0);
}

TEST(MannWhitneyTest, SwappingSamplesMirrorsU) {
  const Sample a = {1.5, 3, 3, 8, 9, 12}, b = {2, 3, 4, 4, 10};
  const MannWhitneyResult ab = MannWhitneyU(a, b), ba = MannWhitneyU(b, a);
  EXPECT_DOUBLE_EQ(ab.u + ba.u, 30.0);
  EXPECT_DOUBLE_EQ(ab.p_value, ba.p_value);
  // U counted by pairs: a_i > b_j counts 1, ties 1/2.
  double pairs = 0;
  for (double x : a) {
    for (double y : b) pairs += x > y ? 1.0 : (x == y ? 0.5 : 0.0);
  }
  EXPECT_DOUBLE_EQ(ab.u, pairs);
}

TEST(MannWhitneyTest, NormalApproachesExactForModerateSamples) {
  std::mt19937_64 rng(8);
  std::normal_distribution<double> slow(10.5, 1.0), fast(10.0, 1.0);
  Sample a(20), b(20);
  for (auto& x : a) x = slow(rng);
  for (auto& x : b) x = fast(rng);
  const MannWhitneyResult exact = MannWhitneyU(a, b, MannWhitneyMethod::kExact);
  const MannWhitneyResult normal = MannWhitneyU(a, b, MannWhitneyMethod::kNormal);
  ASSERT_TRUE(exact.exact);
  EXPECT_DOUBLE_EQ(exact.u, normal.u);
  EXPECT_NEAR(normal.p_value, exact.p_value, 0.1 * exact.p_value + 1e-3);
}

TEST(MannWhitneyTest, UnbalancedSmallSampleIsExact) {
  // One value far above nine others: U = 9, rank sum maximal, p = 2 * 1/10.
  const MannWhitneyResult r = MannWhitneyU(Sample{100}, Sample{1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 9.0);
  EXPECT_DOUBLE_EQ(r.p_value, 0.2);
}

TEST(AdjustPValues, HolmAndBenjaminiHochbergMatchTheirDefinitions) {
  // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") and "BH".
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  const std::vector<double> holm = AdjustPValues(p, Correction::kHolm);
  const std::vector<double> bh = AdjustPValues(p, Correction::kBenjaminiHochberg);
  const std::vector<double> holm_expected = {0.03, 0.06, 0.06, 0.02};
  const std::vector<double> bh_expected = {0.02, 0.04, 0.04, 0.02};
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_NEAR(holm[i], holm_expected[i], 1e-12) << i;
    EXPECT_NEAR(bh[i], bh_expected[i], 1e-12) << i;
  }
  EXPECT_EQ(AdjustPValues(p, Correction::kNone), p);
  EXPECT_EQ(AdjustPValues(std::vector<double>{0.6, 0.9}, Correction::kHolm),
            (std::vector<double>{1.0, 1.0}));  // capped
  EXPECT_TRUE(AdjustPValues({}, Correction::kHolm).empty());
}

TEST(NormalQuantile, MatchesTheTable) {
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.8), 0.8416212335729143, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.5), 0.0, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.001), -3.090232306167813, 1e-10);
}

TEST(MinimumDetectableShift, FollowsTheFormulaAndKnowsWhenNothingIsDetectable) {
  const double expected = (1.959963984540054 + 0.8416212335729143) * 2.0 *
                          std::sqrt(1.0 / 7 + 1.0 / 7) * std::sqrt(std::numbers::pi / 3.0);
  EXPECT_NEAR(MinimumDetectableShift(2.0, 7, 7, 0.05, 0.8), expected, 1e-9);
  EXPECT_TRUE(std::isinf(MinimumDetectableShift(2.0, 3, 3, 0.05, 0.8)));  // p >= 0.1 always
  EXPECT_TRUE(std::isinf(MinimumDetectableShift(2.0, 0, 7, 0.05, 0.8)));
  EXPECT_TRUE(std::isinf(MinimumDetectableShift(2.0, 7, 7, 0.0005, 0.8)));  // below 2/3432
  // The fewest per side whose limit is within the shift: 7 gives `expected`, 6 a larger one.
  EXPECT_EQ(SamplesNeeded(2.0, expected, 0.05, 0.8, 1000), 7u);
  EXPECT_EQ(SamplesNeeded(2.0, expected * 0.999, 0.05, 0.8, 1000), 8u);
  EXPECT_EQ(SamplesNeeded(2.0, 0.001, 0.05, 0.8, 100), 0u);  // not within 100
  EXPECT_EQ(SmallestPossiblePValue(7, 7), 2.0 / 3432);
  EXPECT_EQ(SmallestPossiblePValue(0, 7), 1.0);
  EXPECT_NEAR(PooledStandardDeviation(std::vector<double>{1, 2, 3}, std::vector<double>{5, 7}),
              std::sqrt((2.0 + 2.0) / 3.0), 1e-12);
}

}  // namespace
}  // namespace lockbench
