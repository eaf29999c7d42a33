// The statistics of one run, derived from its raw RunRecord after the window: merged latency
// histograms, throughput, fairness per role and overall, and hand-off from the grant order.
// Pure functions of the record; nothing here runs during measurement.
#ifndef LOCKBENCH_RESULTS_SUMMARY_H_
#define LOCKBENCH_RESULTS_SUMMARY_H_

#include <cstdint>
#include <map>
#include <vector>

#include "results/contention.h"
#include "results/cost.h"
#include "results/histogram.h"
#include "results/run_record.h"
#include "results/stats.h"

namespace lockbench {

// Bypass: how many grants went to other threads while an acquisition waited. A FIFO lock lets
// at most threads - 1 grants pass a waiter as measured (every other thread once; the thread that
// held the lock at the request was granted before it, but its stamp can come after the request's
// read, the one over-count of workloads/internal/worker.h's Bypass); a lock that lets newcomers
// barge can let any number pass. Acquisitions that no grant passed carry no information about
// grant order (most of them never waited), so the statistics are over the waits that at least
// one grant passed.
//
// The stamp is read before the call into the lock, and a thread that is descheduled between
// that read and joining the lock's queue sees the other threads' holds of that gap counted
// against a FIFO lock. One such hold is tolerated: a wait counts as beyond the FIFO bound only
// when more than fifo_bound + kBypassSlack grants passed it. On an oversubscribed or busy
// machine longer gaps still occur, rarely (docs/user_guide.md, "Grant order: bypass").
inline constexpr uint64_t kBypassSlack = 1;

struct BypassSummary {
  uint64_t sampled = 0;     // timed blocking acquisitions that carry a bypass count
  uint64_t waited = 0;      // of which at least one grant to another thread passed
  double mean = 0.0;        // over `waited`
  uint64_t p99 = 0;         // over `waited`; exact below 256
  uint64_t max = 0;
  uint64_t fifo_bound = 0;  // threads - 1
  // Fraction of `waited` passed by more than fifo_bound + kBypassSlack grants: 0 for a FIFO
  // lock unless a waiter was descheduled before it queued.
  double over_fifo_bound = 0.0;
  std::map<uint64_t, uint64_t> counts;  // bypass (>= 1; bucket floor above 255) -> waits
};

// `bypass` holds one value per sampled acquisition, 0 included.
BypassSummary SummarizeBypass(const Histogram& bypass, uint64_t fifo_bound);

// For each logged blocking acquisition that was waiting when a conflicting hold of another
// thread began its release (any hold for an exclusive acquisition, an exclusive one for a shared
// acquisition), the time from the latest such release before its grant to the grant, in ns: what
// waking and scheduling the next owner costs. Empty unless every acquisition was timed.
Histogram HandoffLatency(const RunRecord& record);

// The re-acquire rate where it means barging: over the exclusive releases of the logged holds
// that began while another thread was waiting (had asked and not been granted), the fraction
// after which the next grant, in either mode, went back to the releasing thread. A lock that hands
// over gives 0; one that lets the releaser barge past its waiters does not. The plain re-acquire
// rate also counts releases that nobody waited for, where taking the lock back is all a lock
// can do. Needs every acquisition timed.
struct ContendedReacquire {
  uint64_t releases = 0;    // exclusive releases that found a waiter
  uint64_t reacquires = 0;  // of which the releaser was granted next
  double rate = 0.0;        // reacquires / releases; 0 when releases is 0
};
ContendedReacquire ReacquireWhileWaited(const RunRecord& record);

struct RunSummary {
  uint64_t ops = 0;
  uint64_t shared_ops = 0;
  uint64_t exclusive_ops = 0;
  uint64_t try_attempts = 0;
  uint64_t try_failures = 0;
  double throughput_ops_per_s = 0;
  Histogram shared_acquire;  // merged over threads
  Histogram exclusive_acquire;
  Histogram shared_hold;
  Histogram exclusive_hold;
  FairnessSummary fairness;  // over all threads' ops
  FairnessSummary readers;   // threads whose role is reader (or mixed: by their shared ops)
  FairnessSummary writers;
  GrantRunSummary handoff;   // exclusive grants of lock instance 0
  // Short-term fairness of those grants (fairness.short_term): Jain's index over windows of 2 x
  // and 10 x the threads that took them.
  WindowedFairness short_term_small;
  WindowedFairness short_term_large;
  bool bypass_measured = false;    // RunRecord::bypass_measured
  BypassSummary shared_bypass;     // exclusive grants that passed a waiting reader
  BypassSummary exclusive_bypass;  // exclusive grants that passed a waiting writer
  bool handoff_latency_measured = false;  // every acquisition timed and holds logged
  Histogram handoff_latency;
  ContendedReacquire contended_reacquire;  // when handoff_latency_measured
  // Consecutive exclusive grants whose threads sit on the same / different NUMA nodes (only
  // counted when both threads are pinned).
  uint64_t same_node_handoffs = 0;
  uint64_t cross_node_handoffs = 0;
  // Starvation, per role (mixed threads count in both): the longest timed acquire wait, and the
  // longest gap between two timed acquisitions of one thread.
  uint64_t reader_max_wait_ns = 0;
  uint64_t writer_max_wait_ns = 0;
  uint64_t reader_max_gap_ns = 0;
  uint64_t writer_max_gap_ns = 0;
  // How many readers were inside (itself included) when a reader was admitted: size -> count.
  // Empty unless every acquisition was timed (RunRecord::latency_sample_every == 1).
  std::map<uint64_t, uint64_t> reader_batches;
  double mean_reader_batch = 0;
  CostSummary cost;  // what waiting cost in CPU and context switches
  // Open loop (RunRecord::offered_ops_per_s > 0): the offered rate against the achieved one
  // (throughput_ops_per_s), the fraction of completed requests issued after their scheduled
  // time, and the response times from scheduled arrival to grant, merged over threads.
  bool open_loop = false;
  double offered_ops_per_s = 0;
  double late_fraction = 0;
  Histogram shared_response;
  Histogram exclusive_response;
  // Ops per time_series interval, summed over threads: the whole intervals of the measured
  // window only (a trailing partial interval is left out; see KeepWholeIntervals).
  std::vector<uint64_t> shared_series;
  std::vector<uint64_t> exclusive_series;
  // A workload recorded from a program: its contention, measured as the recording measured it.
  ContentionSummary contention;
};

RunSummary Summarize(const RunRecord& record);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_SUMMARY_H_
