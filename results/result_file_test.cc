#include "results/result_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
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
using ::testing::Not;
using ::testing::StartsWith;

// ---- Reading --------------------------------------------------------------------------------

TEST(ParseResultFile, ReadsWhatCompareNeeds) {
  const ResultFile f = ParseResultFile("r.json", Doc({RunJson("eresource", 3, 2e6, 900)}).dump());
  EXPECT_EQ(f.path, "r.json");
  EXPECT_EQ(f.schema_version, 1);
  EXPECT_EQ(f.cpu_model, "CPU A");
  EXPECT_EQ(f.build_type, "optimized");
  EXPECT_EQ(f.workload_config["name"], "read-mostly");
  ASSERT_EQ(f.runs.size(), 1u);
  const RunSample& s = f.runs[0];
  EXPECT_EQ(s.key, (RunKey{"eresource", "read-mostly", 2, "compact"}));
  EXPECT_EQ(s.repetition, 3);
  EXPECT_EQ(s.status, "ok");
  ASSERT_EQ(s.values.size(), MetricTable().size());
  EXPECT_DOUBLE_EQ(s.Value(*M("throughput")).value(), 2e6);
  EXPECT_TRUE(s.Value(*M("shared_p50")).has_value());  // 10 timed shared acquisitions
  EXPECT_DOUBLE_EQ(s.Value(*M("shared_p99")).value(), 900);
  EXPECT_DOUBLE_EQ(s.Value(*M("exclusive_p50")).value(), 60);
  EXPECT_DOUBLE_EQ(s.Value(*M("jain")).value(), 0.95);
  EXPECT_FALSE(s.Value(*M("bypass")).has_value());  // the run has no handoff.bypass
}

// A merged file (lockbench merge) reads as one file per context, each with the runs that name it.
TEST(ParseResultFiles, ReadsAMergedFileAsOneFilePerContext) {
  const json a = Doc({}, "CPU A");
  const json b = Doc({}, "CPU B", "64 cores");
  json run0 = RunJson("eresource", 1, 2e6);
  json run1 = RunJson("eresource", 1, 1e6);
  json run2 = RunJson("eresource", 2, 1e6);
  run0["context_index"] = 0;
  run1["context_index"] = 1;
  run2["context_index"] = 1;
  json merged = {{"schema_version", 1},
                 {"contexts", {a["context"], b["context"]}},
                 {"configs", {a["config"], b["config"]}},
                 {"runs", {run0, run1, run2}}};
  const std::vector<ResultFile> files = ParseResultFiles("m.json", merged.dump());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "m.json:contexts[0]");
  EXPECT_EQ(files[0].cpu_model, "CPU A");
  EXPECT_EQ(files[0].runs.size(), 1u);
  EXPECT_EQ(files[1].path, "m.json:contexts[1]");
  EXPECT_EQ(files[1].topology, "64 cores");
  ASSERT_EQ(files[1].runs.size(), 2u);
  EXPECT_DOUBLE_EQ(files[1].runs[1].Value(*M("throughput")).value(), 1e6);
  EXPECT_EQ(files[1].workload_config["name"], "read-mostly");

  merged["runs"][2]["context_index"] = 2;
  EXPECT_EQ(ErrorOf([&] { ParseResultFiles("m.json", merged.dump()); }),
            "m.json: runs[2].context_index: 2 is past the 2 contexts");
  merged["configs"].erase(1);
  EXPECT_EQ(ErrorOf([&] { ParseResultFiles("m.json", merged.dump()); }),
            "m.json: configs: expected an array as long as contexts");
}

// Each malformed input gives one line that names the file and the field.
struct Malformed {
  const char* name;
  std::string text;
  const char* expected;
};

std::string Mutated(void (*mutate)(json&)) {
  json doc = Doc({RunJson("eresource", 1, 2e6), RunJson("eresource", 2, 2e6)});
  mutate(doc);
  return doc.dump();
}

TEST(ParseResultFile, MalformedInputsGiveOneLineNamingFileAndField) {
  const std::string good = Doc({RunJson("eresource", 1, 2e6)}).dump(2);
  const std::vector<Malformed> cases = {
      {"empty", "", "empty file"},
      {"blank", " \n\t", "empty file"},
      {"not json", "eresource 2.0 Mops/s", "not valid JSON"},
      {"truncated", good.substr(0, good.size() / 2), "not valid JSON (truncated"},
      {"array", "[1, 2]", "expected a JSON object"},
      {"no version", Mutated([](json& d) { d.erase("schema_version"); }),
       "missing field 'schema_version'"},
      {"version string", Mutated([](json& d) { d["schema_version"] = "1"; }),
       "schema_version: expected an integer, got string \"1\""},
      {"version 2", Mutated([](json& d) { d["schema_version"] = 2; }),
       "schema_version 2 is not supported"},
      {"no context", Mutated([](json& d) { d.erase("context"); }), "missing field 'context'"},
      {"no cpu model", Mutated([](json& d) { d["context"].erase("cpu_model"); }),
       "context: missing field 'cpu_model'"},
      {"topology number", Mutated([](json& d) { d["context"]["topology"] = 4; }),
       "context.topology: expected a string, got number 4"},
      {"no runs", Mutated([](json& d) { d.erase("runs"); }), "missing field 'runs'"},
      {"runs object", Mutated([](json& d) { d["runs"] = json::object(); }),
       "runs: expected an array"},
      {"empty runs", Mutated([](json& d) { d["runs"] = json::array(); }), "runs is empty"},
      {"run not object", Mutated([](json& d) { d["runs"][1] = 5; }), "runs[1]: expected an object"},
      {"threads string", Mutated([](json& d) { d["runs"][1]["threads"] = "two"; }),
       "runs[1].threads: expected an integer, got string \"two\""},
      {"threads zero", Mutated([](json& d) { d["runs"][0]["threads"] = 0; }),
       "runs[0].threads: expected an integer >= 1"},
      {"no throughput", Mutated([](json& d) { d["runs"][0].erase("throughput_ops_per_s"); }),
       "runs[0]: missing field 'throughput_ops_per_s'"},
      {"negative throughput", Mutated([](json& d) { d["runs"][0]["throughput_ops_per_s"] = -1; }),
       "runs[0].throughput_ops_per_s: expected a number >= 0"},
      {"latency null", Mutated([](json& d) { d["runs"][0]["latency_ns"] = nullptr; }),
       "runs[0].latency_ns: expected an object, got null"},
      {"no p99", Mutated([](json& d) { d["runs"][1]["latency_ns"]["exclusive"].erase("p99"); }),
       "runs[1].latency_ns.exclusive: missing field 'p99'"},
      {"jain string", Mutated([](json& d) { d["runs"][0]["fairness"]["jain_index"] = "high"; }),
       "runs[0].fairness.jain_index: expected a number, got string"},
      {"status number", Mutated([](json& d) { d["runs"][0]["status"] = 0; }),
       "runs[0].status: expected a string"},
  };
  for (const Malformed& c : cases) {
    const std::string what = ErrorOf([&c] { ParseResultFile("dir/r.json", c.text); });
    EXPECT_THAT(what,
                AllOf(StartsWith("dir/r.json: "), HasSubstr(c.expected), Not(HasSubstr("\n"))))
        << c.name;
  }
}

// A scratch directory under the test's temporary directory.
std::string ScratchDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/compare_test_" + name + "_" +
                    std::to_string(getpid());
  mkdir(dir.c_str(), 0755);
  return dir;
}

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(ParseResultFile, ReadsTheSweepFitsAndNamesABadOne) {
  json doc = Doc({RunJson("eresource", 1, 2e6, 900)});
  EXPECT_TRUE(ParseResultFile("r.json", doc.dump()).fits.empty());  // no sweep
  doc["sweep_fits"] = json::array();
  json fit;
  fit["workload"] = "read-mostly";
  fit["lock"] = "eresource";
  fit["placement"] = "compact";
  fit["sigma"] = 0.02;
  fit["kappa"] = nullptr;
  doc["sweep_fits"].push_back(fit);
  const ResultFile f = ParseResultFile("r.json", doc.dump());
  ASSERT_EQ(f.fits.size(), 1u);
  EXPECT_EQ(f.fits[0].lock, "eresource");
  EXPECT_EQ(f.fits[0].placement, "compact");
  EXPECT_EQ(f.fits[0].Value(*FindFitMetric("usl_sigma")), 0.02);
  EXPECT_FALSE(f.fits[0].Value(*FindFitMetric("usl_kappa")).has_value());
  doc["sweep_fits"][0]["sigma"] = "low";
  EXPECT_THAT(ErrorOf([&] { ParseResultFile("r.json", doc.dump()); }),
              AllOf(StartsWith("r.json: "), HasSubstr("sweep_fits[0].sigma")));
  doc["sweep_fits"] = 3;
  EXPECT_THAT(ErrorOf([&] { ParseResultFile("r.json", doc.dump()); }),
              HasSubstr("sweep_fits: expected an array"));
}

TEST(LoadResultPath, ReadsOneFileOrEveryJsonFileOfADirectoryInNameOrder) {
  const std::string dir = ScratchDir("load");
  WriteText(dir + "/b.json", Doc({RunJson("eresource", 2, 2e6)}).dump());
  WriteText(dir + "/a.json", Doc({RunJson("eresource", 1, 2e6)}).dump());
  WriteText(dir + "/notes.txt", "not a result");
  mkdir((dir + "/sub.json").c_str(), 0755);  // a directory, not a file: skipped
  const std::vector<ResultFile> files = LoadResultPath(dir);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, dir + "/a.json");
  EXPECT_EQ(files[1].path, dir + "/b.json");
  EXPECT_EQ(LoadResultPath(dir + "/b.json").at(0).runs.at(0).repetition, 2);
}

TEST(LoadResultPath, RefusesMissingPathsEmptyDirectoriesAndBadFilesInside) {
  const std::string dir = ScratchDir("refuse");
  EXPECT_EQ(ErrorOf([&] { LoadResultPath(dir + "/missing.json"); }),
            dir + "/missing.json: does not exist");
  const std::string empty = dir + "/empty";
  mkdir(empty.c_str(), 0755);
  WriteText(empty + "/readme.txt", "no results here");
  EXPECT_EQ(ErrorOf([&] { LoadResultPath(empty); }),
            empty + ": no *.json result files in this directory");
  const std::string mixed = dir + "/mixed";
  mkdir(mixed.c_str(), 0755);
  WriteText(mixed + "/a.json", Doc({RunJson("eresource", 1, 2e6)}).dump());
  WriteText(mixed + "/b.json", "{\"schema_version\": 1, \"context\"");
  EXPECT_THAT(ErrorOf([&] { LoadResultPath(mixed); }),
              AllOf(StartsWith(mixed + "/b.json: not valid JSON"), Not(HasSubstr("\n"))));
}

}  // namespace
}  // namespace lockbench::compare_test
