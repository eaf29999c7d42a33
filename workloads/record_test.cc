#include "workloads/record.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "workloads/workload_spec.h"

namespace lockbench {
namespace {

using nlohmann::json;

// A profile histogram holding `count` records of each value (its buckets' tops are what
// ProfileHistogramFromJson reads).
json Latency(const std::vector<std::uint64_t>& values, std::uint64_t count = 1) {
  json buckets = json::array();
  double sum = 0;
  for (std::uint64_t v : values) {
    buckets.push_back({v, v, count});
    sum += static_cast<double>(v * count);
  }
  const std::uint64_t n = values.size() * count;
  const double mean = n == 0 ? 0.0 : sum / static_cast<double>(n);
  return {{"buckets", buckets}, {"count", n}, {"mean", mean}};
}

// The mean of an empirical distribution as inverse transform draws it: the segments' midpoints.
double EmpiricalMean(const json& quantiles) {
  double sum = 0;
  for (std::size_t i = 1; i < quantiles.size(); ++i) {
    sum += (quantiles[i - 1].get<double>() + quantiles[i].get<double>()) / 2;
  }
  return sum / static_cast<double>(quantiles.size() - 1);
}

json Lock(const std::string& kind, std::uint64_t exclusive, std::uint64_t shared,
          std::vector<int> threads, std::uint64_t contended_exclusive = 0) {
  return {{"kind", kind},
          {"acquisitions", {{"exclusive", exclusive}, {"shared", shared}}},
          {"contended", {{"exclusive", contended_exclusive}, {"shared", 0}}},
          {"thread_indices", threads},
          {"wait_ns", {{"exclusive", Latency({2000, 4000})}, {"shared", Latency({})}}},
          {"hold_ns",
           {{"exclusive", exclusive != 0 ? Latency({100, 200, 300}) : Latency({})},
            {"shared", shared != 0 ? Latency({50}) : Latency({})}}}};
}

// Built member by member: a one-element braced list of json is an array to one compiler and a
// copy to another.
json Process(const std::vector<json>& locks, double duration_s,
             std::vector<std::uint64_t> think) {
  json p = json::object();
  p["duration_s"] = duration_s;
  p["think_ns"] = Latency(think);
  p["locks"] = json(locks);
  return p;
}

// A profile row (one run of the program) of these processes.
json Row(const std::vector<json>& processes) {
  json row = json::object();
  row["processes"] = json(processes);
  return row;
}

const Provenance kFrom{"prog --n 5", "2026-12-07T03:00:00Z", "host1", "abc1234"};

TEST(RecordWorkload, TakesTheLocksCarrying99PercentWithTheirWeightsAndThreads) {
  // 1000 acquisitions: a and b carry 995, c (the main thread's set-up lock) the rest.
  const json row = Row({Process({Lock("mutex", 900, 0, {1, 2}, 90), Lock("mutex", 95, 0, {1, 2}),
                               Lock("mutex", 5, 0, {0})},
                              2.0, {1000, 2000, 3000})});
  std::string why;
  const json w = RecordWorkload(row, kFrom, "prog", &why);
  ASSERT_FALSE(w.is_null()) << why;
  EXPECT_EQ(w["threads"], 2);
  EXPECT_EQ(w["lock_weights"], json::array({900, 95}));
  EXPECT_EQ(w["lock_choice"], "weights");
  EXPECT_EQ(w["read_ratio"], 0.0);
  EXPECT_FALSE(w.contains("lock_read_ratios"));
  EXPECT_FALSE(w.contains("shared_cs"));  // never used: nothing to draw
  const json& cs = w["exclusive_cs"]["quantiles_ns"];
  ASSERT_EQ(cs.size(), 101u);
  EXPECT_EQ(cs[0], 100);
  EXPECT_LE(cs[100].get<double>(), 300);  // within [q99, max], keeping the recorded mean
  EXPECT_NEAR(EmpiricalMean(cs), 200, 200 * 0.032);  // bucket tops, clamped at q99
  EXPECT_EQ(w["think"], "empirical");
  // Profile histograms keep 5 sub-bucket bits: a quantile is its bucket's top, < 3.2% above.
  EXPECT_NEAR(w["think_time"]["quantiles_ns"][50].get<double>(), 2000, 2000 * 0.032);
  EXPECT_EQ(w["holder_may_block"], true);
  const json& from = w["recorded_from"];
  EXPECT_EQ(from["command"], "prog --n 5");
  EXPECT_EQ(from["lock"], "pthread_mutex");
  EXPECT_DOUBLE_EQ(from["coverage"].get<double>(), 0.995);
  const json& ex = from["recorded"]["exclusive"];
  EXPECT_EQ(ex["acquisitions"], 995);
  EXPECT_DOUBLE_EQ(ex["contended_fraction"].get<double>(), 0.0904523);  // 90 / 995
  EXPECT_NEAR(ex["wait_p50_ns"].get<double>(), 2000, 2000 * 0.032);
  EXPECT_NEAR(ex["wait_p99_ns"].get<double>(), 4000, 4000 * 0.032);
  EXPECT_DOUBLE_EQ(ex["acquisitions_per_s_per_thread"].get<double>(), 995.0 / 2.0 / 2);
  EXPECT_FALSE(from["recorded"].contains("shared"));
}

// One idle second among a thousand 1 us think times: linear interpolation up to the maximum would
// put the top 1% at half a second on average, 50x the program's mean; the recorded top quantile
// keeps the distribution's mean at the program's exact mean.
TEST(RecordWorkload, TheTopQuantileKeepsTheRecordedMean) {
  json p = Process({Lock("mutex", 1000, 0, {1, 2})}, 2.0, {});
  p["think_ns"] = Latency({1000}, 999);
  p["think_ns"]["buckets"].push_back({1000000000, 1000000000, 1});
  p["think_ns"]["count"] = 1000;
  p["think_ns"]["mean"] = (999 * 1000.0 + 1e9) / 1000;
  std::string why;
  const json w = RecordWorkload(Row({p}), kFrom, "idle", &why);
  const json& q = w["think_time"]["quantiles_ns"];
  EXPECT_NEAR(EmpiricalMean(q), (999 * 1000.0 + 1e9) / 1000, 1);
  EXPECT_GE(q[100].get<double>(), q[99].get<double>());
  EXPECT_LT(q[100].get<double>(), 1e9);
  EXPECT_NEAR(q[50].get<double>(), 1000, 32);
}

TEST(RecordWorkload, PerLockReadRatiosOnlyWhereTheLocksDiffer) {
  std::string why;
  const json same = RecordWorkload(
      Row({Process({Lock("rwlock", 10, 90, {0}), Lock("rwlock", 10, 90, {1})}, 1, {})}),
      kFrom, "same", &why);
  EXPECT_FALSE(same.contains("lock_read_ratios"));
  EXPECT_DOUBLE_EQ(same["read_ratio"].get<double>(), 0.9);
  EXPECT_EQ(same["threads"], 2);
  EXPECT_EQ(same["think"], "none");  // no think time was timed
  EXPECT_EQ(same["recorded_from"]["lock"], "pthread_rwlock");
  EXPECT_EQ(same["shared_cs"]["quantiles_ns"][50], 50);
  const json differ = RecordWorkload(
      Row({Process({Lock("rwlock", 50, 50, {0}), Lock("rwlock", 1, 99, {0})}, 1, {})}),
      kFrom, "differ", &why);
  EXPECT_EQ(differ["lock_read_ratios"], json::array({0.5, 0.99}));
  EXPECT_EQ(differ["threads"], 1);
}

TEST(RecordWorkload, ThreadsAreTheBusiestCarrying99PercentOfTheirAcquisitions) {
  // Thread 0 opened the program's state (10 acquisitions); 1 and 2 did the work.
  json p = Process({Lock("mutex", 100000, 0, {0, 1, 2})}, 1, {500});
  p["thread_acquisitions"] = {10, 50000, 49990};
  std::string why;
  EXPECT_EQ(RecordWorkload(Row({p}), kFrom, "w", &why)["threads"], 2);
  p["thread_acquisitions"] = {2000, 50000, 48000};  // 2% is a worker's share
  EXPECT_EQ(RecordWorkload(Row({p}), kFrom, "w", &why)["threads"], 3);
}

TEST(RecordWorkload, ThreadsOfSeveralProcessesAddUp) {
  // Thread index 1 of one process is not thread index 1 of another.
  std::string why;
  const json w = RecordWorkload(
      Row({Process({Lock("mutex", 100, 0, {1, 2})}, 1, {500}),
         Process({Lock("mutex", 100, 0, {1, 2, 3})}, 1, {500})}),
      kFrom, "two", &why);
  EXPECT_EQ(w["threads"], 5);
}

TEST(RecordWorkload, NothingRecordedFromAProgramWithoutLocks) {
  std::string why;
  EXPECT_TRUE(RecordWorkload(Row({Process({}, 1, {})}), kFrom, "x", &why)
                  .is_null());
  EXPECT_NE(why.find("no lock acquisition"), std::string::npos) << why;
}

// Written, read and written again: identical, and what was recorded is what the parser keeps.
TEST(RecordWorkload, RoundTripsThroughTheWorkloadParser) {
  std::string why;
  const json w = RecordWorkload(
      Row({Process({Lock("rwlock", 300, 700, {1, 2}, 30), Lock("mutex", 200, 0, {1})}, 0.5,
                 {100, 900, 7000})}),
      kFrom, "trip", &why);
  ASSERT_FALSE(w.is_null()) << why;
  const WorkloadSpec first = ParseWorkload(w.dump(2), "recorded.json");
  const json written = WorkloadToJson(first);
  const json again = WorkloadToJson(ParseWorkload(written.dump(2), "again.json"));
  EXPECT_EQ(written, again);
  for (const auto& [field, value] : w.items()) {
    // The writer gives thread counts as a sweep list.
    EXPECT_EQ(written[field], field == "threads" ? json::array({value}) : value) << field;
  }
  EXPECT_EQ(first.lock_instances, 2);
  EXPECT_EQ(first.lock_read_ratios, (std::vector<double>{0.7, 0.0}));
  EXPECT_EQ(first.think_quantiles_ns.size(), 101u);
}

}  // namespace
}  // namespace lockbench
