// Google Benchmark's JSON output format for a lockbench result document (`run --format gbench`),
// so tools written for Google Benchmark (tools/compare.py, dashboards that ingest its JSON) read
// lockbench runs without a converter.
//
// The mapping, as if each (lock, workload) were a benchmark family registered with
// ->Repetitions(R)->Threads(T):
//   name, run_name   "<lock>/<workload>/repeats:<R>/threads:<T>" (Google Benchmark's own order of
//                    the suffixes; R = repetitions of that run in the document). compare.py
//                    matches benchmarks by name, so compare documents with equal repetitions.
//   run_type         "iteration", one entry per repetition (repetition_index 0..R-1 in document
//                    order), then "aggregate" entries mean, median, stddev and cv when R > 1,
//                    computed over the repetitions that ended ok, as Google Benchmark does.
//   iterations       the run's operations (acquisitions) over all threads.
//   real_time        wall time per operation in ns (1e9 / throughput); time_unit "ns".
//   cpu_time         the same value: lockbench does not measure CPU time, and its threads never
//                    sleep by choice, so CPU time per op is not a separate signal.
//   label            "placement:<placement>".
//   counters         one per row of the metric table (results/metrics.h) that the run has a
//                    value for, named by the row's `counter` (items_per_second for
//                    throughput, shared_p99_ns, jain, bypass_over_fifo, ...; latency
//                    percentiles only for a mode timed at least once), plus shared_ops,
//                    exclusive_ops and reacquire_rate.
//   error_occurred   true, with error_message "<status>: <detail>", for a run that did not end ok.
// The context block carries date, host_name, executable, num_cpus, mhz_per_cpu (from the TSC
// rate), cpu_scaling_enabled (governor other than "performance"), caches, library_build_type
// ("release" for optimized builds, else "debug") and json_schema_version 1, plus lockbench's own
// context as extra string keys (Google Benchmark's custom context), prefixed "lockbench_".
#ifndef LOCKBENCH_RESULTS_GBENCH_JSON_H_
#define LOCKBENCH_RESULTS_GBENCH_JSON_H_

#include <cstdint>
#include <string_view>

#include "nlohmann/json.hpp"

namespace lockbench {

// One entry of the context's "caches" array. `type` is lockbench's "data", "instruction" or
// "unified"; Google Benchmark writes "Data", "Instruction", "Unified".
nlohmann::json GbenchCache(int level, std::string_view type, uint64_t size_bytes, int num_sharing);

// Converts a result document (results/result_json.h) to Google Benchmark's JSON. The result file
// does not record caches; pass them (GbenchCache entries) when the machine is at hand, else the
// array stays empty. REQUIRES: `doc` follows results/result_schema.json; fields missing from a
// hand-made document are written as empty or zero rather than failing.
nlohmann::json ToGbenchJson(const nlohmann::json& doc,
                            const nlohmann::json& caches = nlohmann::json::array());

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_GBENCH_JSON_H_
