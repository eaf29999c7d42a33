#include "results/summary.h"

#include <gtest/gtest.h>

namespace lockbench {
namespace {

ThreadRecord Thread(int id, Role role, int node, uint64_t shared, uint64_t exclusive) {
  ThreadRecord t;
  t.thread = id;
  t.role = role;
  t.numa_node = node;
  t.shared_ops = shared;
  t.exclusive_ops = exclusive;
  return t;
}

HoldInterval Hold(bool shared, uint64_t requested, uint64_t granted, uint64_t released) {
  return {.requested = requested, .granted = granted, .released = released, .shared = shared};
}
HoldInterval Shared(uint64_t granted, uint64_t released) {
  return Hold(true, granted, granted, released);
}
HoldInterval Exclusive(uint64_t granted, uint64_t released) {
  return Hold(false, granted, granted, released);
}

TEST(RoleName, NamesEveryRoleAsResultFilesWriteIt) {
  EXPECT_STREQ(RoleName(Role::kReader), "reader");
  EXPECT_STREQ(RoleName(Role::kWriter), "writer");
  EXPECT_STREQ(RoleName(Role::kMixed), "mixed");
}

TEST(Summarize, ThroughputAndFairnessPerRole) {
  RunRecord r;
  r.duration_s = 2.0;
  r.per_thread.push_back(Thread(0, Role::kWriter, 0, 0, 10));
  r.per_thread.push_back(Thread(1, Role::kReader, 0, 100, 0));
  r.per_thread.push_back(Thread(2, Role::kReader, 1, 40, 0));
  const RunSummary s = Summarize(r);
  EXPECT_EQ(s.ops, 150u);
  EXPECT_DOUBLE_EQ(s.throughput_ops_per_s, 75.0);
  EXPECT_EQ(s.readers.threads, 2u);
  EXPECT_EQ(s.writers.threads, 1u);
  EXPECT_TRUE(s.readers.starved);   // 2 * 40 < 100
  EXPECT_FALSE(s.writers.starved);  // one writer is never starved against itself
  EXPECT_TRUE(s.fairness.starved);
}

TEST(Summarize, OpenLoopMergesResponsesAndCountsLateRequests) {
  RunRecord closed;
  closed.duration_s = 1;
  closed.per_thread.resize(2);
  EXPECT_FALSE(Summarize(closed).open_loop);
  RunRecord r = closed;
  r.offered_ops_per_s = 1000;
  r.arrival = "poisson";
  r.per_thread[0].shared_ops = 300;
  r.per_thread[0].late_requests = 30;
  r.per_thread[0].shared_response.RecordN(1000, 300);
  r.per_thread[1].exclusive_ops = 100;
  r.per_thread[1].late_requests = 10;
  r.per_thread[1].exclusive_response.RecordN(50'000, 100);
  const RunSummary s = Summarize(r);
  EXPECT_TRUE(s.open_loop);
  EXPECT_EQ(s.offered_ops_per_s, 1000);
  EXPECT_DOUBLE_EQ(s.throughput_ops_per_s, 400);
  EXPECT_DOUBLE_EQ(s.late_fraction, 0.1);
  EXPECT_EQ(s.shared_response.TotalCount(), 300u);
  EXPECT_EQ(s.exclusive_response.TotalCount(), 100u);
  EXPECT_NEAR(static_cast<double>(s.exclusive_response.ValueAtPercentile(50)), 50'000, 500);
}

TEST(Summarize, HandoffsAcrossNodes) {
  RunRecord r;
  r.per_thread.push_back(Thread(0, Role::kWriter, 0, 0, 3));
  r.per_thread.push_back(Thread(1, Role::kWriter, 0, 0, 2));
  r.per_thread.push_back(Thread(2, Role::kWriter, 1, 0, 2));
  r.grant_sequence = {0, 0, 1, 2, 2, 0, 1};
  const RunSummary s = Summarize(r);
  // Pairs: 0-0 same, 0-1 same, 1-2 cross, 2-2 same, 2-0 cross, 0-1 same.
  EXPECT_EQ(s.same_node_handoffs, 4u);
  EXPECT_EQ(s.cross_node_handoffs, 2u);
  EXPECT_EQ(s.handoff.grants, 7u);
  EXPECT_EQ(s.handoff.reacquires, 2u);
}

TEST(Summarize, UnpinnedThreadsHaveNoNodeHandoffs) {
  RunRecord r;
  r.per_thread.push_back(Thread(0, Role::kWriter, -1, 0, 2));
  r.per_thread.push_back(Thread(1, Role::kWriter, -1, 0, 2));
  r.grant_sequence = {0, 1, 0, 1};
  const RunSummary s = Summarize(r);
  EXPECT_EQ(s.same_node_handoffs + s.cross_node_handoffs, 0u);
}

TEST(Summarize, ReaderBatchesFromOverlappingHolds) {
  RunRecord r;
  ThreadRecord a = Thread(0, Role::kReader, 0, 2, 0);
  ThreadRecord b = Thread(1, Role::kReader, 0, 2, 0);
  ThreadRecord c = Thread(2, Role::kReader, 0, 1, 0);
  a.holds = {Shared(10, 20), Shared(30, 40), Exclusive(45, 46)};  // exclusive holds do not count
  b.holds = {Shared(15, 25), Shared(40, 50)};  // 40: a hand-over at the same ns, not an overlap
  c.holds = {Shared(16, 17)};
  r.per_thread = {a, b, c};
  const RunSummary s = Summarize(r);
  // Admissions: 10 alone (1), 15 with a (2), 16 with a and b (3), 30 alone (1), 40 alone (1).
  EXPECT_EQ(s.reader_batches, (std::map<uint64_t, uint64_t>{{1, 3}, {2, 1}, {3, 1}}));
  EXPECT_DOUBLE_EQ(s.mean_reader_batch, 8.0 / 5.0);
}

TEST(Summarize, ReaderBatchesStopWhereALogWasCut) {
  RunRecord r;
  ThreadRecord a = Thread(0, Role::kReader, 0, 1, 0);
  ThreadRecord b = Thread(1, Role::kReader, 0, 3, 0);
  a.holds = {Shared(10, 20)};
  a.holds_truncated = true;  // what a did after 20 is unknown
  b.holds = {Shared(12, 14), Shared(30, 31), Shared(40, 41)};
  r.per_thread = {a, b};
  const RunSummary s = Summarize(r);
  EXPECT_EQ(s.reader_batches, (std::map<uint64_t, uint64_t>{{1, 1}, {2, 1}}));
}

TEST(SummarizeBypass, StatisticsAreOverTheWaitsSomeGrantPassed) {
  Histogram h(kBypassHistogram);
  h.RecordN(0, 10);  // never passed: no information about grant order
  h.RecordN(1, 5);
  h.RecordN(2, 3);
  h.RecordN(5, 2);
  const BypassSummary b = SummarizeBypass(h, 3);
  EXPECT_EQ(b.sampled, 20u);
  EXPECT_EQ(b.waited, 10u);
  EXPECT_DOUBLE_EQ(b.mean, (5.0 + 6.0 + 10.0) / 10.0);
  EXPECT_EQ(b.p99, 5u);
  EXPECT_EQ(b.max, 5u);
  EXPECT_EQ(b.fifo_bound, 3u);
  EXPECT_DOUBLE_EQ(b.over_fifo_bound, 0.2);  // the two waits passed by 5 grants
  EXPECT_EQ(b.counts, (std::map<uint64_t, uint64_t>{{1, 5}, {2, 3}, {5, 2}}));
}

TEST(SummarizeBypass, NoWaitsMeansNoFractionAndABoundAtTheFifoLimitIsNotOver) {
  Histogram zeros(kBypassHistogram);
  zeros.RecordN(0, 7);
  const BypassSummary none = SummarizeBypass(zeros, 1);
  EXPECT_EQ(none.sampled, 7u);
  EXPECT_EQ(none.waited, 0u);
  EXPECT_EQ(none.over_fifo_bound, 0.0);
  EXPECT_TRUE(none.counts.empty());

  Histogram at_bound(kBypassHistogram);
  at_bound.RecordN(1, 4);
  EXPECT_EQ(SummarizeBypass(at_bound, 1).over_fifo_bound, 0.0);
  EXPECT_EQ(SummarizeBypass(at_bound, 0).over_fifo_bound, 0.0);  // within the one of slack
}

// Two threads (bound 1) on a FIFO lock: a wait passed by 2 grants is one the waiter's stamp read
// and its entry in the queue let through, tolerated; 3 is beyond.
TEST(SummarizeBypass, OneGrantPastTheBoundIsSlackTwoAreOver) {
  Histogram h(kBypassHistogram);
  h.RecordN(1, 96);
  h.RecordN(2, 3);
  h.RecordN(3, 1);
  const BypassSummary b = SummarizeBypass(h, 1);
  EXPECT_EQ(b.waited, 100u);
  EXPECT_EQ(b.max, 3u);
  EXPECT_DOUBLE_EQ(b.over_fifo_bound, 0.01);  // the wait passed by 3 alone

  Histogram fifo(kBypassHistogram);
  fifo.RecordN(1, 150);
  fifo.RecordN(2, 4);
  EXPECT_EQ(SummarizeBypass(fifo, 1).over_fifo_bound, 0.0);
}

TEST(Summarize, BypassMergesThreadsPerModeWithTheBoundFromTheThreadCount) {
  RunRecord r;
  ThreadRecord a = Thread(0, Role::kMixed, 0, 1, 2);
  ThreadRecord b = Thread(1, Role::kMixed, 0, 1, 1);
  ThreadRecord c = Thread(2, Role::kMixed, 0, 0, 0);
  a.exclusive_bypass.Record(4);  // over the bound of 2 and its one of slack
  a.exclusive_bypass.Record(1);
  b.exclusive_bypass.Record(3);  // within the slack
  a.shared_bypass.Record(0);
  b.shared_bypass.Record(1);
  r.per_thread = {a, b, c};
  r.bypass_measured = true;
  const RunSummary s = Summarize(r);
  EXPECT_EQ(s.exclusive_bypass.fifo_bound, 2u);
  EXPECT_EQ(s.exclusive_bypass.waited, 3u);
  EXPECT_DOUBLE_EQ(s.exclusive_bypass.over_fifo_bound, 1.0 / 3.0);
  EXPECT_EQ(s.shared_bypass.sampled, 2u);
  EXPECT_EQ(s.shared_bypass.waited, 1u);
  EXPECT_EQ(s.shared_bypass.over_fifo_bound, 0.0);
}

TEST(Summarize, HandoffLatencyRunsFromTheLatestConflictingReleaseToAWaitersGrant) {
  RunRecord r;
  r.latency_sample_every = 1;
  ThreadRecord a = Thread(0, Role::kMixed, 0, 0, 2);
  ThreadRecord b = Thread(1, Role::kMixed, 0, 0, 1);
  ThreadRecord c = Thread(2, Role::kMixed, 0, 1, 0);
  ThreadRecord d = Thread(3, Role::kMixed, 0, 2, 0);
  // a's release at 100 lets waiting b in at 130: 30.
  a.holds = {Hold(false, 0, 0, 100), Hold(false, 280, 320, 330)};
  b.holds = {Hold(false, 50, 130, 200)};
  // Reader c waited on writer b, whose release at 200 is the latest exclusive one before 260:
  // 60 (d's shared release at 270 does not come before, and would not count for a reader).
  c.holds = {Hold(true, 150, 260, 300)};
  // d asked at 250, after the last exclusive release before its grant: it never waited. Its try
  // at 190 spans b's release but never waited either.
  d.holds = {Hold(true, 190, 210, 215), Hold(true, 250, 255, 270)};
  d.holds[0].tried = true;
  // a asked again at 280 and waited for c's release at 300: 20.
  r.per_thread = {a, b, c, d};
  const RunSummary s = Summarize(r);
  ASSERT_TRUE(s.handoff_latency_measured);
  EXPECT_EQ(s.handoff_latency.TotalCount(), 3u);
  EXPECT_EQ(s.handoff_latency.Min(), 20u);
  EXPECT_EQ(s.handoff_latency.Max(), 60u);
  EXPECT_DOUBLE_EQ(s.handoff_latency.Mean(), (30.0 + 60.0 + 20.0) / 3.0);

  r.latency_sample_every = 2;  // not every acquisition timed: hand-offs cannot be seen
  EXPECT_FALSE(Summarize(r).handoff_latency_measured);
}

TEST(Summarize, ReacquireWhileWaitedCountsOnlyReleasesThatFoundAWaiter) {
  RunRecord r;
  r.latency_sample_every = 1;
  ThreadRecord a = Thread(0, Role::kWriter, 0, 0, 4);
  ThreadRecord b = Thread(1, Role::kWriter, 0, 0, 2);
  // a takes the lock back at 10 and 30 while nobody waits (b asks only at 35); at 50 a takes it
  // back past b, who has waited since 35 (barging); at 70 the lock goes to b, who waited.
  a.holds = {Hold(false, 0, 0, 10), Hold(false, 11, 12, 30), Hold(false, 31, 32, 50),
             Hold(false, 51, 52, 70), Hold(false, 71, 95, 100)};
  b.holds = {Hold(false, 35, 75, 90)};
  r.per_thread = {a, b};
  const ContendedReacquire c = ReacquireWhileWaited(r);
  EXPECT_EQ(c.releases, 3u);    // at 50 and 70 b waited; at 90 a waited (since 71)
  EXPECT_EQ(c.reacquires, 1u);  // at 50
  EXPECT_DOUBLE_EQ(c.rate, 1.0 / 3.0);
  // (The plain re-acquire rate of this grant order, a a a a b a, would be 3 of 5.)
  EXPECT_EQ(Summarize(r).contended_reacquire.releases, 3u);
}

TEST(Summarize, SeriesAddUpOverThreads) {
  RunRecord r;
  r.time_series_interval_ns = 10'000'000;
  r.duration_s = 0.020;  // exactly two intervals (1e9 x 0.020 is not exact in binary)
  ThreadRecord a = Thread(0, Role::kMixed, 0, 3, 1);
  ThreadRecord b = Thread(1, Role::kMixed, 0, 2, 2);
  a.shared_series = {1, 2, 0, 0};
  a.exclusive_series = {1, 0, 0, 0};
  b.shared_series = {2, 0, 0, 0};
  b.exclusive_series = {0, 2, 0, 0};
  r.per_thread = {a, b};
  const RunSummary s = Summarize(r);
  EXPECT_EQ(s.shared_series, (std::vector<uint64_t>{3, 2}));
  EXPECT_EQ(s.exclusive_series, (std::vector<uint64_t>{1, 2}));
}

// A 35 ms window in 10 ms intervals: the fourth interval (30-35 ms) is half empty by
// construction and is left out; the intervals after the window go too.
TEST(Summarize, SeriesKeepsOnlyWholeIntervalsOfTheWindow) {
  RunRecord r;
  r.time_series_interval_ns = 10'000'000;
  r.duration_s = 0.035;
  ThreadRecord a = Thread(0, Role::kWriter, 0, 0, 1);
  a.shared_series = {0, 0, 0, 0, 0, 0};
  a.exclusive_series = {100, 100, 100, 50, 0, 0};
  r.per_thread = {a};
  const RunSummary s = Summarize(r);
  EXPECT_EQ(s.exclusive_series, (std::vector<uint64_t>{100, 100, 100}));
  EXPECT_EQ(s.shared_series.size(), 3u);
}

// An interval inside the window in which nothing completed (a stall at the end) is a
// measurement, not padding: it stays.
TEST(Summarize, SeriesKeepsEmptyIntervalsInsideTheWindow) {
  RunRecord r;
  r.time_series_interval_ns = 10'000'000;
  r.duration_s = 0.0301;
  ThreadRecord a = Thread(0, Role::kWriter, 0, 0, 1);
  a.shared_series = {0, 0, 0, 0, 0};
  a.exclusive_series = {100, 0, 0, 7, 0};
  r.per_thread = {a};
  EXPECT_EQ(Summarize(r).exclusive_series, (std::vector<uint64_t>{100, 0, 0}));
}

}  // namespace
}  // namespace lockbench
