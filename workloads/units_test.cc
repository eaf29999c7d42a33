#include "workloads/units.h"

#include <gtest/gtest.h>

namespace lockbench {
namespace {

TEST(ParseDurationNs, AcceptsEveryUnit) {
  EXPECT_EQ(ParseDurationNs("200ns"), 200u);
  EXPECT_EQ(ParseDurationNs("2us"), 2'000u);
  EXPECT_EQ(ParseDurationNs("1.5ms"), 1'500'000u);
  EXPECT_EQ(ParseDurationNs("1.5s"), 1'500'000'000u);
  EXPECT_EQ(ParseDurationNs("2m"), 120'000'000'000u);
  EXPECT_EQ(ParseDurationNs("1h"), 3'600'000'000'000u);
  EXPECT_EQ(ParseDurationNs("1.5h"), 5'400'000'000'000u);
  EXPECT_EQ(ParseDurationNs("24h"), kMaxDurationNs);  // the limit itself is allowed
  EXPECT_EQ(ParseDurationNs(" 3s "), 3'000'000'000u);
  EXPECT_EQ(ParseDurationNs("0"), 0u);
}

TEST(ParseDurationNs, RejectsWithAReason) {
  auto message = [](const std::string& text) {
    try {
      ParseDurationNs(text);
    } catch (const SpecError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("").find("empty"), std::string::npos);
  EXPECT_NE(message("-1s").find("negative"), std::string::npos);
  EXPECT_NE(message("abc").find("not a number"), std::string::npos);
  EXPECT_NE(message("5").find("no unit"), std::string::npos);
  EXPECT_NE(message("5d").find("unknown unit 'd'"), std::string::npos);
  EXPECT_NE(message("5d").find("units are ns, us, ms, s, m, h"), std::string::npos);
  EXPECT_NE(message("5").find("or 2h"), std::string::npos);
  EXPECT_NE(message("1.2.3s").find("not a number"), std::string::npos);
  EXPECT_NE(message("99999999m").find("too large"), std::string::npos);
  // Hours reach the one-day limit soonest: just past it, far past it, and past a double's range.
  EXPECT_EQ(message("24.001h"), "'24.001h' is too large; at most 1 day (24h)");
  EXPECT_EQ(message("25h"), "'25h' is too large; at most 1 day (24h)");
  EXPECT_EQ(message("10000000h"), "'10000000h' is too large; at most 1 day (24h)");
  EXPECT_NE(message(std::string(400, '9') + "h").find("is too large"), std::string::npos);
}

TEST(FormatDurationNs, RoundTrips) {
  for (uint64_t ns : {0ull, 7ull, 200ull, 2'000ull, 1'500'000ull, 1'500'000'000ull,
                      3'600'000'000'000ull, 86'400'000'000'000ull}) {
    EXPECT_EQ(ParseDurationNs(FormatDurationNs(ns)), ns) << FormatDurationNs(ns);
  }
}

TEST(ParseCount, SuffixesAndLimits) {
  EXPECT_EQ(ParseCount("12", 100), 12u);
  EXPECT_EQ(ParseCount("10k", 100'000), 10'000u);
  EXPECT_EQ(ParseCount("2M", 1u << 30), 2'000'000u);
  EXPECT_THROW(ParseCount("101", 100), SpecError);
  EXPECT_THROW(ParseCount("-1", 100), SpecError);
  EXPECT_THROW(ParseCount("1.5", 100), SpecError);
  EXPECT_THROW(ParseCount("x", 100), SpecError);
  EXPECT_THROW(ParseCount("99999999999999999999999", UINT64_MAX), SpecError);
  // A caller's own wording of what is allowed replaces the default, once.
  try {
    ParseCount("-3", 9, "1 to 9");
    ADD_FAILURE() << "accepted -3";
  } catch (const SpecError& e) {
    EXPECT_STREQ(e.what(), "'-3' is negative; expected 1 to 9");
  }
}

TEST(ParseIntList, ItemsAndRanges) {
  EXPECT_EQ(ParseIntList("1,2,4-6", 10), (std::vector<uint64_t>{1, 2, 4, 5, 6}));
  EXPECT_EQ(ParseIntList("3", 10), (std::vector<uint64_t>{3}));
  EXPECT_THROW(ParseIntList("1,,2", 10), SpecError);
  EXPECT_THROW(ParseIntList("6-4", 10), SpecError);
  EXPECT_THROW(ParseIntList("", 10), SpecError);
  EXPECT_THROW(ParseIntList("11", 10), SpecError);
}

}  // namespace
}  // namespace lockbench
