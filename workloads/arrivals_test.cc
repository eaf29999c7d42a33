#include "workloads/arrivals.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace lockbench {
namespace {

constexpr int kArrivals = 100'000;
constexpr double kGap = 5000.0;  // ticks

std::vector<double> Gaps(ArrivalKind kind, uint64_t seed) {
  ArrivalSchedule s(kind, kGap, seed, 1'000'000);
  std::vector<double> gaps;
  uint64_t last = 1'000'000;
  for (int i = 0; i < kArrivals; ++i) {
    const uint64_t at = s.Next();
    EXPECT_GE(at, last);
    gaps.push_back(static_cast<double>(at - last));
    last = at;
  }
  return gaps;
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

TEST(Arrivals, FixedGapsAreEqualAndKeepTheRate) {
  ArrivalSchedule s(ArrivalKind::kFixed, 2.5, 7, 100);
  EXPECT_EQ(s.Next(), 102u);
  EXPECT_EQ(s.Next(), 105u);
  EXPECT_EQ(s.Next(), 107u);
  ArrivalSchedule t(ArrivalKind::kFixed, kGap, 7, 0);
  uint64_t at = 0;
  for (int i = 0; i < kArrivals; ++i) at = t.Next();
  EXPECT_EQ(at, static_cast<uint64_t>(kGap * kArrivals));
}

TEST(Arrivals, PoissonMeanRateWithinOnePercent) {
  for (uint64_t seed : {1u, 2u, 12345u}) {
    EXPECT_NEAR(Mean(Gaps(ArrivalKind::kPoisson, seed)), kGap, 0.01 * kGap) << seed;
  }
}

TEST(Arrivals, PoissonGapsAreExponential) {
  const std::vector<double> gaps = Gaps(ArrivalKind::kPoisson, 99);
  const double mean = Mean(gaps);
  double var = 0;
  int below_mean = 0;
  for (double g : gaps) {
    var += (g - mean) * (g - mean);
    below_mean += g < mean;
  }
  const double cov = std::sqrt(var / static_cast<double>(gaps.size())) / mean;
  EXPECT_NEAR(cov, 1.0, 0.02);  // exponential: standard deviation = mean
  // P(gap < mean) = 1 - 1/e for an exponential distribution.
  EXPECT_NEAR(static_cast<double>(below_mean) / kArrivals, 1.0 - std::exp(-1.0), 0.01);
  // Memoryless tail: P(gap > 3 * mean) = e^-3.
  int above = 0;
  for (double g : gaps) above += g > 3 * mean;
  EXPECT_NEAR(static_cast<double>(above) / kArrivals, std::exp(-3.0), 0.005);
}

TEST(Arrivals, SameSeedSameSchedule) {
  ArrivalSchedule a(ArrivalKind::kPoisson, kGap, 3, 0), b(ArrivalKind::kPoisson, kGap, 3, 0);
  ArrivalSchedule c(ArrivalKind::kPoisson, kGap, 4, 0);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    differs = differs || x != c.Next();
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace lockbench
