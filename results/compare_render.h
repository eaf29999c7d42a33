// Rendering a compare report: an aligned table for a terminal, a GitHub markdown table for a
// pull-request comment, JSON for scripts, and one line per regression for CI logs.
#ifndef LOCKBENCH_RESULTS_COMPARE_RENDER_H_
#define LOCKBENCH_RESULTS_COMPARE_RENDER_H_

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "results/compare.h"

namespace lockbench {

enum class CompareFormat { kTable, kMarkdown, kJson };

// kTable: aligned text for a terminal; kMarkdown: a GitHub table for a pull-request comment,
// with the warnings listed; kJson: CompareReportToJson, indented.
std::string RenderCompareReport(const CompareReport& report, CompareFormat format);

// {"baseline": {"path", "files", "runs"}, "new": {...}, "metrics", "threshold", "alpha",
//  "correction", "power",
//  "comparisons": [{"lock", "workload", "threads", "placement", "metric", "higher_is_better",
//                   "baseline": {"median", "values", "n", "repetitions"}, "new": {...},
//                   "change", "p_value", "p_adjusted", "mde", "invocations_needed", "exact",
//                   "weak", "single_fit", "verdict"}],
//  "only_in_baseline": [{"lock", "workload", "threads", "placement"}], "only_in_new": [...],
//  "warnings": [...], "summary": {"regressions", "improvements", "within_threshold",
//  "not_significant", "inconclusive", "no_data"}}. n counts invocations. An infinite change or
//  mde, and a p-value never computed, are written as null. A scalability fit's comparison
//  (usl_sigma, usl_kappa) has "threads": null and "fit": "usl"; "single_fit" marks one judged
//  on the threshold alone (one fit on a side, no test).
nlohmann::json CompareReportToJson(const CompareReport& report);

// One line per regression, "eresource read-mostly 2 threads compact: throughput -30.0%
// (3.660 -> 2.562 Mops/s, p=0.0006)", for stderr and CI logs.
std::vector<std::string> RegressionLines(const CompareReport& report);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_COMPARE_RENDER_H_
