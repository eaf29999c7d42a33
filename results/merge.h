// `lockbench merge`: result files from one or more machines (a CI job matrix) brought into one
// document. Each run keeps its own context (host, CPU model, topology, commit, invocation): the
// merged document holds `contexts` and `configs` (one entry per distinct invocation, in the
// order met) instead of `context` and `config`, and each run a `context_index` into them.
// Inputs may be merged files themselves. A run given twice (the same context and the same
// numbers) is kept once. docs/long_sweeps.md, "Merging results of several machines",
// documents the format.
#ifndef LOCKBENCH_RESULTS_MERGE_H_
#define LOCKBENCH_RESULTS_MERGE_H_

#include <vector>

#include "nlohmann/json.hpp"
#include "results/result_file.h"

namespace lockbench {

// The merged document of `inputs` (each checked by LoadResultDocuments). Throws
// CompareInputError when one run (same context, lock, workload, threads, placement and
// repetition) comes with different numbers in two inputs, and when a sweep run in slices
// (`run --shard K/N`: configs equal but for `shard`) lacks a slice or a slice lacks runs.
// `sweep_fits` holds the scalability fits of each thread sweep, fitted again over the merged
// runs (a sharded sweep's slices together), each naming its `contexts`.
nlohmann::json MergeResults(const std::vector<LoadedResult>& inputs);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_MERGE_H_
