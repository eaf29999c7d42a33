// The JSON result file: one document per invocation with `schema_version`, a `context` block
// (who measured what, where), the resolved `config`, and `runs`, one entry per (lock, workload,
// thread count, repetition). Field names are stable: results/result_schema.json describes them
// and docs/user_guide.md, "Results", documents them. Nested objects (not arrays) are used
// wherever a value is a scalar, so pandas.json_normalize(doc["runs"]) gives one flat row per
// run ("latency_ns.shared.p99", "fairness.jain_index", ...).
#ifndef LOCKBENCH_RESULTS_RESULT_JSON_H_
#define LOCKBENCH_RESULTS_RESULT_JSON_H_

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "results/histogram.h"
#include "results/run_record.h"
#include "results/summary.h"

namespace lockbench {

inline constexpr int kSchemaVersion = 1;

// {count, p50, p90, p99, p999, max, min, mean, stddev, buckets: [[low, high, count], ...]}.
nlohmann::json LatencyToJson(const Histogram& h);

// One `runs[]` entry.
nlohmann::json RunToJson(const RunRecord& record, const RunSummary& summary);

// The whole document. `context` and `config` are built by the caller (the tool knows the
// version, topology and flags); `runs` are RunToJson entries.
nlohmann::json ResultDocument(nlohmann::json context, nlohmann::json config,
                              std::vector<nlohmann::json> runs);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_RESULT_JSON_H_
