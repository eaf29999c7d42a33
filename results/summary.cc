#include "results/summary.h"

#include <algorithm>

namespace lockbench {

namespace {

// For each logged reader admission, the number of shared holds that contain that instant (its
// own included). Only instants every thread's log still covers count: where one thread's log was
// cut short, its later holds are unknown.
void ReaderBatches(const RunRecord& r, RunSummary* s) {
  uint64_t horizon = UINT64_MAX;
  std::vector<std::pair<uint64_t, int>> events;  // (time, +1 acquire / -1 release)
  for (const ThreadRecord& t : r.per_thread) {
    if (t.shared_intervals_truncated && !t.shared_intervals.empty()) {
      horizon = std::min(horizon, t.shared_intervals.back().second);
    }
    for (const auto& [begin, end] : t.shared_intervals) {
      events.emplace_back(begin, +1);
      events.emplace_back(end, -1);
    }
  }
  // Releases sort before acquisitions at the same tick: a hand-over is not an overlap.
  std::sort(events.begin(), events.end());
  int64_t inside = 0;
  uint64_t admissions = 0, total = 0;
  for (const auto& [time, delta] : events) {
    inside += delta;
    if (delta > 0 && time <= horizon) {
      ++s->reader_batches[static_cast<uint64_t>(inside)];
      ++admissions;
      total += static_cast<uint64_t>(inside);
    }
  }
  s->mean_reader_batch = admissions > 0 ? static_cast<double>(total) / static_cast<double>(admissions) : 0;
}

}  // namespace

RunSummary Summarize(const RunRecord& r) {
  RunSummary s;
  std::vector<uint64_t> all, readers, writers;
  for (const ThreadRecord& t : r.per_thread) {
    s.shared_ops += t.shared_ops;
    s.exclusive_ops += t.exclusive_ops;
    s.try_attempts += t.try_attempts;
    s.try_failures += t.try_failures;
    s.shared_acquire.Merge(t.shared_acquire);
    s.exclusive_acquire.Merge(t.exclusive_acquire);
    s.shared_hold.Merge(t.shared_hold);
    s.exclusive_hold.Merge(t.exclusive_hold);
    all.push_back(t.ops());
    // Mixed-role threads count in both roles by the ops they made in each mode.
    if (t.role != "writer") {
      readers.push_back(t.shared_ops);
      s.reader_max_wait_ns = std::max(s.reader_max_wait_ns, t.shared_acquire.Max());
      s.reader_max_gap_ns = std::max(s.reader_max_gap_ns, t.max_gap_ns);
    }
    if (t.role != "reader") {
      writers.push_back(t.exclusive_ops);
      s.writer_max_wait_ns = std::max(s.writer_max_wait_ns, t.exclusive_acquire.Max());
      s.writer_max_gap_ns = std::max(s.writer_max_gap_ns, t.max_gap_ns);
    }
    const size_t len = std::max(t.shared_series.size(), t.exclusive_series.size());
    if (s.shared_series.size() < len) {
      s.shared_series.resize(len, 0);
      s.exclusive_series.resize(len, 0);
    }
    for (size_t i = 0; i < t.shared_series.size(); ++i) s.shared_series[i] += t.shared_series[i];
    for (size_t i = 0; i < t.exclusive_series.size(); ++i) {
      s.exclusive_series[i] += t.exclusive_series[i];
    }
  }
  s.ops = s.shared_ops + s.exclusive_ops;
  s.throughput_ops_per_s = r.duration_s > 0 ? static_cast<double>(s.ops) / r.duration_s : 0;
  s.fairness = SummarizeFairness(all);
  s.readers = SummarizeFairness(readers);
  s.writers = SummarizeFairness(writers);
  s.handoff = SummarizeGrantRuns(r.grant_sequence);
  ReaderBatches(r, &s);
  for (size_t i = 1; i < r.grant_sequence.size(); ++i) {
    const ThreadRecord& a = r.per_thread[r.grant_sequence[i - 1]];
    const ThreadRecord& b = r.per_thread[r.grant_sequence[i]];
    if (a.numa_node < 0 || b.numa_node < 0) continue;
    (a.numa_node == b.numa_node ? s.same_node_handoffs : s.cross_node_handoffs) += 1;
  }
  // Trailing intervals after the window closed are empty by construction; drop them.
  while (!s.shared_series.empty() && s.shared_series.back() == 0 && s.exclusive_series.back() == 0) {
    s.shared_series.pop_back();
    s.exclusive_series.pop_back();
  }
  return s;
}

}  // namespace lockbench
