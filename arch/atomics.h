// How this build does atomic read-modify-writes, for the result context: on aarch64 it decides
// what a contended lock word costs, so results from different builds are only comparable when
// it matches.
//   "lse"              Armv8.1 LSE instructions inline (-march=armv8.1-a or later).
//   "outline-atomics"  calls to libgcc/compiler-rt helpers that use LSE when the CPU has it and
//                      load/store-exclusive loops otherwise (GCC's and clang's default on Linux).
//   "llsc"             load/store-exclusive loops inline (-mno-outline-atomics, Armv8.0).
//   "x86-lock"         lock-prefixed instructions.
#ifndef LOCKBENCH_ARCH_ATOMICS_H_
#define LOCKBENCH_ARCH_ATOMICS_H_

#include <atomic>
#include <cstdint>

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#if defined(__aarch64__) && !defined(__ARM_FEATURE_ATOMICS)
// No compiler macro tells outline atomics from inline LL/SC, so look for the flag the outline
// helpers (libgcc's lse.S, also used by clang) test on every call: it is linked exactly when a
// helper is, and AtomicsFlavour() performs an atomic read-modify-write so that one would be.
// A weak reference to the flag (not to a helper: that would stop the linker from pulling the
// helper in) is null when nothing needed it.
extern "C" bool __aarch64_have_lse_atomics __attribute__((weak, visibility("hidden")));
#endif

namespace lockbench::arch {

inline const char* AtomicsFlavour() {
#if defined(__x86_64__) || defined(__i386__)
  return "x86-lock";
#elif defined(__aarch64__) && defined(__ARM_FEATURE_ATOMICS)
  return "lse";
#elif defined(__aarch64__)
  static std::atomic<uint32_t> probe{0};
  probe.fetch_add(1, std::memory_order_acq_rel);
  return &__aarch64_have_lse_atomics != nullptr ? "outline-atomics" : "llsc";
#else
  return "unknown";
#endif
}

// Whether the CPU has the LSE atomic instructions (aarch64 only; what outline atomics pick).
inline bool CpuHasLse() {
#if defined(__aarch64__) && defined(__linux__)
  return (getauxval(AT_HWCAP) & HWCAP_ATOMICS) != 0;
#else
  return false;
#endif
}

}  // namespace lockbench::arch

#endif  // LOCKBENCH_ARCH_ATOMICS_H_
