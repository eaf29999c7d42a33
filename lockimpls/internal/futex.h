// Thin wrappers over the Linux futex system call on a 32-bit atomic word, for the locks that
// sleep on a word of their own (wait blocks, condition variables). Process-private futexes only:
// lockbench never shares a lock between processes.
//
// Every wait may return spuriously (signals, a stale wake aimed at a reused address), so callers
// re-check their condition in a loop. Waking an address that is no longer a futex word is
// harmless: the kernel only hashes the address.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_FUTEX_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_FUTEX_H_

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>

#include "arch/cpu_relax.h"

namespace lockbench::internal {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

// Sleeps while *word == expected. Returns 0 when woken (or spuriously), otherwise the errno:
// EAGAIN (the word differed), EINTR.
inline int FutexWait(std::atomic<std::uint32_t>* word, std::uint32_t expected) {
  long rc = syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected,
                    nullptr, nullptr, 0);
  return rc == 0 ? 0 : errno;
}

// As FutexWait, but gives up at `deadline` on CLOCK_MONOTONIC (absolute, so retries after EINTR
// do not stretch the wait). Also returns ETIMEDOUT.
inline int FutexWaitUntil(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                          const timespec& deadline) {
  long rc = syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_BITSET_PRIVATE,
                    expected, &deadline, nullptr, FUTEX_BITSET_MATCH_ANY);
  return rc == 0 ? 0 : errno;
}

// Wakes up to `count` threads sleeping on `word`.
inline void FutexWake(std::atomic<std::uint32_t>* word, int count) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, count, nullptr,
          nullptr, 0);
}

inline void FutexWakeAll(std::atomic<std::uint32_t>* word) { FutexWake(word, INT_MAX); }

// A hint to the CPU that this thread is spinning (arch/cpu_relax.h).
using arch::CpuRelax;

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_FUTEX_H_
