// Inputs that once broke the value parsers (found by workloads/fuzz), each pinned to the answer
// it must give now.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "workloads/units.h"

namespace lockbench {
namespace {

// FormatDurationNs kept six significant digits, so a recorded duration read back changed.
TEST(UnitsRegression, FormattedDurationsReadBackExactly) {
  for (uint64_t ns : {uint64_t{8'873'895'000}, uint64_t{9'298'919'999}, uint64_t{1'000'001},
                      uint64_t{1'234'567'891}, uint64_t{86'400'000'000'000}}) {
    EXPECT_EQ(ParseDurationNs(FormatDurationNs(ns)), ns) << FormatDurationNs(ns);
  }
  EXPECT_EQ(FormatDurationNs(1'500'000'000), "1.5s");
  EXPECT_EQ(FormatDurationNs(1'000'001), "1.000001ms");
  EXPECT_EQ(FormatDurationNs(200), "200ns");
}

// Each range was bounded but the list was not: twelve ranges of 100001 numbers, or a 1 MB
// file of short ranges, expanded into gigabytes.
TEST(UnitsRegression, IntListIsBoundedAsAWhole) {
  std::string ranges;
  for (int i = 0; i < 12; ++i) ranges += (i ? "," : "") + std::string("0-100000");
  try {
    ParseIntList(ranges, UINT64_MAX);
    FAIL() << "a list of 1.2 million numbers was accepted";
  } catch (const SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("list is too long"), std::string::npos) << e.what();
  }
  // One range of the largest size is still a list.
  EXPECT_EQ(ParseIntList("0-100000", UINT64_MAX).size(), 100'001u);
}

}  // namespace
}  // namespace lockbench
