#include "lockimpls/lock_concept.h"

#include "base/enum_names.h"

namespace lockbench {

constexpr NamedValue<Recursion> kRecursionNames[] = {
    {Recursion::kNone, "none"}, {Recursion::kSharedOnly, "shared_only"}, {Recursion::kFull, "full"}};

std::string_view RecursionName(Recursion r) { return NameOf(kRecursionNames, r); }

constexpr NamedValue<HolderLevel> kHolderLevelNames[] = {
    {HolderLevel::kUnknown, "unknown"}, {HolderLevel::kUserMode, "user_mode"},
    {HolderLevel::kPassive, "passive"}, {HolderLevel::kApc, "apc"},
    {HolderLevel::kDispatch, "dispatch"}};

std::string_view HolderLevelName(HolderLevel level) { return NameOf(kHolderLevelNames, level); }

constexpr NamedValue<WaitKind> kWaitKindNames[] = {{WaitKind::kUnknown, "unknown"},
                                                   {WaitKind::kSleep, "sleep"},
                                                   {WaitKind::kSpinThenSleep, "spin_then_sleep"},
                                                   {WaitKind::kSpin, "spin"}};

std::string_view WaitKindName(WaitKind kind) { return NameOf(kWaitKindNames, kind); }

}  // namespace lockbench
