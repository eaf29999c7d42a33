// What waiting costs, read from the operating system at a run's window start and end only
// (never per operation): a thread's CPU time and context switches, and the whole machine's busy
// and total CPU time from /proc/stat, so that load from other processes shows.
#ifndef LOCKBENCH_WORKLOADS_COST_COUNTERS_H_
#define LOCKBENCH_WORKLOADS_COST_COUNTERS_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace lockbench {

// The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID) and context switches
// (getrusage(RUSAGE_THREAD)): voluntary ones (it blocked, e.g. on a futex) and involuntary ones
// (the scheduler preempted it).
struct ThreadCounters {
  uint64_t cpu_ns = 0;
  uint64_t voluntary_switches = 0;
  uint64_t involuntary_switches = 0;
};
ThreadCounters ReadThreadCounters();

// later - earlier, field by field (0 where a counter went backwards).
ThreadCounters CountersBetween(const ThreadCounters& earlier, const ThreadCounters& later);

// The machine's CPU time over all processors since boot, from the "cpu" line of /proc/stat:
// busy (user, nice, system, irq, softirq, steal) and total (busy plus idle and iowait), in ns.
struct MachineCpu {
  uint64_t busy_ns = 0;
  uint64_t total_ns = 0;
};

// Parses the text of /proc/stat; `ticks_per_second` is sysconf(_SC_CLK_TCK). nullopt when the
// text has no well-formed "cpu" line.
std::optional<MachineCpu> ParseProcStat(std::string_view text, uint64_t ticks_per_second);

// Reads /proc/stat now; nullopt where it cannot be read (not Linux, no /proc).
std::optional<MachineCpu> ReadMachineCpu();

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_COST_COUNTERS_H_
