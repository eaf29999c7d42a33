// The timeline window (EngineConfig::timeline_window_ns): every acquisition of the window is
// logged and timed, none outside it is, the cap holds, and the overlap check (results/timeline.h)
// finds a lock that lets two writers in and nothing on real locks.
#include <gtest/gtest.h>

#include <cstdint>

#include "lockimpls/eresource.h"
#include "lockimpls/push_lock.h"
#include "lockimpls/std_shared_mutex.h"
#include "results/timeline.h"
#include "workloads/engine.h"
#include "workloads/internal/drive.h"

namespace lockbench {
namespace {

// Excludes nobody: two writers are inside at once whenever their holds meet.
struct NoLock {
  static constexpr LockTraits kTraits{"nolock", "excludes nobody", 1, Recursion::kFull, "none",
                                      false};
  void lock() {}
  void unlock() {}
  void lock_shared() {}
  void unlock_shared() {}
  bool try_lock() { return true; }
  bool try_lock_shared() { return true; }
};

class TimelineEngineTest : public ::testing::Test {
 protected:
  EngineConfig Config(int threads, uint64_t window_ns) {
    EngineConfig cfg;
    cfg.spec.duration_ns = 100'000'000;
    cfg.spec.warmup_ns = 10'000'000;
    cfg.spec.read_ratio = 0.5;
    cfg.threads = threads;
    std::vector<Role> roles(static_cast<size_t>(threads), Role::kMixed);
    cfg.plan = PlanPlacement("none", roles, true, topology_);
    cfg.topology = &topology_;
    cfg.latency_sample_every = 256;
    cfg.timeline_window_ns = window_ns;
    return cfg;
  }

  Topology topology_ = Topology::LoadThisMachine();
};

size_t Events(const RunRecord& r) {
  size_t n = 0;
  for (const ThreadRecord& t : r.per_thread) n += t.timeline.size();
  return n;
}

TEST_F(TimelineEngineTest, LogsEveryAcquisitionOfTheWindowAndTimesNoOtherExtra) {
  const RunRecord r = RunLock<StdSharedMutex>(Config(2, 20'000'000));
  ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
  EXPECT_EQ(r.timeline_window_ns, 20'000'000u);
  EXPECT_EQ(r.timeline_cap, 65'536u);
  for (const ThreadRecord& t : r.per_thread) {
    ASSERT_FALSE(t.timeline.empty());
    uint64_t previous_release = 0;
    for (const TimelineEvent& e : t.timeline) {
      EXPECT_LE(e.requested, e.granted);
      EXPECT_LE(e.granted, e.released);
      EXPECT_LE(previous_release, e.requested);  // one thread's acquisitions, in order
      EXPECT_LT(e.requested, r.timeline_window_ns);
      EXPECT_EQ(e.arrival, 0u);  // closed loop
      previous_release = e.released;
    }
    // Outside the window, 1 in 256 stays timed: the timed count is the window's events plus
    // about ops / 256 (a window cut by the cap would leave fewer events, not more timed ops).
    const uint64_t timed = t.shared_acquire.TotalCount() + t.exclusive_acquire.TotalCount();
    EXPECT_GE(timed, t.timeline.size());
    EXPECT_LE(timed, t.timeline.size() + t.ops() / 256 + 2) << "ops " << t.ops();
  }
  const std::vector<TimelineOverlap> overlaps = FindOverlaps(r);
  EXPECT_TRUE(overlaps.empty()) << overlaps.size() << " overlapping holds";
  for (size_t i = 0; i < overlaps.size() && i < 5; ++i) {
    const TimelineEvent& a =
        r.per_thread[overlaps[i].earlier.thread_index].timeline[overlaps[i].earlier.event];
    const TimelineEvent& b =
        r.per_thread[overlaps[i].later.thread_index].timeline[overlaps[i].later.event];
    ADD_FAILURE() << overlaps[i].earlier.thread_index << " " << a.shared << " " << a.requested
                  << " " << a.granted << " " << a.released << " / "
                  << overlaps[i].later.thread_index << " " << b.shared << " " << b.requested
                  << " " << b.granted << " " << b.released;
  }
}

TEST_F(TimelineEngineTest, NoWindowNoEvents) {
  const RunRecord r = RunLock<StdSharedMutex>(Config(2, 0));
  ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
  EXPECT_EQ(r.timeline_cap, 0u);
  EXPECT_EQ(r.timeline_window_ns, 0u);
  EXPECT_EQ(Events(r), 0u);
}

// The planted bug: a lock that lets two writers in. The verifier is off so the run goes on;
// the timeline shows the overlapping exclusive holds. Two threads must run at once for that, so
// a machine busy with other work gets a few tries.
TEST_F(TimelineEngineTest, OverlapCheckFindsALockThatLetsTwoWritersIn) {
  EngineConfig cfg = Config(2, 50'000'000);
  cfg.spec.read_ratio = 0;
  cfg.spec.exclusive_cs_ns = 20'000;
  cfg.verify = false;
  std::vector<TimelineOverlap> overlaps;
  RunRecord r;
  for (int attempt = 0; attempt < 5 && overlaps.empty(); ++attempt) {
    r = RunLock<NoLock>(cfg);
    ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
    overlaps = FindOverlaps(r);
  }
  ASSERT_FALSE(overlaps.empty());
  const TimelineEvent& a =
      r.per_thread[overlaps[0].earlier.thread_index].timeline[overlaps[0].earlier.event];
  const TimelineEvent& b =
      r.per_thread[overlaps[0].later.thread_index].timeline[overlaps[0].later.event];
  EXPECT_NE(overlaps[0].earlier.thread_index, overlaps[0].later.thread_index);
  EXPECT_FALSE(a.shared);
  EXPECT_FALSE(b.shared);
  EXPECT_LE(a.granted, b.granted);
  EXPECT_LT(b.granted, a.released);
}

// Real locks, in both modes, with writers and readers: no overlap.
TEST_F(TimelineEngineTest, RealLocksShowNoOverlap) {
  EngineConfig cfg = Config(3, 20'000'000);
  cfg.spec.duration_ns = 40'000'000;
  cfg.spec.shared_cs_ns = 300;
  cfg.spec.exclusive_cs_ns = 300;
  for (const RunRecord& r : {RunLock<PushLock>(cfg), RunLock<EResource>(cfg)}) {
    ASSERT_EQ(r.status, RunStatus::kOk) << r.lock << ": " << r.status_detail;
    EXPECT_GT(Events(r), 0u) << r.lock;
    const std::vector<TimelineOverlap> overlaps = FindOverlaps(r);
    EXPECT_TRUE(overlaps.empty()) << r.lock;
    for (size_t i = 0; i < overlaps.size() && i < 3; ++i) {
      const TimelineEvent& a =
          r.per_thread[overlaps[i].earlier.thread_index].timeline[overlaps[i].earlier.event];
      const TimelineEvent& b =
          r.per_thread[overlaps[i].later.thread_index].timeline[overlaps[i].later.event];
      ADD_FAILURE() << overlaps[i].earlier.thread_index << " " << a.shared << " " << a.requested
                    << " " << a.granted << " " << a.released << " / "
                    << overlaps[i].later.thread_index << " " << b.shared << " " << b.requested
                    << " " << b.granted << " " << b.released;
    }
    EXPECT_FALSE(HandOffs(r).empty()) << r.lock;
  }
}

TEST_F(TimelineEngineTest, CapStopsTheWindow) {
  // The window spans the whole measured run, so every measured acquisition but the few that
  // begin as it closes is a window one: with twice the cap of them, the log must have stopped
  // at the cap. Sanitizer builds reach 65,536 empty acquisitions in well under 400 ms.
  EngineConfig cfg = Config(1, 400'000'000);
  cfg.spec.duration_ns = 400'000'000;
  cfg.spec.shared_cs_ns = 0;
  cfg.spec.exclusive_cs_ns = 0;
  const RunRecord r = RunLock<StdSharedMutex>(cfg);
  ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
  const ThreadRecord& t = r.per_thread[0];
  ASSERT_GT(t.ops(), 2 * r.timeline_cap) << "too slow a machine for this test";
  EXPECT_TRUE(t.timeline_capped);
  EXPECT_EQ(t.timeline.size(), r.timeline_cap);
}

TEST_F(TimelineEngineTest, OpenLoopEventsCarryTheirArrival) {
  EngineConfig cfg = Config(2, 20'000'000);
  cfg.arrival_rate = 100'000;
  const RunRecord r = RunLock<StdSharedMutex>(cfg);
  ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
  ASSERT_GT(Events(r), 0u);
  size_t with_arrival = 0;
  for (const ThreadRecord& t : r.per_thread) {
    for (const TimelineEvent& e : t.timeline) {
      // A request is issued at its arrival or, late, after it. An arrival due before the window
      // (a thread behind its schedule since the warm-up) reads 0.
      EXPECT_LE(e.arrival, e.requested + 1);
      with_arrival += e.arrival != 0;
    }
  }
  EXPECT_GT(with_arrival, 0u);
}

TEST_F(TimelineEngineTest, TortureMarksItsDelays) {
  EngineConfig cfg = Config(2, 20'000'000);
  cfg.torture_seed = 3;
  const RunRecord r = RunLock<StdSharedMutex>(cfg);
  ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
  uint64_t delays = 0;
  for (const ThreadRecord& t : r.per_thread) {
    for (const TimelineEvent& e : t.timeline) delays += e.torture_cs_delays;
  }
  EXPECT_GT(delays, 0u);
  EXPECT_LE(delays, r.torture->cs_delays);
  EXPECT_TRUE(FindOverlaps(r).empty());
}

}  // namespace
}  // namespace lockbench
