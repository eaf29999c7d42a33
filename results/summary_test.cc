#include "results/summary.h"

#include <gtest/gtest.h>

namespace lockbench {
namespace {

ThreadRecord Thread(int id, const char* role, int node, uint64_t shared, uint64_t exclusive) {
  ThreadRecord t;
  t.thread = id;
  t.role = role;
  t.numa_node = node;
  t.shared_ops = shared;
  t.exclusive_ops = exclusive;
  return t;
}

TEST(Summarize, ThroughputAndFairnessPerRole) {
  RunRecord r;
  r.duration_s = 2.0;
  r.per_thread.push_back(Thread(0, "writer", 0, 0, 10));
  r.per_thread.push_back(Thread(1, "reader", 0, 100, 0));
  r.per_thread.push_back(Thread(2, "reader", 1, 40, 0));
  const RunSummary s = Summarize(r);
  EXPECT_EQ(s.ops, 150u);
  EXPECT_DOUBLE_EQ(s.throughput_ops_per_s, 75.0);
  EXPECT_EQ(s.readers.threads, 2u);
  EXPECT_EQ(s.writers.threads, 1u);
  EXPECT_TRUE(s.readers.starved);   // 2 * 40 < 100
  EXPECT_FALSE(s.writers.starved);  // one writer is never starved against itself
  EXPECT_TRUE(s.fairness.starved);
}

TEST(Summarize, HandoffsAcrossNodes) {
  RunRecord r;
  r.per_thread.push_back(Thread(0, "writer", 0, 0, 3));
  r.per_thread.push_back(Thread(1, "writer", 0, 0, 2));
  r.per_thread.push_back(Thread(2, "writer", 1, 0, 2));
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
  r.per_thread.push_back(Thread(0, "writer", -1, 0, 2));
  r.per_thread.push_back(Thread(1, "writer", -1, 0, 2));
  r.grant_sequence = {0, 1, 0, 1};
  const RunSummary s = Summarize(r);
  EXPECT_EQ(s.same_node_handoffs + s.cross_node_handoffs, 0u);
}

TEST(Summarize, ReaderBatchesFromOverlappingHolds) {
  RunRecord r;
  ThreadRecord a = Thread(0, "reader", 0, 2, 0);
  ThreadRecord b = Thread(1, "reader", 0, 2, 0);
  ThreadRecord c = Thread(2, "reader", 0, 1, 0);
  a.shared_intervals = {{10, 20}, {30, 40}};
  b.shared_intervals = {{15, 25}, {40, 50}};  // 40: a hand-over at the same tick, not an overlap
  c.shared_intervals = {{16, 17}};
  r.per_thread = {a, b, c};
  const RunSummary s = Summarize(r);
  // Admissions: 10 alone (1), 15 with a (2), 16 with a and b (3), 30 alone (1), 40 alone (1).
  EXPECT_EQ(s.reader_batches, (std::map<uint64_t, uint64_t>{{1, 3}, {2, 1}, {3, 1}}));
  EXPECT_DOUBLE_EQ(s.mean_reader_batch, 8.0 / 5.0);
}

TEST(Summarize, ReaderBatchesStopWhereALogWasCut) {
  RunRecord r;
  ThreadRecord a = Thread(0, "reader", 0, 1, 0);
  ThreadRecord b = Thread(1, "reader", 0, 3, 0);
  a.shared_intervals = {{10, 20}};
  a.shared_intervals_truncated = true;  // what a did after 20 is unknown
  b.shared_intervals = {{12, 14}, {30, 31}, {40, 41}};
  r.per_thread = {a, b};
  const RunSummary s = Summarize(r);
  EXPECT_EQ(s.reader_batches, (std::map<uint64_t, uint64_t>{{1, 1}, {2, 1}}));
}

TEST(Summarize, SeriesAddUpAndTrailingEmptyIntervalsGo) {
  RunRecord r;
  ThreadRecord a = Thread(0, "mixed", 0, 3, 1);
  ThreadRecord b = Thread(1, "mixed", 0, 2, 2);
  a.shared_series = {1, 2, 0, 0};
  a.exclusive_series = {1, 0, 0, 0};
  b.shared_series = {2, 0, 0, 0};
  b.exclusive_series = {0, 2, 0, 0};
  r.per_thread = {a, b};
  const RunSummary s = Summarize(r);
  EXPECT_EQ(s.shared_series, (std::vector<uint64_t>{3, 2}));
  EXPECT_EQ(s.exclusive_series, (std::vector<uint64_t>{1, 2}));
}

}  // namespace
}  // namespace lockbench
