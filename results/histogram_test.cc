#include "results/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace lockbench {

void PrintTo(const HistogramBucket& b, std::ostream* os) {
  *os << "{" << b.low << ".." << b.high << ": " << b.count << "}";
}

namespace {

// Percentiles in thousandths of a percent, so the oracle can compute its rank in integers.
std::vector<uint64_t> PercentilesMilli() {
  std::vector<uint64_t> p = {0,     1,     10,    100,   1000,  25000, 50000,
                             75000, 90000, 99000, 99900, 99990, 99999, 100000};
  for (uint64_t x = 500; x < 100000; x += 500) p.push_back(x);
  return p;
}

// Nearest-rank percentile of sorted data: the value at rank ceil(p/100 * n), rank >= 1.
uint64_t OraclePercentile(const std::vector<uint64_t>& sorted, uint64_t p_milli) {
  const uint64_t n = sorted.size();
  uint64_t rank = (p_milli * n + 99999) / 100000;
  rank = std::clamp<uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

std::vector<HistogramBucket> Buckets(const Histogram& h) {
  std::vector<HistogramBucket> out;
  h.ForEachBucket([&](const HistogramBucket& b) { out.push_back(b); });
  return out;
}

// Records `values` and checks every statistic against the sorted-array oracle.
void CheckAgainstOracle(std::vector<uint64_t> values, const HistogramOptions& options = {}) {
  Histogram h(options);
  for (uint64_t v : values) h.Record(v);
  std::sort(values.begin(), values.end());

  ASSERT_EQ(h.TotalCount(), values.size());
  EXPECT_EQ(h.OverflowCount(), 0u);
  EXPECT_EQ(h.Min(), values.front());
  EXPECT_EQ(h.Max(), values.back());

  long double sum = 0;
  for (uint64_t v : values) sum += v;
  const long double mean = sum / values.size();
  long double squares = 0;
  for (uint64_t v : values) squares += (v - mean) * (v - mean);
  const double stddev = static_cast<double>(std::sqrt(squares / values.size()));
  EXPECT_NEAR(h.Mean(), static_cast<double>(mean), 1e-12 * static_cast<double>(mean) + 1e-12);
  EXPECT_NEAR(h.StdDev(), stddev, 1e-9 * stddev + 1e-9);

  const double err = h.RelativeError();
  for (uint64_t p_milli : PercentilesMilli()) {
    const uint64_t expected = OraclePercentile(values, p_milli);
    const uint64_t got = h.ValueAtPercentile(p_milli / 1000.0);
    SCOPED_TRACE("percentile " + std::to_string(p_milli / 1000.0));
    EXPECT_GE(got, expected);
    EXPECT_LE(static_cast<double>(got - expected), static_cast<double>(expected) * err);
  }
  EXPECT_EQ(h.ValueAtPercentile(0), values.front());
  EXPECT_EQ(h.ValueAtPercentile(100), values.back());

  uint64_t bucket_total = 0;
  for (const HistogramBucket& b : Buckets(h)) {
    EXPECT_LE(b.low, b.high);
    bucket_total += b.count;
    // Exactly the values in [low, high] were recorded there.
    const auto first = std::lower_bound(values.begin(), values.end(), b.low);
    const auto last = std::upper_bound(values.begin(), values.end(), b.high);
    EXPECT_EQ(static_cast<uint64_t>(last - first), b.count) << b.low << ".." << b.high;
  }
  EXPECT_EQ(bucket_total, values.size());
}

TEST(HistogramTest, UniformMatchesOracle) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<uint64_t> dist(0, 1'000'000);
  std::vector<uint64_t> values(200'000);
  for (auto& v : values) v = dist(rng);
  CheckAgainstOracle(values);
}

TEST(HistogramTest, ExponentialMatchesOracle) {
  std::mt19937_64 rng(2);
  std::exponential_distribution<double> dist(1.0 / 50'000.0);
  std::vector<uint64_t> values(200'000);
  for (auto& v : values) v = static_cast<uint64_t>(dist(rng));
  CheckAgainstOracle(values);
}

TEST(HistogramTest, LogNormalFromNanosecondsToSecondsMatchesOracle) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> dist(std::log(10'000.0), 3.0);
  std::vector<uint64_t> values(200'000);
  for (auto& v : values) v = static_cast<uint64_t>(std::min(dist(rng), 100e9));  // <= 100 s
  CheckAgainstOracle(values);
  EXPECT_LT(*std::min_element(values.begin(), values.end()), 10u);
  EXPECT_GT(*std::max_element(values.begin(), values.end()), 1'000'000'000u);
}

TEST(HistogramTest, LogUniformWithFinerLayoutMatchesOracle) {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> exponent(0.0, 47.0);
  std::vector<uint64_t> values(100'000);
  for (auto& v : values) v = static_cast<uint64_t>(std::exp2(exponent(rng)));
  CheckAgainstOracle(values, HistogramOptions{.sub_bucket_bits = 10,
                                              .highest_trackable_value = uint64_t{1} << 47});
}

TEST(HistogramTest, ConstantMatchesOracle) {
  CheckAgainstOracle(std::vector<uint64_t>(1000, 123'456'789));
  Histogram h;
  h.RecordN(123'456'789, 1000);
  EXPECT_EQ(h.StdDev(), 0.0);  // the exact sums leave no rounding residue
  EXPECT_EQ(h.Mean(), 123'456'789.0);
}

TEST(HistogramTest, TinyCountsMatchOracle) {
  CheckAgainstOracle({42});
  CheckAgainstOracle({7, 1'000'000});
  CheckAgainstOracle({3'000'000'000, 5, 5});
  Histogram h;
  h.Record(10);
  h.Record(20);
  h.Record(30);
  EXPECT_EQ(h.ValueAtPercentile(33.3), 10u);
  EXPECT_EQ(h.ValueAtPercentile(33.34), 20u);
  EXPECT_EQ(h.ValueAtPercentile(50), 20u);
  EXPECT_EQ(h.ValueAtPercentile(66.67), 30u);
  EXPECT_DOUBLE_EQ(h.Mean(), 20.0);
  EXPECT_DOUBLE_EQ(h.StdDev(), std::sqrt(200.0 / 3.0));
}

TEST(HistogramTest, DecimalPercentileMeansItsDecimalRank) {
  // 99.9 is stored as 99.900000000000006; the rank must still be 999 of 1000, not 1000.
  Histogram h;
  for (uint64_t v = 1; v <= 1000; ++v) h.Record(v * 1000);
  const uint64_t got = h.ValueAtPercentile(99.9);
  EXPECT_GE(got, 999'000u);
  EXPECT_LT(got, 1'000'000u);
}

TEST(HistogramTest, EmptyHistogram) {
  Histogram h;
  EXPECT_EQ(h.TotalCount(), 0u);
  EXPECT_EQ(h.Min(), 0u);
  EXPECT_EQ(h.Max(), 0u);
  EXPECT_EQ(h.Mean(), 0.0);
  EXPECT_EQ(h.StdDev(), 0.0);
  for (double p : {0.0, 50.0, 99.99, 100.0}) EXPECT_EQ(h.ValueAtPercentile(p), 0u);
  EXPECT_TRUE(Buckets(h).empty());
}

TEST(HistogramTest, ZeroIsAValue) {
  Histogram h;
  h.Record(0);
  h.Record(0);
  EXPECT_EQ(h.TotalCount(), 2u);
  EXPECT_EQ(h.Min(), 0u);
  EXPECT_EQ(h.Max(), 0u);
  EXPECT_EQ(h.ValueAtPercentile(50), 0u);
  const auto buckets = Buckets(h);
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets[0], (HistogramBucket{0, 0, 2}));
}

TEST(HistogramTest, PercentileOutsideRangeIsClamped) {
  Histogram h;
  h.Record(5);
  h.Record(500);
  EXPECT_EQ(h.ValueAtPercentile(-3), 5u);
  EXPECT_EQ(h.ValueAtPercentile(std::nan("")), 5u);
  EXPECT_EQ(h.ValueAtPercentile(250), 500u);
}

TEST(HistogramTest, HighestTrackableValueIsRoundedUpAndFitsTheTopBucket) {
  Histogram small(HistogramOptions{.sub_bucket_bits = 7, .highest_trackable_value = 1000});
  EXPECT_EQ(small.HighestTrackableValue(), 1023u);
  Histogram h;
  EXPECT_EQ(h.HighestTrackableValue(), (uint64_t{1} << 40) - 1);
  h.Record(h.HighestTrackableValue());
  EXPECT_EQ(h.OverflowCount(), 0u);
  EXPECT_EQ(h.Max(), h.HighestTrackableValue());
  EXPECT_EQ(h.ValueAtPercentile(50), h.HighestTrackableValue());
  const auto buckets = Buckets(h);
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets[0].high, h.HighestTrackableValue());
  // The top bucket is as wide as the relative error allows: 2^(40-1-7).
  EXPECT_EQ(buckets[0].high - buckets[0].low + 1, uint64_t{1} << 32);
}

TEST(HistogramTest, OverflowIsClampedAndCounted) {
  Histogram h;
  const uint64_t top = h.HighestTrackableValue();
  h.Record(10);
  h.Record(top + 1);
  h.RecordN(std::numeric_limits<uint64_t>::max(), 3);
  EXPECT_EQ(h.TotalCount(), 5u);
  EXPECT_EQ(h.OverflowCount(), 4u);
  EXPECT_EQ(h.Max(), top);
  EXPECT_EQ(h.ValueAtPercentile(100), top);
  EXPECT_EQ(h.ValueAtPercentile(50), top);
  EXPECT_DOUBLE_EQ(h.Mean(), (10.0 + 4.0 * static_cast<double>(top)) / 5.0);
}

TEST(HistogramTest, EveryValueLandsInABucketWithinTheRelativeError) {
  // Powers of two and their neighbours are where the layout changes resolution.
  std::vector<uint64_t> values;
  for (int k = 0; k < 40; ++k) {
    const uint64_t p = uint64_t{1} << k;
    for (uint64_t v : {p - 1, p, p + 1, p + p / 2}) values.push_back(v);
  }
  for (uint64_t v : values) {
    Histogram h;
    h.Record(v);
    const auto buckets = Buckets(h);
    ASSERT_EQ(buckets.size(), 1u);
    const HistogramBucket& b = buckets[0];
    EXPECT_LE(b.low, v);
    EXPECT_GE(b.high, v);
    const uint64_t width = b.high - b.low + 1;
    EXPECT_LE(static_cast<double>(width - 1), static_cast<double>(b.low) * h.RelativeError())
        << "value " << v;
    if (v < 256) {
      EXPECT_EQ(width, 1u) << "value " << v;
    }
  }
}

TEST(HistogramTest, BucketsTileTheRangeWithoutGaps) {
  Histogram h(HistogramOptions{.sub_bucket_bits = 2, .highest_trackable_value = 1023});
  // One record per bucket lower edge, found by walking: each bucket starts right after the last.
  uint64_t next_low = 0;
  while (next_low <= h.HighestTrackableValue()) {
    Histogram probe(HistogramOptions{.sub_bucket_bits = 2, .highest_trackable_value = 1023});
    probe.Record(next_low);
    const auto b = Buckets(probe);
    ASSERT_EQ(b.size(), 1u);
    ASSERT_EQ(b[0].low, next_low);
    next_low = b[0].high + 1;
    h.Record(b[0].low);
  }
  EXPECT_EQ(next_low, 1024u);
  EXPECT_EQ(h.TotalCount(), h.BucketCount());
}

TEST(HistogramTest, RecordNEqualsRepeatedRecord) {
  Histogram a, b;
  for (int i = 0; i < 7; ++i) a.Record(987'654);
  a.Record(3);
  b.RecordN(987'654, 7);
  b.RecordN(3, 1);
  b.RecordN(77, 0);  // no record at all
  EXPECT_EQ(Buckets(a), Buckets(b));
  EXPECT_EQ(a.TotalCount(), b.TotalCount());
  EXPECT_EQ(a.Min(), b.Min());
  EXPECT_EQ(a.Max(), b.Max());
  EXPECT_EQ(a.Mean(), b.Mean());
  EXPECT_EQ(a.StdDev(), b.StdDev());
}

TEST(HistogramTest, MergeEqualsHistogramOfTheUnion) {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> dist(std::log(2'000.0), 2.0);
  Histogram left, right, both;
  for (int i = 0; i < 50'000; ++i) {
    const uint64_t v = static_cast<uint64_t>(dist(rng));
    (i % 3 == 0 ? left : right).Record(v);
    both.Record(v);
  }
  right.Record(uint64_t{1} << 45);  // an overflow travels too
  both.Record(uint64_t{1} << 45);
  left.Merge(right);
  EXPECT_EQ(Buckets(left), Buckets(both));
  EXPECT_EQ(left.TotalCount(), both.TotalCount());
  EXPECT_EQ(left.OverflowCount(), 1u);
  EXPECT_EQ(left.Min(), both.Min());
  EXPECT_EQ(left.Max(), both.Max());
  EXPECT_EQ(left.Mean(), both.Mean());
  EXPECT_EQ(left.StdDev(), both.StdDev());
  for (double p : {1.0, 50.0, 99.0, 99.99}) {
    EXPECT_EQ(left.ValueAtPercentile(p), both.ValueAtPercentile(p));
  }
}

TEST(HistogramTest, MergeIntoAndFromEmpty) {
  Histogram empty, h;
  h.Record(17);
  Histogram copy = h;
  copy.Merge(empty);
  EXPECT_EQ(Buckets(copy), Buckets(h));
  EXPECT_EQ(copy.Min(), 17u);
  empty.Merge(h);
  EXPECT_EQ(Buckets(empty), Buckets(h));
  EXPECT_EQ(empty.Min(), 17u);
  EXPECT_EQ(empty.Max(), 17u);
}

TEST(HistogramDeathTest, MergeOfDifferentLayoutsAborts) {
  Histogram a;
  Histogram b(HistogramOptions{.sub_bucket_bits = 8});
  Histogram c(HistogramOptions{.highest_trackable_value = 1'000'000});
  EXPECT_FALSE(a.SameLayout(b));
  EXPECT_FALSE(a.SameLayout(c));
  EXPECT_DEATH(a.Merge(b), "different layouts");
  EXPECT_DEATH(a.Merge(c), "different layouts");
}

TEST(HistogramDeathTest, InvalidOptionsAbort) {
  EXPECT_DEATH(Histogram(HistogramOptions{.sub_bucket_bits = 0}), "sub_bucket_bits");
  EXPECT_DEATH(Histogram(HistogramOptions{.sub_bucket_bits = 15}), "sub_bucket_bits");
  EXPECT_DEATH(Histogram(HistogramOptions{.highest_trackable_value = uint64_t{1} << 50}),
               "highest_trackable_value");
}

TEST(HistogramTest, ResetForgetsEverything) {
  Histogram h;
  h.Record(5);
  h.Record(h.HighestTrackableValue() + 5);
  h.Reset();
  EXPECT_EQ(h.TotalCount(), 0u);
  EXPECT_EQ(h.OverflowCount(), 0u);
  EXPECT_EQ(h.Min(), 0u);
  EXPECT_EQ(h.Max(), 0u);
  EXPECT_EQ(h.Mean(), 0.0);
  EXPECT_TRUE(Buckets(h).empty());
  h.Record(9);
  EXPECT_EQ(h.Min(), 9u);
  EXPECT_EQ(h.Max(), 9u);
}

TEST(HistogramTest, CopyIsIndependentAndMoveKeepsContents) {
  Histogram a;
  a.Record(100);
  Histogram b = a;
  b.Record(200);
  EXPECT_EQ(a.TotalCount(), 1u);
  EXPECT_EQ(b.TotalCount(), 2u);
  Histogram c = std::move(b);
  EXPECT_EQ(c.TotalCount(), 2u);
  EXPECT_EQ(c.Max(), 200u);
}

TEST(HistogramTest, FootprintMatchesTheHeader) {
  Histogram h;
  EXPECT_EQ(h.BucketCount(), 4352u);
  EXPECT_EQ(h.MemoryBytes(), sizeof(Histogram) + 4352 * 8);
  if constexpr (sizeof(void*) == 8) {
    EXPECT_EQ(h.MemoryBytes(), 34'928u);  // the header's figure
  }
  EXPECT_EQ(h.HdrBucketCount(), 33);
  EXPECT_EQ(h.HdrSubBucketCount(), 256);
  EXPECT_NEAR(h.RelativeError(), 0.0078125, 0);
}

}  // namespace
}  // namespace lockbench
