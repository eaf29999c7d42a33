#include "lockimpls/queued_spin_lock.h"

#include <bit>

#include "lockimpls/internal/check.h"
#include "lockimpls/queued_spin_lock_impl.h"

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

template class BasicQueuedSpinLock<RealAtoms>;

}  // namespace internal

void QueuedSpinLock::lock() { Acquire(TakeNode()); }

bool QueuedSpinLock::try_lock() {
  if (!TailEmpty()) return false;
  return Claim(TakeNode, GiveBack);
}

void QueuedSpinLock::unlock() {
  Node* node = HolderNode(this);
  Release(node);
  GiveBack(node);
}

}  // namespace lockbench
