// ExSpinLock: an emulation of the Windows kernel executive reader/writer spin lock (EX_SPIN_LOCK,
// a LONG), behind ExAcquireSpinLockShared / ExAcquireSpinLockExclusive. It exists so the tool
// can set the kernel's busy-waiting reader/writer lock beside the sleeping ones (push lock,
// ERESOURCE). ex_spin_lock_api.h puts the Windows names on it.
//
// Design (lockimpls/SEMANTICS.md, "Executive spin lock", which names the Windows 10 routines
// followed): one 32-bit word. Bits 0 to 29 count shared holders; bit 31 belongs to one writer,
// from the moment it claims the lock until its release; bit 30 is set while that writer waits
// for the readers already inside to leave. A reader adds one while bit 31 is clear. A writer
// claims bit 31 with an atomic OR (which stops new readers), spins until the count drains, and
// holds the lock; a writer that finds bit 31 taken spins until it clears and claims again,
// leaving the word alone meanwhile. The exclusive release stores 0: waiting readers and writers
// then race. A reader converts to exclusive by claiming bit 31 the same way and waiting for the
// other readers; it fails only if another writer owns bit 31. Nobody ever sleeps: waiters spin
// on the word. In user mode a holder can be preempted, where a Windows holder runs at
// DISPATCH_LEVEL and cannot be, so after 64 polls a spinner yields its CPU between polls
// (internal/spin_backoff.h) to let a preempted holder run; it still never blocks on the lock.
//
// Fairness: none across releases. A writer that owns bit 31 goes before readers that arrive
// after it; once it releases, the spinners race, readers and writers alike, with no order.
//
// Unsupported calls: not recursive. A reader re-entering shared while a writer owns bit 31, or
// any exclusive re-entry, spins forever, as on Windows; not detected. There is no owner.
//
// Cost: uncontended, one compare-exchange to acquire and one store (exclusive) or atomic
// subtraction (shared) to release; 4 bytes; allocates nothing.
#ifndef LOCKBENCH_LOCKIMPLS_EX_SPIN_LOCK_H_
#define LOCKBENCH_LOCKIMPLS_EX_SPIN_LOCK_H_

#include <atomic>
#include <cstdint>

#include "lockimpls/internal/atoms.h"
#include "lockimpls/internal/spin_backoff.h"
#include "lockimpls/lock_concept.h"

namespace lockbench {
namespace internal {

// The lock on an atomics policy (internal/atoms.h): RealAtoms for ExSpinLock, the scheduled
// policy for lock_schedules_test.
template <class Atoms>
class BasicExSpinLock {
 public:
  static constexpr std::uint32_t kExclusive = 0x80000000u;
  static constexpr std::uint32_t kDraining = 0x40000000u;
  static constexpr std::uint32_t kShareMask = 0x3fffffffu;

  BasicExSpinLock() = default;
  BasicExSpinLock(const BasicExSpinLock&) = delete;
  BasicExSpinLock& operator=(const BasicExSpinLock&) = delete;

  void lock() {
    if (!try_lock()) [[unlikely]] LockContended();
  }
  // Only from free: Windows has no exclusive try, and a claim would have to wait for readers.
  bool try_lock() {
    std::uint32_t v = 0;
    return word_.compare_exchange_strong(v, kExclusive, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }
  // Stores 0, clearing the draining bit too; whoever spins next takes the lock.
  void unlock() {
    if constexpr (Atoms::kPlanted == PlantedBug::kSpinReleaseKeepsDrainBit) {
      word_.fetch_sub(kExclusive, std::memory_order_release);  // clears bit 31 alone
    } else {
      word_.store(0, std::memory_order_release);
    }
  }

  void lock_shared() {
    if (!try_lock_shared()) [[unlikely]] LockSharedContended();
  }
  bool try_lock_shared() {
    std::uint32_t v = word_.load(std::memory_order_relaxed);
    while ((v & kExclusive) == 0) {
      if (word_.compare_exchange_weak(v, v + 1, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }
  void unlock_shared() { word_.fetch_sub(1, std::memory_order_release); }

  // Claims bit 31 and waits for the other readers to leave: true, and the caller holds the lock
  // exclusive (its own share still counted until the release stores 0). False, changing nothing,
  // when another writer already owns bit 31; the caller still holds shared and must release it
  // for that writer to proceed. REQUIRES: the caller holds the lock shared.
  bool TryConvertSharedToExclusive() {
    if (word_.fetch_or(kExclusive, std::memory_order_acquire) & kExclusive) return false;
    DrainReaders(1);
    return true;
  }

  std::uint32_t RawWord() const { return word_.load(std::memory_order_acquire); }

 private:
  [[gnu::noinline]] void LockContended() {
    BasicSpinBackoff<Atoms> backoff;
    // Claim bit 31; while another writer owns it, wait for its release without touching the
    // word.
    while (word_.fetch_or(kExclusive, std::memory_order_acquire) & kExclusive) {
      while (word_.load(std::memory_order_relaxed) & kExclusive) backoff.Pause();
    }
    DrainReaders(0);
  }

  // As the owner of bit 31: spins, with the draining bit set, until only `own_shares` readers
  // remain inside.
  void DrainReaders(std::uint32_t own_shares) {
    BasicSpinBackoff<Atoms> backoff;
    std::uint32_t v = word_.load(std::memory_order_acquire);
    while ((v & ~kDraining) != (kExclusive | own_shares)) {
      if ((v & kDraining) == 0 &&
          !word_.compare_exchange_weak(v, v | kDraining, std::memory_order_acquire,
                                       std::memory_order_acquire)) {
        continue;  // a reader left meanwhile: look again
      }
      backoff.Pause();
      v = word_.load(std::memory_order_acquire);
    }
  }

  [[gnu::noinline]] void LockSharedContended() {
    BasicSpinBackoff<Atoms> backoff;
    for (;;) {
      if ((word_.load(std::memory_order_relaxed) & kExclusive) == 0 && try_lock_shared()) return;
      backoff.Pause();
    }
  }

  typename Atoms::template Atomic<std::uint32_t> word_{0};
};

}  // namespace internal

class ExSpinLock final : public internal::BasicExSpinLock<internal::RealAtoms> {
 public:
  static constexpr LockTraits kTraits = {
      "ex_spin_lock", "Windows executive reader/writer spin lock (EX_SPIN_LOCK), 32 bits", 4,
      Recursion::kNone,
      "a claiming writer stops new readers; at release all spinners race; spins, never sleeps",
      false, /*shared_mode=*/true, /*heap_bytes=*/0, /*slots=*/0, /*slot_bytes=*/0,
      HolderLevel::kDispatch, WaitKind::kSpin};
};

static_assert(BenchLock<ExSpinLock>);
static_assert(sizeof(ExSpinLock) == 4);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_EX_SPIN_LOCK_H_
