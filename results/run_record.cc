#include "results/run_record.h"

namespace lockbench {

const char* RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kOk:
      return "ok";
    case RunStatus::kViolation:
      return "violation";
    case RunStatus::kStalled:
      return "stalled";
    case RunStatus::kInterrupted:
      return "interrupted";
  }
  return "?";
}

}  // namespace lockbench
