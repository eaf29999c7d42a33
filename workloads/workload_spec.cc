#include "workloads/workload_spec.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "workloads/internal/preset_texts.h"

namespace lockbench {
namespace {

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

std::string TypeName(const json& v) { return v.type_name(); }

constexpr uint64_t kMaxProtectedBytes = uint64_t{1} << 30;

uint64_t GetDuration(const json& v, const FieldError& err) {
  if (v.is_number_unsigned() && v.get<uint64_t>() == 0) return 0;
  if (!v.is_string()) err.Fail("expected a duration string like \"200ns\" or \"1.5s\", got " + TypeName(v));
  try {
    return ParseDurationNs(v.get<std::string>());
  } catch (const SpecError& e) {
    err.Fail(e.what());
  }
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

double GetFraction(const json& v, const FieldError& err) {
  double x = 0;
  if (v.is_number()) {
    x = v.get<double>();
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    char* end = nullptr;
    x = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) err.Fail("'" + s + "' is not a number; expected 0 to 1");
  } else {
    err.Fail("expected a number from 0 to 1, got " + TypeName(v));
  }
  if (!(x >= 0 && x <= 1)) err.Fail(std::to_string(x) + " is out of range; expected 0 to 1");
  return x;
}

template <class E>
E GetEnum(const json& v, const FieldError& err, const std::vector<std::pair<std::string, E>>& names) {
  std::vector<std::string> allowed;
  for (const auto& [n, e] : names) allowed.push_back(n);
  std::string joined;
  for (const std::string& n : allowed) joined += (joined.empty() ? "" : ", ") + n;
  if (!v.is_string()) err.Fail("expected one of " + joined + ", got " + TypeName(v));
  const std::string s = v.get<std::string>();
  for (const auto& [n, e] : names) {
    if (n == s) return e;
  }
  const std::string hint = Suggest(s, allowed);
  err.Fail("unknown value '" + s + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
           "; allowed: " + joined);
}

const std::vector<std::pair<std::string, ThinkKind>> kThinkNames = {
    {"none", ThinkKind::kNone},
    {"fixed", ThinkKind::kFixed},
    {"uniform", ThinkKind::kUniform},
    {"exponential", ThinkKind::kExponential}};
const std::vector<std::pair<std::string, LockChoice>> kChoiceNames = {
    {"one", LockChoice::kOne}, {"uniform", LockChoice::kUniform}, {"zipf", LockChoice::kZipf}};

template <class E>
std::string EnumName(E e, const std::vector<std::pair<std::string, E>>& names) {
  for (const auto& [n, x] : names) {
    if (x == e) return n;
  }
  return "?";
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

}  // namespace

const char* RoleName(Role r) {
  switch (r) {
    case Role::kReader:
      return "reader";
    case Role::kWriter:
      return "writer";
    case Role::kMixed:
      return "mixed";
  }
  return "?";
}

Role WorkloadSpec::RoleOf(int index) const {
  if (!DedicatedRoles()) return Role::kMixed;
  // Writers first, so a sweep that cuts the thread count keeps at least one writer.
  return index < writers ? Role::kWriter : Role::kReader;
}

const std::vector<std::string>& WorkloadFieldNames() {
  static const std::vector<std::string> kNames = {
      "name", "description", "threads", "readers", "writers", "read_ratio",
      "shared_cs", "exclusive_cs", "shared_lines", "exclusive_lines", "think", "think_time",
      "duration", "ops", "warmup", "repetitions", "seed", "try_fraction", "recursion_depth",
      "lock_instances", "lock_choice", "zipf_s"};
  return kNames;
}

std::string FlagForField(const std::string& field) {
  if (field == "recursion_depth") return "--recursion";
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
    const FieldError err{field, origin};
    if (field == "name" || field == "description") {
      if (!v.is_string()) err.Fail("expected a string, got " + TypeName(v));
      (field == "name" ? spec->name : spec->description) = v.get<std::string>();
    } else if (field == "threads") {
      ApplyThreads(v, err, spec);
    } else if (field == "readers") {
      spec->readers = static_cast<int>(GetInt(v, err, 0, kMaxThreads));
    } else if (field == "writers") {
      spec->writers = static_cast<int>(GetInt(v, err, 0, kMaxThreads));
    } else if (field == "read_ratio") {
      spec->read_ratio = GetFraction(v, err);
    } else if (field == "shared_cs") {
      spec->shared_cs_ns = GetDuration(v, err);
    } else if (field == "exclusive_cs") {
      spec->exclusive_cs_ns = GetDuration(v, err);
    } else if (field == "shared_lines") {
      spec->shared_lines = static_cast<int>(GetInt(v, err, 0, kMaxLines));
    } else if (field == "exclusive_lines") {
      spec->exclusive_lines = static_cast<int>(GetInt(v, err, 0, kMaxLines));
    } else if (field == "think") {
      spec->think = GetEnum(v, err, kThinkNames);
    } else if (field == "think_time") {
      spec->think_ns = GetDuration(v, err);
    } else if (field == "duration") {
      spec->duration_ns = GetDuration(v, err);
      if (spec->duration_ns < 1'000'000) {
        err.Fail("'" + (v.is_string() ? v.get<std::string>() : v.dump()) +
                 "' is too short; at least 1ms");
      }
    } else if (field == "ops") {
      spec->ops = static_cast<uint64_t>(GetInt(v, err, 0, int64_t{1} << 50));
    } else if (field == "warmup") {
      spec->warmup_ns = GetDuration(v, err);
    } else if (field == "repetitions") {
      spec->repetitions = static_cast<int>(GetInt(v, err, 1, 1000));
    } else if (field == "seed") {
      spec->seed = static_cast<uint64_t>(GetInt(v, err, 0, INT64_MAX));
    } else if (field == "try_fraction") {
      spec->try_fraction = GetFraction(v, err);
    } else if (field == "recursion_depth") {
      spec->recursion_depth = static_cast<int>(GetInt(v, err, 0, kMaxRecursion));
    } else if (field == "lock_instances") {
      spec->lock_instances = static_cast<int>(GetInt(v, err, 1, kMaxLockInstances));
    } else if (field == "lock_choice") {
      spec->lock_choice = GetEnum(v, err, kChoiceNames);
    } else if (field == "zipf_s") {
      double s = 0;
      if (v.is_number()) {
        s = v.get<double>();
      } else if (v.is_string()) {
        const std::string text = v.get<std::string>();
        char* end = nullptr;
        s = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size()) {
          err.Fail("'" + text + "' is not a number; expected 0 to 10");
        }
      } else {
        err.Fail("expected a number from 0 to 10, got " + TypeName(v));
      }
      if (!(s >= 0 && s <= 10)) err.Fail(std::to_string(s) + " is out of range; expected 0 to 10");
      spec->zipf_s = s;
    } else {
      const std::string hint = Suggest(field, WorkloadFieldNames());
      throw SpecError("workload " + origin + ": unknown field '" + field + "'" +
                      (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
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
  if (spec.lock_choice != LockChoice::kOne && spec.lock_instances < 2) {
    throw SpecError("--lock-choice: '" + EnumName(spec.lock_choice, kChoiceNames) +
                    "' needs --lock-instances of 2 or more");
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
  json j;
  j["name"] = spec.name;
  j["description"] = spec.description;
  // Dedicated roles fix the thread count; "threads" beside them would not read back.
  if (spec.threads_per_core > 0) {
    j["threads"] = std::to_string(spec.threads_per_core) + "/core";
  } else if (!spec.DedicatedRoles()) {
    j["threads"] = spec.threads;
  }
  if (spec.DedicatedRoles()) {
    j["readers"] = spec.readers;
    j["writers"] = spec.writers;
  } else {
    j["read_ratio"] = spec.read_ratio;
  }
  j["shared_cs"] = FormatDurationNs(spec.shared_cs_ns);
  j["exclusive_cs"] = FormatDurationNs(spec.exclusive_cs_ns);
  j["shared_lines"] = spec.shared_lines;
  j["exclusive_lines"] = spec.exclusive_lines;
  j["think"] = EnumName(spec.think, kThinkNames);
  j["think_time"] = FormatDurationNs(spec.think_ns);
  j["duration"] = FormatDurationNs(spec.duration_ns);
  j["ops"] = spec.ops;
  j["warmup"] = FormatDurationNs(spec.warmup_ns);
  j["repetitions"] = spec.repetitions;
  j["seed"] = spec.seed;
  j["try_fraction"] = spec.try_fraction;
  j["recursion_depth"] = spec.recursion_depth;
  j["lock_instances"] = spec.lock_instances;
  j["lock_choice"] = EnumName(spec.lock_choice, kChoiceNames);
  j["zipf_s"] = spec.zipf_s;
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
  const std::string hint = Suggest(name, names);
  std::string joined;
  for (const std::string& n : names) joined += (joined.empty() ? "" : ", ") + n;
  throw SpecError("--workload: unknown workload '" + name + "'" +
                  (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                  "; presets: " + joined + ", or a path to a .json file");
}

}  // namespace lockbench
