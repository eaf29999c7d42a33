// `lockbench doctor [--threads N] [--format table|json]`: whether this machine can show what a
// user plans to measure (workloads/doctor.h); this is the flag handling, the output and the exit
// code.
#ifndef LOCKBENCH_TOOL_DOCTOR_COMMAND_H_
#define LOCKBENCH_TOOL_DOCTOR_COMMAND_H_

#include <string>

namespace lockbench {

// The flags as given (checked by DoctorCommand).
struct DoctorOptions {
  std::string threads;           // the planned thread count; empty: `run`'s default, 2
  std::string format = "table";  // table or json
};

// Prints one line per check on stdout (or one JSON document). Returns kExitOk when no check
// fails or was skipped, kExitCannotShow when one says the machine cannot show something (they
// are listed), kExitUsage (after one line on stderr) on a bad flag.
int DoctorCommand(const DoctorOptions& options);

inline constexpr const char* kDoctorThreadsHelp =
    "the thread count you plan to run (default 2, as `run`): checked against the free "
    "processors, and the lock checks run at it";
inline constexpr const char* kDoctorFooter =
    "Checks: cpufreq governor and boost, SMT, free processors against --threads, other load, "
    "timer source, rate and read cost, the throughput spread of identical runs (A/A) with the "
    "smallest change a compare gate could then detect, and known answers of real locks (a FIFO "
    "lock's bypass within the FIFO bound, the ERESOURCE handing off, a spinning lock burning "
    "more CPU than a sleeping one in long-hold, exclusion). Checks that need a processor per "
    "thread are skipped when --threads is more than the free processors. A few seconds.";

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_DOCTOR_COMMAND_H_
