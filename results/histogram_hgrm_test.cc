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
namespace {

// ---- .hgrm export ----

TEST(HgrmTest, SmallHistogramMatchesTheHandDerivedTable) {
  Histogram h;
  for (uint64_t v = 1; v <= 4; ++v) h.Record(v);
  std::ostringstream out;
  WriteHgrm(h, out);
  // Ticks 0, 10, ..., 50 then 55, ..., 75 then 77.5: each row shows the first value whose
  // cumulative share reaches the tick; the last value also closes the table at 1.0.
  const std::string expected =
      "       Value     Percentile TotalCount 1/(1-Percentile)\n"
      "\n"
      "        1.00 0.000000000000          1           1.00\n"
      "        1.00 0.100000000000          1           1.11\n"
      "        1.00 0.200000000000          1           1.25\n"
      "        2.00 0.300000000000          2           1.43\n"
      "        2.00 0.400000000000          2           1.67\n"
      "        2.00 0.500000000000          2           2.00\n"
      "        3.00 0.550000000000          3           2.22\n"
      "        3.00 0.600000000000          3           2.50\n"
      "        3.00 0.650000000000          3           2.86\n"
      "        3.00 0.700000000000          3           3.33\n"
      "        3.00 0.750000000000          3           4.00\n"
      "        4.00 0.775000000000          4           4.44\n"
      "        4.00 1.000000000000          4\n"
      "#[Mean    =         2.50, StdDeviation   =         1.12]\n"
      "#[Max     =         4.00, Total count    =            4]\n"
      "#[Buckets =           33, SubBuckets     =          256]\n";
  EXPECT_EQ(out.str(), expected);
}

TEST(HgrmTest, EmptyHistogramHasHeaderAndFooterOnly) {
  Histogram h;
  std::ostringstream out;
  WriteHgrm(h, out);
  EXPECT_EQ(out.str(),
            "       Value     Percentile TotalCount 1/(1-Percentile)\n"
            "\n"
            "#[Mean    =         0.00, StdDeviation   =         0.00]\n"
            "#[Max     =         0.00, Total count    =            0]\n"
            "#[Buckets =           33, SubBuckets     =          256]\n");
}

struct HgrmRow {
  double value;
  double percentile;
  uint64_t count;
  bool last;
};

struct ParsedHgrm {
  std::vector<HgrmRow> rows;
  double mean = -1, stddev = -1, max = -1;
  uint64_t total = 0;
  int buckets = 0, sub_buckets = 0;
};

ParsedHgrm ParseHgrm(const std::string& text) {
  ParsedHgrm parsed;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  EXPECT_NE(line.find("Value"), std::string::npos);
  EXPECT_NE(line.find("1/(1-Percentile)"), std::string::npos);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("#[Mean", 0) == 0) {
      EXPECT_EQ(std::sscanf(line.c_str(), "#[Mean = %lf, StdDeviation = %lf]", &parsed.mean,
                            &parsed.stddev),
                2);
    } else if (line.rfind("#[Max", 0) == 0) {
      unsigned long long total = 0;
      EXPECT_EQ(std::sscanf(line.c_str(), "#[Max = %lf, Total count = %llu]", &parsed.max, &total),
                2);
      parsed.total = total;
    } else if (line.rfind("#[Buckets", 0) == 0) {
      EXPECT_EQ(std::sscanf(line.c_str(), "#[Buckets = %d, SubBuckets = %d]", &parsed.buckets,
                            &parsed.sub_buckets),
                2);
    } else {
      HgrmRow row{};
      unsigned long long count = 0;
      double inverse = 0;
      const int fields = std::sscanf(line.c_str(), "%lf %lf %llu %lf", &row.value, &row.percentile,
                                     &count, &inverse);
      EXPECT_TRUE(fields == 3 || fields == 4) << line;
      row.count = count;
      row.last = fields == 3;
      if (!row.last) {
        EXPECT_NEAR(inverse, 1.0 / (1.0 - row.percentile), 0.01) << line;
      }
      parsed.rows.push_back(row);
    }
  }
  return parsed;
}

TEST(HgrmTest, OutputParsesBackConsistently) {
  std::mt19937_64 rng(6);
  std::lognormal_distribution<double> dist(std::log(5'000.0), 1.5);
  Histogram h;
  std::vector<uint64_t> values(100'000);
  for (auto& v : values) {
    v = static_cast<uint64_t>(dist(rng));
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  std::ostringstream out;
  WriteHgrm(h, out, HgrmOptions{.value_unit_ratio = 1000.0, .value_decimals = 3});
  const ParsedHgrm parsed = ParseHgrm(out.str());

  ASSERT_GE(parsed.rows.size(), 20u);
  EXPECT_EQ(parsed.rows.front().percentile, 0.0);
  for (std::size_t i = 1; i < parsed.rows.size(); ++i) {
    EXPECT_GE(parsed.rows[i].value, parsed.rows[i - 1].value) << "row " << i;
    EXPECT_GT(parsed.rows[i].percentile, parsed.rows[i - 1].percentile) << "row " << i;
    EXPECT_GE(parsed.rows[i].count, parsed.rows[i - 1].count) << "row " << i;
  }
  for (std::size_t i = 0; i + 1 < parsed.rows.size(); ++i) EXPECT_FALSE(parsed.rows[i].last);
  const HgrmRow& last = parsed.rows.back();
  EXPECT_TRUE(last.last);
  EXPECT_EQ(last.percentile, 1.0);
  EXPECT_EQ(last.count, values.size());
  EXPECT_NEAR(last.value, values.back() / 1000.0, 0.0005);

  // Each tick row shows a value within the relative error of the oracle at that percentile.
  for (const HgrmRow& row : parsed.rows) {
    if (row.last || row.percentile == 0.0) continue;
    const long double wanted = static_cast<long double>(row.percentile) * values.size();
    const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(wanted - 1e-6)));
    const double expected = values[rank - 1] / 1000.0;
    EXPECT_GE(row.value, expected - 0.0005) << row.percentile;
    EXPECT_LE(row.value, expected * (1 + h.RelativeError()) + 0.0005) << row.percentile;
  }

  EXPECT_EQ(parsed.total, values.size());
  EXPECT_NEAR(parsed.max, values.back() / 1000.0, 0.0005);
  EXPECT_NEAR(parsed.mean, h.Mean() / 1000.0, 0.0005);
  EXPECT_NEAR(parsed.stddev, h.StdDev() / 1000.0, 0.0005);
  EXPECT_EQ(parsed.buckets, h.HdrBucketCount());
  EXPECT_EQ(parsed.sub_buckets, 256);
}

TEST(HgrmTest, TicksThickenTowardTheTail) {
  Histogram h;
  for (uint64_t v = 1; v <= 100'000; ++v) h.Record(v);
  std::ostringstream out;
  WriteHgrm(h, out);
  const ParsedHgrm parsed = ParseHgrm(out.str());
  std::vector<double> levels;
  for (const HgrmRow& row : parsed.rows) levels.push_back(row.percentile);
  // 10 ticks to 50%, then 5 per half distance: 55..75, 77.5..87.5, 88.75..93.75, ...
  const std::vector<double> head = {0.0, 0.1,  0.2,   0.3, 0.4,   0.5,  0.55,  0.6,    0.65,
                                    0.7, 0.75, 0.775, 0.8, 0.825, 0.85, 0.875, 0.8875, 0.9};
  ASSERT_GE(levels.size(), head.size());
  for (std::size_t i = 0; i < head.size(); ++i) EXPECT_DOUBLE_EQ(levels[i], head[i]) << i;
}

}  // namespace
}  // namespace lockbench
