// The journal's reader and writer: what a killed sweep leaves behind is read back line by line,
// a last line cut short is skipped and named, and anything else malformed is one error naming
// the line.
#include "results/journal.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lockbench {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string Scratch(const std::string& name, const std::string& text) {
  const char* base = std::getenv("TEST_TMPDIR");
  const std::string path =
      (base != nullptr ? std::string(base) : std::filesystem::temp_directory_path().string()) +
      "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string RunLine(const std::string& lock, int repetition) {
  return json{{"lock", lock}, {"threads", 2}, {"repetition", repetition}, {"ops", 1234}}.dump();
}

std::string ErrorOf(const std::string& path) {
  try {
    ReadJournal(path);
  } catch (const JournalError& e) {
    return e.what();
  }
  return "no error";
}

TEST(JournalWriter, WritesWhatTheReaderReadsBackLineByLine) {
  const std::string path = Scratch("written.journal", "");
  JournalWriter writer(path, json{{"config", {{"locks", {"a"}}}}}, {json::parse(RunLine("a", 1))});
  writer.Add(json::parse(RunLine("a", 2)));
  writer.Add(json::parse(RunLine("b", 1)));
  const Journal j = ReadJournal(path);
  EXPECT_EQ(j.header, (json{{"config", {{"locks", {"a"}}}}}));
  ASSERT_EQ(j.runs.size(), 3u);
  EXPECT_EQ(j.runs[1], json::parse(RunLine("a", 2)));
  EXPECT_EQ(j.runs[2]["lock"], "b");
  EXPECT_EQ(j.torn_line, 0u);
}

// A run of an open-loop rate sweep: the rate tells it apart from the same run at another rate.
std::string OpenLoopLine(const std::string& lock, int repetition, double rate) {
  json run = json::parse(RunLine(lock, repetition));
  run["open_loop"] = {{"offered_ops_per_s", rate}};
  return run.dump();
}

TEST(ReadJournal, RunsOfARateSweepDifferByTheirRate) {
  const Journal j = ReadJournal(Scratch(
      "rates.journal",
      "{}\n" + OpenLoopLine("a", 1, 1e4) + "\n" + OpenLoopLine("a", 1, 2e4) + "\n" + RunLine("a", 1) + "\n"));
  ASSERT_EQ(j.runs.size(), 3u);
  EXPECT_EQ(JournaledRate(j.runs[0]), 1e4);
  EXPECT_EQ(JournaledRate(j.runs[1]), 2e4);
  EXPECT_EQ(JournaledRate(j.runs[2]), 0);  // closed loop
  EXPECT_THAT(ErrorOf(Scratch("rate-twice.journal", "{}\n" + OpenLoopLine("a", 1, 1e4) + "\n" +
                                                        OpenLoopLine("a", 1, 1e4) + "\n")),
              HasSubstr("rate-twice.journal:3: run a, 2 threads at 10k/s, repetition 1 is already "
                        "on an earlier line"));
}

TEST(ReadJournal, SkipsALastLineCutShortAndNamesIt) {
  const std::string full = RunLine("b", 1);
  const Journal j = ReadJournal(Scratch(
      "torn.journal", "{}\n" + RunLine("a", 1) + "\n" + full.substr(0, full.size() / 2)));
  EXPECT_EQ(j.runs.size(), 1u);
  EXPECT_EQ(j.torn_line, 3u);
}

TEST(ReadJournal, MalformedLinesAreOneErrorNamingTheLine) {
  const std::string half = RunLine("a", 1).substr(0, 20);
  EXPECT_THAT(ErrorOf(Scratch("mid.journal", "{}\n" + half + "\n" + RunLine("b", 1) + "\n")),
              HasSubstr("mid.journal:2: not valid JSON: "));
  EXPECT_THAT(ErrorOf(Scratch("array.journal", "{}\n[1]\n")),
              HasSubstr("array.journal:2: expected a JSON object"));
  EXPECT_THAT(ErrorOf(Scratch("nokey.journal", "{}\n{\"lock\": \"a\"}\n")),
              HasSubstr("nokey.journal:2: expected a run with lock, threads and repetition"));
  EXPECT_THAT(ErrorOf(Scratch("twice.journal", "{}\n" + RunLine("a", 1) + "\n" + RunLine("a", 1) + "\n")),
              HasSubstr("twice.journal:3: run a, 2 threads, repetition 1 is already on an "
                        "earlier line"));
  EXPECT_THAT(ErrorOf(Scratch("header.journal", "{\"conf")),
              HasSubstr("header.journal:1: the header is cut short"));
  EXPECT_THAT(ErrorOf(Scratch("empty.journal", "")), HasSubstr("empty.journal: empty file"));
  EXPECT_THAT(ErrorOf(Scratch("blank.journal", "{}\n\n")), HasSubstr("blank.journal:2: not valid JSON"));
  EXPECT_THAT(ErrorOf("/nonexistent/r.json.journal"), HasSubstr("cannot read"));
}

}  // namespace
}  // namespace lockbench
