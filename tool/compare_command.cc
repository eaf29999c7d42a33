#include "tool/compare_command.h"

#include <iostream>
#include <string>
#include <vector>

#include "results/compare_render.h"
#include "tool/exit_codes.h"
#include "tool/messages.h"

namespace lockbench {
int CompareCommand(const CompareOptions& o) {
  CompareSettings settings;
  CompareFormat format = CompareFormat::kTable;
  if (o.format == "markdown") {
    format = CompareFormat::kMarkdown;
  } else if (o.format == "json") {
    format = CompareFormat::kJson;
  } else if (o.format != "table") {
    return UsageError("--format: '" + o.format +
                        "' is not allowed; use one of table, markdown, json");
  }
  try {
    settings.metrics = ParseMetricList(o.metrics);
  } catch (const CompareInputError& e) {
    return UsageError(std::string("--metric: ") + e.what());
  }
  try {
    settings.threshold = ParseThreshold(o.threshold);
  } catch (const CompareInputError& e) {
    return UsageError(std::string("--threshold: ") + e.what());
  }
  try {
    settings.alpha = ParseAlpha(o.alpha);
  } catch (const CompareInputError& e) {
    return UsageError(std::string("--alpha: ") + e.what());
  }
  try {
    settings.correction = ParseCorrection(o.correction);
  } catch (const CompareInputError& e) {
    return UsageError(std::string("--correction: ") + e.what());
  }
  settings.allow_different_machines = o.allow_different_machines;

  CompareReport report;
  try {
    const ResultSide baseline{o.baseline, LoadResultPath(o.baseline)};
    const ResultSide candidate{o.candidate, LoadResultPath(o.candidate)};
    report = CompareResults(baseline, candidate, settings);
  } catch (const CompareInputError& e) {
    return UsageError(e.what());
  }

  std::cout << RenderCompareReport(report, format);
  std::cout.flush();
  for (const std::string& w : report.warnings) PrintMessage("warning", w);
  const std::vector<std::string> regressions = RegressionLines(report);
  for (const std::string& r : regressions) PrintMessage("regression", r);
  return regressions.empty() ? kExitOk : kExitRegression;
}

}  // namespace lockbench
