#include "lockimpls/flt_push_lock.h"

#include <cstdio>

namespace lockbench::internal {

void InvalidPushLockFlags(const char* call, ULONG flags) {
  char message[160];
  std::snprintf(message, sizeof(message),
                "%s: invalid Flags 0x%x (bits 0x%x are outside FLT_PUSH_LOCK_VALID_FLAGS = 0x%x)",
                call, static_cast<unsigned>(flags),
                static_cast<unsigned>(flags & ~FLT_PUSH_LOCK_VALID_FLAGS),
                static_cast<unsigned>(FLT_PUSH_LOCK_VALID_FLAGS));
  Fatal(kFltComponent, message);
}

}  // namespace lockbench::internal
