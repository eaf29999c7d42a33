// ExSpinLock: an emulation of the Windows kernel executive reader/writer spin lock (EX_SPIN_LOCK,
// a LONG), behind ExAcquireSpinLockShared / ExAcquireSpinLockExclusive. It exists so the tool
// can set the kernel's busy-waiting reader/writer lock beside the sleeping ones (push lock,
// ERESOURCE). ex_spin_lock_api.h puts the Windows names on it.
//
// Design (lockimpls/SEMANTICS.md, "Executive spin lock"): one 32-bit word. Bit 31 is set while
// a writer holds the lock, bit 30 while a writer waits; bits 0 to 29 count shared holders. A
// reader increments the count when neither writer bit is set. A writer sets the waiting bit,
// which stops new readers, waits for the count to drain to zero, and then swaps the word to
// "held exclusive" (clearing the waiting bit; another waiting writer sets it again). A reader
// that is the only holder may convert to exclusive without releasing. Nobody ever sleeps:
// waiters spin on the word. In user mode a holder can be preempted, where a Windows holder runs
// at DISPATCH_LEVEL and cannot be, so after 64 polls a spinner yields its CPU between polls
// (internal/spin_backoff.h) to let a preempted holder run; it still never blocks on the lock.
//
// Fairness: writer preference, not fair among equals. A waiting writer blocks new readers; the
// readers already inside finish first. Writers compete by compare-exchange with no order among
// them, and a burst of writers can starve readers.
//
// Unsupported calls: not recursive. A reader re-entering shared while a writer waits, or any
// exclusive re-entry, spins forever, as on Windows; not detected. There is no owner.
//
// Cost: uncontended, one compare-exchange to acquire and one atomic to release; 4 bytes;
// allocates nothing.
#ifndef LOCKBENCH_LOCKIMPLS_EX_SPIN_LOCK_H_
#define LOCKBENCH_LOCKIMPLS_EX_SPIN_LOCK_H_

#include <atomic>
#include <cstdint>

#include "lockimpls/lock_concept.h"

namespace lockbench {

class ExSpinLock {
 public:
  static constexpr std::uint32_t kExclusive = 0x80000000u;
  static constexpr std::uint32_t kWriterWaiting = 0x40000000u;
  static constexpr std::uint32_t kShareMask = 0x3fffffffu;

  static constexpr LockTraits kTraits = {
      "ex_spin_lock", "Windows executive reader/writer spin lock (EX_SPIN_LOCK), 32 bits", 4,
      Recursion::kNone, "writer preference: a waiting writer stops new readers; spins, never sleeps",
      false};

  ExSpinLock() = default;
  ExSpinLock(const ExSpinLock&) = delete;
  ExSpinLock& operator=(const ExSpinLock&) = delete;

  void lock() {
    if (!try_lock()) [[unlikely]] LockContended();
  }
  bool try_lock() {
    std::uint32_t v = word_.load(std::memory_order_relaxed);
    return (v & ~kWriterWaiting) == 0 &&
           word_.compare_exchange_strong(v, kExclusive, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }
  // Keeps the waiting bit another writer may have set meanwhile.
  void unlock() { word_.fetch_and(~kExclusive, std::memory_order_release); }

  void lock_shared() {
    if (!try_lock_shared()) [[unlikely]] LockSharedContended();
  }
  bool try_lock_shared() {
    std::uint32_t v = word_.load(std::memory_order_relaxed);
    while (ReaderMayEnter(v)) {
      if (word_.compare_exchange_weak(v, v + 1, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }
  void unlock_shared() { word_.fetch_sub(1, std::memory_order_release); }

  // True, and the caller now holds the lock exclusive, if it was the only shared holder
  // (a waiting writer does not prevent it). False changes nothing.
  // REQUIRES: the caller holds the lock shared.
  bool TryConvertSharedToExclusive() {
    std::uint32_t v = word_.load(std::memory_order_relaxed);
    while ((v & ~kWriterWaiting) == 1) {
      if (word_.compare_exchange_weak(v, kExclusive, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  std::uint32_t RawWord() const { return word_.load(std::memory_order_acquire); }

 private:
  static bool ReaderMayEnter(std::uint32_t v) { return (v & (kExclusive | kWriterWaiting)) == 0; }
  void LockContended();
  void LockSharedContended();

  std::atomic<std::uint32_t> word_{0};
};

static_assert(BenchLock<ExSpinLock>);
static_assert(sizeof(ExSpinLock) == 4);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_EX_SPIN_LOCK_H_
