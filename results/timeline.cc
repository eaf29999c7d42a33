#include "results/timeline.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "base/roles.h"
#include "base/strings.h"

namespace lockbench {
namespace {

using json = nlohmann::json;

constexpr int kPid = 1;
constexpr int kFormatVersion = 1;

double Micros(uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

// The `dur` of a span from `start` to `end` (ns): end - start in microseconds, lowered just
// enough that ts + dur, summed in binary floating point as viewers do, stays below `end`'s ts.
// Spans that touch (a wait ends where its hold begins) would otherwise overlap by a rounding
// error, and a viewer that turns spans into begin and end events (speedscope) stacks them as
// nested. The sum is stepped down a unit in its own last place at a time (a step of dur's would
// take millions of tries when ts is large and the span short), a few steps at most.
double DurMicros(uint64_t start, uint64_t end) {
  const double ts = Micros(start);
  const double next = Micros(end);
  double target = next;
  double dur = next - ts;
  while (dur > 0 && ts + dur >= next) {
    target = std::nextafter(target, 0.0);
    dur = std::max(target - ts, 0.0);
  }
  return dur;
}

const TimelineEvent& At(const RunRecord& r, TimelineRef ref) {
  return r.per_thread[ref.thread_index].timeline[ref.event];
}

// Every event of one lock instance, in grant order (ties: the earlier release first).
std::map<uint32_t, std::vector<TimelineRef>> ByInstance(const RunRecord& r) {
  std::map<uint32_t, std::vector<TimelineRef>> out;
  for (size_t t = 0; t < r.per_thread.size(); ++t) {
    const std::vector<TimelineEvent>& events = r.per_thread[t].timeline;
    for (size_t i = 0; i < events.size(); ++i) out[events[i].instance].push_back({t, i});
  }
  for (auto& [instance, refs] : out) {
    std::sort(refs.begin(), refs.end(), [&](TimelineRef a, TimelineRef b) {
      const TimelineEvent& x = At(r, a);
      const TimelineEvent& y = At(r, b);
      return x.granted != y.granted ? x.granted < y.granted : x.released < y.released;
    });
  }
  return out;
}

const char* ModeName(bool shared) { return shared ? "shared" : "exclusive"; }

json Event(const char* ph, std::string name, const char* cat, int tid, double ts) {
  json e = json::object();
  e["ph"] = ph;
  e["name"] = std::move(name);
  e["cat"] = cat;
  e["pid"] = kPid;
  e["tid"] = tid;
  e["ts"] = ts;
  return e;
}

json Metadata(const char* name, int tid, const char* key, json value) {
  json e = json::object();
  e["ph"] = "M";
  e["name"] = name;
  e["pid"] = kPid;
  e["tid"] = tid;
  e["ts"] = 0;
  json args = json::object();
  args[key] = std::move(value);
  e["args"] = std::move(args);
  return e;
}

std::string TrackName(const ThreadRecord& t) {
  return "thread " + std::to_string(t.thread) + " " + RoleName(t.role) +
         (t.pu >= 0 ? " @ PU " + std::to_string(t.pu) : std::string(" unpinned"));
}

std::string RunLabel(const RunRecord& r) {
  return "lockbench " + r.lock + ", " + r.workload + ", " +
         CountedNoun(static_cast<size_t>(r.threads), "thread", "threads") +
         AtRate(r.offered_ops_per_s) + ", repetition " + std::to_string(r.repetition);
}

// The wait and hold spans of one acquisition, and its arrival and torture marks.
void AddAcquisition(const RunRecord& r, const ThreadRecord& t, const TimelineEvent& e,
                    json& events) {
  const char* mode = ModeName(e.shared);
  json wait = Event("X", std::string(e.tried ? "try " : "wait ") + mode, "wait", t.thread,
                    Micros(e.requested));
  wait["dur"] = DurMicros(e.requested, e.granted);
  json wait_args = json::object();
  wait_args["mode"] = mode;
  wait_args["instance"] = e.instance;
  wait["args"] = std::move(wait_args);
  events.push_back(std::move(wait));

  const bool torture = e.torture_cs_delays + e.torture_holder_sleeps + e.torture_step_delays > 0;
  json hold = Event("X", std::string("hold ") + mode, torture ? "hold,torture" : "hold", t.thread,
                    Micros(e.granted));
  hold["dur"] = DurMicros(e.granted, e.released);
  json args = json::object();
  args["mode"] = mode;
  args["instance"] = e.instance;
  args["bypass"] = e.bypass >= 0 ? json(e.bypass) : json(nullptr);
  args["tried"] = e.tried;
  args["requested_ns"] = e.requested;
  args["granted_ns"] = e.granted;
  args["released_ns"] = e.released;
  if (r.offered_ops_per_s > 0) {
    args["arrival_ns"] = e.arrival;
    args["late"] = e.late;
  }
  if (r.torture) {
    args["torture_cs_delays"] = e.torture_cs_delays;
    args["torture_holder_sleeps"] = e.torture_holder_sleeps;
    args["torture_step_delays"] = e.torture_step_delays;
  }
  hold["args"] = std::move(args);
  events.push_back(std::move(hold));

  if (r.offered_ops_per_s > 0) {
    json arrival = Event("i", "arrival", "arrival", t.thread, Micros(e.arrival));
    arrival["s"] = "t";
    json a = json::object();
    a["late"] = e.late;
    arrival["args"] = std::move(a);
    events.push_back(std::move(arrival));
  }
  if (torture) {
    json mark = Event("i", "torture delay", "torture", t.thread, Micros(e.granted));
    mark["s"] = "t";
    json a = json::object();
    a["cs_delays"] = e.torture_cs_delays;
    a["holder_sleeps"] = e.torture_holder_sleeps;
    a["step_delays"] = e.torture_step_delays;
    mark["args"] = std::move(a);
    events.push_back(std::move(mark));
  }
}

// A flow arrow's two ends, each a nanosecond inside its hold span, so that a viewer binds the
// start to the releasing hold and the end ("bp": "e", enclosing slice) to the granted hold.
void AddArrow(const RunRecord& r, const TimelineHandOff& a, size_t id, json& events) {
  const TimelineEvent& from = At(r, a.from);
  const TimelineEvent& to = At(r, a.to);
  json start = Event("s", "hand-off", "handoff", r.per_thread[a.from.thread_index].thread,
                     Micros(from.released > from.granted ? from.released - 1 : from.released));
  start["id"] = id;
  events.push_back(std::move(start));
  json finish = Event("f", "hand-off", "handoff", r.per_thread[a.to.thread_index].thread,
                      Micros(to.released > to.granted ? to.granted + 1 : to.granted));
  finish["id"] = id;
  finish["bp"] = "e";
  events.push_back(std::move(finish));
}

}  // namespace

json TimelineTrace(const RunRecord& r, const json& config) {
  json events = json::array();
  json process = Metadata("process_name", 0, "name", RunLabel(r));
  events.push_back(std::move(process));
  json capped = json::array();
  for (const ThreadRecord& t : r.per_thread) {
    events.push_back(Metadata("thread_name", t.thread, "name", TrackName(t)));
    events.push_back(Metadata("thread_sort_index", t.thread, "sort_index", t.thread));
    if (t.timeline_capped) capped.push_back(t.thread);
  }
  for (const ThreadRecord& t : r.per_thread) {
    for (const TimelineEvent& e : t.timeline) AddAcquisition(r, t, e, events);
  }
  const std::vector<TimelineHandOff> arrows = HandOffs(r);
  for (size_t i = 0; i < arrows.size(); ++i) AddArrow(r, arrows[i], i + 1, events);

  json other = json::object();
  other["lockbench_timeline"] = kFormatVersion;
  other["lock"] = r.lock;
  other["workload"] = r.workload;
  other["threads"] = r.threads;
  other["repetition"] = r.repetition;
  other["arrival_rate"] = r.offered_ops_per_s;
  other["status"] = RunStatusName(r.status);
  other["time_origin"] = "the measured window's start (ts in microseconds)";
  other["window_ns"] = r.timeline_window_ns;
  other["events_per_thread_cap"] = r.timeline_cap;
  other["capped_threads"] = std::move(capped);
  other["hand_offs"] = arrows.size();
  other["cross_thread_hand_offs"] = CrossThreadFraction(r, arrows);
  other["config"] = config;
  json doc = json::object();
  doc["traceEvents"] = std::move(events);
  doc["displayTimeUnit"] = "ns";
  doc["otherData"] = std::move(other);
  return doc;
}

std::string TimelinePath(const std::string& file, const RunRecord& r, bool one_run) {
  if (one_run) return file;
  std::string stem = file.ends_with(".json") ? file.substr(0, file.size() - 5) : file;
  std::string rate = r.offered_ops_per_s > 0 ? ".a" + FormatRate(r.offered_ops_per_s) : "";
  if (rate.ends_with("/s")) rate.resize(rate.size() - 2);
  return stem + "." + r.lock + "." + r.workload + ".t" + std::to_string(r.threads) + rate + ".r" +
         std::to_string(r.repetition) + ".json";
}

RunRecord TimelineFromTrace(const json& trace) {
  if (!trace.is_object() || !trace.contains("traceEvents") || !trace.contains("otherData")) {
    throw std::runtime_error("not a lockbench timeline: no traceEvents or otherData");
  }
  const json& other = trace.at("otherData");
  if (!other.contains("lockbench_timeline")) {
    throw std::runtime_error("not a lockbench timeline: otherData has no lockbench_timeline");
  }
  RunRecord r;
  r.lock = other.at("lock").get<std::string>();
  r.workload = other.at("workload").get<std::string>();
  r.threads = other.at("threads").get<int>();
  r.repetition = other.at("repetition").get<int>();
  r.offered_ops_per_s = other.at("arrival_rate").get<double>();
  r.timeline_window_ns = other.at("window_ns").get<uint64_t>();
  r.timeline_cap = other.at("events_per_thread_cap").get<uint64_t>();
  std::map<int, ThreadRecord> threads;
  for (const json& e : trace.at("traceEvents")) {
    const std::string ph = e.at("ph").get<std::string>();
    const int tid = e.at("tid").get<int>();
    if (ph == "M" && e.at("name") == "thread_name") threads[tid].thread = tid;
    if (ph != "X" || !e.at("name").get<std::string>().starts_with("hold ")) continue;
    const json& a = e.at("args");
    TimelineEvent t;
    t.requested = a.at("requested_ns").get<uint64_t>();
    t.granted = a.at("granted_ns").get<uint64_t>();
    t.released = a.at("released_ns").get<uint64_t>();
    t.bypass = a.at("bypass").is_null() ? -1 : a.at("bypass").get<int64_t>();
    t.instance = a.at("instance").get<uint32_t>();
    t.shared = a.at("mode") == "shared";
    t.tried = a.at("tried").get<bool>();
    if (a.contains("arrival_ns")) {
      t.arrival = a.at("arrival_ns").get<uint64_t>();
      t.late = a.at("late").get<bool>();
    }
    t.torture_cs_delays = a.value("torture_cs_delays", uint16_t{0});
    t.torture_holder_sleeps = a.value("torture_holder_sleeps", uint16_t{0});
    t.torture_step_delays = a.value("torture_step_delays", uint16_t{0});
    ThreadRecord& rec = threads[tid];
    rec.thread = tid;
    rec.timeline.push_back(t);
  }
  for (const json& t : other.at("capped_threads")) threads[t.get<int>()].timeline_capped = true;
  for (auto& [tid, rec] : threads) r.per_thread.push_back(std::move(rec));
  return r;
}

std::vector<TimelineOverlap> FindOverlaps(const RunRecord& r, uint64_t slack_ns) {
  std::vector<TimelineOverlap> out;
  for (const auto& [instance, refs] : ByInstance(r)) {
    // The holds granted so far that end last, per mode.
    std::optional<TimelineRef> exclusive, shared;
    for (const TimelineRef ref : refs) {
      const TimelineEvent& e = At(r, ref);
      // Both held from e's grant to the earlier of the two releases.
      const auto overlaps = [&](const std::optional<TimelineRef>& other) {
        if (!other || other->thread_index == ref.thread_index) return false;
        const uint64_t end = std::min(At(r, *other).released, e.released);
        return end > e.granted + slack_ns;
      };
      if (overlaps(exclusive)) {
        out.push_back({*exclusive, ref});
      } else if (!e.shared && overlaps(shared)) {
        out.push_back({*shared, ref});
      }
      std::optional<TimelineRef>& last = e.shared ? shared : exclusive;
      if (!last || At(r, *last).released < e.released) last = ref;
    }
  }
  return out;
}

std::vector<TimelineHandOff> HandOffs(const RunRecord& r) {
  std::vector<TimelineHandOff> out;
  for (const auto& [instance, refs] : ByInstance(r)) {
    std::optional<TimelineRef> writer;    // the latest exclusive hold
    std::vector<TimelineRef> readers;     // the shared holds granted since it
    for (const TimelineRef ref : refs) {
      const TimelineEvent& e = At(r, ref);
      if (e.shared) {
        if (writer && At(r, *writer).released <= e.granted &&
            e.requested <= At(r, *writer).released) {
          out.push_back({*writer, ref});
        }
        readers.push_back(ref);
        continue;
      }
      // The last release before this grant, of the previous writer or the readers after it.
      std::optional<TimelineRef> from;
      const auto consider = [&](TimelineRef c) {
        const TimelineEvent& h = At(r, c);
        if (h.released > e.granted) return;
        if (!from || At(r, *from).released < h.released) from = c;
      };
      if (writer) consider(*writer);
      for (const TimelineRef c : readers) consider(c);
      if (from) out.push_back({*from, ref});
      writer = ref;
      readers.clear();
    }
  }
  return out;
}

double CrossThreadFraction(const RunRecord& r, std::span<const TimelineHandOff> arrows) {
  if (arrows.empty()) return 0;
  size_t cross = 0;
  for (const TimelineHandOff& a : arrows) {
    cross += r.per_thread[a.from.thread_index].thread != r.per_thread[a.to.thread_index].thread;
  }
  return static_cast<double>(cross) / static_cast<double>(arrows.size());
}

}  // namespace lockbench
