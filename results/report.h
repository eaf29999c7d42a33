// The readable report at the end of `lockbench run`: one table per (workload, thread count),
// one row per lock, medians over repetitions. Built from the `runs` entries of a result document
// (the JSON is the single source of truth, so a report can be rebuilt from a saved file).
#ifndef LOCKBENCH_RESULTS_REPORT_H_
#define LOCKBENCH_RESULTS_REPORT_H_

#include <string>

#include "nlohmann/json.hpp"

namespace lockbench {

enum class ReportFormat { kTable, kCsv, kMarkdown };

// Columns: lock, runs (ok repetitions), then one per row of the metric table that names a column
// (results/metrics.h), each the median over the repetitions that have a value ("-" when none
// has), with the ratio to the table's first lock after the primary metric (the first row); then
// starved (any repetition) and status (worst of the repetitions). An exclusive-only lock whose
// runs served shared requests (their warning says they ran exclusive) has its shared-latency
// cells marked "*" in the table and Markdown, with a footnote under the table; CSV cells stay
// plain numbers.
std::string RenderReport(const nlohmann::json& runs, ReportFormat format);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_REPORT_H_
