// The readable report at the end of `lockbench run`: one table per (workload, thread count),
// one row per lock, medians over repetitions. Built from the `runs` entries of a result document
// (the JSON is the single source of truth, so a report can be rebuilt from a saved file).
#ifndef LOCKBENCH_RESULTS_REPORT_H_
#define LOCKBENCH_RESULTS_REPORT_H_

#include <string>
#include <vector>

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
//
// kMain keeps the table (kTable only) to the columns most readers need, so the default run's
// table fits 120 columns: lock, runs, throughput and its ratio, the shared and exclusive p50 and
// p99, jain, cpu/op, starved and status; a footnote names the columns left out. kAll, and every
// Markdown or CSV report, has them all.
enum class ReportColumns { kAll, kMain };
std::string RenderReport(const nlohmann::json& runs, ReportFormat format,
                         ReportColumns columns = ReportColumns::kAll);

// A table of text cells laid out as the report lays out its tables: kTable, the title, then
// columns padded to their widest cell (the first left-aligned, the others right-aligned), then
// the footnote; kMarkdown, the title as a heading and a pipe table; kCsv, the header and rows
// joined by commas (no title, no footnote). A footnote ends with a newline or is empty.
std::string RenderTextTable(const std::string& title, const std::vector<std::string>& header,
                            const std::vector<std::vector<std::string>>& rows,
                            const std::string& footnote, ReportFormat format);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_REPORT_H_
