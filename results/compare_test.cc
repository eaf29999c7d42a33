#include "results/compare.h"

#include <sys/stat.h>

#include <cmath>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "results/compare_test_support.h"

namespace lockbench::compare_test {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// ---- Settings -------------------------------------------------------------------------------

TEST(ParseMetricList, NamesInOrderWithoutDuplicates) {
  EXPECT_THAT(ParseMetricList("throughput"), ElementsAre(M("throughput")));
  EXPECT_THAT(ParseMetricList("shared_p99, jain,shared_p99"),
              ElementsAre(M("shared_p99"), M("jain")));
  EXPECT_THAT(ParseMetricList("shared_p50,exclusive_p50,exclusive_p99"),
              ElementsAre(M("shared_p50"), M("exclusive_p50"), M("exclusive_p99")));
}

TEST(ParseMetricList, RefusesUnknownAndEmptyNames) {
  EXPECT_THAT(ErrorOf([] { ParseMetricList("throughput,latency"); }),
              AllOf(HasSubstr("'latency' is not a metric"), HasSubstr("shared_p99")));
  EXPECT_THAT(ErrorOf([] { ParseMetricList(""); }), HasSubstr("empty metric name"));
  EXPECT_THAT(ErrorOf([] { ParseMetricList("throughput,"); }), HasSubstr("empty metric name"));
}

TEST(HigherIsBetter, ThroughputAndJainUpLatencyDown) {
  EXPECT_TRUE(HigherIsBetter(*M("throughput")));
  EXPECT_TRUE(HigherIsBetter(*M("jain")));
  EXPECT_FALSE(HigherIsBetter(*M("shared_p99")));
  EXPECT_FALSE(HigherIsBetter(*M("exclusive_p50")));
}

TEST(ParseThreshold, AcceptsPercentAndFraction) {
  EXPECT_DOUBLE_EQ(ParseThreshold("5%"), 0.05);
  EXPECT_DOUBLE_EQ(ParseThreshold("0.05"), 0.05);
  EXPECT_DOUBLE_EQ(ParseThreshold(" 2.5 % "), 0.025);
  EXPECT_DOUBLE_EQ(ParseThreshold("0"), 0.0);
  EXPECT_DOUBLE_EQ(ParseThreshold("150%"), 1.5);
}

TEST(ParseThreshold, RefusesAmbiguousNegativeAndGarbage) {
  EXPECT_THAT(ErrorOf([] { ParseThreshold("5"); }), AllOf(HasSubstr("ambiguous"), HasSubstr("5%")));
  EXPECT_THAT(ErrorOf([] { ParseThreshold("-1%"); }), HasSubstr("not a threshold"));
  EXPECT_THAT(ErrorOf([] { ParseThreshold("five"); }), HasSubstr("not a threshold"));
  EXPECT_THAT(ErrorOf([] { ParseThreshold("%"); }), HasSubstr("not a threshold"));
  EXPECT_THAT(ErrorOf([] { ParseThreshold("nan"); }), HasSubstr("not a threshold"));
}

TEST(ParseAlpha, StrictlyBetweenZeroAndOne) {
  EXPECT_DOUBLE_EQ(ParseAlpha("0.05"), 0.05);
  EXPECT_DOUBLE_EQ(ParseAlpha("0.001"), 0.001);
  for (const char* bad : {"0", "1", "-0.1", "x", ""}) {
    EXPECT_THAT(ErrorOf([bad] { ParseAlpha(bad); }), HasSubstr("not a significance level")) << bad;
  }
}

TEST(SmallestPossiblePValue, IsTwoOverTheNumberOfRankAssignments) {
  EXPECT_DOUBLE_EQ(SmallestPossiblePValue(3, 3), 0.1);       // 2 / C(6, 3) = 2 / 20
  EXPECT_DOUBLE_EQ(SmallestPossiblePValue(4, 4), 2.0 / 70);  // 0.029: reaches 0.05
  EXPECT_DOUBLE_EQ(SmallestPossiblePValue(7, 7), 2.0 / 3432);
  EXPECT_DOUBLE_EQ(SmallestPossiblePValue(3, 4), 2.0 / 35);  // 0.057: does not
  EXPECT_DOUBLE_EQ(SmallestPossiblePValue(1, 1), 1.0);
  EXPECT_DOUBLE_EQ(SmallestPossiblePValue(0, 5), 1.0);
}

// ---- Comparing ------------------------------------------------------------------------------

TEST(CompareResults, IdenticalInputsChangeNothing) {
  const json doc = Doc(Reps("eresource", 2e6, kNoiseA));
  const CompareReport r = CompareDocs(doc, doc);
  const MetricComparison& m = Only(r);
  EXPECT_EQ(m.verdict, Verdict::kWithinThreshold);
  EXPECT_DOUBLE_EQ(m.change, 0.0);
  EXPECT_DOUBLE_EQ(m.p_value, 1.0);
  EXPECT_EQ(m.baseline.size(), 7u);
  EXPECT_FALSE(m.weak);
  EXPECT_FALSE(r.HasRegression());
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_TRUE(RegressionLines(r).empty());
}

TEST(CompareResults, ClearThroughputDropIsARegressionNamingTheRun) {
  std::vector<json> base = Reps("eresource", 2e6, kNoiseA);
  std::vector<json> next = Reps("eresource", 1.4e6, kNoiseB);  // -30%
  for (const json& r : Reps("shared_mutex", 3e6, kNoiseA)) base.push_back(r);
  for (const json& r : Reps("shared_mutex", 3e6, kNoiseB)) next.push_back(r);
  const CompareReport r = CompareDocs(Doc(base), Doc(next));
  ASSERT_EQ(r.compared.size(), 2u);
  const MetricComparison& m = r.compared[0].metrics[0];
  EXPECT_EQ(r.compared[0].key.lock, "eresource");
  EXPECT_EQ(m.verdict, Verdict::kRegression);
  EXPECT_NEAR(m.change, -0.30, 0.01);
  EXPECT_TRUE(m.exact);
  EXPECT_NEAR(m.p_value, 2.0 / 3432, 1e-9);  // fully separated 7 vs 7
  EXPECT_EQ(r.compared[1].metrics[0].verdict, Verdict::kWithinThreshold);
  EXPECT_EQ(r.Count(Verdict::kRegression), 1);
  EXPECT_THAT(
      RegressionLines(r),
      ElementsAre(AllOf(StartsWith("eresource read-mostly 2 threads compact: throughput -30"),
                        HasSubstr("p=0.0006"))));
}

TEST(CompareResults, LatencyRiseIsARegressionAndFallAnImprovement) {
  CompareSettings settings;
  settings.metrics = {M("shared_p99")};
  const json base = Doc(Reps("eresource", 2e6, kNoiseA, 1000));
  EXPECT_EQ(Only(CompareDocs(base, Doc(Reps("eresource", 2e6, kNoiseB, 1400)), settings)).verdict,
            Verdict::kRegression);
  EXPECT_EQ(Only(CompareDocs(base, Doc(Reps("eresource", 2e6, kNoiseB, 600)), settings)).verdict,
            Verdict::kImprovement);
}

TEST(CompareResults, ThroughputRiseIsAnImprovementThatDoesNotFail) {
  const CompareReport r =
      CompareDocs(Doc(Reps("eresource", 2e6, kNoiseA)), Doc(Reps("eresource", 2.6e6, kNoiseB)));
  EXPECT_EQ(Only(r).verdict, Verdict::kImprovement);
  EXPECT_EQ(r.Count(Verdict::kImprovement), 1);
  EXPECT_FALSE(r.HasRegression());
}

TEST(CompareResults, NoiseWithinTheThresholdPasses) {
  const std::vector<double> wide = {1.033, 0.970, 1.012, 0.988, 1.025, 0.979, 1.002};
  const MetricComparison m =
      Only(CompareDocs(Doc(Reps("eresource", 2e6, kNoiseA)), Doc(Reps("eresource", 2e6, wide))));
  EXPECT_EQ(m.verdict, Verdict::kWithinThreshold);
  EXPECT_LT(std::fabs(m.change), 0.05);
}

TEST(CompareResults, SignificantChangeBelowTheThresholdPasses) {
  const std::vector<double> tiny = {1.000, 1.002, 0.998, 1.004, 0.996, 1.005, 0.995};
  const MetricComparison m = Only(
      CompareDocs(Doc(Reps("eresource", 2e6, kNoiseA)), Doc(Reps("eresource", 2e6 * 0.97, tiny))));
  EXPECT_LT(m.p_value, 0.05);  // real...
  EXPECT_NEAR(m.change, -0.03, 0.002);
  EXPECT_EQ(m.verdict, Verdict::kWithinThreshold);  // ...but smaller than 5%
}

TEST(CompareResults, AThresholdIsExceededOnlyWhenTheChangeIsLarger) {
  CompareSettings settings;
  settings.threshold = 0.25;
  std::vector<json> base, next;
  for (int i = 0; i < 7; ++i) base.push_back(RunJson("eresource", i + 1, 1000.0 + i));
  for (int i = 0; i < 7; ++i) next.push_back(RunJson("eresource", i + 1, 750.0 + i * 0.75));
  const MetricComparison m = Only(CompareDocs(Doc(base), Doc(next), settings));
  EXPECT_DOUBLE_EQ(m.change, -0.25);
  EXPECT_EQ(m.verdict, Verdict::kWithinThreshold);
  settings.threshold = 0.2499;
  EXPECT_EQ(Only(CompareDocs(Doc(base), Doc(next), settings)).verdict, Verdict::kRegression);
}

TEST(CompareResults, LargeChangeOverThreeNoisyRepetitionsIsNotSignificantAndWarns) {
  const CompareReport r = CompareDocs(Doc(Reps("eresource", 2e6, {1.0, 0.5, 1.4})),
                                      Doc(Reps("eresource", 2e6, {0.60, 1.14, 0.42})));
  const MetricComparison& m = Only(r);
  EXPECT_NEAR(m.change, -0.40, 1e-9);
  EXPECT_EQ(m.verdict, Verdict::kNotSignificant);
  EXPECT_TRUE(m.weak);
  EXPECT_FALSE(r.HasRegression());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(
      r.warnings[0],
      AllOf(HasSubstr("3 vs 3"), HasSubstr("smallest possible p-value is 0.100"), HasSubstr("7")));
}

TEST(CompareResults, EvenAPerfectSeparationOverThreeRepetitionsCannotFail) {
  const CompareReport r = CompareDocs(Doc(Reps("eresource", 2e6, {1.0, 1.01, 0.99})),
                                      Doc(Reps("eresource", 1e6, {1.0, 1.01, 0.99})));
  EXPECT_DOUBLE_EQ(Only(r).p_value, 0.1);
  EXPECT_EQ(Only(r).verdict, Verdict::kNotSignificant);
}

TEST(CompareResults, FiveRepetitionsAreNotWeak) {
  const std::vector<double> five = {1.0, 1.01, 0.99, 1.005, 0.995};
  const CompareReport r =
      CompareDocs(Doc(Reps("eresource", 2e6, five)), Doc(Reps("eresource", 1e6, five)));
  EXPECT_FALSE(Only(r).weak);
  EXPECT_EQ(Only(r).verdict, Verdict::kRegression);  // p = 2/252
  EXPECT_TRUE(r.warnings.empty());
}

TEST(CompareResults, RepetitionsThatDidNotEndOkAreLeftOutWithAWarning) {
  std::vector<json> next = Reps("eresource", 2e6, kNoiseB);
  next.push_back(RunJson("eresource", 8, 0.0, 1000, "violation"));
  const CompareReport r = CompareDocs(Doc(Reps("eresource", 2e6, kNoiseA)), Doc(next));
  EXPECT_EQ(Only(r).candidate.size(), 7u);
  EXPECT_EQ(r.compared[0].candidate_runs, 8);
  EXPECT_EQ(Only(r).verdict, Verdict::kWithinThreshold);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("new has 1 of 8 repetitions not ok (1 violation)"));
}

TEST(CompareResults, LatencyOfAModeNeverTimedHasNoData) {
  CompareSettings settings;
  settings.metrics = {M("exclusive_p99"), M("throughput")};
  std::vector<json> base, next;
  for (int i = 0; i < 7; ++i) base.push_back(RunJson("eresource", i + 1, 2e6, 1000, "ok", 0));
  for (int i = 0; i < 7; ++i) next.push_back(RunJson("eresource", i + 1, 2e6, 1000, "ok", 0));
  const CompareReport r = CompareDocs(Doc(base), Doc(next), settings);
  ASSERT_EQ(r.compared.at(0).metrics.size(), 2u);
  EXPECT_EQ(r.compared[0].metrics[0].verdict, Verdict::kNoData);
  EXPECT_EQ(r.compared[0].metrics[1].verdict, Verdict::kWithinThreshold);
  EXPECT_EQ(r.Count(Verdict::kNoData), 1);
}

// Runs whose exclusive waits were passed by more grants than FIFO allows in `over` of them.
std::vector<json> BypassReps(const std::string& lock, const std::vector<double>& over,
                             uint64_t waited = 100) {
  std::vector<json> runs;
  for (size_t i = 0; i < over.size(); ++i) {
    json run = RunJson(lock, static_cast<int>(i) + 1, 2e6);
    run["handoff"]["bypass"] = {{"exclusive", {{"waited", waited}, {"over_fifo_bound", over[i]}}},
                                {"shared", {{"waited", 0}, {"over_fifo_bound", 0.0}}}};
    runs.push_back(std::move(run));
  }
  return runs;
}

TEST(CompareResults, BypassRiseIsARegressionAndRunsWithoutWaitsOrBypassHaveNoData) {
  CompareSettings settings;
  settings.metrics = {M("bypass")};
  EXPECT_FALSE(HigherIsBetter(*M("bypass")));
  EXPECT_THAT(ParseMetricList("bypass"), ElementsAre(M("bypass")));
  const std::vector<double> fifo(7, 0.0);
  const std::vector<double> barging = {0.20, 0.22, 0.19, 0.25, 0.21, 0.18, 0.23};
  const MetricComparison worse =
      Only(CompareDocs(Doc(BypassReps("eresource", fifo)), Doc(BypassReps("eresource", barging)),
                       settings));
  EXPECT_EQ(worse.verdict, Verdict::kRegression);
  EXPECT_EQ(Only(CompareDocs(Doc(BypassReps("eresource", fifo)),
                             Doc(BypassReps("eresource", fifo)), settings))
                .verdict,
            Verdict::kWithinThreshold);
  // No wait that some grant passed, or a file from before bypass was measured: nothing to judge.
  EXPECT_EQ(Only(CompareDocs(Doc(BypassReps("eresource", fifo, 0)),
                             Doc(BypassReps("eresource", barging, 0)), settings))
                .verdict,
            Verdict::kNoData);
  EXPECT_EQ(Only(CompareDocs(Doc(Reps("eresource", 2e6, kNoiseA)),
                             Doc(Reps("eresource", 2e6, kNoiseB)), settings))
                .verdict,
            Verdict::kNoData);
}

TEST(CompareResults, RepetitionsArePooledOverTheFilesOfASide) {
  const std::vector<json> all = Reps("eresource", 2e6, kNoiseA);
  ResultSide split{"base/", {}};
  split.files.push_back(ParseResultFile("base/1.json", Doc({all[0], all[1], all[2]}).dump()));
  split.files.push_back(
      ParseResultFile("base/2.json", Doc({all[3], all[4], all[5], all[6]}).dump()));
  const CompareReport r =
      CompareResults(split, Side("new.json", Doc(Reps("eresource", 1.4e6, kNoiseB))), {});
  EXPECT_EQ(r.baseline_files, 2u);
  EXPECT_EQ(r.baseline_runs, 7u);
  EXPECT_EQ(Only(r).baseline.size(), 7u);
  EXPECT_EQ(Only(r).verdict, Verdict::kRegression);
}

TEST(CompareResults, UnmatchedRunsAreListedOnTheirSide) {
  std::vector<json> base = Reps("eresource", 2e6, kNoiseA);
  std::vector<json> next = Reps("eresource", 2e6, kNoiseB);
  base.push_back(RunJson("shared_mutex", 1, 3e6));
  next.push_back(RunJson("push_lock", 1, 4e6));
  json other_threads = RunJson("eresource", 1, 2e6);
  other_threads["threads"] = 4;
  next.push_back(other_threads);
  const CompareReport r = CompareDocs(Doc(base), Doc(next));
  EXPECT_EQ(r.compared.size(), 1u);
  EXPECT_THAT(r.only_in_baseline, ElementsAre(RunKey{"shared_mutex", "read-mostly", 2, "compact"}));
  EXPECT_THAT(r.only_in_candidate, ElementsAre(RunKey{"push_lock", "read-mostly", 2, "compact"},
                                               RunKey{"eresource", "read-mostly", 4, "compact"}));
  const std::string table = RenderCompareReport(r, CompareFormat::kTable);
  EXPECT_THAT(table,
              AllOf(HasSubstr("only in baseline"), HasSubstr("shared_mutex read-mostly 2 threads"),
                    HasSubstr("only in new"), HasSubstr("push_lock read-mostly 2 threads"),
                    HasSubstr("eresource read-mostly 4 threads")));
}

TEST(CompareResults, NothingInCommonIsAnError) {
  EXPECT_THAT(ErrorOf([] {
                CompareDocs(Doc({RunJson("eresource", 1, 2e6)}),
                            Doc({RunJson("push_lock", 1, 2e6)}));
              }),
              AllOf(HasSubstr("no run in base.json matches a run in new.json"),
                    HasSubstr("1 only in baseline, 1 only in new")));
}

TEST(CompareResults, DifferentMachinesAreRefusedUnlessAllowed) {
  const json a = Doc(Reps("eresource", 2e6, kNoiseA), "CPU A", "2 cores");
  const json cpu = Doc(Reps("eresource", 2e6, kNoiseB), "CPU B", "2 cores");
  const json topo = Doc(Reps("eresource", 2e6, kNoiseB), "CPU A", "4 cores");
  EXPECT_THAT(
      ErrorOf([&] { CompareDocs(a, cpu); }),
      AllOf(StartsWith("base.json and new.json come from different machines"),
            HasSubstr("cpu_model 'CPU A' vs 'CPU B'"), HasSubstr("--allow-different-machines")));
  EXPECT_THAT(ErrorOf([&] { CompareDocs(a, topo); }), HasSubstr("topology '2 cores' vs '4 cores'"));
  CompareSettings allow;
  allow.allow_different_machines = true;
  const CompareReport r = CompareDocs(a, cpu, allow);
  EXPECT_EQ(Only(r).verdict, Verdict::kWithinThreshold);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("different machines"));
}

TEST(CompareResults, AMachineMixWithinOneSideIsRefusedToo) {
  ResultSide mixed{"base/", {}};
  mixed.files.push_back(ParseResultFile("base/1.json", Doc({RunJson("eresource", 1, 2e6)}).dump()));
  mixed.files.push_back(
      ParseResultFile("base/2.json", Doc({RunJson("eresource", 2, 2e6)}, "CPU B").dump()));
  EXPECT_THAT(ErrorOf([&] { CompareResults(mixed, mixed, {}); }),
              StartsWith("base/1.json and base/2.json come from different machines"));
}

TEST(CompareResults, DifferentWorkloadSettingsAndBuildTypesWarn) {
  json base = Doc(Reps("eresource", 2e6, kNoiseA));
  json next = Doc(Reps("eresource", 2e6, kNoiseB));
  next["config"]["workload"]["duration"] = "2s";
  next["config"]["workload"]["repetitions"] = 1;  // interleaved runs differ here by design
  next["config"]["workload"]["holder_may_block"] = true;  // a statement, not a setting
  next["context"]["build_type"] = "debug";
  const CompareReport r = CompareDocs(base, next);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_THAT(r.warnings[0], HasSubstr("build types differ (baseline optimized, new debug)"));
  EXPECT_THAT(r.warnings[1], AllOf(HasSubstr("workload 'read-mostly' is configured differently"),
                                   HasSubstr("duration \"1s\" vs \"2s\"")));
  json stated = Doc(Reps("eresource", 2e6, kNoiseB));
  stated["config"]["workload"]["holder_may_block"] = true;
  EXPECT_THAT(CompareDocs(base, stated).warnings, IsEmpty());
}

TEST(CompareResults, AZeroBaselineGivesAnInfiniteChange) {
  std::vector<json> base, next;
  for (int i = 0; i < 7; ++i) base.push_back(RunJson("eresource", i + 1, 0.0));
  for (int i = 0; i < 7; ++i) next.push_back(RunJson("eresource", i + 1, 1000.0 + i));
  const CompareReport r = CompareDocs(Doc(base), Doc(next));
  EXPECT_TRUE(std::isinf(Only(r).change));
  EXPECT_EQ(Only(r).verdict, Verdict::kImprovement);
  EXPECT_TRUE(CompareReportToJson(r)["comparisons"][0]["change"].is_null());
  EXPECT_THAT(RenderCompareReport(r, CompareFormat::kTable), HasSubstr("+inf"));
}

// ---- Invocations, many comparisons and detection limits --------------------------------------

// `runs` with every repetition in one invocation of `name`, the way one `lockbench run
// --repetitions N` writes them.
std::vector<json> OneInvocation(std::vector<json> runs, const std::string& name) {
  for (json& run : runs) run["invocation"] = name;
  return runs;
}

TEST(CompareResults, ASideWithOneInvocationCannotBeJudgedAndSaysHowToMeasure) {
  const CompareReport r =
      CompareDocs(Doc(OneInvocation(Reps("eresource", 2e6, kNoiseA), "a")),
                  Doc(OneInvocation(Reps("eresource", 1.4e6, kNoiseB), "b")));  // -30%
  const MetricComparison& m = Only(r);
  EXPECT_EQ(m.verdict, Verdict::kInconclusive);
  EXPECT_FALSE(m.tested);
  EXPECT_EQ(m.baseline.size(), 1u);
  EXPECT_EQ(m.baseline_repetitions, 7u);
  EXPECT_FALSE(r.HasRegression());
  EXPECT_THAT(r.warnings, Contains(AllOf(HasSubstr("single lockbench invocation"),
                                         HasSubstr("tool/ci_perf_gate.sh"),
                                         HasSubstr("--repetitions 1"))));
}

TEST(CompareResults, RepetitionsOfOneInvocationCountAsOneSampleTheirMedian) {
  // Three invocations a side, three repetitions each: three samples, the medians.
  std::vector<json> base, next;
  for (int inv = 0; inv < 3; ++inv) {
    for (const double f : {1.0, 1.5, 0.9}) {
      json run = RunJson("eresource", inv * 3 + 1, 1e6 * (inv + 1) * f);
      run["invocation"] = "base-" + std::to_string(inv);
      base.push_back(run);
      run["invocation"] = "new-" + std::to_string(inv);
      next.push_back(run);
    }
  }
  const MetricComparison m = Only(CompareDocs(Doc(base), Doc(next)));
  EXPECT_THAT(m.baseline, ElementsAre(1e6, 2e6, 3e6));
  EXPECT_EQ(m.baseline_repetitions, 9u);
  EXPECT_TRUE(m.tested);
  EXPECT_TRUE(m.weak);  // 3 vs 3 invocations
}

TEST(CompareResults, HolmKeepsAFamilyOfComparisonsFromCryingWolf) {
  // One lock moved -7% with a partial overlap (p = 0.017 on its own), eight did not move.
  CompareSettings settings;
  std::vector<json> base, next;
  const std::vector<double> shifted = {0.90, 0.91, 0.92, 0.93, 0.94, 0.995, 1.002};  // p=0.017
  for (int lock = 0; lock < 9; ++lock) {
    const std::string name = "lock" + std::to_string(lock);
    for (const json& r : Reps(name, 1e6, kNoiseA)) base.push_back(r);
    for (const json& r : Reps(name, 1e6, lock == 0 ? shifted : kNoiseB)) next.push_back(r);
  }
  settings.correction = Correction::kNone;
  const CompareReport raw = CompareDocs(Doc(base), Doc(next), settings);
  const MetricComparison& moved = raw.compared.at(0).metrics.at(0);
  ASSERT_LT(moved.p_value, 0.05);
  ASSERT_GT(moved.p_value * 9, 0.05);
  EXPECT_EQ(moved.verdict, Verdict::kRegression);
  EXPECT_DOUBLE_EQ(moved.p_adjusted, moved.p_value);

  settings.correction = Correction::kHolm;
  const CompareReport holm = CompareDocs(Doc(base), Doc(next), settings);
  const MetricComparison& adjusted = holm.compared.at(0).metrics.at(0);
  EXPECT_DOUBLE_EQ(adjusted.p_value, moved.p_value);
  EXPECT_DOUBLE_EQ(adjusted.p_adjusted, std::min(1.0, 9 * moved.p_value));  // the smallest p
  EXPECT_EQ(adjusted.verdict, Verdict::kNotSignificant);
  EXPECT_FALSE(holm.HasRegression());
}

TEST(CompareResults, SameNeedsADetectionLimitWithinTheThreshold) {
  // Medians 1% apart, but the invocations scatter by +-30%: no 5% change could have been seen.
  const std::vector<double> wild = {1.0, 1.3, 0.7, 1.25, 0.75, 1.2, 0.8};
  const std::vector<double> wild2 = {1.01, 1.31, 0.71, 1.26, 0.76, 1.21, 0.81};
  const MetricComparison noisy =
      Only(CompareDocs(Doc(Reps("eresource", 1e6, wild)), Doc(Reps("eresource", 1e6, wild2))));
  EXPECT_LE(std::fabs(noisy.change), 0.05);
  EXPECT_GT(noisy.mde, 0.05);
  EXPECT_EQ(noisy.verdict, Verdict::kInconclusive);
  // Quiet invocations: the same 1% reads as "same", and the limit is a few percent.
  const MetricComparison quiet =
      Only(CompareDocs(Doc(Reps("eresource", 1e6, kNoiseA)), Doc(Reps("eresource", 1e6, kNoiseB))));
  EXPECT_LT(quiet.mde, 0.05);
  EXPECT_EQ(quiet.verdict, Verdict::kWithinThreshold);
  // What it would take: more invocations for the noisy pair, the fewest that reach alpha for the
  // quiet one (its spread is far below the threshold).
  EXPECT_GT(noisy.invocations_needed, 7u);
  EXPECT_GE(quiet.invocations_needed, 2u);
  EXPECT_LE(quiet.invocations_needed, 7u);
}

// ---- Scalability fits -------------------------------------------------------------------------

TEST(ParseMetricList, TakesTheFitMetricsBesideTheRunOnes) {
  const std::vector<const MetricDef*> list = ParseMetricList("throughput,usl_sigma,usl_kappa");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[1], FindFitMetric("usl_sigma"));
  EXPECT_EQ(list[2], FindFitMetric("usl_kappa"));
  EXPECT_TRUE(IsFitMetric(*list[1]));
  EXPECT_FALSE(IsFitMetric(*list[0]));
  EXPECT_FALSE(HigherIsBetter(*list[1]));
  EXPECT_FALSE(HigherIsBetter(*list[2]));
  EXPECT_THAT(ErrorOf([] { ParseMetricList("usl_lambda"); }), HasSubstr("usl_kappa"));
}

TEST(CompareFits, ASingleFitASideIsJudgedOnTheThresholdAloneAndSaysSo) {
  CompareSettings settings;
  settings.metrics = ParseMetricList("usl_sigma,usl_kappa");
  // sigma +50% (worse), kappa -2% (within the 5% threshold).
  const CompareReport r =
      CompareDocs(SweepDoc("a", {FitJson("eresource", 0.02, 1e-4)}),
                  SweepDoc("b", {FitJson("eresource", 0.03, 0.98e-4)}), settings);
  EXPECT_TRUE(r.compared.empty());  // no run metric asked for
  ASSERT_EQ(r.fits.size(), 1u);
  EXPECT_EQ(DescribeFit(r.fits[0]), "eresource read-mostly sweep compact");
  ASSERT_EQ(r.fits[0].metrics.size(), 2u);
  const MetricComparison& sigma = r.fits[0].metrics[0];
  EXPECT_EQ(sigma.metric, FindFitMetric("usl_sigma"));
  EXPECT_THAT(sigma.baseline, ElementsAre(0.02));
  EXPECT_THAT(sigma.candidate, ElementsAre(0.03));
  EXPECT_NEAR(sigma.change, 0.5, 1e-12);
  EXPECT_TRUE(sigma.single_fit);
  EXPECT_FALSE(sigma.tested);
  EXPECT_EQ(sigma.verdict, Verdict::kRegression);
  const MetricComparison& kappa = r.fits[0].metrics[1];
  EXPECT_TRUE(kappa.single_fit);
  EXPECT_EQ(kappa.verdict, Verdict::kWithinThreshold);
  EXPECT_TRUE(r.HasRegression());
  EXPECT_THAT(r.warnings, Contains(AllOf(HasSubstr("single fit"), HasSubstr("no rank test"),
                                         HasSubstr("eresource read-mostly sweep compact"))));
  // Lower is better: the same change the other way is an improvement.
  const CompareReport better =
      CompareDocs(SweepDoc("a", {FitJson("eresource", 0.03, 1e-4)}),
                  SweepDoc("b", {FitJson("eresource", 0.02, 1e-4)}), settings);
  EXPECT_EQ(better.fits.at(0).metrics.at(0).verdict, Verdict::kImprovement);
  EXPECT_FALSE(better.HasRegression());
}

TEST(CompareFits, SeveralInvocationsASideAreSamplesForTheRankTest) {
  CompareSettings settings;
  settings.metrics = ParseMetricList("throughput,usl_sigma");
  std::vector<json> base, next;
  for (size_t i = 0; i < kNoiseA.size(); ++i) {
    base.push_back(SweepDoc("base-" + std::to_string(i), {FitJson("eresource", 0.02 * kNoiseA[i], 0)}));
    next.push_back(SweepDoc("new-" + std::to_string(i), {FitJson("eresource", 0.03 * kNoiseB[i], 0)}));
  }
  const CompareReport r = CompareResults(Sides("base", base), Sides("new", next), settings);
  ASSERT_EQ(r.fits.size(), 1u);
  const MetricComparison& sigma = r.fits[0].metrics.at(0);
  EXPECT_EQ(sigma.baseline.size(), 7u);
  EXPECT_TRUE(sigma.tested);
  EXPECT_FALSE(sigma.single_fit);
  EXPECT_NEAR(sigma.p_value, 0.0006, 0.0001);  // perfect separation, 7 vs 7
  // One family with the run metric (throughput, unchanged): Holm doubles the smallest p.
  EXPECT_NEAR(sigma.p_adjusted, 2 * sigma.p_value, 1e-12);
  EXPECT_EQ(sigma.verdict, Verdict::kRegression);
  // A fit the sweep could not make has no value: with none on a side, no data.
  std::vector<json> unfitted;
  for (size_t i = 0; i < 7; ++i) {
    unfitted.push_back(SweepDoc("u-" + std::to_string(i), {FitJson("eresource", nullptr, nullptr)}));
  }
  const CompareReport none = CompareResults(Sides("base", base), Sides("new", unfitted), settings);
  EXPECT_EQ(none.fits.at(0).metrics.at(0).verdict, Verdict::kNoData);
}

TEST(CompareFits, AskingForAFitWithoutSweepsIsAnErrorAndOneSidedFitsWarn) {
  CompareSettings settings;
  settings.metrics = ParseMetricList("usl_kappa");
  EXPECT_THAT(ErrorOf([&] {
                CompareDocs(Doc(Reps("eresource", 1e6, kNoiseA)),
                            Doc(Reps("eresource", 1e6, kNoiseB)), settings);
              }),
              AllOf(HasSubstr("usl_kappa needs the scalability fit of one thread sweep"),
                    HasSubstr("baseline has 0 fits, new has 0 fits")));
  const CompareReport r = CompareDocs(
      SweepDoc("a", {FitJson("eresource", 0.02, 1e-4), FitJson("push_lock", 0.1, 0)}),
      SweepDoc("b", {FitJson("eresource", 0.02, 1e-4)}), settings);
  EXPECT_EQ(r.fits.size(), 1u);
  EXPECT_THAT(r.warnings, Contains(AllOf(HasSubstr("one side only"),
                                         HasSubstr("push_lock read-mostly sweep compact (baseline)"))));
}

TEST(ParseCorrection, NamesAndErrors) {
  EXPECT_EQ(ParseCorrection("holm"), Correction::kHolm);
  EXPECT_EQ(ParseCorrection("bh"), Correction::kBenjaminiHochberg);
  EXPECT_EQ(ParseCorrection(" none "), Correction::kNone);
  EXPECT_THAT(ErrorOf([] { ParseCorrection("bonferroni"); }),
              AllOf(HasSubstr("'bonferroni' is not a correction"), HasSubstr("holm, bh or none")));
}

}  // namespace
}  // namespace lockbench::compare_test
