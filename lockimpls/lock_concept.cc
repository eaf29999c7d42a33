#include "lockimpls/lock_concept.h"

#include "base/enum_names.h"

namespace lockbench {

constexpr NamedValue<Recursion> kRecursionNames[] = {
    {Recursion::kNone, "none"}, {Recursion::kSharedOnly, "shared_only"}, {Recursion::kFull, "full"}};

std::string_view RecursionName(Recursion r) { return NameOf(kRecursionNames, r); }

}  // namespace lockbench
