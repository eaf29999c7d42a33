// Scalability fits of a result's thread sweeps: for each workload, lock and placement whose
// closed-loop ok runs span at least two thread counts, the Universal Scalability Law
// (results/usl.h) fitted to every repetition's throughput, or why no fit was made. Written to a
// run's result file as `sweep_fits` and printed under its report.
#ifndef LOCKBENCH_RESULTS_SWEEP_FITS_H_
#define LOCKBENCH_RESULTS_SWEEP_FITS_H_

#include <string>

#include "nlohmann/json.hpp"

namespace lockbench {

// `runs`: a result document's runs. A run is oversubscribed when it has more threads than
// `processors` (the processors the run could use); such runs are left out of the fit and
// counted. Returns an array in the runs' order of first appearance; empty without a sweep.
nlohmann::json SweepFits(const nlohmann::json& runs, int processors);

// The text under the report: one line per fit (lambda, sigma, kappa, peak, R^2, points) or its
// reason, and a note on what was left out. Empty for an empty array.
std::string RenderSweepFits(const nlohmann::json& fits);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_SWEEP_FITS_H_
