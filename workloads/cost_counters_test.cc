#include "workloads/cost_counters.h"

#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace lockbench {
namespace {

TEST(ParseProcStat, SumsBusyAndIdleColumnsOfTheAggregateLine) {
  // user nice system idle iowait irq softirq steal guest guest_nice, in ticks of 1/100 s.
  const char* text =
      "cpu  100 20 30 800 50 5 5 10 7 0\n"
      "cpu0 50 10 15 400 25 2 3 5 7 0\n"
      "intr 12345\n";
  const std::optional<MachineCpu> m = ParseProcStat(text, 100);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->busy_ns, (100ull + 20 + 30 + 5 + 5 + 10) * 10'000'000ull);  // guest is in user
  EXPECT_EQ(m->total_ns, (170ull + 800 + 50) * 10'000'000ull);
}

TEST(ParseProcStat, OlderKernelsWithFourColumnsAndBadTextAreHandled) {
  const std::optional<MachineCpu> old = ParseProcStat("cpu 1 2 3 4\n", 100);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->busy_ns, 6ull * 10'000'000ull);
  EXPECT_EQ(old->total_ns, 10ull * 10'000'000ull);
  EXPECT_FALSE(ParseProcStat("", 100).has_value());
  EXPECT_FALSE(ParseProcStat("cpu0 1 2 3 4\n", 100).has_value());  // no aggregate line
  EXPECT_FALSE(ParseProcStat("cpu 1 2\n", 100).has_value());
  EXPECT_FALSE(ParseProcStat("cpu x y z w\n", 100).has_value());
  EXPECT_FALSE(ParseProcStat("cpu 1 2 3 4\n", 0).has_value());
}

TEST(CountersBetween, SubtractsAndNeverGoesNegative) {
  const ThreadCounters a{1000, 5, 7}, b{4000, 9, 6};
  const ThreadCounters d = CountersBetween(a, b);
  EXPECT_EQ(d.cpu_ns, 3000u);
  EXPECT_EQ(d.voluntary_switches, 4u);
  EXPECT_EQ(d.involuntary_switches, 0u);
}

TEST(ReadThreadCounters, BusyWorkCostsCpuAndSleepingSwitchesVoluntarily) {
  const ThreadCounters start = ReadThreadCounters();
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  while (std::chrono::steady_clock::now() < until) {
  }
  for (int i = 0; i < 5; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const ThreadCounters d = CountersBetween(start, ReadThreadCounters());
  EXPECT_GT(d.cpu_ns, 1'000'000u);  // at least 1 ms of the 20 ms spin, however busy the host
  EXPECT_GE(d.voluntary_switches, 5u);  // each sleep blocks the thread once
  const std::optional<MachineCpu> m = ReadMachineCpu();
  ASSERT_TRUE(m.has_value());
  EXPECT_GT(m->total_ns, m->busy_ns);
}

}  // namespace
}  // namespace lockbench
