#include "results/compare_render.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "results/compare_test_support.h"

namespace lockbench::compare_test {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;

// ---- Reporting ------------------------------------------------------------------------------

TEST(RenderCompareReport, AllFormatsNameTheRegression) {
  CompareSettings settings;
  settings.metrics = {M("throughput"), M("shared_p99")};
  const CompareReport r = CompareDocs(Doc(Reps("eresource", 2e6, kNoiseA)),
                                      Doc(Reps("eresource", 1.4e6, kNoiseB)), settings);
  const std::string table = RenderCompareReport(r, CompareFormat::kTable);
  EXPECT_THAT(table,
              AllOf(HasSubstr("baseline: base.json (1 file, 7 runs)"), HasSubstr("threshold 5%"),
                    HasSubstr("alpha 0.05 (correction holm)"), HasSubstr("REGRESSION"),
                    HasSubstr("2.000 Mops/s"), HasSubstr("p adj"), HasSubstr("mde"),
                    HasSubstr("1 regression, 0 improvements, 2 comparisons")));
  const std::string md = RenderCompareReport(r, CompareFormat::kMarkdown);
  EXPECT_THAT(md, AllOf(HasSubstr("| lock | workload | threads |"), HasSubstr("**regression**"),
                        HasSubstr("| eresource | read-mostly | 2 | compact | throughput |")));
  const json j = json::parse(RenderCompareReport(r, CompareFormat::kJson));
  EXPECT_EQ(j["summary"]["regressions"], 1);
  EXPECT_EQ(j["metrics"], json({"throughput", "shared_p99"}));
  ASSERT_EQ(j["comparisons"].size(), 2u);
  const json& c = j["comparisons"][0];
  EXPECT_EQ(c["lock"], "eresource");
  EXPECT_EQ(c["verdict"], "regression");
  EXPECT_EQ(c["higher_is_better"], true);
  EXPECT_EQ(c["baseline"]["n"], 7);
  EXPECT_EQ(c["baseline"]["values"].size(), 7u);
  EXPECT_DOUBLE_EQ(c["baseline"]["median"].get<double>(), 2e6);
  EXPECT_NEAR(c["change"].get<double>(), -0.3, 0.01);
  EXPECT_EQ(j["comparisons"][1]["metric"], "shared_p99");
  EXPECT_EQ(j["only_in_baseline"], json::array());
}

TEST(RenderCompareReport, MarkdownListsWarningsAndEscapesPipes) {
  json base = Doc(Reps("a|b", 2e6, {1.0, 0.5, 1.4}));
  json next = Doc(Reps("a|b", 2e6, {0.6, 1.14, 0.42}));
  const std::string md = RenderCompareReport(CompareDocs(base, next), CompareFormat::kMarkdown);
  EXPECT_THAT(md, AllOf(HasSubstr("| a\\|b |"), HasSubstr("Warnings:"), HasSubstr("3 vs 3")));
}

TEST(RenderCompareReport, AFitRowSaysSweepAndThatASingleFitHadNoTest) {
  CompareSettings settings;
  settings.metrics = ParseMetricList("throughput,usl_sigma");
  json base = SweepDoc("a", {FitJson("eresource", 0.02, 1e-4)});
  json next = SweepDoc("b", {FitJson("eresource", 0.03, 1e-4)});
  const CompareReport r = CompareDocs(base, next, settings);
  const std::string table = RenderCompareReport(r, CompareFormat::kTable);
  EXPECT_THAT(table, AllOf(HasSubstr("sweep  compact    usl_sigma"), HasSubstr("0.02"),
                           HasSubstr("0.03"), HasSubstr("+50.0%"),
                           HasSubstr("REGRESSION (single fit, no test)"),
                           HasSubstr("threads \"sweep\": a scalability fit"),
                           HasSubstr("1 regression, 0 improvements, 2 comparisons")));
  const std::string md = RenderCompareReport(r, CompareFormat::kMarkdown);
  EXPECT_THAT(md, HasSubstr("| eresource | read-mostly | sweep | compact | usl_sigma | 0.02 | 0.03 | "
                            "+50.0% | - | - | - | 1/1 | **regression** (single fit, no test) |"));
  const json j = json::parse(RenderCompareReport(r, CompareFormat::kJson));
  ASSERT_EQ(j["comparisons"].size(), 2u);
  const json& fit = j["comparisons"][1];
  EXPECT_EQ(fit["metric"], "usl_sigma");
  EXPECT_TRUE(fit["threads"].is_null());
  EXPECT_EQ(fit["fit"], "usl");
  EXPECT_EQ(fit["single_fit"], true);
  EXPECT_EQ(fit["higher_is_better"], false);
  EXPECT_TRUE(fit["p_value"].is_null());
  EXPECT_EQ(fit["verdict"], "regression");
  EXPECT_EQ(j["comparisons"][0]["single_fit"], false);
  EXPECT_EQ(j["summary"]["regressions"], 1);
  const std::vector<std::string> lines = RegressionLines(r);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "eresource read-mostly sweep compact: usl_sigma +50.0% (0.02 -> 0.03, single fit, no "
            "test, 1 vs 1 invocations)");
}

}  // namespace
}  // namespace lockbench::compare_test
