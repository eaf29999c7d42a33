#include "results/replay_fidelity.h"

#include <gtest/gtest.h>

#include <string>

namespace lockbench {
namespace {

using nlohmann::json;

json Workload() {
  return json::parse(R"({"name": "db", "recorded_from": {
      "command": "prog --x", "lock": "pthread_rwlock", "coverage": 0.99,
      "recorded": {"exclusive": {"acquisitions": 5000, "contended_fraction": 0.1,
                                 "wait_p50_ns": 900, "wait_p99_ns": 5000,
                                 "acquisitions_per_s_per_thread": 100000},
                   "shared": {"contended_fraction": 0.02, "wait_p50_ns": 400}}}})");
}

json RunEntry(const std::string& lock, int repetition, const std::string& status = "ok") {
  return {{"lock", lock},
          {"threads", 2},
          {"repetition", repetition},
          {"status", status},
          {"contention",
           {{"exclusive", {{"acquisitions", 800}, {"contended", 200}, {"contended_fraction", 0.25},
                           {"wait_p50_ns", 1520}, {"wait_p99_ns", 30210},
                           {"acquisitions_per_s_per_thread", 412345.0}}},
            {"shared", {{"acquisitions", 0}, {"contended", 0}, {"contended_fraction", 0.0},
                        {"wait_p50_ns", nullptr}, {"wait_p99_ns", nullptr},
                        {"acquisitions_per_s_per_thread", 0.0}}}}}};
}

TEST(RenderReplayFidelity, OneRowPerRunAndRecordedModeRecordedBesideReplayed) {
  const json runs = json::array({RunEntry("pthread_mutex", 1), RunEntry("push_lock", 1)});
  EXPECT_EQ(RenderReplayFidelity(Workload(), runs, ReportFormat::kTable),
            "replay fidelity of workload db (recorded / replayed; recorded from 'prog --x' on "
            "pthread_rwlock)\n"
            "lock           threads  rep       mode  contended  wait p50 ns   wait p99 ns"
            "     acq/s/thread\n"
            "pthread_mutex        2    1  exclusive  10% / 25%   900 / 1520  5000 / 30210"
            "  100k/s / 412k/s\n"
            "pthread_mutex        2    1     shared    2% / 0%      400 / -         - / -"
            "          - / 0/s\n"
            "push_lock            2    1  exclusive  10% / 25%   900 / 1520  5000 / 30210"
            "  100k/s / 412k/s\n"
            "push_lock            2    1     shared    2% / 0%      400 / -         - / -"
            "          - / 0/s\n"
            "contended: acquisitions whose first try failed, so they waited; wait: how long those "
            "waited (the replay's timed ones)\n\n");
}

TEST(RenderReplayFidelity, MarkdownHasTheSameRows) {
  const std::string md = RenderReplayFidelity(
      Workload(), json::array({RunEntry("pthread_mutex", 1)}), ReportFormat::kMarkdown);
  EXPECT_EQ(md.rfind("### replay fidelity of workload db", 0), 0u) << md;
  EXPECT_NE(md.find("| pthread_mutex | 2 | 1 | exclusive | 10% / 25% | 900 / 1520 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| pthread_mutex | 2 | 1 | shared | 2% / 0% |"), std::string::npos) << md;
}

// Only a recorded mode gets a row; runs that did not end well, and runs without a contention
// object, get none; a workload without recorded figures gets no table.
TEST(RenderReplayFidelity, NothingToShowGivesNoTable) {
  json exclusive_only = Workload();
  exclusive_only["recorded_from"]["recorded"].erase("shared");
  const std::string one =
      RenderReplayFidelity(exclusive_only, json::array({RunEntry("pthread_mutex", 1)}),
                           ReportFormat::kTable);
  EXPECT_NE(one.find("exclusive"), std::string::npos);
  EXPECT_EQ(one.find("shared"), std::string::npos) << one;

  EXPECT_EQ(RenderReplayFidelity(Workload(), json::array({RunEntry("pthread_mutex", 1, "stalled")}),
                                 ReportFormat::kTable),
            "");
  json unmeasured = RunEntry("pthread_mutex", 1);
  unmeasured["contention"] = nullptr;
  EXPECT_EQ(RenderReplayFidelity(Workload(), json::array({unmeasured}), ReportFormat::kTable),
            "");
  json plain = Workload();
  plain.erase("recorded_from");
  EXPECT_EQ(RenderReplayFidelity(plain, json::array({RunEntry("pthread_mutex", 1)}),
                                 ReportFormat::kTable),
            "");
  EXPECT_EQ(RenderReplayFidelity(json(nullptr), json::array({RunEntry("pthread_mutex", 1)}),
                                 ReportFormat::kTable),
            "");
}

}  // namespace
}  // namespace lockbench
