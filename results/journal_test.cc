// The journal's reader, writer and lock: what a killed sweep leaves behind is read back line by
// line, a last line cut short is skipped and named, anything else malformed (a run the result
// file's reader would refuse too) is one error naming the line, and a journal in use by another
// sweep is neither replaced nor taken.
//
// Usage: journal_test RESULT_FILE (a real result, whose context, config and run the lines use).
#include "results/journal.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/file_io.h"
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

json g_result;  // the result file given on the command line

// The header of a journal of g_result's sweep.
std::string Header() {
  json header = json::object();
  header["context"] = g_result["context"];
  header["config"] = g_result["config"];
  return header.dump();
}

// A run of g_result's sweep, as its journal line.
std::string RunLine(const std::string& lock, int repetition) {
  json run = g_result["runs"][0];
  run["lock"] = lock;
  run["threads"] = 2;
  run["repetition"] = repetition;
  return run.dump();
}

std::string ErrorOf(const std::string& path) {
  try {
    ReadJournal(path);
  } catch (const JournalError& e) {
    return e.what();
  }
  return "no error";
}

std::string NewPath(const std::string& name) {
  const std::string path = Scratch(name, "");
  std::filesystem::remove(path);
  return path;
}

TEST(JournalWriter, WritesWhatTheReaderReadsBackLineByLine) {
  const std::string path = NewPath("written.journal");
  JournalWriter writer(path, json::parse(Header()), {json::parse(RunLine("a", 1))}, nullptr);
  writer.Add(json::parse(RunLine("a", 2)));
  writer.Add(json::parse(RunLine("b", 1)));
  const Journal j = ReadJournal(path);
  EXPECT_EQ(j.header, json::parse(Header()));
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
      Header() + "\n" + OpenLoopLine("a", 1, 1e4) + "\n" + OpenLoopLine("a", 1, 2e4) + "\n" + RunLine("a", 1) + "\n"));
  ASSERT_EQ(j.runs.size(), 3u);
  EXPECT_EQ(JournaledRate(j.runs[0]), 1e4);
  EXPECT_EQ(JournaledRate(j.runs[1]), 2e4);
  EXPECT_EQ(JournaledRate(j.runs[2]), 0);  // closed loop
  EXPECT_THAT(ErrorOf(Scratch("rate-twice.journal", Header() + "\n" + OpenLoopLine("a", 1, 1e4) + "\n" +
                                                        OpenLoopLine("a", 1, 1e4) + "\n")),
              HasSubstr("rate-twice.journal:3: run a, 2 threads at 10k/s, repetition 1 is already "
                        "on an earlier line"));
}

TEST(ReadJournal, SkipsALastLineCutShortAndNamesIt) {
  const std::string full = RunLine("b", 1);
  const Journal j = ReadJournal(Scratch(
      "torn.journal", Header() + "\n" + RunLine("a", 1) + "\n" + full.substr(0, full.size() / 2)));
  EXPECT_EQ(j.runs.size(), 1u);
  EXPECT_EQ(j.torn_line, 3u);
}

TEST(ReadJournal, MalformedLinesAreOneErrorNamingTheLine) {
  const std::string half = RunLine("a", 1).substr(0, 20);
  EXPECT_THAT(ErrorOf(Scratch("mid.journal", Header() + "\n" + half + "\n" + RunLine("b", 1) + "\n")),
              HasSubstr("mid.journal:2: not valid JSON: "));
  EXPECT_THAT(ErrorOf(Scratch("array.journal", Header() + "\n[1]\n")),
              HasSubstr("array.journal:2: expected a JSON object"));
  EXPECT_THAT(ErrorOf(Scratch("nokey.journal", Header() + "\n{\"lock\": \"a\"}\n")),
              HasSubstr("nokey.journal:2: expected a run with lock, threads and repetition"));
  EXPECT_THAT(ErrorOf(Scratch("twice.journal", Header() + "\n" + RunLine("a", 1) + "\n" + RunLine("a", 1) + "\n")),
              HasSubstr("twice.journal:3: run a, 2 threads, repetition 1 is already on an "
                        "earlier line"));
  EXPECT_THAT(ErrorOf(Scratch("header.journal", "{\"conf")),
              HasSubstr("header.journal:1: the header is cut short"));
  EXPECT_THAT(ErrorOf(Scratch("empty.journal", "")), HasSubstr("empty.journal: empty file"));
  EXPECT_THAT(ErrorOf(Scratch("blank.journal", Header() + "\n\n")), HasSubstr("blank.journal:2: not valid JSON"));
  EXPECT_THAT(ErrorOf("/nonexistent/r.json.journal"), HasSubstr("cannot read"));
  // A run the result file's reader refuses is refused here, with the line.
  json bad = json::parse(RunLine("a", 1));
  bad["throughput_ops_per_s"] = "many";
  EXPECT_THAT(ErrorOf(Scratch("badrun.journal", Header() + "\n" + bad.dump() + "\n")),
              HasSubstr("badrun.journal:2: "));
  bad = json::parse(RunLine("a", 1));
  bad.erase("status");
  EXPECT_THAT(ErrorOf(Scratch("nostatus.journal", Header() + "\n" + bad.dump() + "\n")),
              HasSubstr("nostatus.journal:2: "));
}

// The message of JournalBusy (or of another error) when `f` throws one, else "no error".
template <typename F>
std::string BusyOf(F f) {
  try {
    f();
  } catch (const JournalError& e) {
    return std::string(dynamic_cast<const JournalBusy*>(&e) != nullptr ? "busy: " : "error: ") +
           e.what();
  }
  return "no error";
}

// A journal being written is locked: another lock, another writer of a new journal, and a
// resume's read are refused, naming the writer's process; once it is gone, the journal is free.
TEST(JournalLock, AJournalInUseIsNeitherTakenNorReplaced) {
  const std::string path = NewPath("locked.journal");
  json header = json::parse(Header());
  header["owner"] = JournalOwner();
  const std::string holder = "process " + std::to_string(getpid()) + " on host ";
  {
    JournalWriter writer(path, header, {}, nullptr);
    EXPECT_THAT(BusyOf([&] { JournalLock::Take(path); }),
                HasSubstr("busy: " + path + " is in use by " + holder));
    EXPECT_THAT(BusyOf([&] { ReadJournalLocked(path); }), HasSubstr("busy: "));
    EXPECT_THAT(BusyOf([&] { JournalWriter second(path, header, {}, nullptr); }),
                HasSubstr("busy: " + path + " is in use by " + holder));
    writer.Add(json::parse(RunLine("a", 1)));
  }
  // Left unfinished: a new sweep still may not replace it, a resume may.
  EXPECT_THAT(BusyOf([&] { JournalWriter second(path, header, {}, nullptr); }),
              HasSubstr("error: " + path + ": a sweep that did not finish left it"));
  Journal resumed = ReadJournalLocked(path);
  ASSERT_TRUE(resumed.lock.held());
  ASSERT_EQ(resumed.runs.size(), 1u);
  JournalWriter rewriter(path, header, resumed.runs, &resumed.lock);
  resumed = Journal();  // the old file's lock goes; the new file is locked by the writer
  EXPECT_THAT(BusyOf([&] { JournalLock::Take(path); }), HasSubstr("busy: "));
  EXPECT_EQ(ReadJournal(path).runs.size(), 1u);
}

}  // namespace
}  // namespace lockbench

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: journal_test RESULT_FILE\n");
    return 2;
  }
  lockbench::g_result = nlohmann::json::parse(lockbench::ReadFileBounded(argv[1], 1 << 24));
  return RUN_ALL_TESTS();
}
