#include "results/cost.h"

#include "gtest/gtest.h"

namespace lockbench {
namespace {

ThreadRecord Thread(uint64_t shared_ops, uint64_t exclusive_ops, uint64_t cpu_ns,
                    uint64_t voluntary, uint64_t involuntary) {
  ThreadRecord t;
  t.shared_ops = shared_ops;
  t.exclusive_ops = exclusive_ops;
  t.cpu_ns = cpu_ns;
  t.voluntary_switches = voluntary;
  t.involuntary_switches = involuntary;
  return t;
}

// Two threads in a 1 s window: 1000 shared ops of 100 ns sections and 1000 exclusive ops of
// 300 ns sections, 50 ns think time before each.
RunRecord TwoThreads() {
  RunRecord r;
  r.duration_s = 1.0;
  r.cost_measured = true;
  r.busy_work = {.shared_cs_ns = 100, .exclusive_cs_ns = 300, .think_ns = 50};
  r.per_thread = {Thread(1000, 0, 500'000, 10, 2), Thread(0, 1000, 250'000'000, 0, 40)};
  r.machine_busy_ns = 1'250'500'000;  // this run's 250.5 ms plus 1 s of someone else's
  r.machine_total_ns = 2'000'000'000;  // two CPUs for 1 s
  return r;
}

TEST(SummarizeCost, PerOpFiguresFromTheWindowsCounters) {
  const CostSummary c = SummarizeCost(TwoThreads());
  ASSERT_TRUE(c.measured);
  EXPECT_EQ(c.cpu_ns, 250'500'000u);
  EXPECT_EQ(c.voluntary_switches, 10u);
  EXPECT_EQ(c.involuntary_switches, 42u);
  EXPECT_DOUBLE_EQ(*c.cpu_ns_per_op, 250'500'000.0 / 2000);
  // Busy work: 1000 * (100 + 50) + 1000 * (300 + 50) = 500 us.
  EXPECT_DOUBLE_EQ(*c.lock_cpu_ns_per_op, (250'500'000.0 - 500'000) / 2000);
  EXPECT_DOUBLE_EQ(*c.voluntary_switches_per_op, 10.0 / 2000);
  EXPECT_DOUBLE_EQ(*c.involuntary_switches_per_op, 42.0 / 2000);
  EXPECT_DOUBLE_EQ(c.running_fraction_min, 0.0005);
  EXPECT_DOUBLE_EQ(c.running_fraction_median, (0.0005 + 0.25) / 2);
  ASSERT_TRUE(c.other_load.has_value());
  EXPECT_DOUBLE_EQ(*c.other_load, 0.5);
}

TEST(SummarizeCost, PerThreadFiguresAndASleeperThatDidOnlyBusyWork) {
  const CostSummary c = SummarizeCost(TwoThreads());
  ASSERT_EQ(c.per_thread.size(), 2u);
  // Thread 0: 500 us of CPU over 1000 ops, of which 150 us was its busy work (150 ns an op).
  EXPECT_DOUBLE_EQ(*c.per_thread[0].cpu_ns_per_op, 500.0);
  EXPECT_DOUBLE_EQ(*c.per_thread[0].lock_cpu_ns_per_op, 350.0);
  EXPECT_DOUBLE_EQ(*c.per_thread[0].voluntary_switches_per_op, 0.01);
  EXPECT_DOUBLE_EQ(c.per_thread[1].running_fraction, 0.25);
  EXPECT_DOUBLE_EQ(*c.per_thread[1].involuntary_switches_per_op, 0.04);
}

TEST(SummarizeCost, OpenLoopWaitsForArrivalsAreBusyWork) {
  RunRecord r = TwoThreads();
  r.busy_work.think_ns = 0;  // arrivals replace think time
  r.per_thread[0].arrival_wait_ns = 200'000;
  const CostSummary c = SummarizeCost(r);
  // Thread 0: 500 us of CPU, 100 us of sections and 200 us of waiting for arrivals, 1000 ops.
  EXPECT_DOUBLE_EQ(*c.per_thread[0].lock_cpu_ns_per_op, 200.0);
}

TEST(SummarizeCost, NoOpsNoCountersAndNoProcStatGiveNoFigures) {
  RunRecord r = TwoThreads();
  r.per_thread[0].shared_ops = 0;  // a starved thread: CPU but no acquisition
  r.machine_total_ns = 0;          // /proc/stat not readable
  const CostSummary c = SummarizeCost(r);
  EXPECT_FALSE(c.per_thread[0].cpu_ns_per_op.has_value());
  EXPECT_FALSE(c.other_load.has_value());
  EXPECT_TRUE(c.cpu_ns_per_op.has_value());  // the run still made 1000 ops
  // Busy work larger than the CPU measured (a coarse clock): the lock's share is 0, not negative.
  r.busy_work.think_ns = 1'000'000;
  EXPECT_DOUBLE_EQ(*SummarizeCost(r).lock_cpu_ns_per_op, 0.0);
  r.cost_measured = false;
  EXPECT_FALSE(SummarizeCost(r).measured);
  EXPECT_FALSE(SummarizeCost(r).cpu_ns_per_op.has_value());
}

}  // namespace
}  // namespace lockbench
