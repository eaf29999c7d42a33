// Comparing two sets of result files: the CI performance-regression gate behind
// `lockbench compare BASELINE NEW`.
//
// Runs are matched by (lock, workload, threads, placement). The repetitions of one lockbench
// invocation share its conditions (where its memory landed, what the host did in those
// seconds), so they are one sample, not several: for each matched run and metric, each side's
// values are its invocations' medians, and a two-sided Mann-Whitney U test over those says
// whether the sides differ by more than noise. A directory of files written by interleaved
// invocations with one repetition each (what tool/ci_perf_gate.sh makes) gives one value per
// invocation. When a side has a single invocation, significance cannot be assessed: its
// comparisons are "inconclusive" and a warning says how to measure instead.
//
// One compare makes many tests (locks x thread counts x metrics); the p-values are adjusted for
// the family (Holm by default), so the chance that any of them is a false regression stays
// alpha. A change is a regression only when it goes the bad way by more than the threshold AND
// its adjusted p is below alpha. Every comparison also states its detection limit (mde): the
// smallest change it could have found, given the spread it measured; a change within the
// threshold is "same" only when that limit is within the threshold too, else "inconclusive".
//
// Only repetitions with status "ok" are used. Latency metrics use only repetitions that timed at
// least one acquisition of that mode (a read-only workload has no exclusive latency).
//
// How many invocations: the exact two-sided test cannot give p below 2 / C(n_a + n_b, n_a):
// 0.100 for 3 vs 3, 0.029 for 4 vs 4, 0.008 for 5 vs 5 and 0.0006 for 7 vs 7, and Holm asks the
// smallest p of m comparisons to be below alpha / m. CI should use at least 7 per side.
//
// Inputs are checked field by field: a malformed file (not JSON, truncated, wrong types, missing
// fields, no runs) raises CompareInputError with one line naming the file and the field. Files
// from different machines (context.cpu_model or context.topology differ) are refused unless
// allowed, since a different machine is a different experiment.
#ifndef LOCKBENCH_RESULTS_COMPARE_H_
#define LOCKBENCH_RESULTS_COMPARE_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"
#include "results/stats.h"

namespace lockbench {

// Bad input to compare: unreadable or malformed files, files that cannot be compared, bad
// settings. what() is one line; for files it starts with the file's path.
class CompareInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- Metrics --------------------------------------------------------------------------------

enum class Metric {
  kThroughput,    // throughput_ops_per_s; higher is better
  kSharedP50,     // latency_ns.shared.p50 (acquire latency); lower is better
  kSharedP99,     // latency_ns.shared.p99
  kExclusiveP50,  // latency_ns.exclusive.p50
  kExclusiveP99,  // latency_ns.exclusive.p99
  kJain,          // fairness.jain_index; higher is better
  kBypass,        // handoff.bypass.exclusive.over_fifo_bound; lower is better
};

// "throughput", "shared_p50", ... as accepted by ParseMetricList.
std::string_view MetricName(Metric metric);
bool HigherIsBetter(Metric metric);

// A comma-separated list of metric names, e.g. "throughput,shared_p99". Duplicates are dropped.
// Throws CompareInputError ("'x' is not a metric; use one of ...") on an unknown or empty name.
std::vector<Metric> ParseMetricList(std::string_view list);

// A relative threshold: "5%" or "0.05" (both 0.05). A bare number of 1 or more is refused as
// ambiguous ("5" could mean 5% or 500%). Throws CompareInputError naming what is allowed.
double ParseThreshold(std::string_view text);

// A significance level strictly between 0 and 1, e.g. "0.05". Throws CompareInputError.
double ParseAlpha(std::string_view text);

// ---- Reading result files -------------------------------------------------------------------

struct RunKey {
  std::string lock;
  std::string workload;
  int threads = 0;
  std::string placement;

  friend bool operator==(const RunKey&, const RunKey&) = default;
  friend auto operator<=>(const RunKey&, const RunKey&) = default;
};

// "eresource read-mostly 2 threads compact": how reports and messages name a run.
std::string DescribeRunKey(const RunKey& key);

// What compare reads of one `runs[]` entry.
struct RunSample {
  RunKey key;
  int repetition = 0;
  std::string status;  // "ok", "violation", "stalled", "interrupted"
  double throughput = 0.0;
  uint64_t shared_count = 0;     // latency_ns.shared.count: timed shared acquisitions
  uint64_t exclusive_count = 0;  // latency_ns.exclusive.count
  double shared_p50 = 0.0, shared_p99 = 0.0;
  double exclusive_p50 = 0.0, exclusive_p99 = 0.0;
  double jain = 1.0;
  // handoff.bypass.exclusive: waits some grant passed, and the fraction of them passed by more
  // than threads - 1 grants. waits is 0 when the file has no bypass (null or an older file).
  uint64_t bypass_waits = 0;
  double bypass_over_fifo = 0.0;
  // The lockbench invocation that made the run: its file's context.invocation, or the file's
  // path for files written before invocations were recorded (a file is one invocation).
  std::string invocation;
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
};

// Parses and checks the text of a result file. `path` only names the file in messages.
// Throws CompareInputError "<path>: <what is wrong>".
ResultFile ParseResultFile(const std::string& path, const std::string& text);

// Reads a result file, or every regular *.json file directly inside a directory (in name order).
// Throws CompareInputError for a missing or unreadable path, a directory without result files,
// or any malformed file.
std::vector<ResultFile> LoadResultPath(const std::string& path);

// ---- Comparing ------------------------------------------------------------------------------

// Fewer invocations than this on a side make the rank test weak; the report warns.
inline constexpr std::size_t kStrongRepetitions = 5;
inline constexpr std::size_t kMaxInvocationsNeeded = 1000;

// "holm", "bh" or "none". Throws CompareInputError naming the allowed values.
Correction ParseCorrection(std::string_view text);
std::string_view CorrectionName(Correction correction);

struct CompareSettings {
  std::vector<Metric> metrics = {Metric::kThroughput};
  double threshold = 0.05;  // relative change that counts, in the bad or the good direction
  double alpha = 0.05;      // significance level, for the whole family under Holm
  // Over every comparison of one report that has a p-value.
  Correction correction = Correction::kHolm;
  double power = 0.8;  // for the detection limit: the chance a change of that size is found
  bool allow_different_machines = false;
};

// One side of a comparison: a label (the path the user gave) and its files.
struct ResultSide {
  std::string label;
  std::vector<ResultFile> files;
};

enum class Verdict {
  kRegression,       // worse by more than the threshold, and significant
  kImprovement,      // better by more than the threshold, and significant
  kWithinThreshold,  // the change is no larger than the threshold
  kNotSignificant,   // larger than the threshold, but p >= alpha: could be noise
  kNoData,           // a side has no usable repetition for this metric
  // Neither "same" nor a change can be claimed: a side has one invocation only (its
  // repetitions are not independent samples), or the change is within the threshold but the
  // test could not have detected one of the threshold's size (mde > threshold).
  kInconclusive,
};
// "regression", "improvement", "within_threshold", "not_significant", "no_data",
// "inconclusive".
std::string_view VerdictName(Verdict verdict);

struct MetricComparison {
  Metric metric = Metric::kThroughput;
  // One value per invocation with a usable repetition, in file order: the repetition's value,
  // or the median of the invocation's repetitions (they share its conditions, so only
  // invocations are independent samples).
  std::vector<double> baseline;
  std::vector<double> candidate;
  std::size_t baseline_repetitions = 0;  // usable repetitions behind the values
  std::size_t candidate_repetitions = 0;
  double baseline_median = 0.0;
  double candidate_median = 0.0;
  // (new - baseline) / baseline; +-infinity when the baseline median is 0 and the new is not.
  double change = 0.0;
  double p_value = 1.0;  // two-sided Mann-Whitney U on the values; 1 when not computed
  // p_value adjusted for the family of comparisons (CompareSettings::correction).
  double p_adjusted = 1.0;
  bool exact = false;    // p from the exact distribution (else the normal approximation)
  bool weak = false;     // fewer than kStrongRepetitions values on a side
  // Whether a p-value was computed: both sides have data from at least two invocations.
  bool tested = false;
  // The smallest relative change this comparison could have detected, with power
  // CompareSettings::power at the level each comparison faces (alpha, or alpha / comparisons
  // under a correction: its strictest step), from the pooled spread of the values. Infinite
  // when it could detect none.
  double mde = std::numeric_limits<double>::infinity();
  // Invocations per side that would bring mde within the threshold at this spread (what a CI
  // job should run); 0 when more than kMaxInvocationsNeeded would be needed.
  std::size_t invocations_needed = 0;
  Verdict verdict = Verdict::kNoData;
};

struct RunComparison {
  RunKey key;
  int baseline_runs = 0;  // all repetitions found, ok or not
  int candidate_runs = 0;
  std::vector<MetricComparison> metrics;  // in CompareSettings::metrics order
};

struct CompareReport {
  CompareSettings settings;
  std::string baseline_label, candidate_label;
  std::size_t baseline_files = 0, candidate_files = 0;
  std::size_t baseline_runs = 0, candidate_runs = 0;
  std::vector<RunComparison> compared;  // baseline order
  std::vector<RunKey> only_in_baseline;
  std::vector<RunKey> only_in_candidate;
  std::vector<std::string> warnings;  // one line each, without a "warning:" prefix

  int Count(Verdict verdict) const;
  bool HasRegression() const { return Count(Verdict::kRegression) > 0; }
};

// Compares the sides. Throws CompareInputError when the files come from different machines
// (unless settings.allow_different_machines) or when no run of one side matches a run of the
// other. REQUIRES: every file came from ParseResultFile (so schema versions agree).
CompareReport CompareResults(const ResultSide& baseline, const ResultSide& candidate,
                             const CompareSettings& settings);

// ---- Reporting ------------------------------------------------------------------------------

enum class CompareFormat { kTable, kMarkdown, kJson };

// kTable: aligned text for a terminal; kMarkdown: a GitHub table for a pull-request comment,
// with the warnings listed; kJson: CompareReportToJson, indented.
std::string RenderCompareReport(const CompareReport& report, CompareFormat format);

// {"baseline": {"path", "files", "runs"}, "new": {...}, "metrics", "threshold", "alpha",
//  "correction", "power",
//  "comparisons": [{"lock", "workload", "threads", "placement", "metric", "higher_is_better",
//                   "baseline": {"median", "values", "n", "repetitions"}, "new": {...},
//                   "change", "p_value", "p_adjusted", "mde", "invocations_needed", "exact",
//                   "weak", "verdict"}],
//  "only_in_baseline": [{"lock", "workload", "threads", "placement"}], "only_in_new": [...],
//  "warnings": [...], "summary": {"regressions", "improvements", "within_threshold",
//  "not_significant", "inconclusive", "no_data"}}. n counts invocations. An infinite change or
//  mde, and a p-value never computed, are written as null.
nlohmann::json CompareReportToJson(const CompareReport& report);

// One line per regression, "eresource read-mostly 2 threads compact: throughput -30.0%
// (3.660 -> 2.562 Mops/s, p=0.0006)", for stderr and CI logs.
std::vector<std::string> RegressionLines(const CompareReport& report);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_COMPARE_H_
