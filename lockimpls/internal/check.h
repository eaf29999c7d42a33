// The one way lockbench stops on a broken internal invariant or a fatal misuse of a lock: a line
// "lockbench: <component>: <what>" on stderr, then abort(). User mistakes are never checks; they
// are one-line errors with exit code 2 (tool/messages.h).
//
// LOCKBENCH_CHECK costs one predicted-taken branch when the condition holds: `what` is neither
// evaluated nor built then, so it may format a message (std::string) freely.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_CHECK_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_CHECK_H_

#include <string_view>

namespace lockbench {

// Prints "lockbench: <component>: <what>\n" to stderr, flushes it and aborts.
[[noreturn]] void Fatal(std::string_view component, std::string_view what);

}  // namespace lockbench

// Calls Fatal(component, what) when `condition` is false.
#define LOCKBENCH_CHECK(condition, component, what) \
  do {                                              \
    if (__builtin_expect(!(condition), 0)) {        \
      ::lockbench::Fatal((component), (what));      \
    }                                               \
  } while (false)

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_CHECK_H_
