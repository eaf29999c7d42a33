#include "lockimpls/internal/check.h"

#include <string>

#include "gtest/gtest.h"

namespace lockbench {
namespace {

TEST(CheckDeathTest, FatalPrintsComponentAndWhatOnOneLine) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(Fatal("Widget", "lost 3 counts"), "^lockbench: Widget: lost 3 counts\n$");
}

TEST(CheckDeathTest, FailedCheckAbortsWithItsMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const int bin = 9;
  EXPECT_DEATH(LOCKBENCH_CHECK(bin < 8, "stats", "bin " + std::to_string(bin) + " of 8"),
               "^lockbench: stats: bin 9 of 8\n$");
}

TEST(Check, PassingCheckDoesNotBuildItsMessage) {
  int built = 0;
  const auto what = [&built] {
    ++built;
    return std::string("never");
  };
  LOCKBENCH_CHECK(1 + 1 == 2, "arith", what());
  EXPECT_EQ(built, 0);
}

}  // namespace
}  // namespace lockbench
