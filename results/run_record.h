// What one run (one lock, workload, thread count and repetition) produced, as raw data: each
// thread's counts and histograms and the exclusive grant order. The engine fills it; summary.h
// derives the statistics (merged percentiles, fairness, hand-off) and result_json.h writes it.
// Plain data: no behaviour, no dependency on how it was measured.
#ifndef LOCKBENCH_RESULTS_RUN_RECORD_H_
#define LOCKBENCH_RESULTS_RUN_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/roles.h"
#include "results/histogram.h"

namespace lockbench {

// One timed acquisition of a lock: asked for, granted, and the release begun. The engine logs
// TSC ticks and hands the record over in ns since the measured window's start.
struct HoldInterval {
  uint64_t requested = 0;
  uint64_t granted = 0;
  uint64_t released = 0;
  bool shared = false;
  bool tried = false;  // a try_lock / try_lock_shared that succeeded: it never waited

  friend bool operator==(const HoldInterval&, const HoldInterval&) = default;
};

// One acquisition of a timeline window (EngineConfig::timeline_window_ns): every acquisition a
// thread made in the window, timed. The engine logs TSC ticks and hands the record over in ns
// since the measured window's start. Written as Trace Event JSON by results/timeline.h.
struct TimelineEvent {
  uint64_t arrival = 0;    // open loop: the request's scheduled arrival; 0 in a closed loop
  uint64_t requested = 0;  // the acquire call began
  uint64_t granted = 0;    // it returned
  uint64_t released = 0;   // the release began
  int64_t bypass = -1;     // grants that passed it while it waited; -1: not measured
  uint32_t instance = 0;   // the lock instance
  // Torture mode: the disturbances injected since this thread's previous logged acquisition
  // ended, i.e. inside this one's acquire, hold or release (and before it, in its think time).
  uint16_t torture_cs_delays = 0;
  uint16_t torture_holder_sleeps = 0;
  uint16_t torture_step_delays = 0;
  bool shared = false;
  bool tried = false;  // a try that succeeded
  bool late = false;   // open loop: issued after its scheduled arrival

  friend bool operator==(const TimelineEvent&, const TimelineEvent&) = default;
};

// Bypass counts are small integers: exact up to 255, 0.8% buckets above, up to 2^32.
inline constexpr HistogramOptions kBypassHistogram{.sub_bucket_bits = 7,
                                                   .highest_trackable_value = (1ull << 32) - 1};

struct ThreadRecord {
  int thread = 0;
  Role role = Role::kMixed;
  int pu = -1;  // OS index; -1 when unpinned
  int core = -1;
  int numa_node = -1;
  int package = -1;
  uint64_t shared_ops = 0;     // acquisitions completed in the measured window
  uint64_t exclusive_ops = 0;
  uint64_t try_attempts = 0;   // try_lock / try_lock_shared calls
  uint64_t try_failures = 0;   // of which failed (not counted as ops)
  Histogram shared_acquire;    // acquire latency, sampled (see RunRecord::latency_sample_every)
  Histogram exclusive_acquire;
  Histogram shared_hold;       // time from acquired to release, sampled
  Histogram exclusive_hold;
  // Longest time between two consecutive timed acquisitions by this thread (starvation). Exact
  // when every acquisition is timed (latency_sample_every == 1); otherwise it spans
  // latency_sample_every acquisitions and is an upper bound. In open loop a gap runs from the
  // later of the previous grant and the request's scheduled arrival: waiting for an arrival is
  // idle, not starved.
  uint64_t max_gap_ns = 0;
  // Grants that went to other threads while one of this thread's timed acquisitions waited
  // (its bypass), per mode; see RunRecord::bypass_measured. Every timed blocking acquisition is
  // recorded, 0 included.
  Histogram shared_bypass{kBypassHistogram};
  Histogram exclusive_bypass{kBypassHistogram};
  // This thread's holds of lock instance 0, from the window's start up to a cap;
  // only when every acquisition is timed. Overlaps between threads' shared holds give the reader
  // batch sizes after the run, and releases followed by grants to waiting threads the hand-off
  // latency, with no shared counter in the hot loop.
  std::vector<HoldInterval> holds;
  bool holds_truncated = false;
  // What the window cost this thread, from counters read when it saw the window start and when
  // it left its loop (never per operation): CPU time, and context switches it made by blocking
  // (voluntary) or was made to by the scheduler (involuntary). counters_read is false for a
  // thread that never saw the window (a stalled run).
  bool counters_read = false;
  uint64_t cpu_ns = 0;
  uint64_t voluntary_switches = 0;
  uint64_t involuntary_switches = 0;
  // Open loop only: each acquisition's response time, from its scheduled arrival to its grant
  // (queueing behind a slow lock included), and the requests issued after their scheduled time
  // because the thread was still busy with earlier ones.
  Histogram shared_response;
  Histogram exclusive_response;
  uint64_t late_requests = 0;
  // Time spent waiting, busy, for arrivals not yet due: busy work like think time, which the
  // cost of waiting subtracts (results/cost.h).
  uint64_t arrival_wait_ns = 0;
  // Torture mode: the disturbances this thread made inside its holds (a busy delay, a sleep).
  uint64_t torture_cs_delays = 0;
  uint64_t torture_holder_sleeps = 0;
  uint64_t torture_step_delays = 0;  // delays between a hooked lock's steps
  // Completed ops in each time_series interval of the measured window, by mode.
  std::vector<uint32_t> shared_series;
  std::vector<uint32_t> exclusive_series;
  // A workload recorded from a program (RunRecord::contention_measured): the acquisitions of the
  // window that were contended, per mode (a blocking acquisition whose first try failed, every
  // one counted), and the acquire times of the timed ones. 0 and empty otherwise. Last, so that
  // the members the other workloads' loop writes keep their offsets.
  uint64_t shared_contended = 0;
  uint64_t exclusive_contended = 0;
  Histogram shared_contended_wait;
  Histogram exclusive_contended_wait;
  // The timeline window's acquisitions (RunRecord::timeline_cap > 0), in order; capped says
  // this thread hit the cap before the window ended.
  std::vector<TimelineEvent> timeline;
  bool timeline_capped = false;

  uint64_t ops() const { return shared_ops + exclusive_ops; }
};

// Torture mode (workloads/internal/torture.h): the seed and the disturbances injected over the
// whole run, warm-up included.
struct TortureCounts {
  uint64_t seed = 0;
  uint64_t cs_delays = 0;      // busy delays inside holds
  uint64_t holder_sleeps = 0;  // holders put to sleep while holding
  // Delays or yields between the atomic steps of an acquisition or release, for the locks with
  // step hooks (lockimpls/internal/step_hook.h); 0 for the others.
  uint64_t step_delays = 0;
  uint64_t stutters = 0;       // every thread paused, then released together
  uint64_t repins = 0;         // a thread moved to another processor mid-run
  uint64_t signals = 0;        // a signal delivered to a thread (interrupting a futex wait)
};

struct RunRecord {
  std::string lock;
  std::string workload;
  int threads = 0;
  int repetition = 0;  // 1-based
  std::string placement;  // the --placement policy as given
  RunStatus status = RunStatus::kOk;
  std::string status_detail;  // what was violated, which threads stalled, ...
  double duration_s = 0;      // the measured window as it really was
  uint32_t latency_sample_every = 1;  // 1 = every acquisition timed
  uint64_t time_series_interval_ns = 0;
  std::vector<int> lock_memory_nodes;  // where the lock's pages really are; empty if unknown
  std::string lock_memory_note;
  std::vector<std::string> warnings;  // e.g. a thread that could not be pinned
  std::vector<ThreadRecord> per_thread;
  // Thread index of each exclusive grant of lock instance 0, in grant order. When a thread's log
  // filled up (grant_sequence_truncated), the sequence ends at the earliest such cut, so it has
  // no holes. Read from the verifier's generation numbers, so it costs no
  // shared write beyond the protected data the writer owns.
  std::vector<uint32_t> grant_sequence;
  bool grant_sequence_truncated = false;
  // The configured busy work of one operation (critical section per mode, mean think time per
  // attempt), which the cost of waiting subtracts to leave the lock's own CPU (results/cost.h).
  struct BusyWork {
    uint64_t shared_cs_ns = 0;
    uint64_t exclusive_cs_ns = 0;
    uint64_t think_ns = 0;
  } busy_work;
  // Every thread's counters were read (ThreadRecord::counters_read).
  bool cost_measured = false;
  // The whole machine's busy and total CPU time during the window (/proc/stat), for the load of
  // other processes; 0 when it could not be read.
  uint64_t machine_busy_ns = 0;
  uint64_t machine_total_ns = 0;
  // Open loop: requests due at scheduled times (workloads/arrivals.h) at this rate over all
  // threads, with fixed or Poisson ("fixed", "poisson") gaps. 0 for a closed-loop run.
  double offered_ops_per_s = 0;
  std::string arrival;
  // Whether the acquisitions carry a bypass count: the exclusive sections write lines, whose
  // generation stamps number the exclusive grants of each lock instance.
  bool bypass_measured = false;
  // Torture mode only: what was injected.
  std::optional<TortureCounts> torture;
  // The workload was recorded from a program: each blocking acquisition tried first, and the
  // threads counted those whose try failed as contended (ThreadRecord::*_contended), measured
  // as the recording measured the program's locks.
  bool contention_measured = false;
  // Timeline (--timeline): the window's length from the measured window's start, and the most
  // events a thread logs in it. 0: no timeline was asked for.
  uint64_t timeline_window_ns = 0;
  uint64_t timeline_cap = 0;

  uint64_t ops() const {
    uint64_t n = 0;
    for (const ThreadRecord& t : per_thread) n += t.ops();
    return n;
  }
};

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_RUN_RECORD_H_
