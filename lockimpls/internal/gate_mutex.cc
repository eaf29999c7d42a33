#include "lockimpls/internal/gate_mutex.h"

#include "lockimpls/internal/check.h"
#include "lockimpls/internal/futex.h"

namespace lockbench::internal {
namespace {

std::atomic<GateObserver*> gate_observer{nullptr};

}  // namespace

void SetGateObserver(GateObserver* observer) { gate_observer.store(observer); }

void GateMutexReentered(const void* mutex) {
  Fatal("GateMutex",
        "fast or guarded mutex re-acquired by the thread that holds it (not recursive: this "
        "deadlocks on Windows)");
}

// ReactOS ntoskrnl/ke/gmutex.c, KiAcquireGuardedMutex: the same two bit masks, swapped once
// the thread has been woken.
void GateMutex::AcquireContended() {
  // A waiter that owns the mutex would wait forever; the owner field makes this check one load.
  if (owner_.load(std::memory_order_relaxed) == CurrentThreadTag()) GateMutexReentered(this);
  contention_.fetch_add(1, std::memory_order_relaxed);
  if (GateObserver* o = gate_observer.load(std::memory_order_acquire)) o->OnContended(this);
  std::int32_t remove = kLockBit;  // what taking the lock clears
  std::int32_t add = kWaiterInc;   // what waiting adds
  for (;;) {
    std::int32_t old = count_.load(std::memory_order_relaxed);
    for (;;) {
      if (old & kLockBit) {
        if (count_.compare_exchange_weak(old, old ^ remove, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
          return;
        }
      } else if (count_.compare_exchange_weak(old, old + add, std::memory_order_relaxed,
                                              std::memory_order_relaxed)) {
        break;
      }
    }
    if (GateObserver* o = gate_observer.load(std::memory_order_acquire)) o->OnGateWait(this);
    WaitForGate();
    if (GateObserver* o = gate_observer.load(std::memory_order_acquire)) o->OnWoken(this);
    // Woken: the woken bit is ours. Taking the lock clears it; waiting again turns it back into
    // a waiter count (kWokenBit + kWokenBit == kWaiterInc).
    remove = kLockBit | kWokenBit;
    add = kWokenBit;
  }
}

// ReactOS ntoskrnl/include/internal/ke_x.h, _KeReleaseGuardedMutex.
void GateMutex::WakeOne(std::int32_t count) {
  const std::int32_t woken = count + kWokenBit - kWaiterInc;
  if (!count_.compare_exchange_strong(count, woken, std::memory_order_relaxed)) return;
  if (GateObserver* o = gate_observer.load(std::memory_order_acquire)) o->OnGateSignalled(this);
  gate_.store(1, std::memory_order_release);
  FutexWake(&gate_, 1);
}

void GateMutex::WaitForGate() {
  while (gate_.exchange(0, std::memory_order_acquire) == 0) FutexWait(&gate_, 0);
}

}  // namespace lockbench::internal
