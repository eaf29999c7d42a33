#include "lockimpls/internal/test_watchdog.h"

#include "gtest/gtest.h"

namespace lockbench::internal {
namespace {

TEST(TestWatchdogTest, NamesTheRunningTest) {
  EXPECT_EQ(CurrentTestName(), "TestWatchdogTest.NamesTheRunningTest");
  TestWatchdog watchdog;  // finishes at once: nothing to report
}

}  // namespace
}  // namespace lockbench::internal
