#include "results/gbench_json.h"

#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "results/metrics.h"
#include "results/stats.h"

namespace lockbench {
namespace {

using nlohmann::json;

// Lenient field access: the converter describes what is there and never fails on a hand-made
// document (compare, not this, is the strict reader).
const json& At(const json& obj, const char* name) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  const auto it = obj.find(name);
  return it == obj.end() ? kNull : *it;
}

std::string Str(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

double Num(const json& v) { return v.is_number() ? v.get<double>() : 0.0; }

json GbenchContext(const json& ctx, const json& caches) {
  json out;
  out["date"] = Str(At(ctx, "date"));
  out["host_name"] = Str(At(ctx, "hostname"));
  out["executable"] = "lockbench";
  out["num_cpus"] = At(ctx, "pus").is_number_integer() ? At(ctx, "pus").get<int64_t>() : 0;
  out["mhz_per_cpu"] = static_cast<int64_t>(std::llround(Num(At(ctx, "tsc_ghz")) * 1000.0));
  const json& governor = At(ctx, "frequency_governor");
  out["cpu_scaling_enabled"] = governor.is_string() && governor.get<std::string>() != "performance";
  out["caches"] = caches.is_array() ? caches : json::array();
  out["library_build_type"] = Str(At(ctx, "build_type")) == "optimized" ? "release" : "debug";
  out["json_schema_version"] = 1;
  // Google Benchmark's custom context is string -> string.
  for (const char* key :
       {"version", "commit", "build_type", "compiler", "cpu_model", "topology", "kernel", "smt",
        "frequency_governor", "clock", "tsc_ghz", "timer_overhead_ns"}) {
    const json& v = At(ctx, key);
    if (!v.is_null()) out[std::string("lockbench_") + key] = Str(v);
  }
  return out;
}

// A metric's value where the run has one, and nothing for a malformed run: this converter
// describes what is there and never fails (compare is the strict reader).
std::optional<double> LenientValue(const MetricDef& metric, const json& run) {
  try {
    return MetricValue(metric, run);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

// The counters of one run, by name: one per metric table row the run has a value for (latency
// percentiles only for modes timed at least once), and the op counts.
std::map<std::string, double> Counters(const json& run) {
  std::map<std::string, double> c;
  for (const MetricDef& m : MetricTable()) {
    if (const auto v = LenientValue(m, run)) c[std::string(m.counter)] = *v;
  }
  c.try_emplace(std::string(MetricTable()[0].counter), 0.0);  // Google Benchmark's rate column
  c["shared_ops"] = Num(At(run, "shared_ops"));
  c["exclusive_ops"] = Num(At(run, "exclusive_ops"));
  c["reacquire_rate"] = Num(At(At(run, "handoff"), "reacquire_rate"));
  return c;
}

struct Instance {
  std::string lock, workload, placement;
  int64_t threads = 0;
  double rate = 0;  // open loop's offered rate; 0 = closed loop
  int family_index = 0;
  int per_family_instance_index = 0;
  std::vector<const json*> runs;
};

std::string BaseName(const Instance& in) {
  // An open-loop run's rate is one more argument, e.g. "/rate:200000".
  const std::string rate = in.rate > 0 ? "/rate:" + std::to_string(std::llround(in.rate)) : "";
  return in.lock + "/" + in.workload + rate + "/repeats:" + std::to_string(in.runs.size()) +
         "/threads:" + std::to_string(in.threads);
}

// Fields every entry of an instance shares.
json EntryHead(const Instance& in, const std::string& name, const char* run_type) {
  json e;
  e["name"] = name;
  e["family_index"] = in.family_index;
  e["per_family_instance_index"] = in.per_family_instance_index;
  e["run_name"] = BaseName(in);
  e["run_type"] = run_type;
  e["repetitions"] = in.runs.size();
  return e;
}

double SampleStdDev(const std::vector<double>& v, double mean) {
  if (v.size() < 2) return 0.0;
  double sum = 0.0;
  for (double x : v) sum += (x - mean) * (x - mean);
  return std::sqrt(sum / static_cast<double>(v.size() - 1));
}

// Google Benchmark's aggregate statistics of one column over the repetitions.
double Aggregate(const std::string& stat, const std::vector<double>& v) {
  double mean = 0.0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  if (stat == "mean") return mean;
  if (stat == "median") return Median(std::span<const double>(v));
  const double sd = SampleStdDev(v, mean);
  if (stat == "stddev") return sd;
  return mean == 0.0 ? 0.0 : sd / mean;  // cv
}

}  // namespace

json GbenchCache(int level, std::string_view type, uint64_t size_bytes, int num_sharing) {
  std::string t(type);
  if (t == "data") t = "Data";
  if (t == "instruction") t = "Instruction";
  if (t == "unified") t = "Unified";
  return {{"type", t}, {"level", level}, {"size", size_bytes}, {"num_sharing", num_sharing}};
}

namespace {

// Instances in order of first appearance; families are (lock, workload).
std::vector<Instance> GroupInstances(const json& runs) {
  std::vector<Instance> instances;
  std::map<std::tuple<std::string, std::string, int64_t, std::string, double>, size_t> index;
  std::map<std::pair<std::string, std::string>, std::pair<int, int>>
      families;  // -> (index, instances)
  if (!runs.is_array()) return instances;
  for (const json& run : runs) {
    const std::string lock = Str(At(run, "lock")), workload = Str(At(run, "workload"));
    const std::string placement = Str(At(run, "placement"));
    const int64_t threads =
        At(run, "threads").is_number_integer() ? At(run, "threads").get<int64_t>() : 0;
    const double rate = OfferedRate(run);
    const auto key = std::make_tuple(lock, workload, threads, placement, rate);
    auto [it, inserted] = index.emplace(key, instances.size());
    if (inserted) {
      auto [fam, new_family] = families.emplace(
          std::make_pair(lock, workload), std::make_pair(static_cast<int>(families.size()), 0));
      Instance in;
      in.lock = lock;
      in.workload = workload;
      in.placement = placement;
      in.threads = threads;
      in.rate = rate;
      in.family_index = fam->second.first;
      in.per_family_instance_index = fam->second.second++;
      instances.push_back(std::move(in));
    }
    instances[it->second].runs.push_back(&run);
  }
  return instances;
}

// The ok repetitions' times (ns per op) and counters, for the aggregates.
struct OkRepetitions {
  std::vector<double> times;
  std::vector<std::map<std::string, double>> counters;
};

// One "iteration" entry per repetition.
void AddIterations(const Instance& in, json* benchmarks, OkRepetitions* ok) {
  const std::string base = BaseName(in);
  for (size_t rep = 0; rep < in.runs.size(); ++rep) {
    const json& run = *in.runs[rep];
    json e = EntryHead(in, base, "iteration");
    e["repetition_index"] = rep;
    e["threads"] = in.threads;
    const std::string status = Str(At(run, "status"));
    const double throughput = LenientValue(MetricTable()[0], run).value_or(0.0);
    const double ns_per_op = throughput > 0 ? 1e9 / throughput : 0.0;
    if (status != "ok") {
      e["error_occurred"] = true;
      const std::string detail = Str(At(run, "status_detail"));
      e["error_message"] = status + (detail.empty() ? "" : ": " + detail);
    }
    e["label"] = "placement:" + in.placement;
    e["iterations"] = static_cast<uint64_t>(Num(At(run, "ops")));
    e["real_time"] = ns_per_op;
    e["cpu_time"] = ns_per_op;
    e["time_unit"] = "ns";
    const std::map<std::string, double> counters = Counters(run);
    for (const auto& [k, v] : counters) e[k] = v;
    if (status == "ok") {
      ok->times.push_back(ns_per_op);
      ok->counters.push_back(counters);
    }
    benchmarks->push_back(std::move(e));
  }
}

// Google Benchmark's four aggregate entries over the ok repetitions.
void AddAggregates(const Instance& in, const OkRepetitions& ok, json* benchmarks) {
  for (const char* stat : {"mean", "median", "stddev", "cv"}) {
    json e = EntryHead(in, BaseName(in) + "_" + stat, "aggregate");
    e["threads"] = in.threads;
    e["aggregate_name"] = stat;
    e["aggregate_unit"] = std::string(stat) == "cv" ? "percentage" : "time";
    e["label"] = "placement:" + in.placement;
    e["iterations"] = ok.times.size();
    e["real_time"] = Aggregate(stat, ok.times);
    e["cpu_time"] = Aggregate(stat, ok.times);
    e["time_unit"] = "ns";
    // A counter is aggregated when every ok repetition has it.
    for (const auto& [name, first] : ok.counters.front()) {
      std::vector<double> column;
      for (const auto& c : ok.counters) {
        if (const auto it = c.find(name); it != c.end()) column.push_back(it->second);
      }
      if (column.size() == ok.counters.size()) e[name] = Aggregate(stat, column);
    }
    benchmarks->push_back(std::move(e));
  }
}

}  // namespace

json ToGbenchJson(const json& doc, const json& caches) {
  json out;
  out["context"] = GbenchContext(At(doc, "context"), caches);
  json benchmarks = json::array();
  for (const Instance& in : GroupInstances(At(doc, "runs"))) {
    OkRepetitions ok;
    AddIterations(in, &benchmarks, &ok);
    if (in.runs.size() >= 2 && ok.times.size() >= 2) AddAggregates(in, ok, &benchmarks);
  }
  out["benchmarks"] = std::move(benchmarks);
  return out;
}

}  // namespace lockbench
