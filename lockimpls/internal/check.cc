#include "lockimpls/internal/check.h"

#include <cstdio>
#include <cstdlib>

namespace lockbench {

void Fatal(std::string_view component, std::string_view what) {
  std::fprintf(stderr, "lockbench: %.*s: %.*s\n", static_cast<int>(component.size()),
               component.data(), static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace lockbench
