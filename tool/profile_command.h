// `lockbench profile [--lock LIST] -- CMD ARGS...`: runs a program (and the processes it starts)
// with liblockbench_preload.so, once on its own pthread locks (the row `pthread`, observed) and
// once per named lock serving every mutex and rwlock of the program; writes the profile
// document (results/profile.h) and prints the rows side by side with each run's top locks.
#ifndef LOCKBENCH_TOOL_PROFILE_COMMAND_H_
#define LOCKBENCH_TOOL_PROFILE_COMMAND_H_

#include <string>
#include <vector>

namespace lockbench {

struct ProfileOptions {
  std::vector<std::string> command;  // CMD ARGS..., after `--`
  std::string locks;                 // comma-separated lockbench locks, or all; empty: observe only
  std::vector<std::string> plugins;
  std::string out;
  std::string record_workload;  // write the observe run as a workload file here
  std::string format = "table";  // table or json
  std::string hgrm_dir;
  std::string metric_regex;  // the program's own figure: group 1 of the last match in its stdout
  std::string sample = "1";  // time the hold of 1 in N acquisitions
  std::string timeout;       // end a run that takes longer (SIGTERM, then SIGKILL 5 s later)
  int top = 10;
};

// Returns kExitOk when every run of the program exited 0, kExitProgramFailed when one did not
// (the document records how), kExitUsage on bad input (nothing run, nothing written),
// kExitInterrupted when SIGINT or SIGTERM ended it (the runs so far are written).
int ProfileCommand(const ProfileOptions& options);

inline constexpr const char* kProfileFooter =
    "Observe mode (no --lock) leaves the program on its own locks and counts, per lock object: "
    "acquisitions and contended ones per mode, wait (contended acquisitions) and hold "
    "histograms, threads, and the call site of the first contended acquisition. --lock runs the "
    "program once more per named lock, every pthread mutex and rwlock served by it; robust, "
    "priority-inheritance and process-shared objects stay on glibc and are named. The program's "
    "stdout goes to lockbench's stdout (its stderr with --format json), its stderr is its own. "
    "--record-workload FILE writes the observe run as a workload (the locks carrying 99% of the "
    "acquisitions, threads, read ratio, hold and think times, provenance) that `lockbench run "
    "--workload FILE` replays on any lock, reporting the recorded figures beside its own.";

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_PROFILE_COMMAND_H_
