// The spin-wait hint: tells the core this thread is spinning, so it yields pipeline resources
// to its SMT sibling and eases off the memory system. `pause` on x86, `yield` on aarch64
// (what the Linux kernel's cpu_relax() uses there), nothing elsewhere. Inline, so on x86 it
// compiles to the single instruction it always did.
#ifndef LOCKBENCH_ARCH_CPU_RELAX_H_
#define LOCKBENCH_ARCH_CPU_RELAX_H_

#include <atomic>

namespace lockbench::arch {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

// The instruction CpuRelax() issues: "pause", "yield" or "none".
inline constexpr const char* kCpuRelaxInstruction =
#if defined(__x86_64__) || defined(__i386__)
    "pause";
#elif defined(__aarch64__)
    "yield";
#else
    "none";
#endif

}  // namespace lockbench::arch

#endif  // LOCKBENCH_ARCH_CPU_RELAX_H_
