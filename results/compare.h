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
// Only repetitions with status "ok" are used, and of those the ones with a value for the metric
// (a latency percentile needs a timed acquisition of its mode; see MetricDef::counted_by).
//
// How many invocations: the exact two-sided test cannot give p below 2 / C(n_a + n_b, n_a):
// 0.100 for 3 vs 3, 0.029 for 4 vs 4, 0.008 for 5 vs 5 and 0.0006 for 7 vs 7, and Holm asks the
// smallest p of m comparisons to be below alpha / m. CI should use at least 7 per side.
//
// Scalability fits: the metrics of FitMetricTable() (usl_sigma, usl_kappa) are read from each
// file's `sweep_fits`, one value per fit, matched by (workload, lock, placement) and compared
// like a run's metric: each side's values are its invocations' fits, tested with the rank test
// in the same family when both sides have at least two. A single invocation's sweep has one fit
// per lock, and one value per side allows no test: such a comparison is judged on the change
// against the threshold alone and marked as a single fit, without a p-value.
//
// Reading the files is results/result_file.h; rendering the report is results/compare_render.h.
// Files from different machines (context.cpu_model or context.topology differ) are refused unless
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
#include "results/metrics.h"
#include "results/result_file.h"
#include "results/stats.h"

namespace lockbench {

// ---- Settings --------------------------------------------------------------------------------

// A comma-separated list of metric names (rows of results/metrics.h), e.g.
// "throughput,shared_p99". Duplicates are dropped. Throws CompareInputError ("'x' is not a metric;
// use one of ...") on an unknown or empty name.
std::vector<const MetricDef*> ParseMetricList(std::string_view list);

// A relative threshold: "5%" or "0.05" (both 0.05). A bare number of 1 or more is refused as
// ambiguous ("5" could mean 5% or 500%). Throws CompareInputError naming what is allowed.
double ParseThreshold(std::string_view text);

// A significance level strictly between 0 and 1, e.g. "0.05". Throws CompareInputError.
double ParseAlpha(std::string_view text);

// ---- Comparing ------------------------------------------------------------------------------

// Fewer invocations than this on a side make the rank test weak; the report warns.
inline constexpr std::size_t kStrongRepetitions = 5;
inline constexpr std::size_t kMaxInvocationsNeeded = 1000;

// "holm", "bh" or "none". Throws CompareInputError naming the allowed values.
Correction ParseCorrection(std::string_view text);
std::string_view CorrectionName(Correction correction);

struct CompareSettings {
  std::vector<const MetricDef*> metrics = {&MetricTable()[0]};
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
  const MetricDef* metric = &MetricTable()[0];
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
  // A fit metric with one fit on a side: no test; the verdict compares the change with the
  // threshold alone (regression, improvement or within_threshold).
  bool single_fit = false;
  Verdict verdict = Verdict::kNoData;
};

struct RunComparison {
  RunKey key;
  int baseline_runs = 0;  // all repetitions found, ok or not
  int candidate_runs = 0;
  std::vector<MetricComparison> metrics;  // in CompareSettings::metrics order
};

// The fits of one thread sweep (workload, lock, placement) on both sides.
struct FitComparison {
  std::string workload;
  std::string lock;
  std::string placement;
  std::vector<MetricComparison> metrics;  // the fit metrics of CompareSettings::metrics, in order
};

// "eresource writer-storm sweep compact": how reports and messages name a fit.
std::string DescribeFit(const FitComparison& fit);

struct CompareReport {
  CompareSettings settings;
  std::string baseline_label, candidate_label;
  std::size_t baseline_files = 0, candidate_files = 0;
  std::size_t baseline_runs = 0, candidate_runs = 0;
  std::vector<RunComparison> compared;  // baseline order; the run metrics of settings.metrics
  std::vector<FitComparison> fits;      // baseline order; the fit metrics of settings.metrics
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

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_COMPARE_H_
