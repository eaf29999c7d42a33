// Result files that crashed the reader behind `lockbench compare` (found by
// results/fuzz/compare_reader_fuzzer.cc), each pinned to the one-line CompareInputError it must
// give instead.
#include <string>

#include "gtest/gtest.h"
#include "results/compare_render.h"

namespace lockbench {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    ParseResultFile("r.json", text);
  } catch (const CompareInputError& e) {
    return e.what();
  }
  return "(accepted)";
}

// nlohmann throws out_of_range, not parse_error, for a number beyond double: the exception
// escaped and aborted the tool.
TEST(CompareRobustness, NumberBeyondDoubleIsAnInputError) {
  EXPECT_NE(ErrorOf(R"({"schema_version": 1e400})").find("r.json: not valid JSON"),
            std::string::npos);
  EXPECT_NE(ErrorOf("-21844674407370955e1616").find("r.json: "), std::string::npos);
}

// A value nested 100000 deep where a string belongs was printed with json::dump for the error
// message, which recursed off the stack (SIGSEGV).
TEST(CompareRobustness, DeepNestingIsAnInputError) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  const std::string text = R"({"schema_version": 1, "context": {"cpu_model": "c", "topology": "t"},)"
                           R"( "runs": [{"lock": )" + deep + "}]}";
  const std::string error = ErrorOf(text);
  EXPECT_NE(error.find("r.json: "), std::string::npos) << error.substr(0, 200);
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

// /dev/zero was read until memory ran out (std::bad_alloc, abort).
TEST(CompareRobustness, EndlessInputIsAnInputError) {
  try {
    LoadResultPath("/dev/zero");
    FAIL() << "/dev/zero was accepted";
  } catch (const CompareInputError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/zero: "), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lockbench
