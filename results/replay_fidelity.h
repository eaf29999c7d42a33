// The replay fidelity table: how closely the runs of a workload recorded from a program
// (`lockbench profile --record-workload`; the workload's recorded_from) reproduced what the
// program's locks did. One row per run (lock, threads, repetition) and mode of the recording;
// each cell of a figure of the contention table (results/contention.h) reads
// "recorded / replayed". Built from the result document alone (config.workload and the runs'
// `contention` objects), so it can be rebuilt from a saved file.
#ifndef LOCKBENCH_RESULTS_REPLAY_FIDELITY_H_
#define LOCKBENCH_RESULTS_REPLAY_FIDELITY_H_

#include <string>

#include "nlohmann/json.hpp"
#include "results/report.h"

namespace lockbench {

// The table after `lockbench run`'s report, in the report's layout (RenderTextTable); "" when
// `workload` (a result's config.workload) has no recorded figures or no run of `runs` measured
// contention (runs that did not end "ok" are left out). Runs of an open-loop sweep name their
// rate after the lock. A figure the recording lacks, or a replay wait without a timed contended
// acquisition, shows "-".
std::string RenderReplayFidelity(const nlohmann::json& workload, const nlohmann::json& runs,
                                 ReportFormat format);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_REPLAY_FIDELITY_H_
