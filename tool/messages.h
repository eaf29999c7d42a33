// How lockbench speaks on stderr: one line per message, "lockbench: <kind>: <text>". Messages
// echo what the user typed (paths, field names), which may hold a newline or other control
// characters: those are written as \xNN so a message stays one line.
#ifndef LOCKBENCH_TOOL_MESSAGES_H_
#define LOCKBENCH_TOOL_MESSAGES_H_

#include <string>

namespace lockbench {

// `text` with every control character written as \xNN.
std::string OneLine(const std::string& text);

// Prints "lockbench: <kind>: <text>" as one line on stderr; kind is e.g. "warning".
void PrintMessage(const char* kind, const std::string& text);

// Prints "lockbench: error: <message>" and returns kExitUsage.
int UsageError(const std::string& message);

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_MESSAGES_H_
