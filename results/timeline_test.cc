#include "results/timeline.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace lockbench {
namespace {

using json = nlohmann::json;

// A hold of `thread` on instance 0: granted at g, released at rel, asked at req.
struct Hold {
  int thread;
  uint64_t req, g, rel;
  bool shared = false;
  uint32_t instance = 0;
};

RunRecord Record(const std::vector<Hold>& holds, int threads = 2) {
  RunRecord r;
  r.lock = "test_lock";
  r.workload = "writer-storm";
  r.threads = threads;
  r.repetition = 1;
  r.timeline_window_ns = 20'000'000;
  r.timeline_cap = 100;
  for (int t = 0; t < threads; ++t) {
    ThreadRecord rec;
    rec.thread = t;
    rec.role = Role::kWriter;
    rec.pu = t;
    r.per_thread.push_back(rec);
  }
  for (const Hold& h : holds) {
    TimelineEvent e;
    e.requested = h.req;
    e.granted = h.g;
    e.released = h.rel;
    e.shared = h.shared;
    e.instance = h.instance;
    e.bypass = 0;
    r.per_thread[static_cast<size_t>(h.thread)].timeline.push_back(e);
  }
  return r;
}

// Two writers taking turns: no overlap, and every arrow crosses to the other thread.
TEST(TimelineTest, AlternatingWritersHandOffAcrossThreads) {
  const RunRecord r = Record({{0, 0, 10, 20}, {1, 5, 25, 35}, {0, 21, 40, 50}, {1, 36, 55, 65}});
  EXPECT_TRUE(FindOverlaps(r).empty());
  const std::vector<TimelineHandOff> arrows = HandOffs(r);
  ASSERT_EQ(arrows.size(), 3u);
  for (const TimelineHandOff& a : arrows) {
    EXPECT_NE(a.from.thread_index, a.to.thread_index);
    const TimelineEvent& from = r.per_thread[a.from.thread_index].timeline[a.from.event];
    const TimelineEvent& to = r.per_thread[a.to.thread_index].timeline[a.to.event];
    EXPECT_LE(from.released, to.granted);
  }
  EXPECT_DOUBLE_EQ(CrossThreadFraction(r, arrows), 1.0);
}

// A barging lock: thread 0 re-takes it three times while thread 1 waits, then 1 gets it.
TEST(TimelineTest, BargingShowsRunsOfOneThread) {
  const RunRecord r = Record({{0, 0, 1, 10}, {0, 11, 12, 20}, {0, 21, 22, 30}, {1, 2, 31, 40}});
  const std::vector<TimelineHandOff> arrows = HandOffs(r);
  ASSERT_EQ(arrows.size(), 3u);
  EXPECT_NEAR(CrossThreadFraction(r, arrows), 1.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(CrossThreadFraction(r, {}), 0.0);
}

// The planted bug: two writers inside at once, and a writer inside with a reader (ns, the
// overlaps 5 to 10 us, beyond the 1 us slack).
TEST(TimelineTest, FindsOverlappingExclusiveAndMixedHolds) {
  const RunRecord two_writers = Record({{0, 0, 10'000, 30'000}, {1, 0, 20'000, 40'000}});
  const std::vector<TimelineOverlap> o = FindOverlaps(two_writers);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].earlier, (TimelineRef{0, 0}));
  EXPECT_EQ(o[0].later, (TimelineRef{1, 0}));
  // A reader granted inside a writer's hold, and a writer granted inside a reader's.
  EXPECT_EQ(FindOverlaps(Record({{0, 0, 10'000, 30'000}, {1, 0, 20'000, 25'000, true}})).size(),
            1u);
  EXPECT_EQ(FindOverlaps(Record({{0, 0, 10'000, 30'000, true}, {1, 0, 20'000, 25'000}})).size(),
            1u);
  // Readers may overlap each other; holds of different instances never conflict; a hold that
  // ends where the next begins does not overlap it.
  EXPECT_TRUE(
      FindOverlaps(Record({{0, 0, 10'000, 30'000, true}, {1, 0, 20'000, 40'000, true}})).empty());
  EXPECT_TRUE(
      FindOverlaps(Record({{0, 0, 10'000, 30'000}, {1, 0, 20'000, 40'000, false, 1}})).empty());
  EXPECT_TRUE(FindOverlaps(Record({{0, 0, 10'000, 20'000}, {1, 0, 20'000, 40'000}})).empty());
  // Within the slack, a grant read early by the clock is not an overlap; beyond it, it is.
  const RunRecord close = Record({{0, 0, 10'000, 20'000}, {1, 0, 19'900, 40'000}});
  EXPECT_TRUE(FindOverlaps(close).empty());
  EXPECT_EQ(FindOverlaps(close, 50).size(), 1u);
}

// A reader that waited for a writer's release gets an arrow from it; one that asked after the
// release does not; the writer after a reader batch follows the last reader out.
TEST(TimelineTest, ReadersFollowTheWriterTheyWaitedFor) {
  const RunRecord r = Record({{0, 0, 10, 20},
                              {1, 15, 21, 30, true},
                              {2, 25, 26, 35, true},
                              {0, 22, 36, 40}},
                             3);
  const std::vector<TimelineHandOff> arrows = HandOffs(r);
  ASSERT_EQ(arrows.size(), 2u);
  EXPECT_EQ(arrows[0].from, (TimelineRef{0, 0}));
  EXPECT_EQ(arrows[0].to, (TimelineRef{1, 0}));
  EXPECT_EQ(arrows[1].from, (TimelineRef{2, 0}));  // the last reader out
  EXPECT_EQ(arrows[1].to, (TimelineRef{0, 1}));
}

// The document: the Trace Event fields a viewer needs, and it reads back to the same events.
TEST(TimelineTest, TraceHasTracksSpansFlowsAndReadsBack) {
  RunRecord r = Record({{0, 0, 1000, 2000}, {1, 500, 2500, 3000}, {0, 2100, 3100, 4000}});
  r.per_thread[1].timeline_capped = true;
  json config = json::object();
  config["threads"] = 2;
  const json doc = TimelineTrace(r, config);
  EXPECT_EQ(doc.at("displayTimeUnit"), "ns");
  EXPECT_EQ(doc.at("otherData").at("config"), config);
  EXPECT_EQ(doc.at("otherData").at("events_per_thread_cap"), 100u);
  EXPECT_EQ(doc.at("otherData").at("capped_threads"), json::array({1}));
  std::map<std::string, int> counts;
  std::map<int, std::string> names;
  std::map<uint64_t, std::vector<json>> flows;
  for (const json& e : doc.at("traceEvents")) {
    const std::string ph = e.at("ph");
    ++counts[ph];
    EXPECT_EQ(e.at("pid"), 1);
    if (ph == "M" && e.at("name") == "thread_name") names[e.at("tid")] = e.at("args").at("name");
    if (ph == "X") {
      EXPECT_GE(e.at("dur").get<double>(), 0.0);
      EXPECT_TRUE(e.at("args").contains("mode"));
    }
    if (ph == "s" || ph == "f") flows[e.at("id").get<uint64_t>()].push_back(e);
  }
  EXPECT_EQ(counts["X"], 6);  // a wait and a hold per acquisition
  EXPECT_EQ(names[0], "thread 0 writer @ PU 0");
  EXPECT_EQ(names[1], "thread 1 writer @ PU 1");
  ASSERT_EQ(flows.size(), 2u);
  for (const auto& [id, pair] : flows) {
    ASSERT_EQ(pair.size(), 2u);
    EXPECT_EQ(pair[0].at("ph"), "s");
    EXPECT_EQ(pair[1].at("ph"), "f");
    EXPECT_EQ(pair[1].at("bp"), "e");
    EXPECT_LT(pair[0].at("ts").get<double>(), pair[1].at("ts").get<double>());
  }
  // The first hold's span: ts 1 us, 1 us long.
  const RunRecord back = TimelineFromTrace(json::parse(doc.dump()));
  ASSERT_EQ(back.per_thread.size(), 2u);
  EXPECT_EQ(back.per_thread[0].timeline, r.per_thread[0].timeline);
  EXPECT_EQ(back.per_thread[1].timeline, r.per_thread[1].timeline);
  EXPECT_TRUE(back.per_thread[1].timeline_capped);
  EXPECT_EQ(back.lock, "test_lock");
  EXPECT_THROW(TimelineFromTrace(json::object()), std::runtime_error);
}

TEST(TimelineTest, OneFilePerRunNamedLikeTheHgrmFiles) {
  RunRecord r = Record({});
  r.threads = 2;
  r.repetition = 3;
  EXPECT_EQ(TimelinePath("out/t.json", r, true), "out/t.json");
  EXPECT_EQ(TimelinePath("out/t.json", r, false), "out/t.test_lock.writer-storm.t2.r3.json");
  r.offered_ops_per_s = 200'000;
  EXPECT_EQ(TimelinePath("t", r, false), "t.test_lock.writer-storm.t2.a200k.r3.json");
}

// Spans that touch (a wait ends where its hold begins, a hold where the next request begins) do
// not overlap as a viewer sums ts and dur in binary floating point: 14.186 + 0.02 is above 14.206
// there, which speedscope drew as nesting.
TEST(TimelineTest, TouchingSpansEndBeforeTheNextBegins) {
  const RunRecord r = Record({{0, 14186, 14206, 14748}, {0, 14748, 16190, 16200},
                              {0, 16200, 16200, 16671}, {1, 1, 3, 7}});
  const json doc = TimelineTrace(r, json::object());
  std::map<int, std::vector<json>> spans;
  for (const json& e : doc.at("traceEvents")) {
    if (e.at("ph") == "X") spans[e.at("tid").get<int>()].push_back(e);
  }
  ASSERT_EQ(spans[0].size(), 6u);
  for (const auto& [tid, list] : spans) {
    for (size_t i = 0; i + 1 < list.size(); ++i) {
      const double end = list[i].at("ts").get<double>() + list[i].at("dur").get<double>();
      const double next = list[i + 1].at("ts").get<double>();
      if (list[i].at("dur").get<double>() > 0) {  // an empty span cannot end before it begins
        EXPECT_LT(end, next) << "thread " << tid << " span " << i << ": " << list[i].dump();
      }
      EXPECT_NEAR(end, next, 1e-9) << "thread " << tid << " span " << i;  // touching, to the ns
    }
  }
  EXPECT_EQ(spans[0][4].at("dur").get<double>(), 0.0);  // a wait granted at once: empty
}

// Far into a long run (ts near 3e9 us) a 1 ns span is many orders of magnitude below ts: its dur
// is still found (in a few steps of ts + dur's last place) and still ends before the next span.
TEST(TimelineTest, ShortSpansLateInALongRunEndBeforeTheNextBegins) {
  const uint64_t late = 3'000'000'000'123;  // 50 minutes in
  const RunRecord r = Record({{0, late, late + 1, late + 2}, {0, late + 2, late + 3, late + 4}});
  const json doc = TimelineTrace(r, json::object());
  std::vector<json> spans;
  for (const json& e : doc.at("traceEvents")) {
    if (e.at("ph") == "X") spans.push_back(e);
  }
  ASSERT_EQ(spans.size(), 4u);
  for (size_t i = 0; i + 1 < spans.size(); ++i) {
    const double dur = spans[i].at("dur").get<double>();
    EXPECT_GT(dur, 0.0009) << spans[i].dump();
    EXPECT_LT(spans[i].at("ts").get<double>() + dur, spans[i + 1].at("ts").get<double>())
        << spans[i].dump();
  }
}

}  // namespace
}  // namespace lockbench
