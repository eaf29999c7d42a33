#include "results/contention.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "results/result_json.h"
#include "results/summary.h"

namespace lockbench {
namespace {

using nlohmann::json;

// Two threads over half a second: 400 exclusive acquisitions of which 100 contended (two timed,
// waiting 100 and 250 ns), 200 shared of which none.
RunRecord Recorded() {
  RunRecord r;
  r.lock = "pthread_mutex";
  r.threads = 2;
  r.duration_s = 0.5;
  r.contention_measured = true;
  r.per_thread.resize(2);
  r.per_thread[0].exclusive_ops = 300;
  r.per_thread[0].exclusive_contended = 60;
  r.per_thread[0].exclusive_contended_wait.Record(100);
  r.per_thread[1].exclusive_ops = 100;
  r.per_thread[1].exclusive_contended = 40;
  r.per_thread[1].exclusive_contended_wait.Record(250);
  r.per_thread[1].shared_ops = 200;
  return r;
}

TEST(SummarizeContention, AddsThreadsUpPerModeOverTheWindowAndThreads) {
  const ContentionSummary c = SummarizeContention(Recorded());
  ASSERT_TRUE(c.measured);
  EXPECT_EQ(c.exclusive.acquisitions, 400u);
  EXPECT_EQ(c.exclusive.contended, 100u);
  EXPECT_DOUBLE_EQ(c.exclusive.contended_fraction, 0.25);
  EXPECT_DOUBLE_EQ(c.exclusive.acquisitions_per_s_per_thread, 400.0);  // 400 / 0.5 s / 2
  EXPECT_EQ(c.exclusive.wait.TotalCount(), 2u);
  EXPECT_EQ(c.shared.acquisitions, 200u);
  EXPECT_EQ(c.shared.contended, 0u);
  EXPECT_DOUBLE_EQ(c.shared.contended_fraction, 0.0);
  EXPECT_DOUBLE_EQ(c.shared.acquisitions_per_s_per_thread, 200.0);
  // Summarize carries it.
  EXPECT_EQ(Summarize(Recorded()).contention.exclusive.contended, 100u);
}

TEST(SummarizeContention, NothingWhenNotMeasured) {
  RunRecord r = Recorded();
  r.contention_measured = false;
  const ContentionSummary c = SummarizeContention(r);
  EXPECT_FALSE(c.measured);
  EXPECT_EQ(c.exclusive.acquisitions, 0u);
  EXPECT_TRUE(ContentionToJson(c).is_null());
}

// The run's contention object: each mode holds every figure of the table, under its name; a
// mode without a timed contended acquisition has null waits.
TEST(ContentionToJson, EveryFigureOfEachModeInTheRunObject) {
  const RunRecord r = Recorded();
  const json run = RunToJson(r, Summarize(r));
  ASSERT_TRUE(run.contains("contention"));
  const json& c = run["contention"];
  for (const char* mode : {"exclusive", "shared"}) {
    std::set<std::string> names;
    for (const ContentionFigure& f : ContentionFigures()) {
      names.emplace(f.name);
      EXPECT_TRUE(c[mode].contains(std::string(f.name))) << mode << "." << f.name;
      EXPECT_FALSE(f.meaning.empty());
    }
    EXPECT_EQ(c[mode].size(), names.size()) << c[mode].dump();
  }
  EXPECT_EQ(c["exclusive"]["acquisitions"], 400);
  EXPECT_EQ(c["exclusive"]["contended"], 100);
  EXPECT_EQ(c["exclusive"]["contended_fraction"], 0.25);
  EXPECT_EQ(c["exclusive"]["wait_p50_ns"], 100);
  EXPECT_EQ(c["exclusive"]["wait_p99_ns"], 250);
  EXPECT_EQ(c["exclusive"]["acquisitions_per_s_per_thread"], 400.0);
  EXPECT_TRUE(c["shared"]["wait_p50_ns"].is_null());
  EXPECT_TRUE(c["shared"]["wait_p99_ns"].is_null());
  // A run of any other workload says it was not measured.
  RunRecord plain = r;
  plain.contention_measured = false;
  EXPECT_TRUE(RunToJson(plain, Summarize(plain))["contention"].is_null());
}

// The schema describes each mode's object with exactly the table's figures.
TEST(ContentionFigures, AreTheSchemasModeContention) {
  std::ifstream in("results/result_schema.json");
  ASSERT_TRUE(in) << "results/result_schema.json is not in the test's runfiles";
  const json schema = json::parse(in);
  const json& mode = schema.at("$defs").at("mode_contention");
  std::vector<std::string> names;
  for (const ContentionFigure& f : ContentionFigures()) {
    names.emplace_back(f.name);
    EXPECT_TRUE(mode.at("properties").contains(std::string(f.name))) << f.name;
  }
  EXPECT_EQ(mode.at("required").get<std::vector<std::string>>(), names);
  EXPECT_EQ(mode.at("properties").size(), names.size());
}

}  // namespace
}  // namespace lockbench
