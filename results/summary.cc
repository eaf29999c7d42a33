#include "results/summary.h"

#include <algorithm>

namespace lockbench {

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
