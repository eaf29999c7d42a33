#include "lockimpls/lock_concept.h"

namespace lockbench {

std::string_view RecursionName(Recursion r) {
  switch (r) {
    case Recursion::kNone:
      return "none";
    case Recursion::kSharedOnly:
      return "shared_only";
    case Recursion::kFull:
      return "full";
  }
  return "unknown";
}

}  // namespace lockbench
