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
                                                  {ThinkKind::kExponential, "exponential"}};
constexpr NamedValue<ArrivalKind> kArrivalNames[] = {{ArrivalKind::kPoisson, "poisson"},
                                                     {ArrivalKind::kFixed, "fixed"}};
constexpr NamedValue<LockChoice> kChoiceNames[] = {
    {LockChoice::kOne, "one"}, {LockChoice::kUniform, "uniform"}, {LockChoice::kZipf, "zipf"}};

template <class E, std::size_t N>
std::string EnumName(E e, const NamedValue<E> (&names)[N]) {
  return NameOf(names, e);
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
    {"shared_cs", "--shared-cs", "critical-section length in shared mode (busy work), e.g. 200ns",
     ParseDuration<&W::shared_cs_ns>, FormatDuration<&W::shared_cs_ns>},
    {"exclusive_cs", "--exclusive-cs", "critical-section length in exclusive mode, e.g. 1us",
     ParseDuration<&W::exclusive_cs_ns>, FormatDuration<&W::exclusive_cs_ns>},
    {"shared_lines", "--shared-lines", "cache lines of protected data read in shared mode",
     ParseWhole<&W::shared_lines, 0, kMaxLines>, FormatPlain<&W::shared_lines>},
    {"exclusive_lines", "--exclusive-lines", "cache lines of protected data written in exclusive mode",
     ParseWhole<&W::exclusive_lines, 0, kMaxLines>, FormatPlain<&W::exclusive_lines>},
    {"think", "--think", "think time between acquisitions: none, fixed, uniform, exponential",
     ParseEnum<&W::think, kThinkNames>, FormatEnum<&W::think, kThinkNames>},
    {"think_time", "--think-time", "mean think time, e.g. 500ns",
     ParseDuration<&W::think_ns>, FormatDuration<&W::think_ns>},
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
    {"lock_choice", "--lock-choice", "how threads choose an instance: one, uniform, zipf",
     ParseEnum<&W::lock_choice, kChoiceNames>, FormatEnum<&W::lock_choice, kChoiceNames>},
    {"zipf_s", "--zipf-s", "Zipf exponent for lock_choice zipf",
     ParseNumber<&W::zipf_s, 10>, FormatPlain<&W::zipf_s>},
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
};

const WorkloadField* FindField(const std::string& name) {
  for (const WorkloadField& f : kFields) {
    if (f.name == name) return &f;
  }
  return nullptr;
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
  // An arrival kind without a rate would be silently ignored by the closed loop.
  if (fields.contains("arrival") && !spec->OpenLoop()) {
    const std::string field = "arrival";
    FieldError{field, origin}.Fail("'" + EnumName(spec->arrival, kArrivalNames) +
                                   "' shapes the open loop's arrivals; give arrival_rate "
                                   "(--arrival-rate) too");
  }
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
  json fields;
  // Keys seen in each object being read, innermost last: a repeated key is an error, because a
  // JSON reader would silently keep only one of the two values.
  std::vector<std::set<std::string>> keys;
  try {
    fields = json::parse(text, [&](int, json::parse_event_t event, json& parsed) {
      if (event == json::parse_event_t::object_start) keys.emplace_back();
      if (event == json::parse_event_t::object_end) keys.pop_back();
      if (event == json::parse_event_t::key && !keys.back().insert(parsed.get<std::string>()).second) {
        throw SpecError("workload " + origin + ": field '" + parsed.get<std::string>() +
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
    throw SpecError("workload " + origin + ": malformed JSON: " + what);
  }
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
