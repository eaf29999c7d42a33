// GateMutex: the algorithm of the Windows kernel fast mutex and guarded mutex (one count word
// with a lock bit, a woken bit and a waiter count, and a gate that wakes one waiter), implemented
// once for FastMutex and GuardedMutex (both in fast_mutex.h).
// lockimpls/SEMANTICS.md, "Fast mutex and guarded mutex", states the rules and their sources.
//
// Count (the Windows field names and values): bit 0, kLockBit, is SET when the mutex is FREE;
// bit 1, kWokenBit, says a releaser has woken a waiter that has not yet re-competed; bits 2 and
// up count waiters (kWaiterInc each). A free mutex reads 1, a held one 0.
//
// Acquire clears the lock bit with one atomic bit-test-and-reset; a caller that finds it clear
// adds itself to the waiter count and sleeps on the gate, unless the mutex was freed meanwhile:
// then it takes it without sleeping. Release sets the lock bit with one atomic add; if waiters
// are counted and none is already woken, it moves one waiter from the count to the woken bit and
// signals the gate, which lets exactly one sleeper through. The woken thread re-competes like a
// newcomer: if the lock bit is set it takes the lock and clears the woken bit; if a newcomer got
// there first it counts itself a waiter again (clearing the woken bit) and sleeps. Nothing is
// handed over.
//
// The mutex is written once over an atomics policy (internal/atoms.h): every atomic operation and
// every sleep and wake on the gate goes through `Atoms`. Production uses GateMutex, over
// RealAtoms; the out-of-line members live in gate_mutex_impl.h and are instantiated for
// RealAtoms in gate_mutex.cc, and for the deterministic scheduler's policy in
// lock_schedules_test.cc.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_GATE_MUTEX_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_GATE_MUTEX_H_

#include <atomic>
#include <cstdint>
#include <string_view>

#include "lockimpls/internal/atoms.h"
#include "lockimpls/internal/thread_tag.h"

namespace lockbench::internal {

// Test hook: the lock observer (internal/lock_observer.h) is told when an acquire finds the
// mutex held, before it reads the count to wait (kContended: blocking there holds the contender
// while the mutex is freed under it), when a contender is about to sleep on the gate (kQueued),
// when a release signals the gate (kWakeIssued) and when a thread passes it, before it
// re-competes (kWoken: blocking there holds the woken thread back). Costs one load on the slow
// paths when none is installed.

// The mutex over the atomics and futex calls of `Atoms` (internal/atoms.h). The bits are members
// rather than an empty base class, with which GCC's constructor zeroes the tail padding too.
template <class Atoms>
class BasicGateMutex {
 public:
  static constexpr std::int32_t kLockBit = 0x1;
  static constexpr std::int32_t kWokenBit = 0x2;
  static constexpr std::int32_t kWaiterInc = 0x4;

  BasicGateMutex() = default;
  BasicGateMutex(const BasicGateMutex&) = delete;
  BasicGateMutex& operator=(const BasicGateMutex&) = delete;

  void lock() {
    if (!TakeLockBit()) [[unlikely]] AcquireContended();
    owner_.store(CurrentThreadTag(), std::memory_order_relaxed);
  }
  bool try_lock() {
    if (!TakeLockBit()) return false;
    owner_.store(CurrentThreadTag(), std::memory_order_relaxed);
    return true;
  }
  // REQUIRES: the calling thread holds the mutex.
  void unlock() {
    owner_.store(0, std::memory_order_relaxed);
    const std::int32_t old = count_.fetch_add(kLockBit, std::memory_order_release);
    if (old != 0 && (old & kWokenBit) == 0) [[unlikely]] WakeOne(old + kLockBit);
  }
  // Exclusive only: shared requests are served exclusive (LockTraits::shared_mode is false).
  void lock_shared() { lock(); }
  bool try_lock_shared() { return try_lock(); }
  void unlock_shared() { unlock(); }

  // The owner's CurrentThreadTag(), 0 when free (the Owner field).
  std::uintptr_t Owner() const { return owner_.load(std::memory_order_relaxed); }
  // Acquires that had to wait (the Contention field).
  std::uint32_t Contention() const { return contention_.load(std::memory_order_relaxed); }
  std::int32_t CountForTest() const { return count_.load(std::memory_order_acquire); }
  // 1 while the gate is signalled and no waiter has passed it yet.
  std::uint32_t GateForTest() const { return gate_.load(std::memory_order_acquire); }

 protected:
  ~BasicGateMutex() = default;

 private:
  // True if this call cleared the lock bit (took the mutex).
  bool TakeLockBit() {
    return (count_.fetch_and(~kLockBit, std::memory_order_acquire) & kLockBit) != 0;
  }
  void AcquireContended();
  void WakeOne(std::int32_t count);
  void WaitForGate();

  typename Atoms::template Atomic<std::int32_t> count_{kLockBit};
  typename Atoms::template Atomic<std::uint32_t> contention_{0};
  typename Atoms::template Atomic<std::uintptr_t> owner_{0};
  // The gate: 1 while signalled. A signal lets one waiter through and is consumed by it.
  typename Atoms::template Atomic<std::uint32_t> gate_{0};
};

using GateMutex = BasicGateMutex<RealAtoms>;
extern template class BasicGateMutex<RealAtoms>;

// Names the mutex in the re-entry message, for FastMutex and GuardedMutex.
[[noreturn]] void GateMutexReentered(const void* mutex);

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_GATE_MUTEX_H_
