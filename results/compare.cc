#include "results/compare.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <tuple>
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
    if (found == nullptr) found = FindFitMetric(name);
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
  for (const FitComparison& f : fits) {
    for (const MetricComparison& m : f.metrics) n += m.verdict == verdict;
  }
  return n;
}

std::string DescribeFit(const FitComparison& fit) {
  return fit.lock + " " + fit.workload + " sweep " + fit.placement;
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

// One side's usable values of one metric, by invocation in order of first appearance.
using InvocationValues = std::vector<std::pair<std::string, std::vector<double>>>;

void AddValue(InvocationValues* side, const std::string& invocation, double value) {
  auto it = std::find_if(side->begin(), side->end(),
                         [&](const auto& i) { return i.first == invocation; });
  if (it == side->end()) it = side->insert(side->end(), {invocation, {}});
  it->second.push_back(value);
}

// Each side's values (one per invocation: the median of its values), medians, change and raw p;
// the verdict waits for the family's adjusted p-values (FinishVerdicts).
MetricComparison CompareValues(const MetricDef* metric, const InvocationValues (&sides)[2]) {
  MetricComparison mc;
  mc.metric = metric;
  for (int s = 0; s < 2; ++s) {
    std::vector<double>& values = s == 0 ? mc.baseline : mc.candidate;
    for (const auto& [name, reps] : sides[s]) {
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
  mc.single_fit = IsFitMetric(*metric) && !mc.tested;
  if (mc.tested) {
    const MannWhitneyResult u = MannWhitneyU(mc.baseline, mc.candidate);
    mc.p_value = u.p_value;
    mc.exact = u.exact;
  }
  return mc;
}

// A run metric over the group's ok repetitions that have a value.
MetricComparison CompareMetric(const Group& g, const MetricDef* metric) {
  InvocationValues sides[2];
  for (int s = 0; s < 2; ++s) {
    for (const RunSample* run : g.runs[s]) {
      const std::optional<double> v = run->Value(*metric);
      if (run->status != "ok" || !v.has_value()) continue;
      AddValue(&sides[s], run->invocation, *v);
    }
  }
  return CompareValues(metric, sides);
}

// The fits of one sweep on both sides, each with the invocation of its file.
struct FitGroup {
  FitComparison comparison;  // the key; metrics filled by CompareFits
  std::vector<std::pair<const FitSample*, const std::string*>> fits[2];
};

// The fit metrics of every sweep that both sides fitted, in baseline order; a sweep of one side
// only is left out with a warning. Throws CompareInputError when a fit metric was asked for and
// no sweep is on both sides: the gate would otherwise pass without looking.
std::vector<FitComparison> CompareFits(const ResultSide* const sides[2],
                                       const std::vector<const MetricDef*>& metrics,
                                       std::vector<std::string>* warnings) {
  std::vector<FitGroup> groups;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> index;
  size_t count[2] = {0, 0};
  for (int s = 0; s < 2; ++s) {
    for (const ResultFile& f : sides[s]->files) {
      for (const FitSample& fit : f.fits) {
        ++count[s];
        auto [it, inserted] =
            index.emplace(std::make_tuple(fit.workload, fit.lock, fit.placement), groups.size());
        if (inserted) groups.push_back({{fit.workload, fit.lock, fit.placement, {}}, {}});
        groups[it->second].fits[s].emplace_back(&fit, &f.invocation);
      }
    }
  }
  std::vector<FitComparison> out;
  std::vector<std::string> one_side;
  for (FitGroup& g : groups) {
    if (g.fits[0].empty() || g.fits[1].empty()) {
      one_side.push_back(DescribeFit(g.comparison) + (g.fits[0].empty() ? " (new)" : " (baseline)"));
      continue;
    }
    for (const MetricDef* metric : metrics) {
      InvocationValues values[2];
      for (int s = 0; s < 2; ++s) {
        for (const auto& [fit, invocation] : g.fits[s]) {
          if (const std::optional<double> v = fit->Value(*metric)) AddValue(&values[s], *invocation, *v);
        }
      }
      g.comparison.metrics.push_back(CompareValues(metric, values));
    }
    out.push_back(std::move(g.comparison));
  }
  if (out.empty()) {
    throw CompareInputError(
        std::string(metrics.front()->name) + " needs the scalability fit of one thread sweep on "
        "both sides (sweep_fits: lockbench run --threads 1,2,3,4 or more thread counts); "
        "baseline has " + CountedNoun(count[0], "fit", "fits") + ", new has " +
        CountedNoun(count[1], "fit", "fits") + ", and none matches by workload, lock and placement");
  }
  if (!one_side.empty()) {
    warnings->push_back("scalability fits on one side only, not compared: " + Join(one_side));
  }
  return out;
}

// Every metric comparison of the report: runs, then fits.
std::vector<MetricComparison*> AllComparisons(std::vector<RunComparison>* compared,
                                              std::vector<FitComparison>* fits) {
  std::vector<MetricComparison*> all;
  for (RunComparison& c : *compared) {
    for (MetricComparison& m : c.metrics) all.push_back(&m);
  }
  for (FitComparison& f : *fits) {
    for (MetricComparison& m : f.metrics) all.push_back(&m);
  }
  return all;
}

// Adjusts the p-values of every tested comparison as one family, then decides each verdict.
void FinishVerdicts(const CompareSettings& settings, const std::vector<MetricComparison*>& all) {
  std::vector<MetricComparison*> tested;
  for (MetricComparison* m : all) {
    if (m->tested) tested.push_back(m);
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
  for (MetricComparison* mp : all) {
    MetricComparison& m = *mp;
    if (m.baseline.empty() || m.candidate.empty()) continue;  // no data
    const double worse = HigherIsBetter(*m.metric) ? -m.change : m.change;
    if (m.single_fit) {
      // No spread to test against: the threshold alone decides, and the report says so.
      m.verdict = std::fabs(m.change) <= settings.threshold ? Verdict::kWithinThreshold
                  : worse > 0                               ? Verdict::kRegression
                                                            : Verdict::kImprovement;
    } else if (!m.tested) {
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

// One warning for the fit comparisons that rest on a single fit on a side.
std::vector<std::string> SingleFitWarnings(const std::vector<FitComparison>& fits) {
  size_t single = 0;
  std::string example;
  for (const FitComparison& f : fits) {
    for (const MetricComparison& m : f.metrics) {
      if (!m.single_fit) continue;
      if (single++ == 0) example = DescribeFit(f) + " " + std::string(m.metric->name);
    }
  }
  if (single == 0) return {};
  return {CountedNoun(single, "scalability-fit comparison rests", "scalability-fit comparisons rest") +
          " on a single fit on a side (e.g. " + example +
          "): no rank test, the verdict is the change against the threshold alone and one fit's "
          "sigma and kappa carry its sweep's noise; run the sweep in several invocations per side "
          "(one directory each) for a test"};
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
                                          const std::vector<FitComparison>& fits, double alpha) {
  std::map<std::pair<size_t, size_t>, std::vector<std::string>> weak;
  const auto note = [&weak](const MetricComparison& m, const std::string& what) {
    if (!m.weak || !m.tested) return;
    weak[{m.baseline.size(), m.candidate.size()}].push_back(what + " " + std::string(m.metric->name));
  };
  for (const RunComparison& c : compared) {
    for (const MetricComparison& m : c.metrics) note(m, DescribeRunKey(c.key));
  }
  for (const FitComparison& f : fits) {
    for (const MetricComparison& m : f.metrics) note(m, DescribeFit(f));
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

  std::vector<const MetricDef*> run_metrics, fit_metrics;
  for (const MetricDef* m : settings.metrics) (IsFitMetric(*m) ? fit_metrics : run_metrics).push_back(m);
  size_t matched = 0;
  for (const Group& g : groups) {
    if (g.runs[1].empty()) {
      report.only_in_baseline.push_back(g.key);
      continue;
    }
    if (g.runs[0].empty()) {
      report.only_in_candidate.push_back(g.key);
      continue;
    }
    ++matched;
    if (run_metrics.empty()) continue;
    RunComparison rc;
    rc.key = g.key;
    rc.baseline_runs = static_cast<int>(g.runs[0].size());
    rc.candidate_runs = static_cast<int>(g.runs[1].size());
    for (int s = 0; s < 2; ++s) {
      const std::string w = StatusWarning(g.key, s == 0 ? "baseline" : "new", g.runs[s]);
      if (!w.empty()) report.warnings.push_back(w);
    }
    for (const MetricDef* metric : run_metrics) rc.metrics.push_back(CompareMetric(g, metric));
    report.compared.push_back(std::move(rc));
  }
  if (matched == 0) {
    throw CompareInputError("no run in " + baseline.label + " matches a run in " + candidate.label +
                            " by lock, workload, threads, placement and arrival rate (" +
                            std::to_string(report.only_in_baseline.size()) + " only in baseline, " +
                            std::to_string(report.only_in_candidate.size()) + " only in new)");
  }
  if (!fit_metrics.empty()) report.fits = CompareFits(sides, fit_metrics, &report.warnings);
  FinishVerdicts(settings, AllComparisons(&report.compared, &report.fits));
  Append(&report.warnings, UntestedWarnings(report.compared));
  Append(&report.warnings, SingleFitWarnings(report.fits));
  Append(&report.warnings, WeakTestWarnings(report.compared, report.fits, settings.alpha));
  return report;
}

}  // namespace lockbench
