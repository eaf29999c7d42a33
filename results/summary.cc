#include "results/summary.h"

#include <algorithm>
#include <cmath>

namespace lockbench {

namespace {

// The last instant every thread's hold log still covers: where one thread's log was cut short,
// its later holds are unknown.
uint64_t HoldLogHorizon(const RunRecord& r) {
  uint64_t horizon = UINT64_MAX;
  for (const ThreadRecord& t : r.per_thread) {
    if (t.holds_truncated && !t.holds.empty()) horizon = std::min(horizon, t.holds.back().released);
  }
  return horizon;
}

// For each logged reader admission, the number of shared holds that contain that instant (its
// own included). Only instants every thread's log still covers count: where one thread's log was
// cut short, its later holds are unknown.
void ReaderBatches(const RunRecord& r, RunSummary* s) {
  const uint64_t horizon = HoldLogHorizon(r);
  std::vector<std::pair<uint64_t, int>> events;  // (time, +1 acquire / -1 release)
  for (const ThreadRecord& t : r.per_thread) {
    for (const HoldInterval& h : t.holds) {
      if (!h.shared) continue;
      events.emplace_back(h.granted, +1);
      events.emplace_back(h.released, -1);
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

// The series keeps the intervals that lie wholly inside the measured window: the last, partial
// one (the window is rarely a multiple of the interval) held a fraction of an interval's ops and
// would read as a collapse at the window's end; the ones after it hold at most the last ops of
// threads that had not yet seen the stop.
// Scaling the partial one up instead would make its count an estimate (not an integer, and
// noisy where ops are attributed in batches), so it is left out: every point is the ops of one
// full interval, and the series sums to at most `ops`.
void KeepWholeIntervals(const RunRecord& r, RunSummary* s) {
  if (r.time_series_interval_ns == 0) return;
  const auto window_ns = static_cast<uint64_t>(std::llround(std::max(0.0, r.duration_s) * 1e9));
  const uint64_t whole = window_ns / r.time_series_interval_ns;
  if (s->shared_series.size() > whole) {
    s->shared_series.resize(whole);
    s->exclusive_series.resize(whole);
  }
}

}  // namespace

BypassSummary SummarizeBypass(const Histogram& bypass, uint64_t fifo_bound) {
  BypassSummary s;
  s.sampled = bypass.TotalCount();
  s.fifo_bound = fifo_bound;
  Histogram waits(kBypassHistogram);
  uint64_t over = 0;
  bypass.ForEachBucket([&](const HistogramBucket& b) {
    if (b.low == 0) return;  // bucket 0 holds 0 alone: exact below 256
    waits.RecordN(b.low, b.count);
    s.counts[b.low] += b.count;
    if (b.low > fifo_bound + kBypassSlack) over += b.count;
  });
  s.waited = waits.TotalCount();
  if (s.waited == 0) return s;
  // Zeros add nothing to the sum, so the waits' mean is the whole sum over the waits.
  s.mean = bypass.Mean() * static_cast<double>(s.sampled) / static_cast<double>(s.waited);
  s.p99 = waits.ValueAtPercentile(99);
  s.max = bypass.Max();
  s.over_fifo_bound = static_cast<double>(over) / static_cast<double>(s.waited);
  return s;
}

Histogram HandoffLatency(const RunRecord& r) {
  Histogram latency;
  const uint64_t horizon = HoldLogHorizon(r);
  std::vector<uint64_t> any_release, exclusive_release;
  for (const ThreadRecord& t : r.per_thread) {
    for (const HoldInterval& h : t.holds) {
      if (h.granted > horizon) continue;
      any_release.push_back(h.released);
      if (!h.shared) exclusive_release.push_back(h.released);
    }
  }
  std::sort(any_release.begin(), any_release.end());
  std::sort(exclusive_release.begin(), exclusive_release.end());
  for (const ThreadRecord& t : r.per_thread) {
    for (const HoldInterval& h : t.holds) {
      if (h.tried || h.granted > horizon) continue;
      const std::vector<uint64_t>& releases = h.shared ? exclusive_release : any_release;
      // The latest release that began before this grant; this thread's own releases all came
      // before its request, so one after the request is another thread's.
      const auto it = std::lower_bound(releases.begin(), releases.end(), h.granted);
      if (it == releases.begin()) continue;
      const uint64_t release = *(it - 1);
      if (release > h.requested) latency.Record(h.granted - release);
    }
  }
  return latency;
}

ContendedReacquire ReacquireWhileWaited(const RunRecord& r) {
  ContendedReacquire c;
  const uint64_t horizon = HoldLogHorizon(r);
  struct Grant {
    uint64_t granted, released;
    size_t thread;
    bool shared;
  };
  std::vector<Grant> grants;
  // Waiting intervals (requested, granted) as sweep events: +1 at the request, -1 at the grant.
  std::vector<std::pair<uint64_t, int>> waits;
  for (size_t t = 0; t < r.per_thread.size(); ++t) {
    for (const HoldInterval& h : r.per_thread[t].holds) {
      if (h.granted > horizon) continue;
      grants.push_back({h.granted, h.released, t, h.shared});
      if (!h.tried && h.granted > h.requested) {
        waits.emplace_back(h.requested, +1);
        waits.emplace_back(h.granted, -1);
      }
    }
  }
  std::sort(grants.begin(), grants.end(),
            [](const Grant& a, const Grant& b) { return a.granted < b.granted; });
  std::sort(waits.begin(), waits.end());  // at one instant, grants (-1) before requests
  // Exclusive releases in time order (each but the last grant has a next one), and for each
  // whether some thread was waiting at that instant. A thread holding the lock exclusive is not
  // waiting, so the count never includes the releaser.
  std::vector<size_t> releases;
  for (size_t i = 0; i + 1 < grants.size(); ++i) {
    if (!grants[i].shared) releases.push_back(i);
  }
  std::sort(releases.begin(), releases.end(),
            [&](size_t a, size_t b) { return grants[a].released < grants[b].released; });
  size_t next = 0;
  int64_t waiting = 0;
  for (size_t i : releases) {
    const uint64_t release = grants[i].released;
    while (next < waits.size() && waits[next].first <= release) waiting += waits[next++].second;
    if (waiting <= 0) continue;
    ++c.releases;
    c.reacquires += grants[i + 1].thread == grants[i].thread;  // the next grant, either mode
  }
  c.rate = c.releases > 0 ? static_cast<double>(c.reacquires) / static_cast<double>(c.releases)
                          : 0.0;
  return c;
}

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
    if (t.role != Role::kWriter) {
      readers.push_back(t.shared_ops);
      s.reader_max_wait_ns = std::max(s.reader_max_wait_ns, t.shared_acquire.Max());
      s.reader_max_gap_ns = std::max(s.reader_max_gap_ns, t.max_gap_ns);
    }
    if (t.role != Role::kReader) {
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
  s.open_loop = r.offered_ops_per_s > 0;
  if (s.open_loop) {
    s.offered_ops_per_s = r.offered_ops_per_s;
    uint64_t late = 0;
    for (const ThreadRecord& t : r.per_thread) {
      late += t.late_requests;
      s.shared_response.Merge(t.shared_response);
      s.exclusive_response.Merge(t.exclusive_response);
    }
    s.late_fraction = s.ops > 0 ? static_cast<double>(late) / static_cast<double>(s.ops) : 0;
  }
  s.throughput_ops_per_s = r.duration_s > 0 ? static_cast<double>(s.ops) / r.duration_s : 0;
  s.fairness = SummarizeFairness(all);
  s.readers = SummarizeFairness(readers);
  s.writers = SummarizeFairness(writers);
  s.handoff = SummarizeGrantRuns(r.grant_sequence);
  s.short_term_small = SummarizeWindowedFairness(r.grant_sequence, kShortTermSmall);
  s.short_term_large = SummarizeWindowedFairness(r.grant_sequence, kShortTermLarge);
  ReaderBatches(r, &s);
  Histogram shared_bypass(kBypassHistogram), exclusive_bypass(kBypassHistogram);
  for (const ThreadRecord& t : r.per_thread) {
    shared_bypass.Merge(t.shared_bypass);
    exclusive_bypass.Merge(t.exclusive_bypass);
  }
  const uint64_t fifo_bound = r.per_thread.empty() ? 0 : r.per_thread.size() - 1;
  s.bypass_measured = r.bypass_measured;
  s.shared_bypass = SummarizeBypass(shared_bypass, fifo_bound);
  s.exclusive_bypass = SummarizeBypass(exclusive_bypass, fifo_bound);
  s.cost = SummarizeCost(r);
  s.contention = SummarizeContention(r);
  s.handoff_latency_measured = r.latency_sample_every == 1;
  if (s.handoff_latency_measured) {
    s.handoff_latency = HandoffLatency(r);
    s.contended_reacquire = ReacquireWhileWaited(r);
  }
  for (size_t i = 1; i < r.grant_sequence.size(); ++i) {
    const ThreadRecord& a = r.per_thread[r.grant_sequence[i - 1]];
    const ThreadRecord& b = r.per_thread[r.grant_sequence[i]];
    if (a.numa_node < 0 || b.numa_node < 0) continue;
    (a.numa_node == b.numa_node ? s.same_node_handoffs : s.cross_node_handoffs) += 1;
  }
  KeepWholeIntervals(r, &s);
  return s;
}

}  // namespace lockbench
