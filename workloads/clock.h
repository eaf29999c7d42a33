// The clock of the hot loop. On x86-64 it reads the TSC (rdtsc: no syscall, no fence; about
// 10 ns on a VM) and converts ticks to nanoseconds with a rate calibrated once against
// steady_clock; elsewhere it is steady_clock. Also the calibrated busy loop that stands in for
// a critical section's work, so a "200ns" section is work, not sleep.
#ifndef LOCKBENCH_WORKLOADS_CLOCK_H_
#define LOCKBENCH_WORKLOADS_CLOCK_H_

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace lockbench {

// Raw ticks: TSC cycles on x86-64, nanoseconds elsewhere.
inline uint64_t Ticks() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

struct ClockCalibration {
  double ticks_per_ns = 1.0;       // TSC rate (GHz)
  double timer_overhead_ns = 0.0;  // median cost of one Ticks() read
  double spin_iterations_per_ns = 1.0;  // rate of BusyWork's loop
  bool tsc = false;                // whether Ticks() is the TSC
};

// Measures the TSC rate (about 50 ms), the timer overhead and the busy-loop rate. Call once.
ClockCalibration Calibrate();

// The process-wide calibration (Calibrate() on first use).
const ClockCalibration& Clock();

inline uint64_t TicksToNs(uint64_t ticks, const ClockCalibration& c) {
  return static_cast<uint64_t>(static_cast<double>(ticks) / c.ticks_per_ns);
}

// A loop of `iterations` dependent steps the compiler cannot remove; no memory traffic.
inline void SpinIterations(uint64_t iterations) {
  uint64_t x = iterations;
  for (uint64_t i = 0; i < iterations; ++i) {
    asm volatile("" : "+r"(x));
  }
}

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_CLOCK_H_
