// The contention of a run of a workload recorded from a program (RunRecord::contention_measured):
// per mode, how many acquisitions were contended (a blocking acquisition whose first try
// failed), how long those waited and how often each thread acquired, the figures `lockbench
// profile` recorded of the program's locks. Declared once as a table of figures under the names
// the recording uses (workloads/workload_spec.h, kRecordedFigures): the result's `contention`
// object and the replay fidelity table (replay_fidelity.h) iterate it.
#ifndef LOCKBENCH_RESULTS_CONTENTION_H_
#define LOCKBENCH_RESULTS_CONTENTION_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"
#include "results/histogram.h"
#include "results/run_record.h"

namespace lockbench {

// One mode's contention over the measured window.
struct ModeContention {
  uint64_t acquisitions = 0;  // the mode's completed acquisitions (tries that got it included)
  uint64_t contended = 0;
  double contended_fraction = 0;  // contended / acquisitions; 0 without acquisitions
  double acquisitions_per_s_per_thread = 0;  // acquisitions / window seconds / threads
  Histogram wait;  // acquire times of the timed contended acquisitions, merged over threads
};

struct ContentionSummary {
  bool measured = false;  // RunRecord::contention_measured; all else is empty when false
  ModeContention shared;
  ModeContention exclusive;
};

// Pure function of the record, as Summarize is.
ContentionSummary SummarizeContention(const RunRecord& record);

// One figure of a mode's contention: its name in a run's `contention.<mode>` object and in a
// recorded workload's `recorded_from.recorded.<mode>`, its value, and how the fidelity table
// shows it (column "" leaves it out of the table).
struct ContentionFigure {
  std::string_view name;
  std::string_view column;
  std::string_view meaning;  // one line, for the schema's and the docs' readers
  // The value; null where there is none (no timed contended acquisition for a wait percentile).
  nlohmann::json (*of)(const ModeContention& mode);
  std::string (*format)(double value);  // a table cell
};

// Every figure, in the order the JSON object and the fidelity table list them.
std::span<const ContentionFigure> ContentionFigures();

// A run's `contention` object, {"shared": {figure: value}, "exclusive": {...}}; null when not
// measured.
nlohmann::json ContentionToJson(const ContentionSummary& contention);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_CONTENTION_H_
