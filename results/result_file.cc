#include "results/result_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "base/strings.h"
#include "base/file_io.h"
#include "results/result_json.h"

namespace lockbench {
namespace {

using nlohmann::json;

constexpr int kMaxNesting = 64;
constexpr size_t kMaxFileBytes = size_t{256} << 20;

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

// The metric's value at its dotted path, read with the reader's checks: each step an object, the
// leaf a number >= 0, its count (counted_by) an integer >= 0. A metric that is not required may
// be absent or null at any step. nullopt where the count is 0.
std::optional<double> ReadMetric(const FieldReader& r, const json& run, const MetricDef& metric,
                                 const std::string& where) {
  const auto read = [&](std::string_view dotted, bool integer) -> std::optional<double> {
    const json* at = &run;
    std::string at_where = where;
    for (;;) {
      const size_t dot = dotted.find('.');
      const std::string name(dotted.substr(0, dot));
      const auto it = at->find(name);
      if (!metric.required && (it == at->end() || it->is_null())) return std::nullopt;
      if (dot == std::string_view::npos) {
        if (integer) return static_cast<double>(r.Integer(*at, name.c_str(), at_where, 0));
        return r.Number(*at, name.c_str(), at_where);
      }
      at = &r.Object(*at, name.c_str(), at_where);
      at_where += "." + name;
      dotted.remove_prefix(dot + 1);
    }
  };
  if (!metric.counted_by.empty()) {
    const std::optional<double> count = read(metric.counted_by, true);
    if (!count.has_value()) return std::nullopt;
    const std::optional<double> value = read(metric.path, false);
    return *count > 0 ? value : std::nullopt;
  }
  return read(metric.path, false);
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
  // Open-loop runs of one sweep differ by their rate (the object is null or absent otherwise).
  if (const auto open = run.find("open_loop"); open != run.end() && !open->is_null()) {
    s.key.arrival_rate =
        r.Number(r.Object(run, "open_loop", where), "offered_ops_per_s", where + ".open_loop");
  }
  s.repetition =
      static_cast<int>(std::min<int64_t>(r.Integer(run, "repetition", where, 1), INT32_MAX));
  s.status = r.String(run, "status", where);
  for (const MetricDef& metric : MetricTable()) {
    s.values.push_back(ReadMetric(r, run, metric, where));
  }
  // A run may name its own invocation (a file that gathers runs of several); else the file's.
  if (run.contains("invocation")) {
    s.invocation = r.String(run, "invocation", where);
    if (s.invocation.empty()) r.Fail(where + ".invocation: expected a non-empty string");
  }
  return s;
}

// The text of a result file as a JSON object whose schema_version this lockbench reads.
json ParseDocument(const std::string& path, const std::string& text) {
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
  const int64_t version = r.Integer(doc, "schema_version", "", 0);
  if (version != kSchemaVersion) {
    r.Fail("schema_version " + std::to_string(version) +
           " is not supported (this lockbench reads schema_version " +
           std::to_string(kSchemaVersion) + "); use files written by the same lockbench version");
  }
  return doc;
}

// What compare reads of one context (and its config, or null) into `f`; `where` names the
// context in messages ("context" or "contexts[1]").
ResultFile ReadContext(const FieldReader& r, const std::string& path, const json& context,
                       const json& config, const std::string& where) {
  ResultFile f;
  f.path = path;
  f.schema_version = kSchemaVersion;
  f.cpu_model = r.String(context, "cpu_model", where);
  f.topology = r.String(context, "topology", where);
  if (const auto it = context.find("build_type"); it != context.end() && it->is_string()) {
    f.build_type = it->get<std::string>();
  }
  if (config.is_object()) {
    if (const auto w = config.find("workload"); w != config.end() && w->is_object()) {
      f.workload_config = *w;
    }
  }
  f.invocation = path;
  if (const auto it = context.find("invocation"); it != context.end()) {
    if (!it->is_string() || it->get<std::string>().empty()) {
      r.Fail(where + ".invocation: expected a non-empty string");
    }
    f.invocation = it->get<std::string>();
  }
  return f;
}

// The document's sweep_fits (absent before fits were written, or without a thread sweep).
std::vector<FitSample> ReadFits(const FieldReader& r, const json& doc) {
  std::vector<FitSample> fits;
  const auto it = doc.find("sweep_fits");
  if (it == doc.end()) return fits;
  if (!it->is_array()) r.Fail("sweep_fits: expected an array, got " + std::string(it->type_name()));
  for (size_t i = 0; i < it->size(); ++i) {
    const std::string where = "sweep_fits[" + std::to_string(i) + "]";
    const json& fit = (*it)[i];
    if (!fit.is_object()) r.Fail(where + ": expected an object");
    FitSample s{r.String(fit, "workload", where), r.String(fit, "lock", where),
                r.String(fit, "placement", where), {}};
    for (const MetricDef& metric : FitMetricTable()) {
      s.values.push_back(ReadMetric(r, fit, metric, where));
    }
    fits.push_back(std::move(s));
  }
  return fits;
}

// One ResultFile per context: the file's own, or each of a merged file's `contexts` (named
// "<path>:contexts[i]"), with the runs that refer to it. A merged file's context that no run
// refers to is left out.
std::vector<ResultFile> ReadDocument(const std::string& path, const json& doc) {
  const FieldReader r(path);
  const bool merged = doc.contains("contexts");
  std::vector<ResultFile> files;
  if (merged) {
    const json& contexts = r.Field(doc, "contexts", "");
    if (!contexts.is_array() || contexts.empty()) {
      r.Fail("contexts: expected a non-empty array of context objects");
    }
    const json& configs = r.Field(doc, "configs", "");
    if (!configs.is_array() || configs.size() != contexts.size()) {
      r.Fail("configs: expected an array as long as contexts");
    }
    for (size_t i = 0; i < contexts.size(); ++i) {
      const std::string where = "contexts[" + std::to_string(i) + "]";
      if (!contexts[i].is_object()) r.Fail(where + ": expected an object");
      files.push_back(ReadContext(r, path + ":" + where, contexts[i], configs[i], where));
    }
  } else {
    const json& context = r.Object(doc, "context", "");
    files.push_back(ReadContext(r, path, context, doc.value("config", json()), "context"));
  }
  const json& runs = r.Field(doc, "runs", "");
  if (!runs.is_array()) {
    r.Fail("runs: expected an array of runs, got " + std::string(runs.type_name()));
  }
  if (runs.empty()) r.Fail("runs is empty: the file holds no measurements");
  for (size_t i = 0; i < runs.size(); ++i) {
    size_t index = 0;
    if (merged) {
      const std::string where = "runs[" + std::to_string(i) + "]";
      if (!runs[i].is_object()) r.Fail(where + ": expected an object");
      index = static_cast<size_t>(r.Integer(runs[i], "context_index", where, 0));
      if (index >= files.size()) {
        r.Fail(where + ".context_index: " + std::to_string(index) + " is past the " +
               std::to_string(files.size()) + " contexts");
      }
    }
    ResultFile& f = files[index];
    f.runs.push_back(ReadRun(r, runs[i], i));
    if (f.runs.back().invocation.empty()) f.runs.back().invocation = f.invocation;
  }
  if (!merged) files[0].fits = ReadFits(r, doc);
  std::erase_if(files, [](const ResultFile& f) { return f.runs.empty(); });
  return files;
}

// The text of a result file, with the reader's messages in compare's wording.
std::string ReadWholeFile(const std::string& path) {
  try {
    return ReadFileBounded(path, kMaxFileBytes);
  } catch (const FileTooLarge& e) {
    throw CompareInputError(std::string(e.what()) + "; not a result file");
  } catch (const std::runtime_error& e) {
    throw CompareInputError(e.what());
  }
}

}  // namespace

std::string WorkloadLabel(const RunKey& key) {
  return key.workload + AtRate(key.arrival_rate);
}

std::string DescribeRunKey(const RunKey& key) {
  return key.lock + " " + WorkloadLabel(key) + " " + std::to_string(key.threads) +
         (key.threads == 1 ? " thread " : " threads ") + key.placement;
}

ResultFile ParseResultFile(const std::string& path, const std::string& text) {
  std::vector<ResultFile> files = ParseResultFiles(path, text);
  if (files.size() != 1) {
    throw CompareInputError(path + ": a merged file of " + std::to_string(files.size()) +
                            " contexts; read it with ParseResultFiles");
  }
  return std::move(files[0]);
}

std::vector<ResultFile> ParseResultFiles(const std::string& path, const std::string& text) {
  return ReadDocument(path, ParseDocument(path, text));
}

std::vector<std::string> ResultPaths(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw CompareInputError(path + ": does not exist");
    throw CompareInputError(path + ": cannot read: " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return {path};

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
  const std::string dir = path.ends_with('/') ? path : path + "/";
  for (std::string& name : names) name = dir + name;
  return names;
}

std::vector<ResultFile> LoadResultPath(const std::string& path) {
  std::vector<ResultFile> files;
  for (const std::string& file : ResultPaths(path)) {
    for (ResultFile& f : ParseResultFiles(file, ReadWholeFile(file))) files.push_back(std::move(f));
  }
  return files;
}

std::vector<LoadedResult> LoadResultDocuments(const std::string& path) {
  std::vector<LoadedResult> loaded;
  for (const std::string& file : ResultPaths(path)) {
    json doc = ParseDocument(file, ReadWholeFile(file));
    ReadDocument(file, doc);  // checked as compare checks it
    loaded.push_back(LoadedResult{file, std::move(doc)});
  }
  return loaded;
}

}  // namespace lockbench
