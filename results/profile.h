// A program's locks as `lockbench profile` reports them: the per-process region files the
// preload library left (lockimpls/preload/profile_shm.h) read into the `profile` section of a
// result document, the totals over a run of the program, and the text report.
//
// Each program lock object is one entry per process, with its kind, who served it, counts per
// mode (exclusive: mutex and write lock; shared: read lock), its wait histogram (contended
// acquisitions only: an acquisition whose try succeeded waited for nothing) and hold histogram,
// the threads that used it and the call site of its first contended acquisition.
#ifndef LOCKBENCH_RESULTS_PROFILE_H_
#define LOCKBENCH_RESULTS_PROFILE_H_

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"
#include "results/histogram.h"

namespace lockbench {

// Every region file in `dir` (*.lbprof), one JSON object per process, in pid order. A file that
// is not a complete region (wrong magic, version or size) is skipped and named in *warnings.
nlohmann::json ReadProfileRegions(const std::string& dir, std::string* warnings);

// A region file's latency histogram, rebuilt in the layout it was recorded in.
Histogram ProfileHistogramFromJson(const nlohmann::json& latency);

// Totals of one program run over its processes: locks, acquisitions and contended ones per
// mode, the summed wait, the locks left on glibc by reason.
nlohmann::json ProfileTotals(const nlohmann::json& processes);

// Every lock of one run (a `profile.rows[]` entry) with its process, by total wait, longest
// first: the report's order and --hgrm's choice of top locks.
std::vector<std::pair<const nlohmann::json*, const nlohmann::json*>> LocksByWait(
    const nlohmann::json& row);

// The text report of a profile document: the program's runs side by side (one row per serving
// lock, the program's own figure when one was asked for), then per run the `top` locks by total
// wait.
void RenderProfileReport(const nlohmann::json& doc, int top, std::ostream& out);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_PROFILE_H_
