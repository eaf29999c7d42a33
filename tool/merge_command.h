// `lockbench merge OUT IN...`: result files or directories of them, from one or more machines,
// into one result file (results/merge.h); this is the flag handling and the exit code.
#ifndef LOCKBENCH_TOOL_MERGE_COMMAND_H_
#define LOCKBENCH_TOOL_MERGE_COMMAND_H_

#include <string>
#include <vector>

namespace lockbench {

struct MergeOptions {
  std::string out;                  // the merged result file, written whole or not at all
  std::vector<std::string> inputs;  // result files (single or merged) or directories of them
};

// Returns kExitOk, or kExitUsage after one line on stderr naming the file and what is wrong
// (unreadable, malformed, another schema_version, one run with different numbers twice, OUT
// not writable); OUT is then left as it was.
int MergeCommand(const MergeOptions& options);

inline constexpr const char* kMergeFooter =
    "Each run keeps its own context (host, CPU model, topology, commit): the merged file holds "
    "`contexts` and `configs`, and each run a `context_index` into them. A run given twice is "
    "kept once; files of another schema_version are refused. compare (with "
    "--allow-different-machines when the machines differ) and the notebooks read merged files.";

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_MERGE_COMMAND_H_
