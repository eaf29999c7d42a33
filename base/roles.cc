#include "base/roles.h"

#include "base/enum_names.h"

namespace lockbench {

constexpr NamedValue<RunStatus> kRunStatusNames[] = {{RunStatus::kOk, "ok"},
                                                     {RunStatus::kViolation, "violation"},
                                                     {RunStatus::kStalled, "stalled"},
                                                     {RunStatus::kInterrupted, "interrupted"}};

constexpr NamedValue<Role> kRoleNames[] = {
    {Role::kReader, "reader"}, {Role::kWriter, "writer"}, {Role::kMixed, "mixed"}};

const char* RunStatusName(RunStatus s) { return NameOf(kRunStatusNames, s); }

const char* RoleName(Role r) { return NameOf(kRoleNames, r); }

}  // namespace lockbench
