#include "workloads/workload_spec.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/enum_names.h"
#include "base/strings.h"
#include "workloads/internal/preset_texts.h"
#include "workloads/samplers.h"

namespace lockbench {

using nlohmann::json;

struct FieldError {
  const std::string& field;
  const std::string& origin;

  // "--shared-cs: ..." for flags, "workload FILE: field 'shared_cs': ..." for files.
  [[noreturn]] void Fail(const std::string& what) const {
    if (origin.empty()) throw SpecError(FlagForField(field) + ": " + what);
    throw SpecError("workload " + origin + ": field '" + field + "': " + what);
  }
};

namespace {

std::string TypeName(const json& v) { return v.type_name(); }

constexpr uint64_t kMaxProtectedBytes = uint64_t{1} << 30;

uint64_t GetDuration(const json& v, const FieldError& err, uint64_t min_ns) {
  uint64_t ns = 0;
  if (!v.is_number_unsigned() || v.get<uint64_t>() != 0) {
    if (!v.is_string()) err.Fail("expected a duration string like \"200ns\" or \"1.5s\", got " + TypeName(v));
    try {
      ns = ParseDurationNs(v.get<std::string>());
    } catch (const SpecError& e) {
      err.Fail(e.what());
    }
  }
  if (ns < min_ns) {
    err.Fail("'" + (v.is_string() ? v.get<std::string>() : v.dump()) + "' is too short; at least " +
             FormatDurationNs(min_ns));
  }
  return ns;
}

int64_t GetInt(const json& v, const FieldError& err, int64_t lo, int64_t hi) {
  const std::string range = "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
  int64_t x = 0;
  if (v.is_number_integer()) {
    x = v.get<int64_t>();
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) x = INT64_MAX;
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (!s.empty() && s[0] == '-') err.Fail("'" + s + "' is out of range; expected " + range);
    try {
      const uint64_t u = ParseCount(s, static_cast<uint64_t>(hi));
      x = static_cast<int64_t>(u);
    } catch (const SpecError& e) {
      err.Fail(std::string(e.what()));
    }
  } else {
    err.Fail("expected " + range + ", got " + TypeName(v));
  }
  if (x < lo || x > hi) err.Fail(std::to_string(x) + " is out of range; expected " + range);
  return x;
}

// A real number from 0 to `hi`, as a JSON number or a string.
double GetNumber(const json& v, const FieldError& err, int hi) {
  const std::string range = "0 to " + std::to_string(hi);
  double x = 0;
  if (v.is_number()) {
    x = v.get<double>();
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    char* end = nullptr;
    x = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) err.Fail("'" + s + "' is not a number; expected " + range);
  } else {
    err.Fail("expected a number from " + range + ", got " + TypeName(v));
  }
  if (!(x >= 0 && x <= hi)) err.Fail(std::to_string(x) + " is out of range; expected " + range);
  return x;
}

// true or false, as a JSON boolean or the string a flag gives.
bool GetBool(const json& v, const FieldError& err) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string() && (v == "true" || v == "false")) return v == "true";
  err.Fail("expected true or false, got " + (v.is_string() ? "'" + v.get<std::string>() + "'" : TypeName(v)));
}

template <class E, std::size_t N>
E GetEnum(const json& v, const FieldError& err, const NamedValue<E> (&names)[N]) {
  const std::vector<std::string> allowed = NamesOf(names);
  const std::string joined = Join(allowed);
  if (!v.is_string()) err.Fail("expected one of " + joined + ", got " + TypeName(v));
  const std::string s = v.get<std::string>();
  if (const std::optional<E> e = ValueNamed(names, s)) return *e;
  err.Fail("unknown value '" + s + "'" + DidYouMean(s, allowed) + "; allowed: " + joined);
}

constexpr NamedValue<ThinkKind> kThinkNames[] = {{ThinkKind::kNone, "none"},
                                                  {ThinkKind::kFixed, "fixed"},
                                                  {ThinkKind::kUniform, "uniform"},
                                                  {ThinkKind::kExponential, "exponential"},
                                                  {ThinkKind::kEmpirical, "empirical"}};
constexpr NamedValue<ArrivalKind> kArrivalNames[] = {{ArrivalKind::kPoisson, "poisson"},
                                                     {ArrivalKind::kFixed, "fixed"}};
constexpr NamedValue<LockChoice> kChoiceNames[] = {{LockChoice::kOne, "one"},
                                                   {LockChoice::kUniform, "uniform"},
                                                   {LockChoice::kZipf, "zipf"},
                                                   {LockChoice::kWeights, "weights"}};

template <class E, std::size_t N>
std::string EnumName(E e, const NamedValue<E> (&names)[N]) {
  return NameOf(names, e);
}

// Parses JSON text, refusing a key repeated within one object: a JSON reader would silently keep
// only one of the two values. Throws SpecError, its message prefixed with `prefix`.
json ParseStrictJson(const std::string& text, const std::string& prefix) {
  // Keys seen in each object being read, innermost last.
  std::vector<std::set<std::string>> keys;
  try {
    return json::parse(text, [&](int, json::parse_event_t event, json& parsed) {
      if (event == json::parse_event_t::object_start) keys.emplace_back();
      if (event == json::parse_event_t::object_end) keys.pop_back();
      if (event == json::parse_event_t::key && !keys.back().insert(parsed.get<std::string>()).second) {
        throw SpecError(prefix + "field '" + parsed.get<std::string>() +
                        "' appears twice; give each field once");
      }
      return true;
    });
  } catch (const json::exception& e) {
    // parse_error, or out_of_range for a number beyond double ("1e400").
    std::string what = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] "; keep the part a user can act on.
    const size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    throw SpecError(prefix + "malformed JSON: " + what);
  }
}

// ---- the forms that describe a real program: empirical distributions, per-instance lists ----

constexpr std::string_view kDistributionForm =
    "{\"distribution\": \"empirical\", \"quantiles_ns\": [q0, ..., qK]}";

// A flag's text that holds a JSON object ("{...}") as that object; any other value as it is.
json ObjectFromFlagText(const json& v, const FieldError& err) {
  if (!v.is_string()) return v;
  const std::string text(Trim(v.get<std::string>()));
  if (text.empty() || text.front() != '{') return v;
  try {
    return ParseStrictJson(text, "");
  } catch (const SpecError& e) {
    err.Fail(e.what());
  }
}

// The checked quantiles of {"distribution": "empirical", "quantiles_ns": [q0, ..., qK]}: whole
// nanoseconds (a fraction is rounded), q0 the minimum, qK the maximum, none below the one before,
// none above the limit of every duration field.
std::vector<uint64_t> GetQuantiles(const json& object, const FieldError& err) {
  const std::string form(kDistributionForm);
  const std::vector<std::string> keys = {"distribution", "quantiles_ns"};
  for (const auto& [key, value] : object.items()) {
    if (key != keys[0] && key != keys[1]) {
      err.Fail("unknown key '" + key + "'" + DidYouMean(key, keys) + "; expected " + form);
    }
  }
  if (!object.contains("distribution")) err.Fail("no \"distribution\"; expected " + form);
  const json& kind = object["distribution"];
  if (kind != "empirical") {
    err.Fail("unknown distribution " +
             (kind.is_string() ? "'" + kind.get<std::string>() + "'" : TypeName(kind)) +
             "; allowed: empirical");
  }
  if (!object.contains("quantiles_ns")) err.Fail("no \"quantiles_ns\"; expected " + form);
  const json& list = object["quantiles_ns"];
  if (!list.is_array()) {
    err.Fail("quantiles_ns: expected a list of nanoseconds, got " + TypeName(list));
  }
  if (list.empty()) {
    err.Fail("quantiles_ns is empty; expected q0 (the minimum) to qK (the maximum), e.g. 101 values");
  }
  if (list.size() > kMaxQuantiles) {
    err.Fail("quantiles_ns has " + std::to_string(list.size()) + " values; at most " +
             std::to_string(kMaxQuantiles));
  }
  std::vector<uint64_t> quantiles;
  double previous = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const json& q = list[i];
    const std::string at = "quantiles_ns[" + std::to_string(i) + "]";
    if (!q.is_number()) err.Fail(at + ": expected a number of nanoseconds, got " + TypeName(q));
    const double ns = q.get<double>();
    if (ns < 0) err.Fail(at + " = " + q.dump() + " is negative");
    if (ns > static_cast<double>(kMaxDurationNs)) {
      err.Fail(at + " = " + q.dump() + " is above the limit of 1 day (" +
               std::to_string(kMaxDurationNs) + " ns)");
    }
    if (i > 0 && ns < previous) {
      err.Fail(at + " = " + q.dump() + " is below quantiles_ns[" + std::to_string(i - 1) +
               "] = " + list[i - 1].dump() + "; quantiles must not decrease");
    }
    previous = ns;
    quantiles.push_back(static_cast<uint64_t>(std::llround(ns)));
  }
  return quantiles;
}

json DistributionJson(const std::vector<uint64_t>& quantiles) {
  return json{{"distribution", "empirical"}, {"quantiles_ns", quantiles}};
}

// A duration field that may also be an empirical distribution: a duration string (or 0) makes it
// fixed, the distribution object (or a flag's text of one) sets its quantiles (Q) and its mean (M).
template <auto M, auto Q>
void ParseDurationOrDistribution(const json& v, const FieldError& err, WorkloadSpec* spec) {
  const json value = ObjectFromFlagText(v, err);
  if (value.is_object()) {
    std::vector<uint64_t> quantiles = GetQuantiles(value, err);
    spec->*M = static_cast<uint64_t>(std::llround(EmpiricalMean(quantiles)));
    spec->*Q = std::move(quantiles);
    return;
  }
  if (!value.is_string() && !(value.is_number_unsigned() && value.get<uint64_t>() == 0)) {
    err.Fail("expected a duration string like \"200ns\" or \"1.5s\", or " +
             std::string(kDistributionForm) + ", got " + TypeName(value));
  }
  spec->*M = GetDuration(value, err, 0);
  (spec->*Q).clear();
}

template <auto M, auto Q>
std::optional<json> FormatDurationOrDistribution(const WorkloadSpec& spec) {
  if ((spec.*Q).empty()) return FormatDurationNs(spec.*M);
  return DistributionJson(spec.*Q);
}

// think_time: the distribution only with think empirical; any other kind takes the mean.
std::optional<json> FormatThinkTime(const WorkloadSpec& spec) {
  if (spec.think == ThinkKind::kEmpirical) return DistributionJson(spec.think_quantiles_ns);
  return FormatDurationNs(spec.think_ns);
}

// One number per lock instance, each from 0 to `hi`: a JSON array, or a flag's comma-separated
// text ("1,0,3"). `what` names one entry in messages ("weight").
std::vector<double> GetInstanceList(const json& v, const FieldError& err, const std::string& what,
                                    double hi) {
  const std::string allowed = "a list with one " + what + " per lock instance, like [1, 0, 3] "
                              "or \"1,0,3\"";
  std::vector<json> items;
  if (v.is_array()) {
    items.assign(v.begin(), v.end());
  } else if (v.is_string()) {
    const std::string text = v.get<std::string>();
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
      items.emplace_back(std::string(Trim(item)));
    }
    if (!text.empty() && text.back() == ',') items.emplace_back("");
  } else {
    err.Fail("expected " + allowed + ", got " + TypeName(v));
  }
  if (items.empty()) err.Fail("empty list; expected " + allowed);
  if (items.size() > static_cast<size_t>(kMaxLockInstances)) {
    err.Fail(std::to_string(items.size()) + " entries; at most " +
             std::to_string(kMaxLockInstances) + ", one per lock instance");
  }
  std::vector<double> out;
  for (size_t i = 0; i < items.size(); ++i) {
    const json& item = items[i];
    const std::string at = err.field + "[" + std::to_string(i) + "]";
    double x = 0;
    if (item.is_number()) {
      x = item.get<double>();
    } else if (item.is_string()) {
      const std::string s = item.get<std::string>();
      char* end = nullptr;
      x = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) {
        err.Fail(at + " = '" + s + "' is not a number; expected " + allowed);
      }
    } else {
      err.Fail(at + ": expected a number, got " + TypeName(item));
    }
    const std::string shown = item.is_string() ? item.get<std::string>() : item.dump();
    if (!(x >= 0)) err.Fail(at + " = " + shown + " is negative; a " + what + " is 0 or more");
    if (!(x <= hi)) {
      err.Fail(at + " = " + shown + " is above " + Fixed(hi, 0) + "; expected 0 to " + Fixed(hi, 0));
    }
    out.push_back(x);
  }
  return out;
}

constexpr double kMaxWeight = 1e12;

void ParseLockWeights(const json& v, const FieldError& err, WorkloadSpec* spec) {
  std::vector<double> weights = GetInstanceList(v, err, "weight", kMaxWeight);
  if (std::all_of(weights.begin(), weights.end(), [](double w) { return w == 0; })) {
    err.Fail("every weight is 0; at least one lock instance needs a weight above 0");
  }
  spec->lock_weights = std::move(weights);
}

void ParseLockReadRatios(const json& v, const FieldError& err, WorkloadSpec* spec) {
  spec->lock_read_ratios = GetInstanceList(v, err, "read ratio", 1);
}

// recorded_from: {command, date, host, lockbench_commit, lock: text; coverage: 0..1;
// recorded: {exclusive|shared: {figure: number >= 0}}}, nothing else, so that a typo is caught.
void ParseRecordedFrom(const json& v, const FieldError& err, WorkloadSpec* spec) {
  if (!v.is_object()) err.Fail("expected an object (command, date, host, ...), got " + TypeName(v));
  const auto is_text = [](const std::string& key) {
    return std::find(std::begin(kRecordedFromText), std::end(kRecordedFromText), key) !=
           std::end(kRecordedFromText);
  };
  for (const auto& [key, value] : v.items()) {
    if (is_text(key)) {
      if (!value.is_string()) err.Fail("'" + key + "': expected a string, got " + TypeName(value));
    } else if (key == "coverage") {
      if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1) {
        err.Fail("'coverage': expected a fraction from 0 to 1");
      }
    } else if (key == "recorded") {
      if (!value.is_object()) err.Fail("'recorded': expected an object, got " + TypeName(value));
      for (const auto& [mode, figures] : value.items()) {
        if (mode != "exclusive" && mode != "shared") {
          err.Fail("'recorded': unknown mode '" + mode + "' (allowed: exclusive, shared)");
        }
        if (!figures.is_object()) {
          err.Fail("'recorded." + mode + "': expected an object, got " + TypeName(figures));
        }
        for (const auto& [name, n] : figures.items()) {
          if (std::find(std::begin(kRecordedFigures), std::end(kRecordedFigures), name) ==
              std::end(kRecordedFigures)) {
            err.Fail("'recorded." + mode + "': unknown figure '" + name + "'");
          }
          if (!n.is_number() || n.get<double>() < 0) {
            err.Fail("'recorded." + mode + "." + name + "': expected a number >= 0");
          }
        }
      }
    } else {
      err.Fail("unknown member '" + key +
               "' (allowed: command, date, host, lockbench_commit, lock, coverage, recorded)");
    }
  }
  spec->recorded_from = v;
}

std::optional<json> FormatRecordedFrom(const WorkloadSpec& spec) {
  if (spec.recorded_from.is_null()) return std::nullopt;
  return spec.recorded_from;
}

// Only where lock_choice uses them.
std::optional<json> FormatLockWeights(const WorkloadSpec& spec) {
  if (spec.lock_choice != LockChoice::kWeights) return std::nullopt;
  return spec.lock_weights;
}

std::optional<json> FormatLockReadRatios(const WorkloadSpec& spec) {
  if (spec.lock_read_ratios.empty()) return std::nullopt;
  return spec.lock_read_ratios;
}

// Every thread count of a sweep is planned up front and then run in turn: a longer list is a
// mistake, and planning a huge one would exhaust memory before the first run.
constexpr size_t kMaxSweep = 256;

std::string TooManyCounts(size_t n) {
  return std::to_string(n) + " thread counts; a sweep has at most " + std::to_string(kMaxSweep);
}

void ApplyThreads(const json& v, const FieldError& err, WorkloadSpec* spec) {
  const std::string allowed = "a count from 1 to " + std::to_string(kMaxThreads) +
                              ", a list like 1,2,4,8, or a per-core count like \"4/core\"";
  spec->threads_per_core = 0;
  if (v.is_number()) {
    if (!v.is_number_integer()) err.Fail("expected " + allowed + ", got a fraction");
    spec->threads = {static_cast<int>(GetInt(v, err, 1, kMaxThreads))};
    return;
  }
  if (v.is_array()) {
    if (v.empty()) err.Fail("empty list; expected " + allowed);
    if (v.size() > kMaxSweep) err.Fail(TooManyCounts(v.size()));
    spec->threads.clear();
    for (const json& item : v) spec->threads.push_back(static_cast<int>(GetInt(item, err, 1, kMaxThreads)));
    return;
  }
  if (!v.is_string()) err.Fail("expected " + allowed + ", got " + TypeName(v));
  const std::string s = v.get<std::string>();
  if (s.size() > 5 && s.ends_with("/core")) {
    uint64_t n = 0;
    try {
      n = ParseCount(s.substr(0, s.size() - 5), 64);
    } catch (const SpecError& e) {
      err.Fail(e.what());
    }
    if (n == 0) err.Fail("'" + s + "' is out of range; expected " + allowed);
    spec->threads_per_core = static_cast<int>(n);
    spec->threads = {};
    return;
  }
  std::vector<uint64_t> list;
  try {
    list = ParseIntList(s, kMaxThreads);
  } catch (const SpecError& e) {
    err.Fail(std::string(e.what()) + "; expected " + allowed);
  }
  if (list.size() > kMaxSweep) err.Fail(TooManyCounts(list.size()));
  spec->threads.clear();
  for (uint64_t n : list) {
    if (n == 0) err.Fail("0 threads is out of range; expected " + allowed);
    spec->threads.push_back(static_cast<int>(n));
  }
}

// One rate: "500k/s", "2M/s", "200000/s", "200000" or a JSON number: requests per second,
// above 0 and at most kMaxArrivalRate.
double ParseOneRate(const json& v, const FieldError& err, const std::string& allowed) {
  double rate = 0;
  if (v.is_number()) {
    rate = v.get<double>();
  } else if (v.is_string()) {
    const std::string text = v.get<std::string>();
    std::string s(Trim(text));
    if (s.ends_with("/s")) s.resize(s.size() - 2);
    double scale = 1;
    if (!s.empty() && (s.back() == 'k' || s.back() == 'M' || s.back() == 'G')) {
      scale = s.back() == 'k' ? 1e3 : s.back() == 'M' ? 1e6 : 1e9;
      s.pop_back();
    }
    char* end = nullptr;
    rate = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isdigit(static_cast<unsigned char>(s[0]))) {
      if (!s.empty() && s[0] == '-') err.Fail("'" + text + "' is negative; expected " + allowed);
      err.Fail("'" + text + "' is not a rate; expected " + allowed);
    }
    rate *= scale;
  } else {
    err.Fail("expected " + allowed + ", got " + TypeName(v));
  }
  const std::string shown = v.is_string() ? v.get<std::string>() : v.dump();
  if (!(rate > 0)) err.Fail("'" + shown + "' is not above 0; expected " + allowed);
  if (rate > kMaxArrivalRate) err.Fail("'" + shown + "' is above the limit of 1G/s");
  return rate;
}

// A rate, a sweep list of rates ("100k/s,200k/s,400k/s" or a JSON array), each as ParseOneRate.
void ParseArrivalRate(const json& v, const FieldError& err, WorkloadSpec* spec) {
  const std::string allowed = "a rate above 0 like 500k/s, 2M/s or 200000 (per second, over all "
                              "threads), or a list like 100k/s,200k/s; leave it out for a closed "
                              "loop";
  std::vector<json> items;
  if (v.is_array()) {
    items.assign(v.begin(), v.end());
  } else if (v.is_string()) {
    std::stringstream in(v.get<std::string>());
    for (std::string item; std::getline(in, item, ',');) items.emplace_back(item);
    if (!v.get<std::string>().empty() && v.get<std::string>().back() == ',') items.emplace_back("");
  } else {
    items.push_back(v);
  }
  if (items.empty()) err.Fail("empty list; expected " + allowed);
  if (items.size() > kMaxSweep) {
    err.Fail(std::to_string(items.size()) + " rates; a sweep has at most " +
             std::to_string(kMaxSweep));
  }
  std::vector<double> rates;
  for (const json& item : items) {
    const double rate = ParseOneRate(item, err, allowed);
    if (std::find(rates.begin(), rates.end(), rate) != rates.end()) {
      err.Fail("'" + (item.is_string() ? item.get<std::string>() : item.dump()) +
               "' is listed twice");
    }
    rates.push_back(rate);
  }
  spec->arrival_rates = std::move(rates);
}

// Open-loop fields appear only in open-loop workloads.
std::optional<json> FormatArrivalRate(const WorkloadSpec& spec) {
  if (!spec.OpenLoop()) return std::nullopt;
  // One rate reads as a number, as before sweeps of rates.
  if (spec.arrival_rates.size() == 1) return spec.arrival_rates.front();
  return spec.arrival_rates;
}

std::optional<json> FormatArrival(const WorkloadSpec& spec) {
  if (!spec.OpenLoop()) return std::nullopt;
  return EnumName(spec.arrival, kArrivalNames);
}

std::optional<json> FormatThreads(const WorkloadSpec& spec) {
  // Dedicated roles fix the thread count; "threads" beside them would not read back.
  if (spec.threads_per_core > 0) return std::to_string(spec.threads_per_core) + "/core";
  if (spec.DedicatedRoles()) return std::nullopt;
  return spec.threads;
}

// Parsers and formatters for the rows below, by the member they read or write.
template <auto M>
using MemberOf = std::remove_cvref_t<decltype(std::declval<WorkloadSpec&>().*M)>;

template <auto M>
void ParseText(const json& v, const FieldError& err, WorkloadSpec* spec) {
  if (!v.is_string()) err.Fail("expected a string, got " + TypeName(v));
  spec->*M = v.get<std::string>();
}

template <auto M, int64_t kLo, int64_t kHi>
void ParseWhole(const json& v, const FieldError& err, WorkloadSpec* spec) {
  spec->*M = static_cast<MemberOf<M>>(GetInt(v, err, kLo, kHi));
}

template <auto M, int kHi>
void ParseNumber(const json& v, const FieldError& err, WorkloadSpec* spec) {
  spec->*M = GetNumber(v, err, kHi);
}

template <auto M, uint64_t kMinNs = 0>
void ParseDuration(const json& v, const FieldError& err, WorkloadSpec* spec) {
  spec->*M = GetDuration(v, err, kMinNs);
}

template <auto M>
void ParseBool(const json& v, const FieldError& err, WorkloadSpec* spec) {
  spec->*M = GetBool(v, err);
}

template <auto M, const auto& kNames>
void ParseEnum(const json& v, const FieldError& err, WorkloadSpec* spec) {
  spec->*M = GetEnum(v, err, kNames);
}

template <auto M>
std::optional<json> FormatPlain(const WorkloadSpec& spec) {
  return json(spec.*M);
}

// Only with dedicated roles (kDedicated) or only without them.
template <auto M, bool kDedicated>
std::optional<json> FormatForRoles(const WorkloadSpec& spec) {
  if (spec.DedicatedRoles() != kDedicated) return std::nullopt;
  return json(spec.*M);
}

template <auto M>
std::optional<json> FormatDuration(const WorkloadSpec& spec) {
  return FormatDurationNs(spec.*M);
}

template <auto M, const auto& kNames>
std::optional<json> FormatEnum(const WorkloadSpec& spec) {
  return EnumName(spec.*M, kNames);
}

using W = WorkloadSpec;

// Every workload field, in documentation order.
constexpr WorkloadField kFields[] = {
    {"name", "", "", ParseText<&W::name>, FormatPlain<&W::name>},
    {"description", "", "", ParseText<&W::description>, FormatPlain<&W::description>},
    {"threads", "--threads", "thread count, sweep list (1,2,4,8) or per core (4/core)",
     ApplyThreads, FormatThreads},
    {"readers", "--readers", "dedicated reader threads (with --writers)",
     ParseWhole<&W::readers, 0, kMaxThreads>, FormatForRoles<&W::readers, true>},
    {"writers", "--writers", "dedicated writer threads (with --readers)",
     ParseWhole<&W::writers, 0, kMaxThreads>, FormatForRoles<&W::writers, true>},
    {"read_ratio", "--read-ratio", "mixed roles: fraction of acquisitions made shared, 0..1",
     ParseNumber<&W::read_ratio, 1>, FormatForRoles<&W::read_ratio, false>},
    {"shared_cs", "--shared-cs",
     "critical-section length in shared mode (busy work), e.g. 200ns, or an empirical "
     "distribution {\"distribution\": \"empirical\", \"quantiles_ns\": [...]}",
     ParseDurationOrDistribution<&W::shared_cs_ns, &W::shared_cs_quantiles_ns>,
     FormatDurationOrDistribution<&W::shared_cs_ns, &W::shared_cs_quantiles_ns>},
    {"exclusive_cs", "--exclusive-cs",
     "critical-section length in exclusive mode, e.g. 1us, or an empirical distribution",
     ParseDurationOrDistribution<&W::exclusive_cs_ns, &W::exclusive_cs_quantiles_ns>,
     FormatDurationOrDistribution<&W::exclusive_cs_ns, &W::exclusive_cs_quantiles_ns>},
    {"shared_lines", "--shared-lines", "cache lines of protected data read in shared mode",
     ParseWhole<&W::shared_lines, 0, kMaxLines>, FormatPlain<&W::shared_lines>},
    {"exclusive_lines", "--exclusive-lines", "cache lines of protected data written in exclusive mode",
     ParseWhole<&W::exclusive_lines, 0, kMaxLines>, FormatPlain<&W::exclusive_lines>},
    {"think", "--think",
     "think time between acquisitions: none, fixed, uniform, exponential, empirical",
     ParseEnum<&W::think, kThinkNames>, FormatEnum<&W::think, kThinkNames>},
    {"think_time", "--think-time",
     "mean think time, e.g. 500ns; for think empirical, the distribution {\"distribution\": "
     "\"empirical\", \"quantiles_ns\": [...]}",
     ParseDurationOrDistribution<&W::think_ns, &W::think_quantiles_ns>, FormatThinkTime},
    {"duration", "--duration", "measured window per run, e.g. 1s",
     ParseDuration<&W::duration_ns, 1'000'000>, FormatDuration<&W::duration_ns>},
    {"ops", "--ops", "acquisitions per thread instead of a duration (0 = use duration)",
     ParseWhole<&W::ops, 0, int64_t{1} << 50>, FormatPlain<&W::ops>},
    {"warmup", "--warmup", "warm-up before the window, e.g. 100ms",
     ParseDuration<&W::warmup_ns>, FormatDuration<&W::warmup_ns>},
    {"repetitions", "--repetitions", "repetitions per lock and thread count (interleaved across locks)",
     ParseWhole<&W::repetitions, 1, 1000>, FormatPlain<&W::repetitions>},
    {"seed", "--seed", "random seed", ParseWhole<&W::seed, 0, INT64_MAX>, FormatPlain<&W::seed>},
    {"try_fraction", "--try-fraction", "fraction of acquisitions made with try_lock/try_lock_shared, 0..1",
     ParseNumber<&W::try_fraction, 1>, FormatPlain<&W::try_fraction>},
    {"recursion_depth", "--recursion", "re-acquisitions while holding (locks that allow recursion)",
     ParseWhole<&W::recursion_depth, 0, kMaxRecursion>, FormatPlain<&W::recursion_depth>},
    {"lock_instances", "--lock-instances", "number of lock instances threads choose among",
     ParseWhole<&W::lock_instances, 1, kMaxLockInstances>, FormatPlain<&W::lock_instances>},
    {"lock_choice", "--lock-choice", "how threads choose an instance: one, uniform, zipf, weights",
     ParseEnum<&W::lock_choice, kChoiceNames>, FormatEnum<&W::lock_choice, kChoiceNames>},
    {"zipf_s", "--zipf-s", "Zipf exponent for lock_choice zipf",
     ParseNumber<&W::zipf_s, 10>, FormatPlain<&W::zipf_s>},
    {"lock_weights", "--lock-weights",
     "lock_choice weights: one weight per instance, e.g. 1,0,3 (its length sets lock_instances)",
     ParseLockWeights, FormatLockWeights},
    {"lock_read_ratios", "--lock-read-ratios",
     "mixed roles: each instance's read ratio in place of read_ratio, e.g. 0.99,0.5 (its length "
     "sets lock_instances)",
     ParseLockReadRatios, FormatLockReadRatios},
    {"arrival_rate", "--arrival-rate",
     "open loop: requests per second over all threads, e.g. 500k/s, or a sweep list "
     "(100k/s,200k/s); absent: closed loop",
     ParseArrivalRate, FormatArrivalRate},
    {"arrival", "--arrival", "open-loop gaps between a thread's requests: poisson, fixed",
     ParseEnum<&W::arrival, kArrivalNames>, FormatArrival},
    {"holder_may_block", "--holder-may-block",
     "true if the program's holders block or touch pageable memory: spin locks are no "
     "candidates for it (which-lock table)",
     ParseBool<&W::holder_may_block>, FormatPlain<&W::holder_may_block>},
    {"recorded_from", "", "", ParseRecordedFrom, FormatRecordedFrom},
};

const WorkloadField* FindField(const std::string& name) {
  for (const WorkloadField& f : kFields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// What one object of fields (a file, or the flags) implies beyond each field on its own. A
// think_time distribution makes think empirical, and lock_weights make lock_choice weights,
// unless the same object says otherwise, which is an error. A per-instance list sets
// lock_instances to its length unless the object gives lock_instances, which must then agree.
// Overrides from a later object are checked by ValidateWorkload.
void ResolveTableForms(const json& fields, const std::string& origin, WorkloadSpec* spec) {
  const auto fail = [&](const std::string& field, const std::string& what) {
    FieldError{field, origin}.Fail(what);
  };
  if (fields.contains("think_time") && !spec->think_quantiles_ns.empty()) {
    if (fields.contains("think") && spec->think != ThinkKind::kEmpirical) {
      fail("think", "'" + EnumName(spec->think, kThinkNames) +
                        "' cannot take think_time's distribution; give \"empirical\" or leave "
                        "think out");
    }
    spec->think = ThinkKind::kEmpirical;
  }
  if (fields.contains("lock_weights")) {
    if (fields.contains("lock_choice") && spec->lock_choice != LockChoice::kWeights) {
      fail("lock_choice", "'" + EnumName(spec->lock_choice, kChoiceNames) +
                              "' does not use lock_weights; give \"weights\" or leave "
                              "lock_choice out");
    }
    spec->lock_choice = LockChoice::kWeights;
  }
  const bool instances_given = fields.contains("lock_instances");
  std::string sized_by;  // the first list that set lock_instances
  for (const char* list : {"lock_weights", "lock_read_ratios"}) {
    if (!fields.contains(list)) continue;
    const size_t n = std::string_view(list) == "lock_weights" ? spec->lock_weights.size()
                                                              : spec->lock_read_ratios.size();
    if (!instances_given && sized_by.empty()) {
      spec->lock_instances = static_cast<int>(n);
      sized_by = list;
      continue;
    }
    if (n != static_cast<size_t>(spec->lock_instances)) {
      fail(list, std::to_string(n) + " entries for " + std::to_string(spec->lock_instances) +
                     " lock instances (" + (instances_given ? "lock_instances" : sized_by) +
                     "); give one per instance");
    }
  }
}

}  // namespace

Role WorkloadSpec::RoleOf(int index) const {
  if (!DedicatedRoles()) return Role::kMixed;
  // Writers first, so a sweep that cuts the thread count keeps at least one writer.
  return index < writers ? Role::kWriter : Role::kReader;
}

std::span<const WorkloadField> WorkloadFields() { return kFields; }

const std::vector<std::string>& WorkloadFieldNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const WorkloadField& f : kFields) names.emplace_back(f.name);
    return names;
  }();
  return kNames;
}

std::string FlagForField(const std::string& field) {
  if (const WorkloadField* f = FindField(field); f != nullptr && !f->flag.empty()) {
    return std::string(f->flag);
  }
  std::string flag = "--" + field;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

void ApplyWorkloadJson(const json& fields, const std::string& origin, WorkloadSpec* spec) {
  if (!fields.is_object()) {
    throw SpecError("workload " + origin + ": expected a JSON object of fields, got " +
                    TypeName(fields));
  }
  // Roles are either dedicated (readers + writers fix the thread count) or mixed (threads and a
  // read ratio). One object may not mix them; a later object (flags over a file) switches.
  const bool sets_roles = fields.contains("readers") || fields.contains("writers");
  if (sets_roles && (fields.contains("threads") || fields.contains("read_ratio"))) {
    const std::string both = fields.contains("threads") ? "threads" : "read_ratio";
    const std::string role = fields.contains("readers") ? "readers" : "writers";
    if (origin.empty()) {
      throw SpecError(FlagForField(both) + ": cannot be combined with " + FlagForField(role) +
                      "; dedicated roles fix the thread count at readers + writers");
    }
    throw SpecError("workload " + origin + ": field '" + both + "' cannot be combined with '" +
                    role + "'; dedicated roles fix the thread count at readers + writers");
  }
  if (sets_roles) {
    spec->threads.clear();
    spec->threads_per_core = 0;
  }
  if (fields.contains("threads") || fields.contains("read_ratio")) {
    // A thread count over dedicated roles keeps their mix: writer-storm at 8 threads is 8
    // writers, not the default read ratio. An explicit read_ratio wins.
    if (spec->DedicatedRoles() && !fields.contains("read_ratio") &&
        spec->readers + spec->writers > 0) {
      spec->read_ratio = static_cast<double>(spec->readers) / (spec->readers + spec->writers);
    }
    spec->readers = -1;
    spec->writers = -1;
  }
  for (const auto& [field, v] : fields.items()) {
    const WorkloadField* f = FindField(field);
    if (f == nullptr) {
      throw SpecError("workload " + origin + ": unknown field '" + field + "'" +
                      DidYouMean(field, WorkloadFieldNames()));
    }
    f->parse(v, FieldError{field, origin}, spec);
  }
  ResolveTableForms(fields, origin, spec);
  // An arrival kind without a rate would be silently ignored by the closed loop.
  if (fields.contains("arrival") && !spec->OpenLoop()) {
    const std::string field = "arrival";
    FieldError{field, origin}.Fail("'" + EnumName(spec->arrival, kArrivalNames) +
                                   "' shapes the open loop's arrivals; give arrival_rate "
                                   "(--arrival-rate) too");
  }
}

namespace {

// The per-instance lists against lock_instances and the roles, after every override.
void ValidateInstanceLists(const WorkloadSpec& spec) {
  const auto instances = static_cast<size_t>(spec.lock_instances);
  if (spec.lock_choice == LockChoice::kWeights && spec.lock_weights.empty()) {
    throw SpecError("--lock-choice: 'weights' needs lock_weights (--lock-weights), one weight per "
                    "lock instance");
  }
  if (spec.lock_choice == LockChoice::kWeights && spec.lock_weights.size() != instances) {
    throw SpecError("--lock-weights: " + std::to_string(spec.lock_weights.size()) +
                    " weights for " + std::to_string(instances) +
                    " lock instances; give one per instance");
  }
  if (spec.lock_read_ratios.empty()) return;
  if (spec.lock_read_ratios.size() != instances) {
    throw SpecError("--lock-read-ratios: " + std::to_string(spec.lock_read_ratios.size()) +
                    " read ratios for " + std::to_string(instances) +
                    " lock instances; give one per instance");
  }
  if (spec.DedicatedRoles()) {
    throw SpecError("--lock-read-ratios: dedicated roles (readers, writers) fix each thread's "
                    "mode; per-lock read ratios need mixed roles (threads)");
  }
}

}  // namespace

bool WorkloadSpec::DrawsFromTables() const {
  return !shared_cs_quantiles_ns.empty() || !exclusive_cs_quantiles_ns.empty() ||
         think == ThinkKind::kEmpirical || lock_choice == LockChoice::kWeights ||
         !lock_read_ratios.empty();
}

void ValidateWorkload(const WorkloadSpec& spec) {
  if ((spec.readers >= 0) != (spec.writers >= 0)) {
    throw SpecError(std::string(spec.readers >= 0 ? "--readers" : "--writers") +
                    ": dedicated roles need both --readers and --writers");
  }
  if (!spec.DedicatedRoles() && spec.threads.empty() && spec.threads_per_core == 0) {
    throw SpecError("--threads: no thread count; give --threads or --readers and --writers");
  }
  if (spec.DedicatedRoles()) {
    const int total = spec.readers + spec.writers;
    if (total < 1 || total > kMaxThreads) {
      throw SpecError("--readers/--writers: " + std::to_string(total) +
                      " threads in all; expected 1 to " + std::to_string(kMaxThreads));
    }
  }
  if (spec.think == ThinkKind::kEmpirical && spec.think_quantiles_ns.empty()) {
    throw SpecError("--think-time: think 'empirical' needs think_time as " +
                    std::string(kDistributionForm));
  }
  if (spec.think != ThinkKind::kNone && spec.think_ns == 0) {
    throw SpecError("--think-time: think '" + EnumName(spec.think, kThinkNames) +
                    "' needs a mean think time above 0");
  }
  // The protected data is allocated and zeroed before a run; keep it well inside memory.
  const uint64_t lines = static_cast<uint64_t>(std::max(spec.shared_lines, spec.exclusive_lines));
  const uint64_t data_bytes = static_cast<uint64_t>(spec.lock_instances) * lines * 64;
  if (data_bytes > kMaxProtectedBytes) {
    throw SpecError("--lock-instances: " + std::to_string(spec.lock_instances) + " instances x " +
                    std::to_string(lines) + " cache lines is " +
                    std::to_string(data_bytes >> 20) +
                    " MiB of protected data; at most 1024 MiB (lower --lock-instances, "
                    "--shared-lines or --exclusive-lines)");
  }
  if (spec.OpenLoop() && spec.think != ThinkKind::kNone) {
    throw SpecError("--arrival-rate: open loop cannot be combined with think '" +
                    EnumName(spec.think, kThinkNames) + "'; arrivals replace think time");
  }
  const int most_threads =
      spec.DedicatedRoles() ? spec.readers + spec.writers
      : spec.threads.empty() ? 1 : *std::max_element(spec.threads.begin(), spec.threads.end());
  CheckArrivalRates(spec, most_threads);
  if (spec.lock_choice != LockChoice::kOne && spec.lock_instances < 2) {
    throw SpecError("--lock-choice: '" + EnumName(spec.lock_choice, kChoiceNames) +
                    "' needs --lock-instances of 2 or more");
  }
  ValidateInstanceLists(spec);
}

void CheckArrivalRates(const WorkloadSpec& spec, int most_threads) {
  if (!spec.OpenLoop()) return;
  // The stall watchdog needs each thread to ask at least once a second.
  const double lowest = *std::min_element(spec.arrival_rates.begin(), spec.arrival_rates.end());
  if (lowest < most_threads) {
    throw SpecError("--arrival-rate: " + Fixed(lowest, 3) + "/s over " +
                    std::to_string(most_threads) +
                    " threads is below 1 request per second per thread");
  }
}

WorkloadSpec ParseWorkload(const std::string& text, const std::string& origin) {
  const json fields = ParseStrictJson(text, "workload " + origin + ": ");
  WorkloadSpec spec;
  ApplyWorkloadJson(fields, origin, &spec);
  return spec;
}

json WorkloadToJson(const WorkloadSpec& spec) {
  json j = json::object();
  for (const WorkloadField& f : kFields) {
    if (std::optional<json> value = f.format(spec)) j[std::string(f.name)] = *std::move(value);
  }
  return j;
}

const std::vector<Preset>& Presets() {
  static const std::vector<Preset> kPresets = [] {
    std::vector<Preset> out;
    for (std::string_view text : internal::PresetTexts()) {
      const json j = json::parse(text);  // checked by workload_spec_test
      out.push_back({j.at("name").get<std::string>(), j.at("description").get<std::string>(),
                     std::string(text)});
    }
    std::sort(out.begin(), out.end(), [](const Preset& a, const Preset& b) { return a.name < b.name; });
    return out;
  }();
  return kPresets;
}

WorkloadSpec LoadPreset(const std::string& name) {
  std::vector<std::string> names;
  for (const Preset& p : Presets()) {
    if (p.name == name) return ParseWorkload(p.json, "preset '" + name + "'");
    names.push_back(p.name);
  }
  throw SpecError("--workload: unknown workload '" + name + "'" + DidYouMean(name, names) +
                  "; presets: " + Join(names) + ", or a path to a .json file");
}

}  // namespace lockbench
