#include "workloads/clock.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace lockbench {
namespace {

using SteadyClock = std::chrono::steady_clock;

double MeasureTicksPerNs() {
  if (arch::CycleCounterStatedHz() != 0) return static_cast<double>(arch::CycleCounterStatedHz()) / 1e9;
#if defined(__x86_64__)
  // Three 15 ms windows; the median resists a preemption in one of them.
  std::vector<double> rates;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = SteadyClock::now();
    const uint64_t c0 = Ticks();
    while (SteadyClock::now() - t0 < std::chrono::milliseconds(15)) {
    }
    const uint64_t c1 = Ticks();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - t0).count();
    rates.push_back(static_cast<double>(c1 - c0) / static_cast<double>(ns));
  }
  std::sort(rates.begin(), rates.end());
  return rates[1];
#else
  return 1.0;
#endif
}

double MeasureTimerOverheadNs(double ticks_per_ns) {
  std::vector<double> costs;
  for (int round = 0; round < 101; ++round) {
    constexpr int kReads = 200;
    const uint64_t t0 = Ticks();
    uint64_t sink = 0;
    for (int i = 0; i < kReads; ++i) sink += Ticks();
    const uint64_t t1 = Ticks();
    asm volatile("" : : "r"(sink));
    costs.push_back(static_cast<double>(t1 - t0) / ticks_per_ns / kReads);
  }
  std::sort(costs.begin(), costs.end());
  return costs[costs.size() / 2];
}

}  // namespace

ClockCalibration Calibrate() {
  ClockCalibration c;
  c.counter = arch::kCycleCounterName;
#if defined(__x86_64__)
  c.tsc = true;
  c.rate_source = "calibrated";
#elif defined(__aarch64__)
  c.rate_source = "cntfrq_el0";
#endif
  c.ticks_per_ns = MeasureTicksPerNs();
  c.timer_overhead_ns = MeasureTimerOverheadNs(c.ticks_per_ns);
  return c;
}

const ClockCalibration& Clock() {
  static const ClockCalibration kCalibration = Calibrate();
  return kCalibration;
}

}  // namespace lockbench
