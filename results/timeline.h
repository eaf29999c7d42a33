// A run's timeline window (`run --timeline FILE`) as Trace Event JSON, and what can be read
// from it: the hand-off chain and overlapping holds.
//
// The engine logs every acquisition of a window at the start of the measured window
// (ThreadRecord::timeline). TimelineTrace writes it in the Trace Event format that Perfetto,
// chrome://tracing and speedscope open: one track per worker thread, named with its role and PU;
// per acquisition a wait span (request to grant) and a hold span (grant to release) with mode,
// lock instance and bypass as arguments; a flow arrow from each release to the grant it let in
// (HandOffs); the run's config and the cap on events per thread as metadata
// (docs/user_guide.md, "Timeline").
//
// FindOverlaps is the exclusion check a timeline allows after the fact: two exclusive holds of
// one lock instance, or a shared and an exclusive one, that overlap in time. A hold's span is
// read inside the real hold (granted after the acquire returned, released before the release
// call), but the TSC read is not ordered with the lock's atomic operations: the grant's read
// can run while the acquiring instruction still waits for the lock's cache line, up to a
// line transfer early (up to 100 ns seen on a loaded 2-core VM, where a correct lock's spans
// then overlap by that much). So an overlap counts only beyond a slack, 1 us by default; a
// lock that lets two holders in for longer than that shows it.
#ifndef LOCKBENCH_RESULTS_TIMELINE_H_
#define LOCKBENCH_RESULTS_TIMELINE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "results/run_record.h"

namespace lockbench {

// The Trace Event document of r's timeline (an object: traceEvents, displayTimeUnit,
// otherData). Timestamps are microseconds since the measured window's start. `config` goes in
// otherData as given. REQUIRES: r.timeline_cap > 0.
nlohmann::json TimelineTrace(const RunRecord& r, const nlohmann::json& config);

// Where run r's timeline goes: `file` itself when the invocation makes one run, else one file
// per run named like the .hgrm files: <file less .json>.<lock>.<workload>.t<threads>[.a<rate>]
// .r<repetition>.json.
std::string TimelinePath(const std::string& file, const RunRecord& r, bool one_run);

// Reads a timeline document back into a record holding each thread's events (thread, role and
// PU from the track names are not parsed; `thread` is the track's tid) and the window settings;
// throws std::runtime_error naming what is missing.
RunRecord TimelineFromTrace(const nlohmann::json& trace);

// One event of a thread: per_thread[thread_index].timeline[event].
struct TimelineRef {
  size_t thread_index = 0;
  size_t event = 0;

  friend bool operator==(const TimelineRef&, const TimelineRef&) = default;
};

// Two holds of one lock instance that overlap in time where they must not: both exclusive, or
// one shared and one exclusive. `earlier` was granted first.
struct TimelineOverlap {
  TimelineRef earlier;
  TimelineRef later;
};

// Every hold that overlaps a conflicting hold granted before it by more than `slack_ns` (each
// reported once, with the conflicting hold that ends last). Empty for a correct lock.
// O(n log n) in the events.
inline constexpr uint64_t kTimelineOverlapSlackNs = 1'000;
std::vector<TimelineOverlap> FindOverlaps(const RunRecord& r,
                                          uint64_t slack_ns = kTimelineOverlapSlackNs);

// A flow arrow: the release of `from` let `to` in. Per lock instance, in grant order: an
// exclusive grant follows the latest release before it of the previous exclusive hold or of the
// readers admitted after it (whoever asked, the releasing thread included: barging shows as an
// arrow to the same thread); a shared grant follows the previous exclusive hold's release when
// it was waiting for it (asked before that release).
struct TimelineHandOff {
  TimelineRef from;
  TimelineRef to;
};
std::vector<TimelineHandOff> HandOffs(const RunRecord& r);

// The share of arrows that go to another thread; 0 without arrows.
double CrossThreadFraction(const RunRecord& r, std::span<const TimelineHandOff> arrows);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_TIMELINE_H_
