// The two words a run's threads and outcome are told by, on every floor: a thread's role (what
// the workload assigns, placement groups by and summaries split by) and a run's status (what the
// engine reports, the result file records and the exit code follows).
#ifndef LOCKBENCH_BASE_ROLES_H_
#define LOCKBENCH_BASE_ROLES_H_

#include <string_view>

namespace lockbench {

// What a thread does: only shared acquisitions, only exclusive ones, or a mix of both (by the
// workload's read ratio).
enum class Role { kReader, kWriter, kMixed };

// "reader", "writer", "mixed": as the result file and the placement table write it.
const char* RoleName(Role r);

// How a run ended: it completed, its verifier saw two owners at once, no thread acquired for the
// stall timeout, or a signal ended it early.
enum class RunStatus { kOk, kViolation, kStalled, kInterrupted };

// "ok", "violation", "stalled", "interrupted": the result file's status.
const char* RunStatusName(RunStatus s);

// The endings of two warnings a run may carry: the engine writes them (workloads/internal/
// drive.cc) and the report marks the figures they concern (results/report.cc).
// An exclusive-only lock served the shared requests: its shared latencies time exclusive ones.
inline constexpr std::string_view kRanExclusiveWarning =
    "has no shared mode: its shared requests ran exclusive";
// A lock whose waiters only spin ran more threads than processors.
inline constexpr std::string_view kOversubscribedSpinnersWarning =
    "they yielded instead of spinning, so its CPU figures are not what it costs with a "
    "processor per thread";

}  // namespace lockbench

#endif  // LOCKBENCH_BASE_ROLES_H_
