// The cycle counter the hot loop reads: no system call, no fence.
//   x86-64:  the TSC (rdtsc). Its rate is not architecturally readable, so the clock calibrates
//            it against steady_clock.
//   aarch64: the generic timer's virtual count (cntvct_el0), whose rate the hardware states in
//            cntfrq_el0 (often 24 to 100 MHz before Armv8.6, 1 GHz from it): a tick can be
//            coarser than a short critical section, which the result context records.
//   other:   steady_clock in nanoseconds.
// Inline, so on x86 a read is the single rdtsc it always was.
#ifndef LOCKBENCH_ARCH_CYCLE_COUNTER_H_
#define LOCKBENCH_ARCH_CYCLE_COUNTER_H_

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace lockbench::arch {

// "tsc", "cntvct_el0" or "steady_clock".
inline constexpr const char* kCycleCounterName =
#if defined(__x86_64__)
    "tsc";
#elif defined(__aarch64__)
    "cntvct_el0";
#else
    "steady_clock";
#endif

// Whether CycleCounter() is a hardware counter (false: steady_clock nanoseconds).
inline constexpr bool kCycleCounterIsHardware =
#if defined(__x86_64__) || defined(__aarch64__)
    true;
#else
    false;
#endif

inline uint64_t CycleCounter() {
#if defined(__x86_64__)
  return __rdtsc();
#elif defined(__aarch64__)
  uint64_t ticks;
  asm volatile("mrs %0, cntvct_el0" : "=r"(ticks));
  return ticks;
#else
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

// The counter's rate in Hz as the hardware states it, or 0 where it does not (x86: measure it).
inline uint64_t CycleCounterStatedHz() {
#if defined(__aarch64__)
  uint64_t hz;
  asm volatile("mrs %0, cntfrq_el0" : "=r"(hz));
  return hz;
#elif defined(__x86_64__)
  return 0;
#else
  return 1'000'000'000;
#endif
}

}  // namespace lockbench::arch

#endif  // LOCKBENCH_ARCH_CYCLE_COUNTER_H_
