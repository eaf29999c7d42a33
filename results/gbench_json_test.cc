#include "results/gbench_json.h"

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lockbench {
namespace {

using nlohmann::json;

json Context() {
  return {{"tool", "lockbench"},
          {"version", "0.1.0"},
          {"commit", "abc1234"},
          {"build_type", "optimized"},
          {"compiler", "gcc 12.2.0"},
          {"date", "2026-01-01T10:00:00Z"},
          {"hostname", "bench-1"},
          {"cpu_model", "Test CPU"},
          {"topology", "1 package, 2 cores"},
          {"pus", 4},
          {"cores", 2},
          {"kernel", "Linux 6.1"},
          {"smt", "on"},
          {"frequency_governor", nullptr},
          {"clock", "tsc"},
          {"tsc_ghz", 2.5997},
          {"timer_overhead_ns", 7.4}};
}

json RunJson(const std::string& lock, int threads, int rep, double throughput,
             const std::string& status = "ok", uint64_t exclusive_count = 3) {
  const double duration = 0.5;
  const auto ops = static_cast<uint64_t>(throughput * duration);
  return {{"lock", lock},
          {"workload", "read-mostly"},
          {"threads", threads},
          {"repetition", rep},
          {"placement", "compact"},
          {"status", status},
          {"status_detail", status == "ok" ? "" : "two holders in exclusive mode"},
          {"duration_s", duration},
          {"ops", ops},
          {"shared_ops", ops - 10},
          {"exclusive_ops", 10},
          {"throughput_ops_per_s", throughput},
          {"latency_ns",
           {{"shared", {{"count", 7}, {"p50", 40}, {"p99", 900}}},
            {"exclusive", {{"count", exclusive_count}, {"p50", 60}, {"p99", 2000}}}}},
          {"fairness", {{"jain_index", 0.9}}},
          {"handoff", {{"reacquire_rate", 0.25}}}};
}

// Two locks, two thread counts, three repetitions, interleaved as `lockbench run` writes them.
json Document() {
  std::vector<json> runs;
  const double tp[3] = {1e6, 2e6, 4e6};
  for (int threads : {1, 2}) {
    for (int rep = 1; rep <= 3; ++rep) {
      for (const char* lock : {"eresource", "push_lock"}) {
        runs.push_back(RunJson(lock, threads, rep, tp[rep - 1] * threads));
      }
    }
  }
  return {
      {"schema_version", 1}, {"context", Context()}, {"config", json::object()}, {"runs", runs}};
}

std::vector<json> Named(const json& out, const std::string& name) {
  std::vector<json> found;
  for (const json& b : out["benchmarks"]) {
    if (b["name"] == name) found.push_back(b);
  }
  return found;
}

TEST(GbenchCache, UsesGoogleBenchmarkTypeNames) {
  EXPECT_EQ(GbenchCache(1, "data", 49152, 2),
            json({{"type", "Data"}, {"level", 1}, {"size", 49152}, {"num_sharing", 2}}));
  EXPECT_EQ(GbenchCache(1, "instruction", 1, 1)["type"], "Instruction");
  EXPECT_EQ(GbenchCache(3, "unified", 1, 1)["type"], "Unified");
}

TEST(ToGbenchJson, ContextHasGoogleBenchmarkFieldsAndLockbenchExtras) {
  const json caches = json::array({GbenchCache(2, "unified", 2097152, 1)});
  const json ctx = ToGbenchJson(Document(), caches)["context"];
  EXPECT_EQ(ctx["date"], "2026-01-01T10:00:00Z");
  EXPECT_EQ(ctx["host_name"], "bench-1");
  EXPECT_EQ(ctx["executable"], "lockbench");
  EXPECT_EQ(ctx["num_cpus"], 4);
  EXPECT_EQ(ctx["mhz_per_cpu"], 2600);
  EXPECT_EQ(ctx["cpu_scaling_enabled"], false);
  EXPECT_EQ(ctx["caches"], caches);
  EXPECT_EQ(ctx["library_build_type"], "release");
  EXPECT_EQ(ctx["json_schema_version"], 1);
  EXPECT_EQ(ctx["lockbench_version"], "0.1.0");
  EXPECT_EQ(ctx["lockbench_commit"], "abc1234");
  EXPECT_EQ(ctx["lockbench_cpu_model"], "Test CPU");
  EXPECT_EQ(ctx["lockbench_tsc_ghz"], "2.5997");               // custom context values are strings
  EXPECT_FALSE(ctx.contains("lockbench_frequency_governor"));  // null: left out
}

TEST(ToGbenchJson, ContextFollowsGovernorAndBuildType) {
  json doc = Document();
  doc["context"]["frequency_governor"] = "powersave";
  doc["context"]["build_type"] = "tsan";
  const json ctx = ToGbenchJson(doc)["context"];
  EXPECT_EQ(ctx["cpu_scaling_enabled"], true);
  EXPECT_EQ(ctx["library_build_type"], "debug");
  EXPECT_EQ(ctx["caches"], json::array());
  doc["context"]["frequency_governor"] = "performance";
  EXPECT_EQ(ToGbenchJson(doc)["context"]["cpu_scaling_enabled"], false);
}

TEST(ToGbenchJson, OneIterationEntryPerRepetitionNamedLikeAGoogleBenchmarkFamily) {
  const json out = ToGbenchJson(Document());
  const std::vector<json> reps = Named(out, "eresource/read-mostly/repeats:3/threads:2");
  ASSERT_EQ(reps.size(), 3u);
  for (size_t i = 0; i < reps.size(); ++i) {
    const json& b = reps[i];
    const double tp = 2e6 * std::pow(2.0, static_cast<double>(i));
    EXPECT_EQ(b["run_name"], "eresource/read-mostly/repeats:3/threads:2");
    EXPECT_EQ(b["run_type"], "iteration");
    EXPECT_EQ(b["repetitions"], 3);
    EXPECT_EQ(b["repetition_index"], i);
    EXPECT_EQ(b["threads"], 2);
    EXPECT_EQ(b["family_index"], 0);
    EXPECT_EQ(b["per_family_instance_index"], 1);
    EXPECT_EQ(b["iterations"], static_cast<uint64_t>(tp * 0.5));
    EXPECT_EQ(b["time_unit"], "ns");
    EXPECT_DOUBLE_EQ(b["real_time"].get<double>(), 1e9 / tp);
    EXPECT_DOUBLE_EQ(b["cpu_time"].get<double>(), 1e9 / tp);
    EXPECT_DOUBLE_EQ(b["items_per_second"].get<double>(), tp);
    EXPECT_DOUBLE_EQ(b["shared_p99_ns"].get<double>(), 900);
    EXPECT_DOUBLE_EQ(b["exclusive_p50_ns"].get<double>(), 60);
    EXPECT_DOUBLE_EQ(b["jain"].get<double>(), 0.9);
    EXPECT_DOUBLE_EQ(b["reacquire_rate"].get<double>(), 0.25);
    EXPECT_EQ(b["label"], "placement:compact");
    EXPECT_FALSE(b.contains("error_occurred"));
  }
  EXPECT_EQ(Named(out, "push_lock/read-mostly/repeats:3/threads:1").at(0)["family_index"], 1);
  EXPECT_EQ(
      Named(out, "push_lock/read-mostly/repeats:3/threads:1").at(0)["per_family_instance_index"],
      0);
}

TEST(ToGbenchJson, AggregatesFollowTheRepetitionsOfEachInstance) {
  const json out = ToGbenchJson(Document());
  // 4 instances x (3 iterations + mean, median, stddev, cv).
  ASSERT_EQ(out["benchmarks"].size(), 4u * 7u);
  std::vector<std::string> order;
  for (size_t i = 0; i < 7; ++i) order.push_back(out["benchmarks"][i]["name"]);
  const std::string base = "eresource/read-mostly/repeats:3/threads:1";
  EXPECT_THAT(order, ::testing::ElementsAre(base, base, base, base + "_mean", base + "_median",
                                            base + "_stddev", base + "_cv"));
  // real_time of threads:1 is 1000, 500 and 250 ns per op.
  const double mean = (1000.0 + 500.0 + 250.0) / 3;
  const double sd =
      std::sqrt((std::pow(1000 - mean, 2) + std::pow(500 - mean, 2) + std::pow(250 - mean, 2)) / 2);
  const json m = Named(out, base + "_mean").at(0);
  EXPECT_EQ(m["run_type"], "aggregate");
  EXPECT_EQ(m["run_name"], base);
  EXPECT_EQ(m["aggregate_name"], "mean");
  EXPECT_EQ(m["aggregate_unit"], "time");
  EXPECT_EQ(m["iterations"], 3);
  EXPECT_EQ(m["threads"], 1);
  EXPECT_FALSE(m.contains("repetition_index"));
  EXPECT_NEAR(m["real_time"].get<double>(), mean, 1e-9);
  EXPECT_NEAR(m["items_per_second"].get<double>(), 7e6 / 3, 1e-6);
  EXPECT_NEAR(Named(out, base + "_median").at(0)["real_time"].get<double>(), 500, 1e-9);
  EXPECT_NEAR(Named(out, base + "_stddev").at(0)["cpu_time"].get<double>(), sd, 1e-9);
  const json cv = Named(out, base + "_cv").at(0);
  EXPECT_EQ(cv["aggregate_unit"], "percentage");
  EXPECT_NEAR(cv["real_time"].get<double>(), sd / mean, 1e-12);
}

TEST(ToGbenchJson, FailedRunsAreErrorsLeftOutOfAggregates) {
  json doc = Document();
  doc["runs"] = {RunJson("eresource", 2, 1, 1e6), RunJson("eresource", 2, 2, 3e6),
                 RunJson("eresource", 2, 3, 0, "violation")};
  const json out = ToGbenchJson(doc);
  const std::vector<json> reps = Named(out, "eresource/read-mostly/repeats:3/threads:2");
  ASSERT_EQ(reps.size(), 3u);
  EXPECT_EQ(reps[2]["error_occurred"], true);
  EXPECT_EQ(reps[2]["error_message"], "violation: two holders in exclusive mode");
  EXPECT_TRUE(reps[2]["real_time"].is_number());  // still readable by tools that expect it
  const json mean = Named(out, "eresource/read-mostly/repeats:3/threads:2_mean").at(0);
  EXPECT_EQ(mean["iterations"], 2);
  EXPECT_NEAR(mean["items_per_second"].get<double>(), 2e6, 1e-6);
}

TEST(ToGbenchJson, OneRepetitionHasNoAggregatesAndUntimedModesNoPercentiles) {
  json doc = Document();
  // json::array: a braced single element is that element, not an array of it, with clang.
  doc["runs"] = json::array({RunJson("push_lock", 4, 1, 5e6, "ok", 0)});
  const json out = ToGbenchJson(doc);
  ASSERT_EQ(out["benchmarks"].size(), 1u);
  const json& b = out["benchmarks"][0];
  EXPECT_EQ(b["name"], "push_lock/read-mostly/repeats:1/threads:4");
  EXPECT_TRUE(b.contains("shared_p99_ns"));
  EXPECT_FALSE(b.contains("exclusive_p50_ns"));
  EXPECT_FALSE(b.contains("exclusive_p99_ns"));
}

// What Google Benchmark's tools/gbench/report.py relies on: every entry has a string name and
// numeric real_time and cpu_time with a known time unit; entries of one benchmark share a name.
TEST(ToGbenchJson, EveryEntryIsComparableByGoogleBenchmarkTools) {
  const json out = ToGbenchJson(Document());
  ASSERT_TRUE(out["benchmarks"].is_array());
  std::map<std::string, int> iterations_per_name;
  for (const json& b : out["benchmarks"]) {
    ASSERT_TRUE(b["name"].is_string());
    EXPECT_TRUE(b["real_time"].is_number()) << b["name"];
    EXPECT_TRUE(b["cpu_time"].is_number()) << b["name"];
    EXPECT_TRUE(std::set<std::string>({"ns", "us", "ms", "s"}).count(b["time_unit"]));
    EXPECT_TRUE(b["run_type"] == "iteration" || b["run_type"] == "aggregate");
    if (b["run_type"] == "iteration") ++iterations_per_name[b["name"]];
  }
  EXPECT_EQ(iterations_per_name.size(), 4u);
  for (const auto& [name, n] : iterations_per_name) EXPECT_EQ(n, 3) << name;
}

TEST(ToGbenchJson, AnEmptyDocumentGivesAnEmptyBenchmarkList) {
  const json out = ToGbenchJson(json::object());
  EXPECT_EQ(out["benchmarks"], json::array());
  EXPECT_EQ(out["context"]["executable"], "lockbench");
}

}  // namespace
}  // namespace lockbench
