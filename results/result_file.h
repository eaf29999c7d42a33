// Reading result files for compare: each file checked field by field, each run reduced to its
// key (lock, workload, threads, placement, open-loop rate), status, invocation and the values of the metric
// table's rows (results/metrics.h).
//
// A malformed file (not JSON, truncated, wrong types, missing fields, no runs) raises
// CompareInputError with one line naming the file and the field.
#ifndef LOCKBENCH_RESULTS_RESULT_FILE_H_
#define LOCKBENCH_RESULTS_RESULT_FILE_H_

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "results/metrics.h"

namespace lockbench {

// Bad input to compare: unreadable or malformed files, files that cannot be compared, bad
// settings. what() is one line; for files it starts with the file's path.
class CompareInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunKey {
  std::string lock;
  std::string workload;
  int threads = 0;
  std::string placement;
  double arrival_rate = 0;  // open loop: the offered requests per second; 0 = closed loop

  friend bool operator==(const RunKey&, const RunKey&) = default;
  friend auto operator<=>(const RunKey&, const RunKey&) = default;
};

// "read-mostly", or "read-mostly at 200k/s" for an open-loop run: the workload as tables show it.
std::string WorkloadLabel(const RunKey& key);

// "eresource read-mostly 2 threads compact": how reports and messages name a run.
std::string DescribeRunKey(const RunKey& key);

// What compare reads of one `runs[]` entry.
struct RunSample {
  RunKey key;
  int repetition = 0;
  std::string status;  // "ok", "violation", "stalled", "interrupted"
  // One per row of MetricTable(), in its order: nullopt where the run has no value (no timed
  // acquisition of that mode, or a metric the file predates).
  std::vector<std::optional<double>> values;
  // The lockbench invocation that made the run: its file's context.invocation, or the file's
  // path for files written before invocations were recorded (a file is one invocation).
  std::string invocation;

  std::optional<double> Value(const MetricDef& metric) const {
    return values[MetricIndex(metric)];
  }
};

// What compare reads of one `sweep_fits` entry (results/sweep_fits.h): a thread sweep's
// scalability fit, one per workload, lock and placement of an invocation.
struct FitSample {
  std::string workload;
  std::string lock;
  std::string placement;
  // One per row of FitMetricTable(), in its order: nullopt where the sweep had no fit.
  std::vector<std::optional<double>> values;

  std::optional<double> Value(const MetricDef& metric) const {
    return values[FitMetricIndex(metric)];
  }
};

// What compare reads of one result file.
struct ResultFile {
  std::string path;
  int schema_version = 0;
  std::string cpu_model;
  std::string topology;
  std::string build_type;          // empty when the file does not say
  std::string invocation;          // context.invocation, or the path when absent
  nlohmann::json workload_config;  // config.workload, or null when absent
  std::vector<RunSample> runs;
  std::vector<FitSample> fits;  // the file's sweep_fits; none for a merged file's contexts
};

// Parses and checks the text of a result file. `path` only names the file in messages.
// Throws CompareInputError "<path>: <what is wrong>", also for a merged file of several contexts.
ResultFile ParseResultFile(const std::string& path, const std::string& text);

// As ParseResultFile, for any result file: one ResultFile for a file of one invocation, one per
// context for a merged file (`lockbench merge`: `contexts` and `configs` arrays, each run with
// its `context_index`), named "<path>:contexts[i]", so compare treats each like its own file.
std::vector<ResultFile> ParseResultFiles(const std::string& path, const std::string& text);

// `path` itself, or every regular *.json file directly inside the directory `path`, in name
// order. Throws CompareInputError for a missing or unreadable path or a directory without any.
std::vector<std::string> ResultPaths(const std::string& path);

// Reads the result files at `path` (ResultPaths) with ParseResultFiles. Throws
// CompareInputError for a missing or unreadable path, a directory without result files, or any
// malformed file.
std::vector<ResultFile> LoadResultPath(const std::string& path);

// A result file's whole document, for the commands that rewrite results (merge).
struct LoadedResult {
  std::string path;
  nlohmann::json doc;
};

// The documents of the result files at `path`, each checked as LoadResultPath checks it.
std::vector<LoadedResult> LoadResultDocuments(const std::string& path);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_RESULT_FILE_H_
