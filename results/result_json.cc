#include "results/result_json.h"

#include <algorithm>

#include "results/contention.h"
#include "results/metrics.h"

namespace lockbench {

using nlohmann::json;

json LatencyToJson(const Histogram& h) {
  json j;
  j["count"] = h.TotalCount();
  j["min"] = h.Min();
  j["p50"] = h.ValueAtPercentile(50);
  j["p90"] = h.ValueAtPercentile(90);
  j["p99"] = h.ValueAtPercentile(99);
  j["p999"] = h.ValueAtPercentile(99.9);
  j["max"] = h.Max();
  j["mean"] = h.Mean();
  j["stddev"] = h.StdDev();
  json buckets = json::array();
  h.ForEachBucket([&buckets](const HistogramBucket& b) {
    buckets.push_back(json::array({b.low, b.high, b.count}));
  });
  j["buckets"] = std::move(buckets);
  return j;
}

namespace {

// A per-thread latency summary: the merged one's fields without the buckets.
json ShortLatency(const Histogram& h) {
  json j = LatencyToJson(h);
  j.erase("buckets");
  return j;
}

json FairnessToJson(const FairnessSummary& f) {
  json j;
  j["threads"] = f.threads;
  j["jain_index"] = f.jain_index;
  j["min_max_ratio"] = f.min_max_ratio;
  j["cov"] = f.coefficient_of_variation;
  j["starved"] = f.starved;
  json bins;
  for (int i = 0; i < kFairShareBins; ++i) {
    bins[std::string(FairShareBinLabel(i))] = f.fair_share[static_cast<size_t>(i)];
  }
  j["share_histogram"] = std::move(bins);
  return j;
}

json OrNull(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// The run's cost object, or null for a run whose counters were not read (a stalled run).
json CostToJson(const CostSummary& c) {
  if (!c.measured) return nullptr;
  return {{"cpu_ns", c.cpu_ns},
          {"voluntary_switches", c.voluntary_switches},
          {"involuntary_switches", c.involuntary_switches},
          {"cpu_ns_per_op", OrNull(c.cpu_ns_per_op)},
          {"lock_cpu_ns_per_op", OrNull(c.lock_cpu_ns_per_op)},
          {"voluntary_switches_per_op", OrNull(c.voluntary_switches_per_op)},
          {"involuntary_switches_per_op", OrNull(c.involuntary_switches_per_op)},
          {"running_fraction", {{"min", c.running_fraction_min},
                                {"median", c.running_fraction_median}}},
          {"other_load", OrNull(c.other_load)}};
}

json ThreadCostToJson(const CostSummary& c, size_t thread) {
  if (!c.measured) return nullptr;
  const ThreadCost& t = c.per_thread[thread];
  return {{"cpu_ns", t.cpu_ns},
          {"cpu_ns_per_op", OrNull(t.cpu_ns_per_op)},
          {"lock_cpu_ns_per_op", OrNull(t.lock_cpu_ns_per_op)},
          {"voluntary_switches_per_op", OrNull(t.voluntary_switches_per_op)},
          {"involuntary_switches_per_op", OrNull(t.involuntary_switches_per_op)},
          {"running_fraction", t.running_fraction}};
}

json BypassToJson(const BypassSummary& b) {
  json counts = json::object();
  for (const auto& [bypass, n] : b.counts) counts[std::to_string(bypass)] = n;
  return {{"sampled", b.sampled},
          {"waited", b.waited},
          {"mean", b.mean},
          {"p99", b.p99},
          {"max", b.max},
          {"fifo_bound", b.fifo_bound},
          {"over_fifo_bound", b.over_fifo_bound},
          {"counts", std::move(counts)}};
}

}  // namespace

json RunToJson(const RunRecord& r, const RunSummary& s) {
  json j;
  j["lock"] = r.lock;
  j["workload"] = r.workload;
  j["threads"] = r.threads;
  j["repetition"] = r.repetition;
  j["placement"] = r.placement;
  j["status"] = RunStatusName(r.status);
  j["status_detail"] = r.status_detail;
  j["duration_s"] = r.duration_s;
  j["ops"] = s.ops;
  j["shared_ops"] = s.shared_ops;
  j["exclusive_ops"] = s.exclusive_ops;
  j["try_attempts"] = s.try_attempts;
  j["try_failures"] = s.try_failures;
  j["latency_sample_every"] = r.latency_sample_every;
  j["latency_ns"] = {{"shared", LatencyToJson(s.shared_acquire)},
                     {"exclusive", LatencyToJson(s.exclusive_acquire)}};
  j["hold_ns"] = {{"shared", LatencyToJson(s.shared_hold)},
                  {"exclusive", LatencyToJson(s.exclusive_hold)}};
  json fairness = FairnessToJson(s.fairness);
  fairness["readers"] = FairnessToJson(s.readers);
  fairness["writers"] = FairnessToJson(s.writers);
  const auto windowed = [](const WindowedFairness& w) {
    return w.windows == 0 ? json(nullptr)
                          : json{{"window", w.window}, {"windows", w.windows}, {"p10", w.p10},
                                 {"p50", w.p50}};
  };
  fairness["short_term"] = {{"threads", s.short_term_small.threads},
                            {"small", windowed(s.short_term_small)},
                            {"large", windowed(s.short_term_large)}};
  j["fairness"] = std::move(fairness);
  json run_lengths = json::object();
  for (const auto& [len, count] : s.handoff.run_lengths) run_lengths[std::to_string(len)] = count;
  j["handoff"] = {{"grants", s.handoff.grants},
                  {"reacquire_rate", s.handoff.reacquire_rate},
                  {"mean_run", s.handoff.mean_run},
                  {"longest_run", s.handoff.longest_run},
                  {"run_lengths", std::move(run_lengths)},
                  {"same_node", s.same_node_handoffs},
                  {"cross_node", s.cross_node_handoffs},
                  {"truncated", r.grant_sequence_truncated},
                  {"bypass", r.bypass_measured
                                 ? json{{"shared", BypassToJson(s.shared_bypass)},
                                        {"exclusive", BypassToJson(s.exclusive_bypass)}}
                                 : json(nullptr)},
                  {"reacquire_while_waited",
                   s.handoff_latency_measured
                       ? json{{"releases", s.contended_reacquire.releases},
                              {"reacquires", s.contended_reacquire.reacquires},
                              {"rate", s.contended_reacquire.rate}}
                       : json(nullptr)},
                  {"handoff_latency_ns", s.handoff_latency_measured
                                             ? LatencyToJson(s.handoff_latency)
                                             : json(nullptr)}};
  json batches = json::object();
  for (const auto& [size, count] : s.reader_batches) batches[std::to_string(size)] = count;
  j["reader_batches"] = {{"admissions", [&] {
                            uint64_t n = 0;
                            for (const auto& [size, count] : s.reader_batches) n += count;
                            return n;
                          }()},
                         {"mean", s.mean_reader_batch},
                         {"sizes", std::move(batches)}};
  j["starvation"] = {{"reader_max_wait_ns", s.reader_max_wait_ns},
                     {"writer_max_wait_ns", s.writer_max_wait_ns},
                     {"reader_max_gap_ns", s.reader_max_gap_ns},
                     {"writer_max_gap_ns", s.writer_max_gap_ns}};
  json per_thread = json::array();
  const double total = static_cast<double>(s.ops);
  const auto bypass = [&](const Histogram& h) {
    json b = BypassToJson(SummarizeBypass(h, s.exclusive_bypass.fifo_bound));
    b.erase("counts");
    return b;
  };
  for (size_t i = 0; i < r.per_thread.size(); ++i) {
    const ThreadRecord& t = r.per_thread[i];
    auto loc = [](int v) { return v < 0 ? json(nullptr) : json(v); };
    per_thread.push_back({{"thread", t.thread},
                          {"role", RoleName(t.role)},
                          {"pu", loc(t.pu)},
                          {"core", loc(t.core)},
                          {"numa_node", loc(t.numa_node)},
                          {"package", loc(t.package)},
                          {"ops", t.ops()},
                          {"shared_ops", t.shared_ops},
                          {"exclusive_ops", t.exclusive_ops},
                          {"try_failures", t.try_failures},
                          {"share", total > 0 ? static_cast<double>(t.ops()) / total : 0.0},
                          {"latency_ns", {{"shared", ShortLatency(t.shared_acquire)},
                                          {"exclusive", ShortLatency(t.exclusive_acquire)}}},
                          {"hold_ns", {{"shared", ShortLatency(t.shared_hold)},
                                       {"exclusive", ShortLatency(t.exclusive_hold)}}},
                          {"max_wait_ns", std::max(t.shared_acquire.Max(), t.exclusive_acquire.Max())},
                          {"max_gap_ns", t.max_gap_ns},
                          {"bypass", r.bypass_measured
                                         ? json{{"shared", bypass(t.shared_bypass)},
                                                {"exclusive", bypass(t.exclusive_bypass)}}
                                         : json(nullptr)},
                          {"cost", ThreadCostToJson(s.cost, i)}});
  }
  j["per_thread"] = std::move(per_thread);
  j["time_series"] = {{"interval_ns", r.time_series_interval_ns},
                      {"shared_ops", s.shared_series},
                      {"exclusive_ops", s.exclusive_series}};
  j["cost"] = CostToJson(s.cost);
  j["open_loop"] =
      s.open_loop ? json{{"arrival", r.arrival},
                         {"offered_ops_per_s", s.offered_ops_per_s},
                         {"achieved_ops_per_s", s.throughput_ops_per_s},
                         {"late_fraction", s.late_fraction},
                         {"response_ns", {{"shared", LatencyToJson(s.shared_response)},
                                          {"exclusive", LatencyToJson(s.exclusive_response)}}}}
                  : json(nullptr);
  j["contention"] = ContentionToJson(s.contention);
  j["torture"] = r.torture ? json{{"seed", r.torture->seed},
                                   {"cs_delays", r.torture->cs_delays},
                                   {"holder_sleeps", r.torture->holder_sleeps},
                                   {"step_delays", r.torture->step_delays},
                                   {"stutters", r.torture->stutters},
                                   {"repins", r.torture->repins},
                                   {"signals", r.torture->signals}}
                           : json(nullptr);
  j["lock_memory"] = {{"nodes", r.lock_memory_nodes}, {"note", r.lock_memory_note}};
  j["warnings"] = r.warnings;
  WriteMetrics(s, &j);
  return j;
}

json ResultDocument(json context, json config, std::vector<json> runs) {
  json doc;
  doc["schema_version"] = kSchemaVersion;
  doc["context"] = std::move(context);
  doc["config"] = std::move(config);
  doc["runs"] = std::move(runs);
  return doc;
}

}  // namespace lockbench
