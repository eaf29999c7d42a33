#include "results/compare.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "base/enum_names.h"
#include "base/strings.h"
#include "results/stats.h"

namespace lockbench {
namespace {

using nlohmann::json;

// Parses all of `text` as a finite double; false on anything else ("1.5x", "", "nan").
bool ParseDouble(const std::string& text, double* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

// ---- Comparison -----------------------------------------------------------------------------

double RelativeChange(double base, double next) {
  if (base == next) return 0.0;
  if (base == 0.0) return std::copysign(std::numeric_limits<double>::infinity(), next - base);
  return (next - base) / std::fabs(base);
}

struct Group {
  RunKey key;
  std::vector<const RunSample*> runs[2];  // [0] baseline, [1] candidate
};

// Machines differ when CPU model or topology differ; the first difference, or "".
std::string MachineDifference(const ResultFile& a, const ResultFile& b) {
  if (a.cpu_model != b.cpu_model) {
    return "context.cpu_model '" + a.cpu_model + "' vs '" + b.cpu_model + "'";
  }
  if (a.topology != b.topology) {
    return "context.topology '" + a.topology + "' vs '" + b.topology + "'";
  }
  return "";
}

// The first field in which two workload configurations differ, ignoring the repetition count
// (interleaved CI runs use one repetition per file) and the description; "" when none.
std::string WorkloadDifference(const json& a, const json& b) {
  if (!a.is_object() || !b.is_object()) return "";
  std::set<std::string> keys;
  for (const auto& [k, v] : a.items()) keys.insert(k);
  for (const auto& [k, v] : b.items()) keys.insert(k);
  for (const std::string& k : keys) {
    // Neither changes what a run measures: repetitions interleave, a description is prose, and
    // holder_may_block states what the program needs (files from before it lack it).
    if (k == "repetitions" || k == "description" || k == "holder_may_block") continue;
    const json va = a.contains(k) ? a[k] : json();
    const json vb = b.contains(k) ? b[k] : json();
    if (va != vb) return k + " " + va.dump() + " vs " + vb.dump();
  }
  return "";
}

}  // namespace

// ---- Metrics and settings -------------------------------------------------------------------

std::vector<const MetricDef*> ParseMetricList(std::string_view list) {
  std::vector<const MetricDef*> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = list.find(',', start);
    const std::string name(
        Trim(list.substr(start, comma == std::string_view::npos ? list.npos : comma - start)));
    const MetricDef* found = FindMetric(name);
    if (found == nullptr) {
      throw CompareInputError(
          (name.empty() ? std::string("empty metric name") : "'" + name + "' is not a metric") +
          "; use one or more of " + MetricNames() + ", comma-separated");
    }
    if (std::find(out.begin(), out.end(), found) == out.end()) out.push_back(found);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

double ParseThreshold(std::string_view text) {
  const std::string t(Trim(text));
  const std::string allowed = "; use a fraction below 1 or a percentage, e.g. 0.05 or 5%";
  double v = 0.0;
  if (!t.empty() && t.back() == '%') {
    if (!ParseDouble(std::string(Trim(std::string_view(t).substr(0, t.size() - 1))), &v) || v < 0.0) {
      throw CompareInputError("'" + t + "' is not a threshold" + allowed);
    }
    return v / 100.0;
  }
  if (!ParseDouble(t, &v) || v < 0.0) {
    throw CompareInputError("'" + t + "' is not a threshold" + allowed);
  }
  if (v >= 1.0) {
    throw CompareInputError("'" + t + "' is ambiguous (a fraction of " + t + " is " +
                            Percent(v) + ")" + allowed);
  }
  return v;
}

double ParseAlpha(std::string_view text) {
  const std::string t(Trim(text));
  double v = 0.0;
  if (!ParseDouble(t, &v) || !(v > 0.0 && v < 1.0)) {
    throw CompareInputError(
        "'" + t + "' is not a significance level; use a number between 0 and 1, e.g. 0.05");
  }
  return v;
}

constexpr NamedValue<Verdict> kVerdictNames[] = {
    {Verdict::kRegression, "regression"},
    {Verdict::kImprovement, "improvement"},
    {Verdict::kWithinThreshold, "within_threshold"},
    {Verdict::kNotSignificant, "not_significant"},
    {Verdict::kNoData, "no_data"},
    {Verdict::kInconclusive, "inconclusive"}};

std::string_view VerdictName(Verdict verdict) { return NameOf(kVerdictNames, verdict); }

constexpr NamedValue<Correction> kCorrections[] = {
    {Correction::kHolm, "holm"},
    {Correction::kBenjaminiHochberg, "bh"},
    {Correction::kNone, "none"},
};

Correction ParseCorrection(std::string_view text) {
  const std::string t(Trim(text));
  if (const std::optional<Correction> c = ValueNamed(kCorrections, t)) return *c;
  throw CompareInputError("'" + t + "' is not a correction; use holm, bh or none");
}

std::string_view CorrectionName(Correction correction) { return NameOf(kCorrections, correction); }

// ---- Comparing ------------------------------------------------------------------------------

int CompareReport::Count(Verdict verdict) const {
  int n = 0;
  for (const RunComparison& c : compared) {
    for (const MetricComparison& m : c.metrics) n += m.verdict == verdict;
  }
  return n;
}

namespace {

// Every file against the first baseline file: a side mixing machines is as wrong as two sides
// from different machines. Throws unless allowed; returns the warnings when allowed.
std::vector<std::string> CheckMachines(const ResultSide* const sides[2], bool allow) {
  const ResultFile* reference = nullptr;
  std::set<std::string> warnings;
  for (int s = 0; s < 2; ++s) {
    for (const ResultFile& f : sides[s]->files) {
      if (reference == nullptr) {
        reference = &f;
        continue;
      }
      const std::string diff = MachineDifference(*reference, f);
      if (diff.empty()) continue;
      if (!allow) {
        throw CompareInputError(
            reference->path + " and " + f.path + " come from different machines (" + diff +
            "); compare results from one machine, or pass --allow-different-machines");
      }
      warnings.insert("comparing results from different machines (" + diff +
                      "): differences may be the machine's, not the code's");
    }
  }
  return {warnings.begin(), warnings.end()};
}

// Build types and workload configurations that differ make a comparison suspect, not wrong.
std::vector<std::string> ConfigWarnings(const ResultSide* const sides[2]) {
  std::set<std::string> build_types[2];
  std::map<std::string, const json*> workload_configs[2];
  for (int s = 0; s < 2; ++s) {
    for (const ResultFile& f : sides[s]->files) {
      if (!f.build_type.empty()) build_types[s].insert(f.build_type);
      const json& w = f.workload_config;
      if (w.is_object() && w.contains("name") && w["name"].is_string()) {
        workload_configs[s].emplace(w["name"].get<std::string>(), &w);
      }
    }
  }
  std::vector<std::string> warnings;
  if (!build_types[0].empty() && !build_types[1].empty() && build_types[0] != build_types[1]) {
    warnings.push_back("build types differ (baseline " + *build_types[0].begin() + ", new " +
                       *build_types[1].begin() +
                       "): compare optimized builds (bazel build -c opt)");
  }
  for (const auto& [name, config] : workload_configs[0]) {
    const auto other = workload_configs[1].find(name);
    if (other == workload_configs[1].end()) continue;
    const std::string diff = WorkloadDifference(*config, *other->second);
    if (!diff.empty()) {
      warnings.push_back("workload '" + name + "' is configured differently (" + diff +
                         "): its runs may not be comparable");
    }
  }
  return warnings;
}

// "eresource read-mostly 2 threads compact: new has 1 of 7 repetitions not ok (1 violation);
// they are left out", or "" when all are ok.
std::string StatusWarning(const RunKey& key, const char* side,
                          const std::vector<const RunSample*>& runs) {
  std::map<std::string, int> bad;
  int total = 0;
  for (const RunSample* run : runs) {
    if (run->status == "ok") continue;
    ++bad[run->status];
    ++total;
  }
  if (bad.empty()) return "";
  std::vector<std::string> counts;
  for (const auto& [status, n] : bad) counts.push_back(std::to_string(n) + " " + status);
  return DescribeRunKey(key) + ": " + side + " has " + std::to_string(total) + " of " +
         std::to_string(runs.size()) + " repetitions not ok (" + Join(counts) +
         "); they are left out";
}

// Each side's values (one per invocation), medians, change and raw p; the verdict waits for the
// family's adjusted p-values (FinishVerdicts).
MetricComparison CompareMetric(const Group& g, const MetricDef* metric) {
  MetricComparison mc;
  mc.metric = metric;
  for (int s = 0; s < 2; ++s) {
    // Invocations in order of first appearance, each with its usable values.
    std::vector<std::pair<std::string, std::vector<double>>> invocations;
    for (const RunSample* run : g.runs[s]) {
      const std::optional<double> v = run->Value(*metric);
      if (run->status != "ok" || !v.has_value()) continue;
      auto it = std::find_if(invocations.begin(), invocations.end(),
                             [&](const auto& i) { return i.first == run->invocation; });
      if (it == invocations.end()) it = invocations.insert(invocations.end(), {run->invocation, {}});
      it->second.push_back(*v);
    }
    std::vector<double>& values = s == 0 ? mc.baseline : mc.candidate;
    for (const auto& [name, reps] : invocations) {
      values.push_back(Median(std::span<const double>(reps)));
      (s == 0 ? mc.baseline_repetitions : mc.candidate_repetitions) += reps.size();
    }
  }
  if (mc.baseline.empty() || mc.candidate.empty()) {
    mc.verdict = Verdict::kNoData;
    return mc;
  }
  mc.baseline_median = Median(std::span<const double>(mc.baseline));
  mc.candidate_median = Median(std::span<const double>(mc.candidate));
  mc.change = RelativeChange(mc.baseline_median, mc.candidate_median);
  mc.weak = std::min(mc.baseline.size(), mc.candidate.size()) < kStrongRepetitions;
  mc.tested = mc.baseline.size() >= 2 && mc.candidate.size() >= 2;
  if (mc.tested) {
    const MannWhitneyResult u = MannWhitneyU(mc.baseline, mc.candidate);
    mc.p_value = u.p_value;
    mc.exact = u.exact;
  }
  return mc;
}

// Adjusts the p-values of every tested comparison as one family, then decides each verdict.
void FinishVerdicts(const CompareSettings& settings, std::vector<RunComparison>* compared) {
  std::vector<MetricComparison*> tested;
  for (RunComparison& c : *compared) {
    for (MetricComparison& m : c.metrics) {
      if (m.tested) tested.push_back(&m);
    }
  }
  std::vector<double> raw;
  for (const MetricComparison* m : tested) raw.push_back(m->p_value);
  const std::vector<double> adjusted = AdjustPValues(raw, settings.correction);
  // The detection limit at the level the most demanding step of the correction asks for.
  const double level = settings.correction == Correction::kNone || tested.empty()
                           ? settings.alpha
                           : settings.alpha / static_cast<double>(tested.size());
  for (size_t i = 0; i < tested.size(); ++i) {
    MetricComparison& m = *tested[i];
    m.p_adjusted = adjusted[i];
    const double sd = PooledStandardDeviation(m.baseline, m.candidate);
    const double shift = MinimumDetectableShift(sd, m.baseline.size(), m.candidate.size(), level,
                                                settings.power);
    const double scale = std::fabs(m.baseline_median);
    m.mde = shift == 0.0 ? 0.0 : scale > 0.0 ? shift / scale
                                             : std::numeric_limits<double>::infinity();
    if (scale > 0.0) {
      m.invocations_needed = SamplesNeeded(sd, settings.threshold * scale, level, settings.power,
                                           kMaxInvocationsNeeded);
    }
  }
  for (RunComparison& c : *compared) {
    for (MetricComparison& m : c.metrics) {
      if (m.baseline.empty() || m.candidate.empty()) continue;  // no data
      const double worse = HigherIsBetter(*m.metric) ? -m.change : m.change;
      if (!m.tested) {
        m.verdict = Verdict::kInconclusive;
      } else if (std::fabs(m.change) <= settings.threshold) {
        m.verdict = m.mde <= settings.threshold ? Verdict::kWithinThreshold
                                                : Verdict::kInconclusive;
      } else if (!(m.p_adjusted < settings.alpha)) {
        m.verdict = Verdict::kNotSignificant;
      } else {
        m.verdict = worse > 0 ? Verdict::kRegression : Verdict::kImprovement;
      }
    }
  }
}

// One warning for comparisons that could not be tested because a side has one invocation.
std::vector<std::string> UntestedWarnings(const std::vector<RunComparison>& compared) {
  size_t untested = 0;
  std::string example;
  for (const RunComparison& c : compared) {
    for (const MetricComparison& m : c.metrics) {
      if (m.verdict != Verdict::kInconclusive || m.tested) continue;
      if (untested++ == 0) example = DescribeRunKey(c.key) + " " + std::string(m.metric->name);
    }
  }
  if (untested == 0) return {};
  return {CountedNoun(untested, "comparison", "comparisons") + " (e.g. " + example +
          ") cannot be judged: a side has a single lockbench invocation, whose repetitions share "
          "its conditions and are not independent samples; measure each side in several "
          "invocations (tool/ci_perf_gate.sh does, or run `lockbench run --repetitions 1` "
          "several times into one directory per side and `lockbench compare DIR DIR`)"};
}

// One warning per pair of sample sizes that makes the test weak, saying when alpha is out of
// reach altogether.
std::vector<std::string> WeakTestWarnings(const std::vector<RunComparison>& compared,
                                          double alpha) {
  std::map<std::pair<size_t, size_t>, std::vector<std::string>> weak;
  for (const RunComparison& c : compared) {
    for (const MetricComparison& m : c.metrics) {
      if (!m.weak || !m.tested) continue;
      weak[{m.baseline.size(), m.candidate.size()}].push_back(DescribeRunKey(c.key) + " " +
                                                              std::string(m.metric->name));
    }
  }
  std::vector<std::string> warnings;
  for (const auto& [sizes, what] : weak) {
    const double floor = SmallestPossiblePValue(sizes.first, sizes.second);
    std::string w = CountedNoun(what.size(), "comparison has", "comparisons have") + " only " +
                    std::to_string(sizes.first) + " vs " + std::to_string(sizes.second) +
                    " invocations with usable repetitions (e.g. " + what.front() +
                    "): the rank test is weak";
    if (floor >= alpha) {
      w += "; the smallest possible p-value is " + Fixed(floor, 3) + ", not below alpha " +
           Shortest(alpha) + ", so no change can be called significant";
    }
    w += "; use " + std::to_string(kStrongRepetitions) +
         " or more (ideally 7) invocations per side";
    warnings.push_back(w);
  }
  return warnings;
}

void Append(std::vector<std::string>* to, const std::vector<std::string>& more) {
  to->insert(to->end(), more.begin(), more.end());
}

}  // namespace

CompareReport CompareResults(const ResultSide& baseline, const ResultSide& candidate,
                             const CompareSettings& settings) {
  CompareReport report;
  report.settings = settings;
  report.baseline_label = baseline.label;
  report.candidate_label = candidate.label;
  report.baseline_files = baseline.files.size();
  report.candidate_files = candidate.files.size();
  const ResultSide* const sides[2] = {&baseline, &candidate};
  Append(&report.warnings, CheckMachines(sides, settings.allow_different_machines));
  Append(&report.warnings, ConfigWarnings(sides));

  // Group repetitions by run key, in order of first appearance.
  std::vector<Group> groups;
  std::map<RunKey, size_t> index;
  for (int s = 0; s < 2; ++s) {
    for (const ResultFile& f : sides[s]->files) {
      for (const RunSample& run : f.runs) {
        (s == 0 ? report.baseline_runs : report.candidate_runs)++;
        auto [it, inserted] = index.emplace(run.key, groups.size());
        if (inserted) groups.push_back({run.key, {}});
        groups[it->second].runs[s].push_back(&run);
      }
    }
  }

  for (const Group& g : groups) {
    if (g.runs[1].empty()) {
      report.only_in_baseline.push_back(g.key);
      continue;
    }
    if (g.runs[0].empty()) {
      report.only_in_candidate.push_back(g.key);
      continue;
    }
    RunComparison rc;
    rc.key = g.key;
    rc.baseline_runs = static_cast<int>(g.runs[0].size());
    rc.candidate_runs = static_cast<int>(g.runs[1].size());
    for (int s = 0; s < 2; ++s) {
      const std::string w = StatusWarning(g.key, s == 0 ? "baseline" : "new", g.runs[s]);
      if (!w.empty()) report.warnings.push_back(w);
    }
    for (const MetricDef* metric : settings.metrics) rc.metrics.push_back(CompareMetric(g, metric));
    report.compared.push_back(std::move(rc));
  }
  FinishVerdicts(settings, &report.compared);
  Append(&report.warnings, UntestedWarnings(report.compared));
  Append(&report.warnings, WeakTestWarnings(report.compared, settings.alpha));

  if (report.compared.empty()) {
    throw CompareInputError("no run in " + baseline.label + " matches a run in " + candidate.label +
                            " by lock, workload, threads, placement and arrival rate (" +
                            std::to_string(report.only_in_baseline.size()) + " only in baseline, " +
                            std::to_string(report.only_in_candidate.size()) + " only in new)");
  }
  return report;
}

}  // namespace lockbench
