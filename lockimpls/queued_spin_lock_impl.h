// The out-of-line members of BasicQueuedSpinLock (queued_spin_lock.h), as templates over the
// policy `Atoms` (internal/atoms.h). Include this only where the lock is instantiated:
// queued_spin_lock.cc for production, the schedule tests for theirs. The rules implemented here
// are those of lockimpls/SEMANTICS.md, "In-stack queued spin lock".
#ifndef LOCKBENCH_LOCKIMPLS_QUEUED_SPIN_LOCK_IMPL_H_
#define LOCKBENCH_LOCKIMPLS_QUEUED_SPIN_LOCK_IMPL_H_

#include <atomic>
#include <cstdint>

#include "lockimpls/internal/atoms.h"
#include "lockimpls/internal/lock_observer.h"
#include "lockimpls/internal/spin_backoff.h"
#include "lockimpls/queued_spin_lock.h"

namespace lockbench::internal {

// ReactOS ntoskrnl/ke/spinlock.c, KeAcquireQueuedSpinLockAtDpcLevel; the wait bit is set before
// the swap here, so a successor never links behind a node whose bits are still being written.
template <class Atoms>
void BasicQueuedSpinLock<Atoms>::Acquire(Node* node) {
  const std::uintptr_t self = reinterpret_cast<std::uintptr_t>(this);
  node->Next.store(nullptr, std::memory_order_relaxed);
  node->Lock.store(self | kWaitBit, std::memory_order_relaxed);
  Node* prev = tail_.exchange(node, std::memory_order_acq_rel);
  if (prev == nullptr) {
    node->Lock.store(self | kOwnerBit, std::memory_order_relaxed);
    return;
  }
  WaitBehind(prev, node);
}

template <class Atoms>
[[gnu::noinline]] void BasicQueuedSpinLock<Atoms>::WaitBehind(Node* prev, Node* node) {
  if (LockObserver* o = InstalledLockObserver()) ReportLockEvent(o, LockEvent::kQueued, this, node);
  prev->Next.store(node, std::memory_order_release);
  BasicSpinBackoff<Atoms> backoff;
  while (node->Lock.load(std::memory_order_acquire) & kWaitBit) backoff.Pause();
}

// ReactOS ntoskrnl/ke/spinlock.c, KeReleaseQueuedSpinLockFromDpcLevel.
template <class Atoms>
void BasicQueuedSpinLock<Atoms>::Release(Node* node) {
  const std::uintptr_t bits = node->Lock.load(std::memory_order_relaxed);
  auto* lock = reinterpret_cast<BasicQueuedSpinLock*>(bits & ~(kWaitBit | kOwnerBit));
  node->Lock.store(bits & ~kOwnerBit, std::memory_order_relaxed);
  Node* next = node->Next.load(std::memory_order_acquire);
  if (next == nullptr) {
    if constexpr (Atoms::kPlanted == PlantedBug::kQueuedReleaseSkipsLinkWait) {
      lock->tail_.store(nullptr, std::memory_order_release);
      return;
    }
    Node* expected = node;
    if (lock->tail_.compare_exchange_strong(expected, nullptr, std::memory_order_release,
                                            std::memory_order_relaxed)) {
      return;
    }
    next = AwaitLink(lock, node);
  }
  next->Lock.fetch_xor(kWaitBit | kOwnerBit, std::memory_order_release);
}

// A successor has swapped itself in but not yet linked: wait for the link.
template <class Atoms>
[[gnu::noinline]] typename BasicQueuedSpinLock<Atoms>::Node* BasicQueuedSpinLock<Atoms>::AwaitLink(
    BasicQueuedSpinLock* lock, Node* node) {
  if (LockObserver* o = InstalledLockObserver()) {
    ReportLockEvent(o, LockEvent::kAwaitingLink, lock, node);
  }
  BasicSpinBackoff<Atoms> backoff;
  Node* next = nullptr;
  while ((next = node->Next.load(std::memory_order_acquire)) == nullptr) backoff.Pause();
  return next;
}

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_QUEUED_SPIN_LOCK_IMPL_H_
