#include "workloads/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "lockimpls/eresource.h"
#include "lockimpls/std_shared_mutex.h"

namespace lockbench {
namespace {

// A "lock" that excludes nobody: the verifier must catch it.
struct NoLock {
  static constexpr LockTraits kTraits{"nolock", "excludes nobody", 1, Recursion::kFull, "none", false};
  void lock() {}
  void unlock() {}
  void lock_shared() {}
  void unlock_shared() {}
  bool try_lock() { return true; }
  bool try_lock_shared() { return true; }
};

// A lock whose exclusive acquisition never returns once another thread holds it: a deadlock the
// watchdog must report, naming the waiting thread.
struct NeverReleases {
  static constexpr LockTraits kTraits{"never", "never releases", 8, Recursion::kNone, "none", false};
  std::mutex m;
  void lock() { m.lock(); }
  void unlock() {}  // keeps it held forever
  void lock_shared() { lock(); }
  void unlock_shared() {}
  bool try_lock() { return m.try_lock(); }
  bool try_lock_shared() { return m.try_lock(); }
};

EngineConfig Config(const Topology& topology, int threads) {
  EngineConfig cfg;
  cfg.spec.duration_ns = 100'000'000;
  cfg.spec.warmup_ns = 10'000'000;
  cfg.threads = threads;
  std::vector<ThreadRole> roles(static_cast<size_t>(threads), ThreadRole::kMixed);
  cfg.plan = PlanPlacement("none", roles, true, topology);
  cfg.topology = &topology;
  cfg.latency_sample_every = 1;
  return cfg;
}

class EngineTest : public ::testing::Test {
 protected:
  Topology topology_ = Topology::LoadThisMachine();
};

TEST_F(EngineTest, CountsOpsAndTimesEveryAcquisition) {
  EngineConfig cfg = Config(topology_, 2);
  cfg.spec.read_ratio = 0.5;
  const RunRecord r = RunLock<StdSharedMutex>(cfg);
  ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
  ASSERT_EQ(r.per_thread.size(), 2u);
  EXPECT_GT(r.duration_s, 0.05);
  for (const ThreadRecord& t : r.per_thread) {
    EXPECT_GT(t.shared_ops, 0u);
    EXPECT_GT(t.exclusive_ops, 0u);
    // Sampling every acquisition: one latency and one hold record per op.
    EXPECT_EQ(t.shared_acquire.TotalCount(), t.shared_ops);
    EXPECT_EQ(t.exclusive_hold.TotalCount(), t.exclusive_ops);
    // Every shared hold is logged for reader batch sizes, up to the cap.
    if (!t.shared_intervals_truncated) {
      EXPECT_EQ(t.shared_intervals.size(), t.shared_ops);
    }
    for (const auto& [begin, end] : t.shared_intervals) EXPECT_LE(begin, end);
  }
  // The grant sequence holds every exclusive grant of the window, each by a real thread.
  uint64_t exclusive = 0;
  for (const ThreadRecord& t : r.per_thread) exclusive += t.exclusive_ops;
  EXPECT_EQ(r.grant_sequence.size(), exclusive);
  for (uint32_t t : r.grant_sequence) EXPECT_LT(t, 2u);
}

TEST_F(EngineTest, DedicatedRolesAndOpQuota) {
  EngineConfig cfg = Config(topology_, 3);
  cfg.spec.readers = 2;
  cfg.spec.writers = 1;
  cfg.spec.ops = 500;
  cfg.spec.warmup_ns = 0;
  const RunRecord r = RunLock<StdSharedMutex>(cfg);
  ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
  EXPECT_EQ(r.per_thread[0].role, "writer");
  EXPECT_EQ(r.per_thread[0].exclusive_ops, 500u);
  EXPECT_EQ(r.per_thread[0].shared_ops, 0u);
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(r.per_thread[static_cast<size_t>(i)].role, "reader");
    EXPECT_EQ(r.per_thread[static_cast<size_t>(i)].shared_ops, 500u);
  }
}

TEST_F(EngineTest, TryAcquireFailuresAreCountedNotDone) {
  EngineConfig cfg = Config(topology_, 2);
  cfg.spec.read_ratio = 0;
  cfg.spec.try_fraction = 1.0;
  cfg.spec.exclusive_cs_ns = 2'000;
  const RunRecord r = RunLock<StdSharedMutex>(cfg);
  ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
  uint64_t attempts = 0, failures = 0, ops = 0;
  for (const ThreadRecord& t : r.per_thread) {
    attempts += t.try_attempts;
    failures += t.try_failures;
    ops += t.ops();
  }
  EXPECT_EQ(attempts, ops + failures);
  EXPECT_GT(ops, 0u);
}

TEST_F(EngineTest, VerifierCatchesALockThatExcludesNobody) {
  EngineConfig cfg = Config(topology_, 2);
  cfg.spec.read_ratio = 0.5;
  cfg.spec.shared_cs_ns = 2'000;
  cfg.spec.exclusive_cs_ns = 2'000;
  cfg.spec.exclusive_lines = 4;
  cfg.spec.shared_lines = 4;
  cfg.spec.duration_ns = 5'000'000'000;  // ends early at the first violation
  const RunRecord r = RunLock<NoLock>(cfg);
  EXPECT_EQ(r.status, RunStatus::kViolation);
  EXPECT_NE(r.status_detail.find("thread"), std::string::npos) << r.status_detail;
}

TEST_F(EngineTest, VerifierOffSeesNothing) {
  EngineConfig cfg = Config(topology_, 2);
  cfg.verify = false;
  const RunRecord r = RunLock<NoLock>(cfg);
  EXPECT_EQ(r.status, RunStatus::kOk);
}

TEST_F(EngineTest, WatchdogNamesTheWaitingThreads) {
  EngineConfig cfg = Config(topology_, 2);
  cfg.spec.read_ratio = 0;
  cfg.spec.warmup_ns = 0;
  cfg.stall_timeout_ns = 300'000'000;
  cfg.spec.duration_ns = 60'000'000'000;
  const RunRecord r = RunLock<NeverReleases>(cfg);
  ASSERT_EQ(r.status, RunStatus::kStalled);
  // Both threads wait: the first grant was never released.
  EXPECT_NE(r.status_detail.find("thread 0 (mixed) waiting exclusive"), std::string::npos)
      << r.status_detail;
  EXPECT_NE(r.status_detail.find("thread 1 (mixed) waiting exclusive"), std::string::npos)
      << r.status_detail;
}

TEST_F(EngineTest, InterruptEndsTheRunEarly) {
  EngineConfig cfg = Config(topology_, 2);
  cfg.spec.duration_ns = 60'000'000'000;
  std::atomic<bool> interrupt{false};
  cfg.interrupt = &interrupt;
  std::thread stopper([&interrupt] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    interrupt.store(true);
  });
  const RunRecord r = RunLock<StdSharedMutex>(cfg);
  stopper.join();
  EXPECT_EQ(r.status, RunStatus::kInterrupted);
  EXPECT_LT(r.duration_s, 30.0);
}

TEST_F(EngineTest, ManyLockInstancesWithZipfChoice) {
  EngineConfig cfg = Config(topology_, 2);
  cfg.spec.lock_instances = 16;
  cfg.spec.lock_choice = LockChoice::kZipf;
  cfg.spec.recursion_depth = 0;
  const RunRecord r = RunLock<StdSharedMutex>(cfg);
  ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
  // Only grants of instance 0 are in the sequence: fewer than all exclusive grants.
  uint64_t exclusive = 0;
  for (const ThreadRecord& t : r.per_thread) exclusive += t.exclusive_ops;
  EXPECT_LT(r.grant_sequence.size(), exclusive);
  EXPECT_GT(r.grant_sequence.size(), 0u);
}

TEST(EnginePlan, RecursionFollowsTheLocksTraits) {
  EngineConfig cfg;
  cfg.spec.recursion_depth = 2;
  const ClockCalibration clock;
  auto plan = [&](Recursion r) { return engine_internal::MakePlan(cfg, clock, r); };
  EXPECT_EQ(plan(Recursion::kFull).shared_recursion, 2);
  EXPECT_EQ(plan(Recursion::kFull).exclusive_recursion, 2);
  EXPECT_EQ(plan(Recursion::kSharedOnly).shared_recursion, 2);
  EXPECT_EQ(plan(Recursion::kSharedOnly).exclusive_recursion, 0);
  EXPECT_EQ(plan(Recursion::kNone).shared_recursion, 0);
  EXPECT_EQ(plan(Recursion::kNone).exclusive_recursion, 0);
  cfg.allow_deadlock = true;
  EXPECT_EQ(plan(Recursion::kNone).exclusive_recursion, 2);
}

TEST_F(EngineTest, RecursiveHoldsOnAFullyRecursiveLock) {
  // ERESOURCE counts re-acquisitions in both modes; an unbalanced release would leave it owned
  // and the run would stall instead of ending ok.
  EngineConfig cfg = Config(topology_, 2);
  cfg.spec.recursion_depth = 2;
  cfg.spec.read_ratio = 0.5;
  cfg.stall_timeout_ns = 5'000'000'000;
  const RunRecord r = RunLock<EResource>(cfg);
  ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
  for (const ThreadRecord& t : r.per_thread) EXPECT_GT(t.ops(), 0u);
}

TEST(EnginePlan, ZipfTableFavoursLowInstances) {
  EngineConfig cfg;
  cfg.threads = 1;
  cfg.spec.lock_instances = 8;
  cfg.spec.lock_choice = LockChoice::kZipf;
  cfg.spec.zipf_s = 1.0;
  const engine_internal::Plan p = engine_internal::MakePlan(cfg, ClockCalibration{});
  ASSERT_EQ(p.zipf_table.size(), 4096u);
  std::vector<int> hits(8, 0);
  for (uint32_t i : p.zipf_table) ++hits[i];
  // Harmonic weights 1, 1/2, ..., 1/8 sum to 2.718: instance 0 gets 36.8%, instance 7 4.6%.
  EXPECT_NEAR(hits[0] / 4096.0, 1 / 2.71786, 0.01);
  EXPECT_NEAR(hits[7] / 4096.0, 1.0 / 8 / 2.71786, 0.01);
}

}  // namespace
}  // namespace lockbench
