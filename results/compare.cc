#include "results/compare.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "results/result_json.h"
#include "results/stats.h"

namespace lockbench {
namespace {

using nlohmann::json;

constexpr int kMaxNesting = 64;
constexpr size_t kMaxFileBytes = size_t{256} << 20;

struct MetricDef {
  Metric metric;
  const char* name;
  bool higher_is_better;
};

constexpr MetricDef kMetrics[] = {
    {Metric::kThroughput, "throughput", true},
    {Metric::kSharedP50, "shared_p50", false},
    {Metric::kSharedP99, "shared_p99", false},
    {Metric::kExclusiveP50, "exclusive_p50", false},
    {Metric::kExclusiveP99, "exclusive_p99", false},
    {Metric::kJain, "jain", true},
    {Metric::kBypass, "bypass", false},
};

const MetricDef& Def(Metric m) {
  for (const MetricDef& d : kMetrics) {
    if (d.metric == m) return d;
  }
  std::abort();  // every enumerator is in kMetrics
}

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

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

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// ---- Checked reading of one document --------------------------------------------------------

// Reads fields of a parsed document, throwing one line "<path>: <where>: <what>" on the first
// problem, so a user can find the bad field without a stack trace.
class FieldReader {
 public:
  explicit FieldReader(const std::string& path) : path_(path) {}

  [[noreturn]] void Fail(const std::string& what) const {
    throw CompareInputError(path_ + ": " + what);
  }

  const json& Field(const json& obj, const char* name, const std::string& where) const {
    const auto it = obj.find(name);
    if (it == obj.end()) Fail(Join(where, "") + "missing field '" + name + "'");
    return *it;
  }

  const json& Object(const json& obj, const char* name, const std::string& where) const {
    const json& v = Field(obj, name, where);
    if (!v.is_object()) Fail(Join(where, name) + "expected an object, got " + Shown(v));
    return v;
  }

  std::string String(const json& obj, const char* name, const std::string& where) const {
    const json& v = Field(obj, name, where);
    if (!v.is_string()) Fail(Join(where, name) + "expected a string, got " + Shown(v));
    return v.get<std::string>();
  }

  double Number(const json& obj, const char* name, const std::string& where) const {
    const json& v = Field(obj, name, where);
    if (!v.is_number()) Fail(Join(where, name) + "expected a number, got " + Shown(v));
    const double d = v.get<double>();
    if (!(d >= 0.0)) Fail(Join(where, name) + "expected a number >= 0, got " + Shown(v));
    return d;
  }

  int64_t Integer(const json& obj, const char* name, const std::string& where, int64_t min) const {
    const json& v = Field(obj, name, where);
    if (!v.is_number_integer()) Fail(Join(where, name) + "expected an integer, got " + Shown(v));
    const int64_t i = v.is_number_unsigned()
                          ? static_cast<int64_t>(std::min<uint64_t>(v.get<uint64_t>(), INT64_MAX))
                          : v.get<int64_t>();
    if (i < min) {
      Fail(Join(where, name) + "expected an integer >= " + std::to_string(min) + ", got " +
           Shown(v));
    }
    return i;
  }

 private:
  // "runs[3].latency_ns.shared.p99: " from where = "runs[3].latency_ns.shared" and name "p99".
  static std::string Join(const std::string& where, const char* name) {
    std::string s = where;
    if (name != nullptr && *name != '\0') s += (s.empty() ? "" : ".") + std::string(name);
    return s.empty() ? "" : s + ": ";
  }

  // The offending value in a message: its JSON type and a short excerpt.
  static std::string Shown(const json& v) {
    std::string text = v.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    if (v.is_object() || v.is_array()) return std::string(v.type_name());
    return std::string(v.type_name()) + " " + text;
  }

  const std::string& path_;
};

// nlohmann's messages start with "[json.exception.parse_error.101] "; users need the rest.
std::string ParseErrorText(const std::string& what) {
  const size_t close = what.find("] ");
  return close == std::string::npos ? what : what.substr(close + 2);
}

RunSample ReadRun(const FieldReader& r, const json& run, size_t index) {
  const std::string where = "runs[" + std::to_string(index) + "]";
  if (!run.is_object()) r.Fail(where + ": expected an object");
  RunSample s;
  s.key.lock = r.String(run, "lock", where);
  s.key.workload = r.String(run, "workload", where);
  s.key.threads =
      static_cast<int>(std::min<int64_t>(r.Integer(run, "threads", where, 1), INT32_MAX));
  s.key.placement = r.String(run, "placement", where);
  s.repetition =
      static_cast<int>(std::min<int64_t>(r.Integer(run, "repetition", where, 1), INT32_MAX));
  s.status = r.String(run, "status", where);
  s.throughput = r.Number(run, "throughput_ops_per_s", where);
  const json& lat = r.Object(run, "latency_ns", where);
  auto read_mode = [&](const char* mode, uint64_t* count, double* p50, double* p99) {
    const json& m = r.Object(lat, mode, where + ".latency_ns");
    const std::string mw = where + ".latency_ns." + mode;
    *count = static_cast<uint64_t>(r.Integer(m, "count", mw, 0));
    *p50 = r.Number(m, "p50", mw);
    *p99 = r.Number(m, "p99", mw);
  };
  read_mode("shared", &s.shared_count, &s.shared_p50, &s.shared_p99);
  read_mode("exclusive", &s.exclusive_count, &s.exclusive_p50, &s.exclusive_p99);
  s.jain = r.Number(r.Object(run, "fairness", where), "jain_index", where + ".fairness");
  // A run may name its own invocation (a file that gathers runs of several); else the file's.
  if (run.contains("invocation")) {
    s.invocation = r.String(run, "invocation", where);
    if (s.invocation.empty()) r.Fail(where + ".invocation: expected a non-empty string");
  }
  // Optional: files written before bypass was measured have none.
  if (const auto h = run.find("handoff"); h != run.end() && h->is_object()) {
    if (const auto b = h->find("bypass"); b != h->end() && !b->is_null()) {
      const std::string bw = where + ".handoff.bypass";
      if (!b->is_object()) r.Fail(bw + ": expected an object or null");
      const json& ex = r.Object(*b, "exclusive", bw);
      s.bypass_waits = static_cast<uint64_t>(r.Integer(ex, "waited", bw + ".exclusive", 0));
      s.bypass_over_fifo = r.Number(ex, "over_fifo_bound", bw + ".exclusive");
    }
  }
  return s;
}

std::string ReadWholeFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CompareInputError(path + ": cannot read: " + std::strerror(errno));
  std::string text;
  char buf[1 << 16];
  for (;;) {
    // Bounded, so that /dev/zero or a runaway pipe is an error rather than all of memory.
    if (text.size() > kMaxFileBytes) {
      close(fd);
      throw CompareInputError(path + ": larger than " + std::to_string(kMaxFileBytes >> 20) +
                              " MiB; not a result file");
    }
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      close(fd);
      throw CompareInputError(path + ": cannot read: " + why);
    }
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

// ---- Comparison -----------------------------------------------------------------------------

// The metric's value in one run, or false when that run has none (no timed acquisition).
bool MetricValue(const RunSample& s, Metric m, double* out) {
  switch (m) {
    case Metric::kThroughput:
      *out = s.throughput;
      return true;
    case Metric::kSharedP50:
      *out = s.shared_p50;
      return s.shared_count > 0;
    case Metric::kSharedP99:
      *out = s.shared_p99;
      return s.shared_count > 0;
    case Metric::kExclusiveP50:
      *out = s.exclusive_p50;
      return s.exclusive_count > 0;
    case Metric::kExclusiveP99:
      *out = s.exclusive_p99;
      return s.exclusive_count > 0;
    case Metric::kJain:
      *out = s.jain;
      return true;
    case Metric::kBypass:
      *out = s.bypass_over_fifo;
      return s.bypass_waits > 0;
  }
  return false;
}

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
    if (k == "repetitions" || k == "description") continue;
    const json va = a.contains(k) ? a[k] : json();
    const json vb = b.contains(k) ? b[k] : json();
    if (va != vb) return k + " " + va.dump() + " vs " + vb.dump();
  }
  return "";
}

std::string CountedNoun(size_t n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

// ---- Rendering helpers ----------------------------------------------------------------------

std::string FormatValue(Metric m, double v) {
  switch (m) {
    case Metric::kThroughput:
      return Fixed(v / 1e6, 3) + " Mops/s";
    case Metric::kJain:
      return Fixed(v, 3);
    case Metric::kBypass:
      return Fixed(v * 100.0, 1) + "% over FIFO";
    default:
      return Fixed(v, 0) + " ns";
  }
}

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

std::string FormatAlpha(double alpha) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", alpha);
  return buf;
}

std::string FormatPercent(double fraction) {
  std::string s = Fixed(fraction * 100.0, 2);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + "%";
}

std::string VerdictLabel(Verdict v) {
  switch (v) {
    case Verdict::kRegression:
      return "REGRESSION";
    case Verdict::kImprovement:
      return "improvement";
    case Verdict::kWithinThreshold:
      return "same";
    case Verdict::kNotSignificant:
      return "not significant";
    case Verdict::kNoData:
      return "no data";
    case Verdict::kInconclusive:
      return "inconclusive";
  }
  return "";
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
  std::string metrics;
  for (Metric m : s.metrics) metrics += (metrics.empty() ? "" : ",") + std::string(MetricName(m));
  return "threshold " + FormatPercent(s.threshold) + ", alpha " + FormatAlpha(s.alpha) +
         " (correction " + std::string(CorrectionName(s.correction)) + "), metrics " + metrics;
}

std::string SummaryLine(const CompareReport& r) {
  size_t comparisons = 0;
  for (const RunComparison& c : r.compared) comparisons += c.metrics.size();
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
  for (const RunComparison& c : r.compared) {
    for (const MetricComparison& m : c.metrics) {
      const bool data = m.verdict != Verdict::kNoData;
      rows.push_back({{c.key.lock},
                      {c.key.workload},
                      {std::to_string(c.key.threads), true},
                      {c.key.placement},
                      {std::string(MetricName(m.metric))},
                      {data ? FormatValue(m.metric, m.baseline_median) : "-", true},
                      {data ? FormatValue(m.metric, m.candidate_median) : "-", true},
                      {data ? FormatChange(m.change) : "-", true},
                      {m.tested ? FormatP(m.p_value) : "-", true},
                      {m.tested ? FormatP(m.p_adjusted) : "-", true},
                      {m.tested ? FormatMde(m.mde) : "-", true},
                      {SampleSizes(m), true},
                      {VerdictLabel(m.verdict)}});
    }
  }
  out += RenderAligned(rows);
  bool weak = false;
  for (const RunComparison& c : r.compared) {
    for (const MetricComparison& m : c.metrics) weak = weak || (m.weak && m.tested);
  }
  out += "p adj: p adjusted for " + std::string(CorrectionName(r.settings.correction)) +
         "; mde: the smallest change the comparison could detect (power " +
         Fixed(r.settings.power * 100.0, 0) + "%); n: invocations baseline/new";
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
  for (const RunComparison& c : r.compared) {
    for (const MetricComparison& m : c.metrics) {
      const bool data = m.verdict != Verdict::kNoData;
      std::string verdict = VerdictLabel(m.verdict);
      if (m.verdict == Verdict::kRegression) verdict = "**regression**";
      if (m.verdict == Verdict::kImprovement) verdict = "**improvement**";
      out += "| " + MarkdownEscape(c.key.lock) + " | " + MarkdownEscape(c.key.workload) + " | " +
             std::to_string(c.key.threads) + " | " + MarkdownEscape(c.key.placement) + " | " +
             std::string(MetricName(m.metric)) + " | " +
             (data ? FormatValue(m.metric, m.baseline_median) : "-") + " | " +
             (data ? FormatValue(m.metric, m.candidate_median) : "-") + " | " +
             (data ? FormatChange(m.change) : "-") + " | " +
             (m.tested ? FormatP(m.p_value) : "-") + " | " +
             (m.tested ? FormatP(m.p_adjusted) : "-") + " | " +
             (m.tested ? FormatMde(m.mde) : "-") + " | " + SampleSizes(m) + " | " + verdict +
             " |\n";
    }
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
  return {{"lock", k.lock},
          {"workload", k.workload},
          {"threads", k.threads},
          {"placement", k.placement}};
}

}  // namespace

// ---- Metrics and settings -------------------------------------------------------------------

std::string_view MetricName(Metric metric) { return Def(metric).name; }
bool HigherIsBetter(Metric metric) { return Def(metric).higher_is_better; }

std::vector<Metric> ParseMetricList(std::string_view list) {
  std::string names;
  for (const MetricDef& d : kMetrics) names += (names.empty() ? "" : ", ") + std::string(d.name);
  std::vector<Metric> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = list.find(',', start);
    const std::string name =
        Trim(list.substr(start, comma == std::string_view::npos ? list.npos : comma - start));
    const MetricDef* found = nullptr;
    for (const MetricDef& d : kMetrics) {
      if (name == d.name) found = &d;
    }
    if (found == nullptr) {
      throw CompareInputError(
          (name.empty() ? std::string("empty metric name") : "'" + name + "' is not a metric") +
          "; use one or more of " + names + ", comma-separated");
    }
    if (std::find(out.begin(), out.end(), found->metric) == out.end()) out.push_back(found->metric);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

double ParseThreshold(std::string_view text) {
  const std::string t = Trim(text);
  const std::string allowed = "; use a fraction below 1 or a percentage, e.g. 0.05 or 5%";
  double v = 0.0;
  if (!t.empty() && t.back() == '%') {
    if (!ParseDouble(Trim(t.substr(0, t.size() - 1)), &v) || v < 0.0) {
      throw CompareInputError("'" + t + "' is not a threshold" + allowed);
    }
    return v / 100.0;
  }
  if (!ParseDouble(t, &v) || v < 0.0) {
    throw CompareInputError("'" + t + "' is not a threshold" + allowed);
  }
  if (v >= 1.0) {
    throw CompareInputError("'" + t + "' is ambiguous (a fraction of " + t + " is " +
                            FormatPercent(v) + ")" + allowed);
  }
  return v;
}

double ParseAlpha(std::string_view text) {
  const std::string t = Trim(text);
  double v = 0.0;
  if (!ParseDouble(t, &v) || !(v > 0.0 && v < 1.0)) {
    throw CompareInputError(
        "'" + t + "' is not a significance level; use a number between 0 and 1, e.g. 0.05");
  }
  return v;
}

std::string DescribeRunKey(const RunKey& key) {
  return key.lock + " " + key.workload + " " + std::to_string(key.threads) +
         (key.threads == 1 ? " thread " : " threads ") + key.placement;
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kRegression:
      return "regression";
    case Verdict::kImprovement:
      return "improvement";
    case Verdict::kWithinThreshold:
      return "within_threshold";
    case Verdict::kNotSignificant:
      return "not_significant";
    case Verdict::kNoData:
      return "no_data";
    case Verdict::kInconclusive:
      return "inconclusive";
  }
  return "";
}

constexpr std::pair<Correction, std::string_view> kCorrections[] = {
    {Correction::kHolm, "holm"},
    {Correction::kBenjaminiHochberg, "bh"},
    {Correction::kNone, "none"},
};

Correction ParseCorrection(std::string_view text) {
  const std::string t = Trim(text);
  for (const auto& [correction, name] : kCorrections) {
    if (t == name) return correction;
  }
  throw CompareInputError("'" + t + "' is not a correction; use holm, bh or none");
}

std::string_view CorrectionName(Correction correction) {
  for (const auto& [c, name] : kCorrections) {
    if (c == correction) return name;
  }
  return "";
}

// ---- Reading --------------------------------------------------------------------------------

ResultFile ParseResultFile(const std::string& path, const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw CompareInputError(path + ": empty file, not a result file");
  }
  json doc;
  try {
    // Result files nest under ten levels; far deeper is not one, and printing or comparing
    // such values would recurse off the stack.
    doc = json::parse(text, [&path](int depth, json::parse_event_t, json&) {
      if (depth > kMaxNesting) {
        throw CompareInputError(path + ": JSON nested deeper than " +
                                std::to_string(kMaxNesting) + " levels; not a result file");
      }
      return true;
    });
  } catch (const json::exception& e) {
    // parse_error, or out_of_range for a number beyond double ("1e400").
    throw CompareInputError(
        path + ": not valid JSON (truncated or not a result file): " + ParseErrorText(e.what()));
  }
  const FieldReader r(path);
  if (!doc.is_object()) r.Fail("expected a JSON object with schema_version, context and runs");
  ResultFile f;
  f.path = path;
  const int64_t version = r.Integer(doc, "schema_version", "", 0);
  if (version != kSchemaVersion) {
    r.Fail("schema_version " + std::to_string(version) +
           " is not supported (this lockbench reads schema_version " +
           std::to_string(kSchemaVersion) +
           "); compare files written by the same lockbench version");
  }
  f.schema_version = static_cast<int>(version);
  const json& context = r.Object(doc, "context", "");
  f.cpu_model = r.String(context, "cpu_model", "context");
  f.topology = r.String(context, "topology", "context");
  if (const auto it = context.find("build_type"); it != context.end() && it->is_string()) {
    f.build_type = it->get<std::string>();
  }
  if (const auto it = doc.find("config"); it != doc.end() && it->is_object()) {
    if (const auto w = it->find("workload"); w != it->end() && w->is_object()) {
      f.workload_config = *w;
    }
  }
  const json& runs = r.Field(doc, "runs", "");
  if (!runs.is_array()) {
    r.Fail("runs: expected an array of runs, got " + std::string(runs.type_name()));
  }
  if (runs.empty()) r.Fail("runs is empty: the file holds no measurements");
  f.invocation = path;
  if (const auto it = context.find("invocation"); it != context.end()) {
    if (!it->is_string() || it->get<std::string>().empty()) {
      r.Fail("context.invocation: expected a non-empty string");
    }
    f.invocation = it->get<std::string>();
  }
  f.runs.reserve(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    f.runs.push_back(ReadRun(r, runs[i], i));
    if (f.runs.back().invocation.empty()) f.runs.back().invocation = f.invocation;
  }
  return f;
}

std::vector<ResultFile> LoadResultPath(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw CompareInputError(path + ": does not exist");
    throw CompareInputError(path + ": cannot read: " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return {ParseResultFile(path, ReadWholeFile(path))};

  std::vector<std::string> names;
  std::error_code ec;
  std::filesystem::directory_iterator it(path, ec), end;
  if (ec) throw CompareInputError(path + ": cannot read directory: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw CompareInputError(path + ": cannot read directory: " + ec.message());
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (name.size() > 5 && name.ends_with(".json") && it->is_regular_file(type_ec)) {
      names.push_back(name);
    }
  }
  if (names.empty()) throw CompareInputError(path + ": no *.json result files in this directory");
  std::sort(names.begin(), names.end());
  std::vector<ResultFile> files;
  const std::string dir = path.ends_with('/') ? path : path + "/";
  for (const std::string& name : names) {
    const std::string file = dir + name;
    files.push_back(ParseResultFile(file, ReadWholeFile(file)));
  }
  return files;
}

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
  std::string what;
  for (const auto& [status, n] : bad) {
    what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + status;
  }
  return DescribeRunKey(key) + ": " + side + " has " + std::to_string(total) + " of " +
         std::to_string(runs.size()) + " repetitions not ok (" + what + "); they are left out";
}

// Each side's values (one per invocation), medians, change and raw p; the verdict waits for the
// family's adjusted p-values (FinishVerdicts).
MetricComparison CompareMetric(const Group& g, Metric metric) {
  MetricComparison mc;
  mc.metric = metric;
  for (int s = 0; s < 2; ++s) {
    // Invocations in order of first appearance, each with its usable values.
    std::vector<std::pair<std::string, std::vector<double>>> invocations;
    for (const RunSample* run : g.runs[s]) {
      double v = 0.0;
      if (run->status != "ok" || !MetricValue(*run, metric, &v)) continue;
      auto it = std::find_if(invocations.begin(), invocations.end(),
                             [&](const auto& i) { return i.first == run->invocation; });
      if (it == invocations.end()) it = invocations.insert(invocations.end(), {run->invocation, {}});
      it->second.push_back(v);
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
      const double worse = HigherIsBetter(m.metric) ? -m.change : m.change;
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
      if (untested++ == 0) example = DescribeRunKey(c.key) + " " + std::string(MetricName(m.metric));
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
                                                              std::string(MetricName(m.metric)));
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
           FormatAlpha(alpha) + ", so no change can be called significant";
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
    for (Metric metric : settings.metrics) rc.metrics.push_back(CompareMetric(g, metric));
    report.compared.push_back(std::move(rc));
  }
  FinishVerdicts(settings, &report.compared);
  Append(&report.warnings, UntestedWarnings(report.compared));
  Append(&report.warnings, WeakTestWarnings(report.compared, settings.alpha));

  if (report.compared.empty()) {
    throw CompareInputError("no run in " + baseline.label + " matches a run in " + candidate.label +
                            " by lock, workload, threads and placement (" +
                            std::to_string(report.only_in_baseline.size()) + " only in baseline, " +
                            std::to_string(report.only_in_candidate.size()) + " only in new)");
  }
  return report;
}

// ---- Reporting ------------------------------------------------------------------------------

json CompareReportToJson(const CompareReport& r) {
  json out;
  out["baseline"] = {
      {"path", r.baseline_label}, {"files", r.baseline_files}, {"runs", r.baseline_runs}};
  out["new"] = {
      {"path", r.candidate_label}, {"files", r.candidate_files}, {"runs", r.candidate_runs}};
  json metrics = json::array();
  for (Metric m : r.settings.metrics) metrics.push_back(MetricName(m));
  out["metrics"] = metrics;
  out["threshold"] = r.settings.threshold;
  out["alpha"] = r.settings.alpha;
  out["correction"] = CorrectionName(r.settings.correction);
  out["power"] = r.settings.power;
  json comparisons = json::array();
  for (const RunComparison& c : r.compared) {
    for (const MetricComparison& m : c.metrics) {
      json j = KeyToJson(c.key);
      j["metric"] = MetricName(m.metric);
      j["higher_is_better"] = HigherIsBetter(m.metric);
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
      j["verdict"] = VerdictName(m.verdict);
      comparisons.push_back(std::move(j));
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
      lines.push_back(DescribeRunKey(c.key) + ": " + std::string(MetricName(m.metric)) + " " +
                      FormatChange(m.change) + " (" + FormatValue(m.metric, m.baseline_median) +
                      " -> " + FormatValue(m.metric, m.candidate_median) +
                      ", p=" + FormatP(m.p_value) + ", adjusted " + FormatP(m.p_adjusted) + ", " +
                      std::to_string(m.baseline.size()) + " vs " +
                      std::to_string(m.candidate.size()) + " invocations)");
    }
  }
  return lines;
}

}  // namespace lockbench
