// Result documents and comparisons for the compare tests: the fields compare reads of a run,
// documents of several runs, and the report of comparing two documents.
#ifndef LOCKBENCH_RESULTS_COMPARE_TEST_SUPPORT_H_
#define LOCKBENCH_RESULTS_COMPARE_TEST_SUPPORT_H_

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "results/compare_render.h"

namespace lockbench::compare_test {

using nlohmann::json;

inline const MetricDef* M(std::string_view name) {
  const MetricDef* m = FindMetric(name);
  if (m == nullptr) ADD_FAILURE() << "no metric " << name;
  return m;
}

// The fields compare reads of a run, nothing more: compare must not depend on the rest.
inline json RunJson(const std::string& lock, int rep, double throughput, double shared_p99 = 1000,
             const std::string& status = "ok", uint64_t exclusive_count = 5) {
  return {{"lock", lock},
          {"workload", "read-mostly"},
          {"threads", 2},
          {"placement", "compact"},
          {"repetition", rep},
          {"status", status},
          {"throughput_ops_per_s", throughput},
          {"latency_ns",
           {{"shared", {{"count", 10}, {"p50", 40}, {"p99", shared_p99}}},
            {"exclusive", {{"count", exclusive_count}, {"p50", 60}, {"p99", 2000}}}}},
          {"fairness", {{"jain_index", 0.95}}},
          {"invocation", "invocation-" + std::to_string(rep)}};  // one repetition each
}

inline json Doc(std::vector<json> runs, const std::string& cpu = "CPU A",
         const std::string& topology = "2 cores") {
  return {
      {"schema_version", 1},
      {"context", {{"cpu_model", cpu}, {"topology", topology}, {"build_type", "optimized"}}},
      {"config", {{"workload", {{"name", "read-mostly"}, {"duration", "1s"}, {"repetitions", 7}}}}},
      {"runs", std::move(runs)}};
}

// Seven repetitions of `lock` at `base` ops/s times the factors (a noise pattern).
inline std::vector<json> Reps(const std::string& lock, double base, const std::vector<double>& factors,
                       double shared_p99 = 1000) {
  std::vector<json> runs;
  for (size_t i = 0; i < factors.size(); ++i) {
    runs.push_back(
        RunJson(lock, static_cast<int>(i) + 1, base * factors[i], shared_p99 * factors[i]));
  }
  return runs;
}

const std::vector<double> kNoiseA = {1.000, 1.008, 0.993, 1.004, 0.997, 1.011, 0.989};
const std::vector<double> kNoiseB = {0.996, 1.003, 1.010, 0.991, 1.006, 0.998, 0.994};

// A `sweep_fits` entry of the fields compare reads; a null sigma is a sweep without a fit.
inline json FitJson(const std::string& lock, json sigma, json kappa) {
  json fit;
  fit["workload"] = "read-mostly";
  fit["lock"] = lock;
  fit["placement"] = "compact";
  fit["model"] = "usl";
  fit["fitted"] = !sigma.is_null();
  fit["sigma"] = std::move(sigma);
  fit["kappa"] = std::move(kappa);
  return fit;
}

// One invocation's file of a thread sweep: a run (compare needs one) and its fits.
inline json SweepDoc(const std::string& invocation, std::vector<json> fits) {
  json run = RunJson(fits.empty() ? "eresource" : fits[0]["lock"].get<std::string>(), 1, 1e6);
  run.erase("invocation");
  json doc = Doc({run});
  doc["context"]["invocation"] = invocation;
  json array = json::array();
  for (json& f : fits) array.push_back(std::move(f));
  doc["sweep_fits"] = std::move(array);
  return doc;
}

inline ResultSide Side(const std::string& label, const json& doc) {
  return {label, {ParseResultFile(label, doc.dump())}};
}

inline CompareReport CompareDocs(const json& a, const json& b, CompareSettings settings = {}) {
  return CompareResults(Side("base.json", a), Side("new.json", b), settings);
}

// The sides as directories of one file per invocation.
inline ResultSide Sides(const std::string& label, const std::vector<json>& docs) {
  ResultSide side{label, {}};
  for (size_t i = 0; i < docs.size(); ++i) {
    side.files.push_back(ParseResultFile(label + std::to_string(i) + ".json", docs[i].dump()));
  }
  return side;
}

inline const MetricComparison& Only(const CompareReport& r) {
  EXPECT_EQ(r.compared.size(), 1u);
  EXPECT_EQ(r.compared.at(0).metrics.size(), 1u);
  return r.compared.at(0).metrics.at(0);
}

// What a CompareInputError says, or "" when none is thrown.
template <typename F>
std::string ErrorOf(F f) {
  try {
    f();
  } catch (const CompareInputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace lockbench::compare_test

#endif  // LOCKBENCH_RESULTS_COMPARE_TEST_SUPPORT_H_
