// Inputs that once crashed or misled the workload parser (found by workloads/fuzz and by the
// bad-input suite), each pinned to the answer it must give now.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "workloads/workload_spec.h"

namespace lockbench {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    ValidateWorkload(ParseWorkload(text, "w.json"));
  } catch (const SpecError& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string FlagErrorOf(const std::string& field, const std::string& value) {
  try {
    WorkloadSpec spec;
    ApplyWorkloadJson(nlohmann::json{{field, value}}, "", &spec);
    ValidateWorkload(spec);
  } catch (const SpecError& e) {
    return e.what();
  }
  return "(accepted)";
}

size_t Count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// nlohmann throws out_of_range, not parse_error, for a number beyond double; it used to escape
// as an uncaught exception and abort the tool.
TEST(WorkloadSpecRegression, NumberBeyondDoubleIsMalformedJson) {
  const std::string error = ErrorOf(R"({"threads": 1e400})");
  EXPECT_NE(error.find("w.json: malformed JSON"), std::string::npos) << error;
  EXPECT_NE(error.find("1e400"), std::string::npos) << error;
  EXPECT_EQ(error.find("[json.exception"), std::string::npos) << error;
}

// A few characters of ranges expanded into millions of thread counts, each planned before the
// first run: 14 KB of --threads took 6 GB and aborted.
TEST(WorkloadSpecRegression, SweepListIsBounded) {
  std::string ranges;
  for (int i = 0; i < 300; ++i) ranges += (i ? "," : "") + std::string("1-4096");
  EXPECT_NE(ErrorOf(R"({"threads": ")" + ranges + R"("})").find("list is too long"),
            std::string::npos);
  std::string counts;
  for (int i = 1; i <= 257; ++i) counts += (i > 1 ? "," : "") + std::to_string(i);
  EXPECT_NE(ErrorOf(R"({"threads": ")" + counts + R"("})").find("257 thread counts"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"threads": [)" + counts + "]}").find("257 thread counts"),
            std::string::npos);
  // 256 counts is still a sweep.
  EXPECT_EQ(ErrorOf(R"({"threads": "1-256"})"), "(accepted)");
}

// 65536 instances of 4096 lines asked for 16 GiB, zeroed before the run.
TEST(WorkloadSpecRegression, ProtectedDataIsBounded) {
  const std::string error = ErrorOf(R"({"lock_instances": 65536, "shared_lines": 4096})");
  EXPECT_NE(error.find("--lock-instances: 65536 instances x 4096 cache lines is 16384 MiB"),
            std::string::npos)
      << error;
  EXPECT_EQ(ErrorOf(R"({"lock_instances": 65536, "exclusive_lines": 256})"), "(accepted)");
}

// The message named the field twice: "--threads: --threads: '0/core' ...".
TEST(WorkloadSpecRegression, ZeroPerCoreNamesTheFieldOnce) {
  const std::string flag = FlagErrorOf("threads", "0/core");
  EXPECT_EQ(Count(flag, "--threads"), 1u) << flag;
  const std::string file = ErrorOf(R"({"threads": "0/core"})");
  EXPECT_EQ(Count(file, "field 'threads'"), 1u) << file;
}

// A string value was shown through json::dump, quotes and all: '"0"' is too short.
TEST(WorkloadSpecRegression, ShortDurationQuotesTheValueOnce) {
  EXPECT_EQ(FlagErrorOf("duration", "0"), "--duration: '0' is too short; at least 1ms");
}

// The resolved workload of a result file carried "threads": [] beside readers and writers, and
// did not read back.
TEST(WorkloadSpecRegression, DedicatedRolesReadBack) {
  const WorkloadSpec spec =
      ParseWorkload(R"({"readers": 3, "writers": 1, "think": "fixed", "think_time": "500ns"})",
                    "w.json");
  const nlohmann::json resolved = WorkloadToJson(spec);
  EXPECT_FALSE(resolved.contains("threads")) << resolved.dump();
  const WorkloadSpec again = ParseWorkload(resolved.dump(), "again");
  EXPECT_EQ(again.readers, 3);
  EXPECT_EQ(again.writers, 1);
  EXPECT_EQ(WorkloadToJson(again), resolved);
}

// Durations were recorded with six significant digits: 1.234567891s became "1.23457s".
TEST(WorkloadSpecRegression, DurationsReadBackExactly) {
  const WorkloadSpec spec = ParseWorkload(
      R"({"shared_cs": "1234567ns", "duration": "1234567891ns", "warmup": "8873895us"})", "w.json");
  const WorkloadSpec again = ParseWorkload(WorkloadToJson(spec).dump(), "again");
  EXPECT_EQ(again.shared_cs_ns, 1'234'567u);
  EXPECT_EQ(again.duration_ns, 1'234'567'891u);
  EXPECT_EQ(again.warmup_ns, 8'873'895'000u);
}

}  // namespace
}  // namespace lockbench
