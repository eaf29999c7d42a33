#include "lockimpls/queued_spin_lock.h"

#include <bit>

#include "lockimpls/internal/check.h"
#include "lockimpls/internal/spin_backoff.h"

namespace lockbench {
namespace {

using Node = QueuedSpinLock::Node;

// The calling thread's nodes for lock()/unlock(); a set bit in `free` marks a free node.
struct NodePool {
  Node nodes[QueuedSpinLock::kNodesPerThread];
  std::uint32_t free = ~std::uint32_t{0};
};
static_assert(QueuedSpinLock::kNodesPerThread == 32);

thread_local NodePool pool;

std::atomic<internal::QueuedSpinLockObserver*> observer{nullptr};

// The installed observer (internal::SetQueuedSpinLockObserver), or nullptr.
internal::QueuedSpinLockObserver* Observer() { return observer.load(std::memory_order_acquire); }

Node* TakeNode() {
  LOCKBENCH_CHECK(pool.free != 0, "QueuedSpinLock",
                  "a thread holds more queued spin locks at once than kNodesPerThread");
  const int i = std::countr_zero(pool.free);
  pool.free &= ~(std::uint32_t{1} << i);
  return &pool.nodes[i];
}

void GiveBack(Node* node) { pool.free |= std::uint32_t{1} << (node - pool.nodes); }

// The calling thread's node that holds `lock`: the taken node whose Lock field names it. Reads
// only the thread's own nodes, never the lock's line. REQUIRES: the thread holds `lock` through
// lock() or try_lock().
Node* HolderNode(const QueuedSpinLock* lock) {
  const std::uintptr_t self = reinterpret_cast<std::uintptr_t>(lock);
  for (std::uint32_t taken = ~pool.free; taken != 0; taken &= taken - 1) {
    Node* node = &pool.nodes[std::countr_zero(taken)];
    const std::uintptr_t bits = node->Lock.load(std::memory_order_relaxed);
    if ((bits & ~(QueuedSpinLock::kWaitBit | QueuedSpinLock::kOwnerBit)) == self) return node;
  }
  LOCKBENCH_CHECK(false, "QueuedSpinLock", "unlock() on a thread that does not hold the lock");
  return nullptr;
}

}  // namespace

namespace internal {
void SetQueuedSpinLockObserver(QueuedSpinLockObserver* o) { observer.store(o); }
}  // namespace internal

// ReactOS ntoskrnl/ke/spinlock.c, KeAcquireQueuedSpinLockAtDpcLevel; the wait bit is set before
// the swap here, so a successor never links behind a node whose bits are still being written.
void QueuedSpinLock::Acquire(Node* node) {
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

[[gnu::noinline]] void QueuedSpinLock::WaitBehind(Node* prev, Node* node) {
  if (internal::QueuedSpinLockObserver* o = Observer()) o->OnSwappedIn(this, node);
  prev->Next.store(node, std::memory_order_release);
  internal::SpinBackoff backoff;
  while (node->Lock.load(std::memory_order_acquire) & kWaitBit) backoff.Pause();
}

// ReactOS ntoskrnl/ke/spinlock.c, KeReleaseQueuedSpinLockFromDpcLevel.
void QueuedSpinLock::Release(Node* node) {
  const std::uintptr_t bits = node->Lock.load(std::memory_order_relaxed);
  QueuedSpinLock* lock = reinterpret_cast<QueuedSpinLock*>(bits & ~(kWaitBit | kOwnerBit));
  node->Lock.store(bits & ~kOwnerBit, std::memory_order_relaxed);
  Node* next = node->Next.load(std::memory_order_acquire);
  if (next == nullptr) {
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
[[gnu::noinline]] QueuedSpinLock::Node* QueuedSpinLock::AwaitLink(QueuedSpinLock* lock, Node* node) {
  if (internal::QueuedSpinLockObserver* o = Observer()) o->OnAwaitingLink(lock, node);
  internal::SpinBackoff backoff;
  Node* next = nullptr;
  while ((next = node->Next.load(std::memory_order_acquire)) == nullptr) backoff.Pause();
  return next;
}

void QueuedSpinLock::lock() { Acquire(TakeNode()); }

bool QueuedSpinLock::try_lock() {
  if (tail_.load(std::memory_order_relaxed) != nullptr) return false;
  Node* node = TakeNode();
  node->Next.store(nullptr, std::memory_order_relaxed);
  node->Lock.store(reinterpret_cast<std::uintptr_t>(this) | kOwnerBit, std::memory_order_relaxed);
  Node* expected = nullptr;
  if (!tail_.compare_exchange_strong(expected, node, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
    GiveBack(node);
    return false;
  }
  return true;
}

void QueuedSpinLock::unlock() {
  Node* node = HolderNode(this);
  Release(node);
  GiveBack(node);
}

}  // namespace lockbench
