// Prints docs/metrics.md: the metric table (results/metrics.cc) as a Markdown page.
//
// The page is generated, never edited: //docs:metrics_page_test fails when the committed page
// differs from what this prints, i.e. when a row changed without regenerating. Regenerate with
//   bazel run //results:metrics_page > docs/metrics.md
// (Bazel runs it from its runfiles tree, so redirect in the shell, from the workspace root).
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "results/metrics.h"

namespace lockbench {
namespace {

// A table cell: `|` would end the cell, so it is escaped.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string Code(std::string_view text) {
  return text.empty() ? std::string("-") : "`" + std::string(text) + "`";
}

std::string_view BetterWord(const MetricDef& m) { return HigherIsBetter(m) ? "higher" : "lower"; }

void PrintRunTable(std::span<const MetricDef> rows) {
  std::puts("| metric | path in a run | unit | better | across repetitions | only where above 0 "
            "| in every file | report column | Google Benchmark counter | meaning |");
  std::puts("|---|---|---|---|---|---|---|---|---|---|");
  for (const MetricDef& m : rows) {
    std::printf("| `%s` | `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                std::string(m.name).c_str(), std::string(m.path).c_str(),
                std::string(UnitName(m.unit)).c_str(), std::string(BetterWord(m)).c_str(),
                std::string(AcrossName(m.across)).c_str(), Code(m.counted_by).c_str(),
                m.required ? "yes" : "no", Cell(Code(m.column)).c_str(),
                Code(m.counter).c_str(), Cell(m.meaning).c_str());
  }
}

void PrintFitTable(std::span<const MetricDef> rows) {
  std::puts("| metric | field of a `sweep_fits` entry | unit | better | across fits | meaning |");
  std::puts("|---|---|---|---|---|---|");
  for (const MetricDef& m : rows) {
    std::printf("| `%s` | `%s` | %s | %s | %s | %s |\n", std::string(m.name).c_str(),
                std::string(m.path).c_str(), std::string(UnitName(m.unit)).c_str(),
                std::string(BetterWord(m)).c_str(), std::string(AcrossName(m.across)).c_str(),
                Cell(m.meaning).c_str());
  }
}

void PrintPage() {
  std::puts(
      "<!-- Generated from the metric table in results/metrics.cc; do not edit. Regenerate with\n"
      "     bazel run //results:metrics_page > docs/metrics.md\n"
      "     //docs:metrics_page_test fails when this page and the table differ. -->\n"
      "# Metrics\n"
      "\n"
      "Every figure lockbench reports per run is one row of its metric table\n"
      "(`results/metrics.h`): a name, the path within a run, the unit, which direction is better,\n"
      "how repetitions are summarised (the median) and a one-line meaning. `lockbench list` prints\n"
      "the table (`--format json` too) and the schema carries it as `x-metrics`. The same names are\n"
      "the report's columns, `compare --metric`'s values, the Google Benchmark export's counters\n"
      "and the notebook loader's columns (`lockbench_results.load_runs` adds a column per metric,\n"
      "NaN where a run has no value, e.g. no timed acquisition of that mode). How the figures are\n"
      "measured: [user guide, Measurement](user_guide.md#measurement); the result file:\n"
      "[user guide, Results](user_guide.md#results).\n"
      "\n"
      "## Per-run metrics\n"
      "\n"
      "\"Only where above 0\" names the count a metric needs: where it is 0 (no timed acquisition\n"
      "of that mode, a closed-loop run for the open-loop rows) the run has no value. \"In every\n"
      "file\": whether every result file of this schema version has it (compare refuses a file\n"
      "without it); metrics added later are absent from older files.\n");
  PrintRunTable(MetricTable());
  std::puts(
      "\n"
      "## Scalability-fit metrics\n"
      "\n"
      "One value per Universal Scalability Law fit of a thread sweep (a result's `sweep_fits`\n"
      "entry, per workload, lock and placement), not per run: `compare --metric` reads them; the\n"
      "per-run outputs (JSON writer, report, Google Benchmark export, `x-metrics`) do not. See\n"
      "[user guide, Results](user_guide.md#results) (\"Scalability fits\").\n");
  PrintFitTable(FitMetricTable());
}

}  // namespace
}  // namespace lockbench

int main() {
  lockbench::PrintPage();
  return 0;
}
