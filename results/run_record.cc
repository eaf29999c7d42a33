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

const char* RoleName(Role r) {
  switch (r) {
    case Role::kReader:
      return "reader";
    case Role::kWriter:
      return "writer";
    case Role::kMixed:
      return "mixed";
  }
  return "?";
}

}  // namespace lockbench
