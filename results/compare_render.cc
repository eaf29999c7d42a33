#include "results/compare_render.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "base/enum_names.h"
#include "base/strings.h"

namespace lockbench {
namespace {

using nlohmann::json;

std::string FormatChange(double change) {
  if (std::isinf(change)) return change > 0 ? "+inf" : "-inf";
  return (change >= 0 ? "+" : "") + Fixed(change * 100.0, 1) + "%";
}

std::string FormatP(double p) { return p < 0.0001 ? "<0.0001" : Fixed(p, 4); }

std::string FormatMde(double mde) {
  if (std::isinf(mde)) return "none";
  return Fixed(mde * 100.0, 1) + "%";
}

// "7/7": invocations per side, with their repetitions when some invocation made several.
std::string SampleSizes(const MetricComparison& m) {
  std::string out = std::to_string(m.baseline.size()) + "/" + std::to_string(m.candidate.size());
  if (m.baseline_repetitions != m.baseline.size() ||
      m.candidate_repetitions != m.candidate.size()) {
    out += " (" + std::to_string(m.baseline_repetitions) + "/" +
           std::to_string(m.candidate_repetitions) + " reps)";
  }
  return out + (m.weak && m.tested ? "!" : "");
}

// The report's words for a verdict (the result file's are VerdictName's).
constexpr NamedValue<Verdict> kVerdictLabels[] = {
    {Verdict::kRegression, "REGRESSION"},
    {Verdict::kImprovement, "improvement"},
    {Verdict::kWithinThreshold, "same"},
    {Verdict::kNotSignificant, "not significant"},
    {Verdict::kNoData, "no data"},
    {Verdict::kInconclusive, "inconclusive"}};

std::string VerdictLabel(Verdict v) { return NameOf(kVerdictLabels, v); }

// A verdict the threshold alone decided says so.
std::string VerdictText(const MetricComparison& m, std::string label) {
  return m.single_fit ? label + " (single fit, no test)" : label;
}

// One row of the report: where the comparison's values come from, and the comparison. A fit
// spans its sweep's thread counts ("sweep").
struct Row {
  std::string lock, workload, threads, placement;
  const MetricComparison* m;
};

std::vector<Row> Rows(const CompareReport& r) {
  std::vector<Row> rows;
  for (const RunComparison& c : r.compared) {
    for (const MetricComparison& m : c.metrics) {
      rows.push_back({c.key.lock, WorkloadLabel(c.key), std::to_string(c.key.threads),
                      c.key.placement, &m});
    }
  }
  for (const FitComparison& f : r.fits) {
    for (const MetricComparison& m : f.metrics) {
      rows.push_back({f.lock, f.workload, "sweep", f.placement, &m});
    }
  }
  return rows;
}

struct Cell {
  std::string text;
  bool right = false;
};

std::string RenderAligned(const std::vector<std::vector<Cell>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].text.size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string pad(width[i] - row[i].text.size(), ' ');
      if (i > 0) line += "  ";
      line += row[i].right ? pad + row[i].text : row[i].text + pad;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string SideSummary(const std::string& label, size_t files, size_t runs) {
  return label + " (" + CountedNoun(files, "file", "files") + ", " +
         CountedNoun(runs, "run", "runs") + ")";
}

std::string SettingsSummary(const CompareSettings& s) {
  std::vector<std::string_view> metrics;
  for (const MetricDef* m : s.metrics) metrics.push_back(m->name);
  return "threshold " + Percent(s.threshold) + ", alpha " + Shortest(s.alpha) +
         " (correction " + std::string(CorrectionName(s.correction)) + "), metrics " + Join(metrics, ",");
}

std::string SummaryLine(const CompareReport& r) {
  const size_t comparisons = Rows(r).size();
  return CountedNoun(static_cast<size_t>(r.Count(Verdict::kRegression)), "regression",
                     "regressions") +
         ", " +
         CountedNoun(static_cast<size_t>(r.Count(Verdict::kImprovement)), "improvement",
                     "improvements") +
         ", " + CountedNoun(comparisons, "comparison", "comparisons") + " (" +
         std::to_string(r.Count(Verdict::kNotSignificant)) + " not significant, " +
         std::to_string(r.Count(Verdict::kInconclusive)) + " inconclusive, " +
         std::to_string(r.Count(Verdict::kNoData)) + " without data)";
}

std::string RenderTable(const CompareReport& r) {
  std::string out =
      "baseline: " + SideSummary(r.baseline_label, r.baseline_files, r.baseline_runs) + "\n";
  out += "new:      " + SideSummary(r.candidate_label, r.candidate_files, r.candidate_runs) + "\n";
  out += SettingsSummary(r.settings) + "\n\n";
  std::vector<std::vector<Cell>> rows = {{{"lock"},
                                          {"workload"},
                                          {"threads", true},
                                          {"placement"},
                                          {"metric"},
                                          {"baseline", true},
                                          {"new", true},
                                          {"change", true},
                                          {"p", true},
                                          {"p adj", true},
                                          {"mde", true},
                                          {"n", true},
                                          {"verdict"}}};
  bool weak = false;
  for (const Row& row : Rows(r)) {
    const MetricComparison& m = *row.m;
    const bool data = m.verdict != Verdict::kNoData;
    weak = weak || (m.weak && m.tested);
    rows.push_back({{row.lock},
                    {row.workload},
                    {row.threads, true},
                    {row.placement},
                    {std::string(m.metric->name)},
                    {data ? FormatMetric(*m.metric, m.baseline_median) : "-", true},
                    {data ? FormatMetric(*m.metric, m.candidate_median) : "-", true},
                    {data ? FormatChange(m.change) : "-", true},
                    {m.tested ? FormatP(m.p_value) : "-", true},
                    {m.tested ? FormatP(m.p_adjusted) : "-", true},
                    {m.tested ? FormatMde(m.mde) : "-", true},
                    {SampleSizes(m), true},
                    {VerdictText(m, VerdictLabel(m.verdict))}});
  }
  out += RenderAligned(rows);
  out += "p adj: p adjusted for " + std::string(CorrectionName(r.settings.correction)) +
         "; mde: the smallest change the comparison could detect (power " +
         Fixed(r.settings.power * 100.0, 0) + "%); n: invocations baseline/new";
  if (!r.fits.empty()) {
    out += "; threads \"sweep\": a scalability fit over the sweep's thread counts, one per "
           "invocation";
  }
  out += weak ? "; ! marks fewer than " + std::to_string(kStrongRepetitions) +
                    " on a side (a weak test)\n"
              : "\n";
  if (!r.only_in_baseline.empty()) {
    out += "\nonly in baseline (not compared):\n";
    for (const RunKey& k : r.only_in_baseline) out += "  " + DescribeRunKey(k) + "\n";
  }
  if (!r.only_in_candidate.empty()) {
    out += "\nonly in new (not compared):\n";
    for (const RunKey& k : r.only_in_candidate) out += "  " + DescribeRunKey(k) + "\n";
  }
  out += "\n" + SummaryLine(r) + "\n";
  return out;
}

std::string MarkdownEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\";
    out += c;
  }
  return out;
}

std::string RenderMarkdown(const CompareReport& r) {
  std::string out = "**lockbench compare**: baseline `" + r.baseline_label + "` (" +
                    CountedNoun(r.baseline_runs, "run", "runs") + ") vs new `" + r.candidate_label +
                    "` (" + CountedNoun(r.candidate_runs, "run", "runs") + "); " +
                    SettingsSummary(r.settings) + "\n\n";
  out +=
      "| lock | workload | threads | placement | metric | baseline | new | change | p | p adj | "
      "mde | n | verdict |\n";
  out += "|---|---|--:|---|---|--:|--:|--:|--:|--:|--:|--:|---|\n";
  for (const Row& row : Rows(r)) {
    const MetricComparison& m = *row.m;
    const bool data = m.verdict != Verdict::kNoData;
    std::string verdict = VerdictLabel(m.verdict);
    if (m.verdict == Verdict::kRegression) verdict = "**regression**";
    if (m.verdict == Verdict::kImprovement) verdict = "**improvement**";
    out += "| " + MarkdownEscape(row.lock) + " | " + MarkdownEscape(row.workload) + " | " +
           row.threads + " | " + MarkdownEscape(row.placement) + " | " +
           std::string(m.metric->name) + " | " +
           (data ? FormatMetric(*m.metric, m.baseline_median) : "-") + " | " +
           (data ? FormatMetric(*m.metric, m.candidate_median) : "-") + " | " +
           (data ? FormatChange(m.change) : "-") + " | " +
           (m.tested ? FormatP(m.p_value) : "-") + " | " +
           (m.tested ? FormatP(m.p_adjusted) : "-") + " | " +
           (m.tested ? FormatMde(m.mde) : "-") + " | " + SampleSizes(m) + " | " +
           VerdictText(m, verdict) + " |\n";
  }
  auto list = [&out](const char* title, const std::vector<RunKey>& keys) {
    if (keys.empty()) return;
    out += "\n" + std::string(title) + "\n\n";
    for (const RunKey& k : keys) out += "- " + MarkdownEscape(DescribeRunKey(k)) + "\n";
  };
  list("Only in baseline (not compared):", r.only_in_baseline);
  list("Only in new (not compared):", r.only_in_candidate);
  if (!r.warnings.empty()) {
    out += "\nWarnings:\n\n";
    for (const std::string& w : r.warnings) out += "- " + MarkdownEscape(w) + "\n";
  }
  out += "\n" + SummaryLine(r) + "\n";
  return out;
}

json KeyToJson(const RunKey& k) {
  json out = {{"lock", k.lock},
              {"workload", k.workload},
              {"threads", k.threads},
              {"placement", k.placement}};
  if (k.arrival_rate > 0) out["arrival_rate"] = k.arrival_rate;  // open loop only
  return out;
}

}  // namespace

json CompareReportToJson(const CompareReport& r) {
  json out;
  out["baseline"] = {
      {"path", r.baseline_label}, {"files", r.baseline_files}, {"runs", r.baseline_runs}};
  out["new"] = {
      {"path", r.candidate_label}, {"files", r.candidate_files}, {"runs", r.candidate_runs}};
  json metrics = json::array();
  for (const MetricDef* m : r.settings.metrics) metrics.push_back(m->name);
  out["metrics"] = metrics;
  out["threshold"] = r.settings.threshold;
  out["alpha"] = r.settings.alpha;
  out["correction"] = CorrectionName(r.settings.correction);
  out["power"] = r.settings.power;
  json comparisons = json::array();
  const auto add = [&comparisons](json j, const MetricComparison& m) {
    j["metric"] = m.metric->name;
    j["higher_is_better"] = HigherIsBetter(*m.metric);
    j["baseline"] = {{"median", m.baseline_median},
                     {"values", m.baseline},
                     {"n", m.baseline.size()},
                     {"repetitions", m.baseline_repetitions}};
    j["new"] = {{"median", m.candidate_median},
                {"values", m.candidate},
                {"n", m.candidate.size()},
                {"repetitions", m.candidate_repetitions}};
    j["change"] = std::isfinite(m.change) ? json(m.change) : json(nullptr);
    j["p_value"] = m.tested ? json(m.p_value) : json(nullptr);
    j["p_adjusted"] = m.tested ? json(m.p_adjusted) : json(nullptr);
    j["mde"] = m.tested && std::isfinite(m.mde) ? json(m.mde) : json(nullptr);
    j["invocations_needed"] =
        m.tested && m.invocations_needed > 0 ? json(m.invocations_needed) : json(nullptr);
    j["exact"] = m.exact;
    j["weak"] = m.weak;
    j["single_fit"] = m.single_fit;
    j["verdict"] = VerdictName(m.verdict);
    comparisons.push_back(std::move(j));
  };
  for (const RunComparison& c : r.compared) {
    for (const MetricComparison& m : c.metrics) add(KeyToJson(c.key), m);
  }
  for (const FitComparison& f : r.fits) {
    for (const MetricComparison& m : f.metrics) {
      json key;
      key["lock"] = f.lock;
      key["workload"] = f.workload;
      key["threads"] = nullptr;  // a fit spans the sweep's thread counts
      key["placement"] = f.placement;
      key["fit"] = "usl";
      add(std::move(key), m);
    }
  }
  out["comparisons"] = std::move(comparisons);
  json only_b = json::array(), only_n = json::array();
  for (const RunKey& k : r.only_in_baseline) only_b.push_back(KeyToJson(k));
  for (const RunKey& k : r.only_in_candidate) only_n.push_back(KeyToJson(k));
  out["only_in_baseline"] = std::move(only_b);
  out["only_in_new"] = std::move(only_n);
  out["warnings"] = r.warnings;
  out["summary"] = {{"regressions", r.Count(Verdict::kRegression)},
                    {"improvements", r.Count(Verdict::kImprovement)},
                    {"within_threshold", r.Count(Verdict::kWithinThreshold)},
                    {"not_significant", r.Count(Verdict::kNotSignificant)},
                    {"inconclusive", r.Count(Verdict::kInconclusive)},
                    {"no_data", r.Count(Verdict::kNoData)}};
  return out;
}

std::string RenderCompareReport(const CompareReport& report, CompareFormat format) {
  switch (format) {
    case CompareFormat::kTable:
      return RenderTable(report);
    case CompareFormat::kMarkdown:
      return RenderMarkdown(report);
    case CompareFormat::kJson:
      return CompareReportToJson(report).dump(2) + "\n";
  }
  return "";
}

std::vector<std::string> RegressionLines(const CompareReport& report) {
  std::vector<std::string> lines;
  for (const RunComparison& c : report.compared) {
    for (const MetricComparison& m : c.metrics) {
      if (m.verdict != Verdict::kRegression) continue;
      lines.push_back(DescribeRunKey(c.key) + ": " + std::string(m.metric->name) + " " +
                      FormatChange(m.change) + " (" + FormatMetric(*m.metric, m.baseline_median) +
                      " -> " + FormatMetric(*m.metric, m.candidate_median) +
                      ", p=" + FormatP(m.p_value) + ", adjusted " + FormatP(m.p_adjusted) + ", " +
                      std::to_string(m.baseline.size()) + " vs " +
                      std::to_string(m.candidate.size()) + " invocations)");
    }
  }
  for (const FitComparison& f : report.fits) {
    for (const MetricComparison& m : f.metrics) {
      if (m.verdict != Verdict::kRegression) continue;
      const std::string test =
          m.single_fit ? "single fit, no test" : "p=" + FormatP(m.p_value) + ", adjusted " +
                                                     FormatP(m.p_adjusted);
      lines.push_back(DescribeFit(f) + ": " + std::string(m.metric->name) + " " +
                      FormatChange(m.change) + " (" + FormatMetric(*m.metric, m.baseline_median) +
                      " -> " + FormatMetric(*m.metric, m.candidate_median) + ", " + test + ", " +
                      std::to_string(m.baseline.size()) + " vs " +
                      std::to_string(m.candidate.size()) + " invocations)");
    }
  }
  return lines;
}

}  // namespace lockbench
