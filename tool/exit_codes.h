// The exit codes of lockbench, documented in --help and docs/user_guide.md, "Exit codes".
#ifndef LOCKBENCH_TOOL_EXIT_CODES_H_
#define LOCKBENCH_TOOL_EXIT_CODES_H_

namespace lockbench {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRegression = 1;   // compare found a significant regression
inline constexpr int kExitUsage = 2;        // bad flags, workload, placement or input file
inline constexpr int kExitViolation = 3;    // the verifier, or a plugin check, saw a lock broken
inline constexpr int kExitStalled = 4;      // no thread made progress for --stall-timeout
inline constexpr int kExitProgramFailed = 5;  // profile: the program exited non-zero or was killed
inline constexpr int kExitCannotShow = 5;     // doctor: the machine cannot show something
inline constexpr int kExitInterrupted = 130;  // SIGINT or SIGTERM; finished runs are written

inline constexpr const char* kExitCodesHelp =
    "Exit codes: 0 success; 1 compare found a regression; 2 usage or input error; "
    "3 a correctness violation was detected during a run or a plugin check; "
    "4 a run stalled (no progress); "
    "5 a program under `profile` exited non-zero, was killed or timed out (the result says how), "
    "or `doctor` found something this machine cannot show (listed); "
    "130 interrupted (results so far are written).";

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_EXIT_CODES_H_
