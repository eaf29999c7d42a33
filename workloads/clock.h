// The clock of the hot loop: the cycle counter of arch/cycle_counter.h (the TSC on x86-64,
// cntvct_el0 on aarch64: no syscall, no fence; about 10 ns on a VM), converted to nanoseconds
// with its rate: calibrated once against steady_clock on x86-64, read from cntfrq_el0 on
// aarch64; elsewhere it is steady_clock. Also the busy wait that stands in for a critical
// section's work, so a "200ns" section is work, not sleep.
#ifndef LOCKBENCH_WORKLOADS_CLOCK_H_
#define LOCKBENCH_WORKLOADS_CLOCK_H_

#include <chrono>
#include <cstdint>

#include "arch/cycle_counter.h"

namespace lockbench {

// Raw ticks: TSC cycles on x86-64, generic-timer counts on aarch64, nanoseconds elsewhere.
inline uint64_t Ticks() { return arch::CycleCounter(); }

struct ClockCalibration {
  double ticks_per_ns = 1.0;       // the counter's rate (GHz)
  double timer_overhead_ns = 0.0;  // median cost of one Ticks() read
  bool tsc = false;                // whether Ticks() is the TSC
  // What Ticks() reads ("tsc", "cntvct_el0", "steady_clock") and where its rate came from:
  // "calibrated" (measured against steady_clock), "cntfrq_el0" (stated by the hardware) or
  // "nominal" (steady_clock counts nanoseconds).
  const char* counter = "steady_clock";
  const char* rate_source = "nominal";
  // One tick in nanoseconds: the finest difference two reads can show.
  double ResolutionNs() const { return 1.0 / ticks_per_ns; }
};

// Measures the counter's rate where the hardware does not state it (x86-64: about 50 ms) and
// the timer overhead. Call once.
ClockCalibration Calibrate();

// The process-wide calibration (Calibrate() on first use).
const ClockCalibration& Clock();

inline uint64_t TicksToNs(uint64_t ticks, const ClockCalibration& c) {
  return static_cast<uint64_t>(static_cast<double>(ticks) / c.ticks_per_ns);
}

// Busy until `ticks` ticks have passed: work for a fixed time, whatever speed the core runs at
// just then. A loop of fixed iterations calibrated once at start-up would not be: on a VM the
// core's speed changes between invocations (here a loop measured 1.4 to 3.2 iterations/ns from
// one start to the next), and every section would be that much longer or shorter for the
// whole invocation. Reads the clock once per pass, so it ends within one read of the deadline.
inline void BusyFor(uint64_t ticks) {
  if (ticks == 0) return;
  const uint64_t end = Ticks() + ticks;
  while (Ticks() < end) {
  }
}

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_CLOCK_H_
