// `lockbench compare BASELINE NEW`: the CI performance-regression gate. The statistics and the
// report live in results/compare.h; this is the flag handling and the exit code.
#ifndef LOCKBENCH_TOOL_COMPARE_COMMAND_H_
#define LOCKBENCH_TOOL_COMPARE_COMMAND_H_

#include <string>

#include "results/metrics.h"

namespace lockbench {

// The flags of `lockbench compare`, as given (checked by CompareCommand, so a bad value gets the
// same one-line error as a bad file).
struct CompareOptions {
  std::string baseline;                // a result file or a directory of them
  std::string candidate;               // likewise
  std::string metrics = "throughput";  // comma list: throughput, shared_p50, shared_p99,
                                       // exclusive_p50, exclusive_p99, jain, bypass
  std::string threshold = "5%";        // "5%" or "0.05"
  std::string alpha = "0.05";
  std::string correction = "holm";  // holm, bh, none
  std::string format = "table";  // table, markdown, json
  bool allow_different_machines = false;
};

// Prints the report on stdout and warnings on stderr. Returns kExitOk when nothing regressed,
// kExitRegression when some metric regressed significantly, kExitUsage (after one line
// "lockbench: error: ..." on stderr) on a bad flag or input file.
int CompareCommand(const CompareOptions& options);

// Help text for the flags, shared by main.cc and --help.
inline const std::string kCompareMetricHelp =
    "metrics to compare, comma-separated: " + MetricHelp() + "; `lockbench list` says what each "
    "measures";
inline constexpr const char* kCompareThresholdHelp =
    "relative change that counts as a regression or improvement, e.g. 5% or 0.05";
inline constexpr const char* kCompareAlphaHelp =
    "significance level of the two-sided Mann-Whitney U test over invocations; a change is a "
    "regression only when its adjusted p < alpha (3 vs 3 invocations cannot reach p < 0.1: use "
    "7 or more)";
inline constexpr const char* kCompareCorrectionHelp =
    "adjustment of the p-values for making many comparisons at once: holm (the chance of any "
    "false regression stays alpha), bh (the expected share of false findings stays alpha) or "
    "none";
inline constexpr const char* kCompareFooter =
    "Runs are matched by (lock, workload, threads, placement) and pooled over all files of a "
    "side; the repetitions of one invocation count as one sample (their median), so measure each "
    "side in several invocations (tool/ci_perf_gate.sh does). A regression is a change in the "
    "bad direction larger than --threshold with adjusted p < --alpha; improvements are reported "
    "and never fail. mde is the smallest change a comparison could have detected; a change "
    "within the threshold with an mde above it is inconclusive, not the same.";

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_COMPARE_COMMAND_H_
