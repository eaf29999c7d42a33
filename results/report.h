// The readable report at the end of `lockbench run`: one table per (workload, thread count),
// one row per lock, medians over repetitions. Built from the `runs` entries of a result document
// (the JSON is the single source of truth, so a report can be rebuilt from a saved file).
#ifndef LOCKBENCH_RESULTS_REPORT_H_
#define LOCKBENCH_RESULTS_REPORT_H_

#include <string>

#include "nlohmann/json.hpp"

namespace lockbench {

enum class ReportFormat { kTable, kCsv, kMarkdown };

// Columns: lock, runs, throughput (median, Mops/s), ratio to the first lock of the table,
// shared and exclusive acquire p50/p99/max (ns, medians), Jain index, bypass>fifo (the median
// fraction of exclusive waits passed by more than threads - 1 grants), starved (any repetition),
// status (worst of the repetitions).
std::string RenderReport(const nlohmann::json& runs, ReportFormat format);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_REPORT_H_
