#include "results/sweep_fits.h"

#include <gtest/gtest.h>

#include <string>

#include "nlohmann/json.hpp"
#include "results/usl.h"

namespace lockbench {
namespace {

using nlohmann::json;

json RunJson(const std::string& lock, int threads, double throughput, const std::string& status = "ok") {
  return {{"lock", lock},       {"workload", "balanced"}, {"placement", "spread"},
          {"threads", threads}, {"status", status},       {"throughput_ops_per_s", throughput}};
}

TEST(SweepFits, FitsEachLocksSweepAndSaysWhyNotWhereItCannot) {
  json runs = json::array();
  for (int n : {1, 2, 4, 8, 16}) {
    for (int rep = 0; rep < 2; ++rep) runs.push_back(RunJson("push_lock", n, UslThroughput(2e6, 0.1, 0.004, n)));
    runs.push_back(RunJson("eresource", n > 2 ? 2 : n, 1e6));  // only 1 and 2 threads
  }
  runs.push_back(RunJson("push_lock", 32, 1, "stalled"));  // not ok: not a point
  json open = RunJson("push_lock", 64, 5e6);
  open["open_loop"] = {{"offered_ops_per_s", 1e6}};
  runs.push_back(open);  // open loop: its throughput is the offered rate, not a point
  const json fits = SweepFits(runs, 16);
  ASSERT_EQ(fits.size(), 2u);
  const json& push = fits[0];
  EXPECT_EQ(push["lock"], "push_lock");
  EXPECT_TRUE(push["fitted"].get<bool>());
  EXPECT_EQ(push["points"], 10);
  EXPECT_EQ(push["thread_counts"], json::array({1, 2, 4, 8, 16}));
  EXPECT_NEAR(push["sigma"].get<double>(), 0.1, 1e-3);
  EXPECT_NEAR(push["kappa"].get<double>(), 0.004, 4e-5);
  EXPECT_NEAR(push["peak_threads"].get<double>(), 15, 0.1);
  EXPECT_TRUE(push["why_not"].is_null());
  const json& eres = fits[1];
  EXPECT_FALSE(eres["fitted"].get<bool>());
  EXPECT_EQ(eres["why_not"], "too few points: 2 thread counts, a fit needs 4");
  EXPECT_TRUE(eres["sigma"].is_null());
  const std::string text = RenderSweepFits(fits);
  EXPECT_NE(text.find("balanced, push_lock: lambda 2 Mops/s, sigma 0.1000"), std::string::npos)
      << text;
  EXPECT_NE(text.find("peak 15.0 threads"), std::string::npos) << text;
  EXPECT_NE(text.find("balanced, eresource: no fit: too few points"), std::string::npos) << text;
}

TEST(SweepFits, OversubscribedRunsAreLeftOutAndSaidSo) {
  json runs = json::array();
  for (int n : {1, 2, 3, 4, 6, 8}) runs.push_back(RunJson("srwlock", n, UslThroughput(1e6, 0.2, 0.01, n)));
  const json fits = SweepFits(runs, 2);
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_FALSE(fits[0]["fitted"].get<bool>());
  EXPECT_EQ(fits[0]["oversubscribed_left_out"], 4);
  const std::string text = RenderSweepFits(fits);
  EXPECT_NE(text.find("4 oversubscribed runs left out"), std::string::npos) << text;
  EXPECT_NE(text.find("more threads than the 2 processors"), std::string::npos) << text;
  // One processor (a cgroup cpuset of one CPU, a Slurm task of one core): counted in the singular.
  const std::string one = RenderSweepFits(SweepFits(runs, 1));
  EXPECT_NE(one.find("5 oversubscribed runs left out"), std::string::npos) << one;
  EXPECT_NE(one.find("more threads than the 1 processor are"), std::string::npos) << one;
}

TEST(SweepFits, NothingWithoutASweep) {
  const json runs = json::array({RunJson("a", 2, 1e6), RunJson("b", 2, 2e6), RunJson("a", 2, 1.1e6)});
  EXPECT_TRUE(SweepFits(runs, 2).empty());
  EXPECT_EQ(RenderSweepFits(json::array()), "");
}

}  // namespace
}  // namespace lockbench
