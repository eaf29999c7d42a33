// The statistics of one run, derived from its raw RunRecord after the window: merged latency
// histograms, throughput, fairness per role and overall, and hand-off from the grant order.
// Pure functions of the record; nothing here runs during measurement.
#ifndef LOCKBENCH_RESULTS_SUMMARY_H_
#define LOCKBENCH_RESULTS_SUMMARY_H_

#include <cstdint>
#include <map>
#include <vector>

#include "results/histogram.h"
#include "results/run_record.h"
#include "results/stats.h"

namespace lockbench {

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
  std::vector<uint64_t> shared_series;  // ops per interval, summed over threads
  std::vector<uint64_t> exclusive_series;
};

RunSummary Summarize(const RunRecord& record);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_SUMMARY_H_
