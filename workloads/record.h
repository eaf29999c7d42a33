// A program's lock behaviour as a workload: what `lockbench profile --record-workload FILE`
// writes from the observe run of a profile (results/profile.h), so that every lock can be
// measured on the program's pattern with the whole run machinery.
//
// From the row's processes it takes the locks that carry 99% of the acquisitions (most
// acquired first) as the lock instances, weighted by their acquisitions; of the threads that used
// them, the busiest carrying 99% of their acquisitions; the read ratio (one, or one per instance where they differ by more than 0.01); the
// hold times per mode as empirical critical sections and the process's think times (release of
// the last held lock to the next request) as empirical think time, each as 101 quantiles; and,
// in `recorded_from`, where it came from and what the recorded locks did per mode (contended
// fraction, wait p50 and p99, acquisitions per second per thread), which a replay reports
// beside its own figures.
//
// What a workload cannot hold, and a replay therefore does not reproduce: locks taken inside
// each other (each acquisition is independent), correlation between successive holds or between
// a hold and the lock chosen, time spent blocked outside locks (I/O, condition variables: the
// think time counts only the time between a release and the next request), and the program's
// own memory traffic in its critical sections (a replayed section is busy work on one line).
#ifndef LOCKBENCH_WORKLOADS_RECORD_H_
#define LOCKBENCH_WORKLOADS_RECORD_H_

#include <string>

#include "nlohmann/json.hpp"

namespace lockbench {

// Where a recording came from: `recorded_from`'s text members.
struct Provenance {
  std::string command;  // the program and its arguments, as run
  std::string date;     // ISO 8601, UTC
  std::string host;
  std::string lockbench_commit;
};

// The share of acquisitions the recorded locks carry (at least; the last lock taken may pass it).
inline constexpr double kRecordedShare = 0.99;
// Quantiles per empirical distribution: q0 (min), q1 .. q99, q100 (max).
inline constexpr int kRecordedQuantiles = 101;

// The workload (a JSON object with workload_spec.h's field names) recorded from one run of a
// profile (a `profile.rows[]` entry, normally the observe run `pthread`). `name` names it.
// Returns null when the run made no acquisition; *why then says so.
nlohmann::json RecordWorkload(const nlohmann::json& row, const Provenance& from,
                              const std::string& name, std::string* why);

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_RECORD_H_
