#include "results/usl.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace lockbench {
namespace {

// A sweep of 1..64 threads, 3 repetitions each, from known parameters with 1% multiplicative
// noise (seeded), as a many-core machine would give it. Kappa is known only as well as the sweep
// bends: each case below peaks within the sweep (N* from 13 to 31).
std::vector<UslPoint> Synthetic(double lambda, double sigma, double kappa, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(1.0, 0.01);
  std::vector<UslPoint> points;
  for (double n : {1, 2, 4, 8, 12, 16, 24, 32, 48, 64}) {
    for (int rep = 0; rep < 3; ++rep) {
      points.push_back({n, UslThroughput(lambda, sigma, kappa, n) * noise(rng), false});
    }
  }
  return points;
}

struct Known {
  double lambda, sigma, kappa;
};

TEST(Usl, FitsKnownParametersBackWithin10Percent) {
  for (const Known& k : {Known{1e6, 0.05, 0.001}, Known{5e6, 0.3, 1e-3}, Known{2e7, 0.1, 5e-3},
                         Known{3e5, 0.6, 0.002}}) {
    for (unsigned seed = 1; seed <= 5; ++seed) {
      const UslFit fit = FitUsl(Synthetic(k.lambda, k.sigma, k.kappa, seed));
      ASSERT_TRUE(fit.fitted) << fit.why_not;
      EXPECT_NEAR(fit.lambda, k.lambda, 0.1 * k.lambda) << k.sigma << " seed " << seed;
      EXPECT_NEAR(fit.sigma, k.sigma, 0.1 * k.sigma) << k.sigma << " seed " << seed;
      EXPECT_NEAR(fit.kappa, k.kappa, 0.1 * k.kappa) << k.sigma << " seed " << seed;
      EXPECT_NEAR(fit.peak_threads, std::sqrt((1 - k.sigma) / k.kappa),
                  0.1 * std::sqrt((1 - k.sigma) / k.kappa));
      EXPECT_GT(fit.r2, 0.95);
      EXPECT_EQ(fit.points, 30);
      EXPECT_EQ(fit.thread_counts, 10);
    }
  }
}

TEST(Usl, NoCoherencyCostMeansNoPeak) {
  const UslFit fit = FitUsl(Synthetic(1e6, 0.1, 0, 7));
  ASSERT_TRUE(fit.fitted);
  EXPECT_NEAR(fit.sigma, 0.1, 0.01);
  // Whatever kappa the noise suggests puts the peak far past the sweep's 64 threads.
  EXPECT_TRUE(fit.kappa == 0 || fit.peak_threads > 128) << fit.kappa;
  // Exactly linear scaling: sigma and kappa 0, lambda the slope.
  std::vector<UslPoint> linear;
  for (double n : {1, 2, 3, 4}) linear.push_back({n, 1000 * n, false});
  const UslFit exact = FitUsl(linear);
  ASSERT_TRUE(exact.fitted);
  EXPECT_DOUBLE_EQ(exact.sigma, 0);
  EXPECT_DOUBLE_EQ(exact.kappa, 0);
  EXPECT_DOUBLE_EQ(exact.peak_threads, 0);
  EXPECT_NEAR(exact.lambda, 1000, 1e-9);
  EXPECT_NEAR(exact.r2, 1, 1e-12);
}

TEST(Usl, TooFewThreadCountsGiveNoFit) {
  const std::vector<UslPoint> two = {{1, 1e6, false}, {1, 1.1e6, false}, {2, 1.5e6, false}};
  const UslFit fit = FitUsl(two);
  EXPECT_FALSE(fit.fitted);
  EXPECT_EQ(fit.why_not, "too few points: 2 thread counts, a fit needs 4");
  EXPECT_EQ(fit.points, 3);
}

// On a 2-processor machine a 1,2,3,4,6,8 sweep has two counts a lock can be measured at.
TEST(Usl, OversubscribedPointsAreLeftOutUnlessAskedFor) {
  std::vector<UslPoint> sweep;
  for (double n : {1, 2, 3, 4, 6, 8}) {
    sweep.push_back({n, UslThroughput(1e6, 0.2, 0.01, n), n > 2});
  }
  const UslFit fit = FitUsl(sweep);
  EXPECT_FALSE(fit.fitted);
  EXPECT_EQ(fit.left_out, 4);
  EXPECT_EQ(fit.why_not, "too few points: 2 thread counts not oversubscribed, a fit needs 4");
  const UslFit all = FitUsl(sweep, /*include_oversubscribed=*/true);
  ASSERT_TRUE(all.fitted);
  EXPECT_EQ(all.left_out, 0);
  EXPECT_NEAR(all.sigma, 0.2, 0.02);
  EXPECT_NEAR(all.kappa, 0.01, 0.001);
}

TEST(Usl, IgnoresPointsWithoutThroughput) {
  std::vector<UslPoint> sweep;
  for (double n : {1, 2, 4, 8}) sweep.push_back({n, UslThroughput(1e6, 0.1, 0.001, n), false});
  sweep.push_back({16, 0, false});   // a failed run
  sweep.push_back({0, 5e6, false});  // no threads
  const UslFit fit = FitUsl(sweep);
  ASSERT_TRUE(fit.fitted);
  EXPECT_EQ(fit.points, 4);
  EXPECT_NEAR(fit.sigma, 0.1, 1e-3);
}

}  // namespace
}  // namespace lockbench
