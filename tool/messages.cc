#include "tool/messages.h"

#include <cstdio>

#include "tool/exit_codes.h"

namespace lockbench {

std::string OneLine(const std::string& text) {
  std::string line;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
      line += escaped;
    } else {
      line += c;
    }
  }
  return line;
}

void PrintMessage(const char* kind, const std::string& text) {
  std::fprintf(stderr, "lockbench: %s: %s\n", kind, OneLine(text).c_str());
}

int UsageError(const std::string& message) {
  PrintMessage("error", message);
  return kExitUsage;
}

}  // namespace lockbench
