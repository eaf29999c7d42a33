#include "workloads/internal/worker.h"

#include <mutex>
#include <string>

namespace lockbench::engine_internal {

void ReportViolation(Shared& shared, int thread, Violation what) {
  std::string detail = "thread " + std::to_string(thread);
  switch (what) {
    case Violation::kTornRead:
      detail += " (shared) saw a writer's half-written data";
      break;
    case Violation::kWriterEntered:
      detail += " (shared) saw a writer enter while it held the lock shared";
      break;
    case Violation::kWriterOverlap:
      detail += " (exclusive) found another thread's writes inside its exclusive section";
      break;
  }
  bool expected = false;
  static std::mutex mu;  // only the first report's detail is kept
  {
    std::lock_guard<std::mutex> guard(mu);
    if (shared.violation.compare_exchange_strong(expected, true)) shared.violation_detail = detail;
  }
  shared.phase.store(kStop, std::memory_order_release);
}

}  // namespace lockbench::engine_internal
