// The run-option table: every row reaches every output it names (its flag, the journal's save
// and restore, --resume's rule), as EveryFieldReachesEveryOutput proves for workload fields.
#include "tool/plan/run_options.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "gtest/gtest.h"
#include "tool/plan/lock_catalog.h"
#include "tool/plan/run_plan.h"
#include "workloads/units.h"

namespace lockbench {
namespace {

using json = nlohmann::json;

bool IsMarker(const RunOptionRow& row) {
  return row.flag == kWorkloadFlagsRow || row.flag == kLockSettingFlagsRow;
}

std::string LongName(const RunOptionRow& row) {
  return std::string(row.flag.substr(0, row.flag.find(',')));
}

// Parses `args` (after "run") into a fresh RunOptions; returns false on a parse error.
bool Parse(const std::vector<std::string>& args, RunOptions* run, CLI::App* app) {
  AddRunFlags(app, run);
  std::vector<const char*> argv = {"run"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app->parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    return false;
  }
  return true;
}

// The arguments that give `row` a value of its own, and a check that the value arrived.
std::vector<std::string> ArgsFor(const RunOptionRow& row, int i) {
  const std::string flag = LongName(row);
  if (std::holds_alternative<bool RunOptions::*>(row.field)) return {flag};
  if (std::holds_alternative<std::vector<std::string> RunOptions::*>(row.field)) {
    return {flag, "a" + std::to_string(i), "b" + std::to_string(i)};
  }
  return {flag, "v" + std::to_string(i)};
}

void ExpectValue(const RunOptionRow& row, const RunOptions& run, int i) {
  if (auto* s = std::get_if<std::string RunOptions::*>(&row.field)) {
    EXPECT_EQ(run.**s, "v" + std::to_string(i)) << row.flag;
  } else if (auto* b = std::get_if<bool RunOptions::*>(&row.field)) {
    EXPECT_TRUE(run.**b) << row.flag;
  } else {
    EXPECT_EQ(run.*std::get<std::vector<std::string> RunOptions::*>(row.field),
              (std::vector<std::string>{"a" + std::to_string(i), "b" + std::to_string(i)}))
        << row.flag;
  }
}

TEST(RunOptionTableTest, EveryRowReachesEveryOutput) {
  int i = 0;
  for (const RunOptionRow& row : RunOptionRows()) {
    ++i;
    if (IsMarker(row)) continue;
    SCOPED_TRACE(std::string(row.flag));
    // The flag: CLI11 stores what was given into the row's field.
    RunOptions run;
    CLI::App app;
    ASSERT_TRUE(Parse(ArgsFor(row, i), &run, &app));
    ExpectValue(row, run, i);
    // The journal: a journaled row is saved under its key and restored; the others are not
    // carried into a resumed sweep.
    const json saved = OptionsToJson(run, 7);
    const RunOptions restored = OptionsFromJson(saved);
    if (row.journal_key.empty()) {
      RunOptions defaults;
      if (auto* s = std::get_if<std::string RunOptions::*>(&row.field)) {
        EXPECT_EQ(restored.**s, defaults.**s);
      } else if (auto* b = std::get_if<bool RunOptions::*>(&row.field)) {
        EXPECT_EQ(restored.**b, defaults.**b);
      }
    } else if (row.journal_key == "latency_sample") {
      // What `auto` chose is recorded, not the flag's text.
      EXPECT_EQ(saved.at("latency_sample"), "7");
      EXPECT_EQ(restored.latency_sample, "7");
    } else {
      ASSERT_TRUE(saved.contains(std::string(row.journal_key)));
      ExpectValue(row, restored, i);
      if (row.negated) {
        EXPECT_EQ(saved.at(std::string(row.journal_key)), false);
      }
    }
    // --resume: only the rows marked for it may come along.
    RunOptions with_resume;
    CLI::App resume_app;
    std::vector<std::string> args = {"--resume", "sweep.json"};
    if (LongName(row) != "--resume") {
      for (const std::string& a : ArgsFor(row, i)) args.push_back(a);
    }
    ASSERT_TRUE(Parse(args, &with_resume, &resume_app));
    const std::string conflict = ResumeConflict(&resume_app);
    if (row.with_resume) {
      EXPECT_EQ(conflict, "");
    } else {
      EXPECT_NE(conflict.find(LongName(row)), std::string::npos) << conflict;
    }
  }
}

TEST(RunOptionTableTest, GeneratedFlagsGoIntoTheirMapsAndTheJournal) {
  RunOptions run;
  CLI::App app;
  ASSERT_TRUE(Parse({"--threads", "4", "--spin-count", "64"}, &run, &app));
  DropUngivenFlags(&app, &run);
  EXPECT_EQ(run.workload_flags, (std::map<std::string, std::string>{{"threads", "4"}}));
  EXPECT_EQ(run.lock_settings, (std::map<std::string, std::string>{{"spin_count", "64"}}));
  const RunOptions restored = OptionsFromJson(OptionsToJson(run, 1));
  EXPECT_EQ(restored.workload_flags, run.workload_flags);
  EXPECT_EQ(restored.lock_settings, run.lock_settings);
}

TEST(RunOptionTableTest, ForceWithoutResumeIsRefused) {
  RunOptions run;
  CLI::App app;
  ASSERT_TRUE(Parse({"--force"}, &run, &app));
  EXPECT_EQ(ResumeConflict(&app), "--force: only with --resume");
}

TEST(RunOptionTableTest, RowsHaveDistinctFlagsAndJournalKeys) {
  std::set<std::string> flags, keys;
  for (const RunOptionRow& row : RunOptionRows()) {
    EXPECT_TRUE(flags.insert(LongName(row)).second) << row.flag;
    if (!row.journal_key.empty()) {
      EXPECT_TRUE(keys.insert(std::string(row.journal_key)).second) << row.journal_key;
    }
  }
  EXPECT_FALSE(keys.contains("workload_flags"));
  EXPECT_FALSE(keys.contains("lock_settings"));
}

// The recorded config: a planned run's config holds every row's key, and a row recorded as given
// holds its value, typed (durations in ns).
TEST(RunOptionTableTest, EveryConfigKeyReachesTheRecordedConfig) {
  const RunOptions o{.locks = "push_lock",
                     .smt = "off",
                     .latency_sample = "4",
                     .stall_timeout = "3s",
                     .time_series_interval = "5ms"};
  const RunPlan plan = PlanRun(o);
  const json& config = plan.config;
  for (const RunOptionRow& row : RunOptionRows()) {
    if (row.config_key.empty() || row.config_key == "plugins") continue;  // plugins: none given
    SCOPED_TRACE(std::string(row.flag));
    EXPECT_TRUE(config.contains(std::string(row.config_key)));
  }
  EXPECT_EQ(config.at("smt"), "off");
  EXPECT_EQ(config.at("placement"), "compact");
  EXPECT_EQ(config.at("stall_timeout_ns"), 3'000'000'000u);
  EXPECT_EQ(config.at("time_series_interval_ns"), 5'000'000u);
  EXPECT_EQ(config.at("latency_sample_every"), 4u);
  EXPECT_EQ(config.at("locks"), json::array({"push_lock"}));
  ASSERT_FALSE(plan.runs.empty());
  EXPECT_EQ(plan.runs[0].engine.stall_timeout_ns, 3'000'000'000u);
  EXPECT_EQ(plan.runs[0].engine.time_series_interval_ns, 5'000'000u);
}

// A typed row reads its value with the row's range, and a bad one is refused with the row's
// flag and what is allowed.
TEST(RunOptionTableTest, TypedRowsCheckTheirRange) {
  const RunOptions o{.latency_sample = "0",
                     .stall_timeout = "0",
                     .time_series_interval = "100us",
                     .torture_seed = "x"};
  EXPECT_EQ(DurationOption(o, &RunOptions::time_series_interval), 100'000u);
  auto message = [&](auto read) {
    try {
      read();
    } catch (const SpecError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([&] { DurationOption(o, &RunOptions::stall_timeout); }),
            "--stall-timeout: '0' is too short; at least 1ms");
  EXPECT_EQ(message([&] { CountOption(o, &RunOptions::latency_sample); }),
            "--latency-sample: '0' is out of range; expected auto or 1 to 1000000");
  const std::string seed = message([&] { CountOption(o, &RunOptions::torture_seed); });
  EXPECT_EQ(seed.rfind("--torture-seed: ", 0), 0u) << seed;
  EXPECT_TRUE(seed.ends_with("; expected 0 to 9223372036854775807")) << seed;
  // A bad count states the range once, with the keyword, whatever is wrong with it.
  for (const char* bad : {"-1", "2000000", "1.5", "autp"}) {
    const RunOptions b{.latency_sample = bad};
    const std::string m = message([&] { CountOption(b, &RunOptions::latency_sample); });
    EXPECT_EQ(m.rfind(std::string("--latency-sample: '") + bad + "' ", 0), 0u) << m;
    EXPECT_TRUE(m.ends_with("; expected auto or 1 to 1000000")) << m;
    EXPECT_EQ(m.find("expected"), m.rfind("expected")) << m;
  }
  EXPECT_EQ(DurationOption(RunOptions{.stall_timeout = "1h"}, &RunOptions::stall_timeout),
            3'600'000'000'000u);
  // Every typed row holds text, so the readers can find it by its member.
  for (const RunOptionRow& row : RunOptionRows()) {
    if (row.kind == ValueKind::kText) continue;
    EXPECT_TRUE(std::holds_alternative<std::string RunOptions::*>(row.field)) << row.flag;
  }
}

// --shard K/N: the slices of a sweep are disjoint, together the whole sweep in its order, and
// each holds every lock in turn, so a slice is a fair sample of the sweep.
TEST(RunPlanTest, ShardsSliceTheSweepFairly) {
  const RunOptions whole{.locks = "push_lock,eresource,srwlock",
                         .workload_flags = {{"threads", "1,2"}, {"repetitions", "2"}},
                         .latency_sample = "1"};
  const RunPlan all = PlanRun(whole);
  ASSERT_EQ(all.runs.size(), 12u);
  EXPECT_EQ(all.sweep_runs, 12u);
  EXPECT_TRUE(all.config.at("shard").is_null());
  auto name = [](const PlannedRun& r) {
    return std::string(r.lock->traits.name) + "/" + std::to_string(r.engine.threads) + "/" +
           std::to_string(r.engine.repetition);
  };
  std::multiset<std::string> dealt;
  for (int k = 1; k <= 3; ++k) {
    RunOptions o = whole;
    o.shard = std::to_string(k) + "/3";
    const RunPlan slice = PlanRun(o);
    SCOPED_TRACE(o.shard);
    EXPECT_EQ(slice.runs.size(), 4u);
    EXPECT_EQ(slice.config.at("shard"),
              json({{"index", k}, {"count", 3}, {"runs", 4}, {"sweep_runs", 12}}));
    std::set<std::string> locks;
    for (const PlannedRun& r : slice.runs) {
      dealt.insert(name(r));
      locks.insert(std::string(r.lock->traits.name));
    }
    EXPECT_EQ(locks.size(), 3u);  // every lock in turn
  }
  std::multiset<std::string> expected;
  for (const PlannedRun& r : all.runs) expected.insert(name(r));
  EXPECT_EQ(dealt, expected);  // disjoint, and together the whole sweep
}

TEST(RunPlanTest, ShardIsKOfN) {
  EXPECT_EQ(ParseShard("2/3").index, 2);
  EXPECT_EQ(ParseShard("2/3").count, 3);
  EXPECT_EQ(ParseShard("1/1").count, 1);
  for (const char* bad : {"0/3", "4/3", "1/0", "x", "2/3x", "/3", "2/", "-1/3", " 1/3", "1/100001"}) {
    EXPECT_THROW(ParseShard(bad), SpecError) << bad;
  }
  // Lock l of round r goes to slice (l + r) mod N: round 0 deals locks 0, 1, 2 to slices 1, 2,
  // 3; round 1 to slices 2, 3, 1.
  const Shard second{.index = 2, .count = 3};
  EXPECT_TRUE(InShard(second, 1, 0));
  EXPECT_TRUE(InShard(second, 0, 1));
  EXPECT_FALSE(InShard(second, 1, 1));
}

// --latency-sample auto weighs the work per acquisition by the share of shared acquisitions,
// which per-instance read ratios set in place of read_ratio.
TEST(RunPlanTest, SampleEveryReadsPerInstanceReadRatios) {
  WorkloadSpec spec;
  spec.shared_cs_ns = 0;
  spec.exclusive_cs_ns = 100'000;  // far above 20 timings
  spec.think = ThinkKind::kNone;
  spec.read_ratio = 0;
  spec.lock_instances = 2;
  spec.lock_choice = LockChoice::kUniform;
  const TimedAcquisitionCost timed{.shared_ns = 30, .exclusive_ns = 30};
  EXPECT_EQ(SampleEvery(spec, timed), 1u);  // every acquisition exclusive and long
  spec.lock_read_ratios = {1.0, 1.0};       // every acquisition shared and empty
  EXPECT_EQ(SampleEvery(spec, timed), 256u);
  spec.lock_read_ratios = {1.0, 0.0};  // half of them long
  EXPECT_EQ(SampleEvery(spec, timed), 1u);
  spec.lock_choice = LockChoice::kWeights;  // ... unless the exclusive instance is never chosen
  spec.lock_weights = {1.0, 0.0};
  EXPECT_EQ(SampleEvery(spec, timed), 256u);
}

}  // namespace
}  // namespace lockbench
