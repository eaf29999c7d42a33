// `lockbench merge` fits each thread sweep again over the merged runs: a sweep run in slices
// (`run --shard K/N`, one slice per node of a job array) has no fit in any slice's file, since no
// slice holds enough thread counts, and gets its fit back in the merged one.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "results/merge.h"
#include "results/usl.h"

namespace lockbench {
namespace {

using nlohmann::json;

constexpr double kLambda = 2e6, kSigma = 0.08, kKappa = 0.004;
const std::vector<int> kThreads = {1, 2, 4, 8, 12, 16};

json MakeRun(const std::string& lock, int threads) {
  json run = json::object();
  run["lock"] = lock;
  run["workload"] = "writer-storm";
  run["placement"] = "compact";
  run["threads"] = threads;
  run["repetition"] = 1;
  run["status"] = "ok";
  run["throughput_ops_per_s"] = UslThroughput(kLambda, kSigma, kKappa, threads);
  return run;
}

json Context(const std::string& host, int pus) {
  json context = json::object();
  context["hostname"] = host;
  context["pus"] = pus;
  return context;
}

// Slice k of `count` of the sweep of kThreads on one lock, dealt round-robin as --shard does:
// each slice holds two or three thread counts, too few for a fit on its own.
LoadedResult Slice(int k, int count, int pus) {
  json doc = json::object();
  doc["schema_version"] = 1;
  doc["context"] = Context("node" + std::to_string(k), pus);
  json shard = json::object();
  shard["index"] = k;
  shard["count"] = count;
  shard["sweep_runs"] = kThreads.size();
  json runs = json::array();
  for (size_t i = 0; i < kThreads.size(); ++i) {
    if (static_cast<int>(i % count) == k - 1) runs.push_back(MakeRun("push_lock", kThreads[i]));
  }
  shard["runs"] = runs.size();
  json config = json::object();
  config["workload"] = "writer-storm";
  config["shard"] = shard;
  doc["config"] = config;
  doc["runs"] = runs;
  return {"slice" + std::to_string(k) + ".json", doc};
}

TEST(MergeFits, ASweepInSlicesIsFittedOverAllItsSlices) {
  const json merged = MergeResults({Slice(1, 3, 16), Slice(2, 3, 16), Slice(3, 3, 16)});
  ASSERT_TRUE(merged.contains("sweep_fits")) << merged.dump();
  ASSERT_EQ(merged["sweep_fits"].size(), 1u);
  const json& fit = merged["sweep_fits"][0];
  ASSERT_TRUE(fit["fitted"].get<bool>()) << fit.dump();
  EXPECT_EQ(fit["lock"], "push_lock");
  EXPECT_EQ(fit["thread_counts"], json(kThreads));
  EXPECT_EQ(fit["contexts"], json(std::vector<int>{0, 1, 2}));
  EXPECT_EQ(fit["processors"], 16);
  EXPECT_NEAR(fit["lambda_ops_per_s"].get<double>(), kLambda, 0.01 * kLambda);
  EXPECT_NEAR(fit["sigma"].get<double>(), kSigma, 0.01 * kSigma);
  EXPECT_NEAR(fit["kappa"].get<double>(), kKappa, 0.01 * kKappa);
}

TEST(MergeFits, SlicesOnMachinesOfDifferentSizesGetNoFitAndSayWhy) {
  const json merged = MergeResults({Slice(1, 3, 16), Slice(2, 3, 16), Slice(3, 3, 64)});
  ASSERT_EQ(merged["sweep_fits"].size(), 1u);
  const json& fit = merged["sweep_fits"][0];
  EXPECT_FALSE(fit["fitted"].get<bool>());
  EXPECT_EQ(fit["why_not"],
            "the sweep's slices ran on machines with different processor counts (16, 64); a fit "
            "needs one kind of machine");
  EXPECT_TRUE(fit["sigma"].is_null());
  EXPECT_TRUE(fit["kappa"].is_null());
}

// Two machines' whole sweeps (a CI job matrix): each is fitted on its own, with its own
// processors, never the two together.
TEST(MergeFits, EachMachinesSweepIsFittedOnItsOwn) {
  std::vector<LoadedResult> inputs;
  for (const auto& [host, pus] : {std::pair{"small", 4}, std::pair{"large", 32}}) {
    json doc = json::object();
    doc["schema_version"] = 1;
    doc["context"] = Context(host, pus);
    doc["config"] = json::object();
    doc["runs"] = json::array();
    for (int n : kThreads) doc["runs"].push_back(MakeRun("srwlock", n));
    inputs.push_back({std::string(host) + ".json", doc});
  }
  const json merged = MergeResults(inputs);
  ASSERT_EQ(merged["sweep_fits"].size(), 2u);
  const json& small = merged["sweep_fits"][0];
  const json& large = merged["sweep_fits"][1];
  EXPECT_EQ(small["contexts"], json(std::vector<int>{0}));
  EXPECT_EQ(large["contexts"], json(std::vector<int>{1}));
  // 4 processors: 8, 12 and 16 threads are oversubscribed and left out, leaving 3 counts.
  EXPECT_FALSE(small["fitted"].get<bool>());
  EXPECT_EQ(small["oversubscribed_left_out"], 3);
  EXPECT_TRUE(large["fitted"].get<bool>()) << large.dump();
  EXPECT_EQ(large["points"], 6);
}

TEST(MergeFits, NoSweepNoFits) {
  json doc = json::object();
  doc["schema_version"] = 1;
  doc["context"] = Context("one", 8);
  doc["config"] = json::object();
  doc["runs"] = json::array();
  doc["runs"].push_back(MakeRun("srwlock", 2));
  EXPECT_FALSE(MergeResults({{"one.json", doc}}).contains("sweep_fits"));
}

}  // namespace
}  // namespace lockbench
