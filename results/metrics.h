// The metric table: every figure lockbench reports per run, declared once.
//
// A row names the metric (what `compare --metric`, the report and the notebook columns call it),
// where it lives in a run of the result file, its unit, which direction is better, what it means
// in one line, and how repetitions are summarised. Everything that shows metrics iterates over
// this table: the JSON writer writes each row's value from the run's summary, compare reads and
// tests each requested row, the report has one column per row that names one, the Google
// Benchmark export has one counter per row, and the schema lists the table (`x-metrics`, checked
// against it by metric_table_test) for the notebook loader, which makes one column per row.
//
// Adding a metric: measure it into RunSummary, then add one row here. The tests then ask for it
// in a real result file, the schema, compare and the notebook loader.
#ifndef LOCKBENCH_RESULTS_METRICS_H_
#define LOCKBENCH_RESULTS_METRICS_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"
#include "results/summary.h"

namespace lockbench {

enum class Unit {
  kOpsPerSecond,  // shown in Mops/s
  kNanoseconds,
  kFraction,  // 0..1, shown as a percentage
  kIndex,     // a dimensionless score such as Jain's index
  kPerOp,     // a count per acquisition, such as context switches
  kCoefficient,  // a fitted model's dimensionless parameter, shown to 4 significant digits
};

enum class Better { kHigher, kLower };

// How a run's repetitions (or an invocation's, in compare) become one figure.
enum class Across { kMedian };

struct MetricDef {
  std::string_view name;     // "throughput": compare --metric, report, notebook column
  std::string_view path;     // dotted path within a run: "latency_ns.shared.p99"
  Unit unit;
  Better better;
  Across across;
  std::string_view meaning;  // one line, for help texts and the schema
  // Dotted path of a count within the run; the metric exists only where it is above 0 (a
  // latency percentile needs a timed acquisition of its mode). Empty: always there.
  std::string_view counted_by;
  // Whether every result file of this schema version has it, so that compare refuses a file
  // without it; false for metrics added later (older files lack them).
  bool required;
  std::string_view column;   // the report's column header; empty: not in the report
  std::string_view counter;  // the Google Benchmark counter's name
  // The value from the run's summary, as the file holds it (an integer for histogram values);
  // null where the run did not measure it.
  nlohmann::json (*of)(const RunSummary&);
};

// The rows, in report column order. The first is the primary metric: the report's ratio column
// compares locks on it, and compare uses it by default.
std::span<const MetricDef> MetricTable();

// The row named `name`, or nullptr.
const MetricDef* FindMetric(std::string_view name);

// The row's position in MetricTable().
std::size_t MetricIndex(const MetricDef& metric);

// The scalability-fit metrics: one value per fit of a thread sweep (a result's `sweep_fits`
// entry, results/sweep_fits.h, per workload, lock and placement), not per run; `path` is the
// field within the fit and `of` is null. compare reads them (results/compare.h); the per-run
// outputs (the JSON writer, the report, the Google Benchmark export, the schema's x-metrics)
// do not iterate over them.
std::span<const MetricDef> FitMetricTable();

// The fit row named `name`, or nullptr.
const MetricDef* FindFitMetric(std::string_view name);

// Whether `metric` is a row of FitMetricTable(); its position there.
bool IsFitMetric(const MetricDef& metric);
std::size_t FitMetricIndex(const MetricDef& metric);

inline bool HigherIsBetter(const MetricDef& metric) { return metric.better == Better::kHigher; }

// "ops/s", "ns", "fraction", "index", "per op", "coefficient".
std::string_view UnitName(Unit unit);
// "median".
std::string_view AcrossName(Across across);

// The metric's value in one run (a parsed `runs[]` entry): nullopt when the path is absent or
// null, or its count (counted_by) is 0. Throws std::invalid_argument naming the dotted path when
// the value is there but not a number.
std::optional<double> MetricValue(const MetricDef& metric, const nlohmann::json& run);

// The open-loop rate a run (a parsed `runs[]` entry) was offered, its
// open_loop.offered_ops_per_s; 0 for a closed-loop run. Runs of one rate sweep differ by it.
double OfferedRate(const nlohmann::json& run);

// A value for people: "3.660 Mops/s", "412 ns", "12.5%", "0.981".
std::string FormatMetric(const MetricDef& metric, double value);
// The same without the unit word, for table cells under a header that names it: "3.660", "412".
std::string FormatMetricCell(const MetricDef& metric, double value);

// Writes every row's value from `summary` into `run` at the row's path. A value the run did not
// measure becomes null, unless an object on the way is already null (the whole group was not
// measured and stays one null).
void WriteMetrics(const RunSummary& summary, nlohmann::json* run);

// The table as the schema's `x-metrics` holds it: [{"name", "path", "unit", "better", "across",
// "meaning", "counted_by"}], in table order.
nlohmann::json MetricTableJson();

// "throughput, shared_p50, ..., usl_sigma, usl_kappa": the names of both tables (what compare
// accepts), for messages.
std::string MetricNames();

// "throughput (higher is better), shared_p50 (lower is better), ...", both tables, for help
// texts.
std::string MetricHelp();

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_METRICS_H_
