// The JSON result file: one document per invocation with `schema_version`, a `context` block
// (who measured what, where), the resolved `config`, and `runs`, one entry per (lock, workload,
// thread count, repetition). Field names are stable: results/result_schema.json describes them
// and README's "Result format" section documents them. Nested objects (not arrays) are used
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

// Writes `text` to `path` whole or not at all: a temporary file beside it, fsync, rename.
// Throws std::runtime_error with a one-line reason (missing directory, permission) on failure;
// an existing file at `path` is then left untouched. A device or pipe at `path` (/dev/null,
// /dev/stdout, a FIFO) is written through instead, and a symlink keeps naming the new file.
void WriteFileAtomically(const std::string& path, const std::string& text);

// Checks that a file can later be created at `path` (its directory exists and is writable),
// so a run can refuse a bad --out before spending minutes measuring. Throws like above.
void CheckWritable(const std::string& path);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_RESULT_JSON_H_
