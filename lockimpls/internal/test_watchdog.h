// The hang watchdog armed with the running test's name ("Suite.Test"), so a test body says
// `TestWatchdog watchdog;` instead of typing its own name into a string that can go stale.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_TEST_WATCHDOG_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_TEST_WATCHDOG_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "gtest/gtest.h"
#include "lockimpls/internal/hang_watchdog.h"

namespace lockbench::internal {

// "Suite.Test" of the test running now; "(no test)" outside one.
inline std::string CurrentTestName() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "(no test)";
  return std::string(info->test_suite_name()) + "." + info->name();
}

class TestWatchdog : public HangWatchdog {
 public:
  explicit TestWatchdog(std::chrono::seconds limit = std::chrono::seconds(45),
                        const std::atomic<std::uint64_t>* progress = nullptr)
      : HangWatchdog(CurrentTestName(), limit, progress) {}
};

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_TEST_WATCHDOG_H_
