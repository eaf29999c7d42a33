// QueuedSpinLock: an emulation of the Windows kernel in-stack queued spin lock
// (KeAcquireInStackQueuedSpinLock on a KSPIN_LOCK), an MCS queue lock. It exists so the tool can
// set a strictly FIFO lock whose waiters each spin on their own cache line beside the locks that
// spin on one shared word (ex_spin_lock) or sleep. queued_spin_lock_api.h puts the Windows names
// on it, with the KLOCK_QUEUE_HANDLE on the caller's stack.
//
// Design (lockimpls/SEMANTICS.md, "In-stack queued spin lock"): the lock word is the tail of a
// queue of nodes (KSPIN_LOCK_QUEUE: Next, and Lock = the lock's address with a wait bit and an
// owner bit), null when free. An acquirer swaps its node in as the new tail; with no
// predecessor it owns the lock, otherwise it links itself behind the predecessor and polls the
// wait bit in its own node. A release with no successor swaps the tail back to null; otherwise
// (waiting, if need be, for the successor to finish linking) it clears the successor's wait bit
// and sets its owner bit, handing the lock over.
//
// Nodes for the lock()/unlock() interface: BenchLock's unlock takes no handle, so lock() takes a
// node from a small pool of the calling thread (thread-local, kNodesPerThread nodes, one bit
// each in a free mask); unlock() finds the taken node whose Lock field names this lock,
// releases through it and returns it to the pool. The holder's node stays with the holder, so a
// hold writes nothing on the lock's line beyond the tail swap Windows makes. REQUIRES: lock()
// and unlock() on the same thread; at most kNodesPerThread queued spin locks held at once by one
// thread (more aborts).
//
// Fairness: strict FIFO. Waiters are granted in the order their swap reached the tail; nobody
// barges past a queued waiter, and a try succeeds only when the lock is free with no queue.
//
// Unsupported calls: exclusive only (lock_shared, try_lock_shared and unlock_shared take and
// release it exclusive; traits: shared_mode false). Not recursive: a re-acquire queues behind
// its own hold and spins forever, as on Windows; not detected. No owner query.
//
// Cost: uncontended, one atomic exchange to acquire and one compare-exchange to release (plus,
// through unlock(), a scan of the thread's taken nodes: one when it holds one lock); 8 bytes,
// the tail word of Windows' KSPIN_LOCK; allocates nothing. Waiters spin (with a
// CPU pause, then yielding, internal/spin_backoff.h) and never sleep.
//
// Test hooks: TailForTest() shows the queue's tail. The lock observer (internal/lock_observer.h)
// is told of an acquirer between its swap and its link (kQueued; it can hold it there) and of a
// release that waits for a link (kAwaitingLink). When none is installed it costs one load of a
// global on the contended acquire path (between the swap and the link) and one on a release that
// has to wait for a link; none uncontended.
//
// The lock is written once over an atomics policy (internal/atoms.h): every atomic operation on
// the tail and the nodes, and the spin's pause and yield, go through `Atoms`. Production uses
// QueuedSpinLock, over RealAtoms; the out-of-line members live in queued_spin_lock_impl.h and
// are instantiated for RealAtoms in queued_spin_lock.cc, and for the deterministic scheduler's
// policy in lock_schedules_test.cc, which drives the in-stack interface (a node per acquire on
// the acquirer's stack); the thread pools of lock()/unlock() are production's only.
#ifndef LOCKBENCH_LOCKIMPLS_QUEUED_SPIN_LOCK_H_
#define LOCKBENCH_LOCKIMPLS_QUEUED_SPIN_LOCK_H_

#include <atomic>
#include <cstdint>

#include "lockimpls/internal/atoms.h"
#include "lockimpls/lock_concept.h"

namespace lockbench {
namespace internal {

// KSPIN_LOCK_QUEUE over the atomics of `Atoms`, with the Windows field names.
template <class Atoms>
struct BasicQueuedSpinNode {
  typename Atoms::template Atomic<BasicQueuedSpinNode*> Next{nullptr};
  typename Atoms::template Atomic<std::uintptr_t> Lock{0};  // the lock's address | wait | owner
};

// The lock over the atomics and spin hints of `Atoms` (internal/atoms.h): the tail word and the
// in-stack interface, where the caller supplies each acquire's node.
template <class Atoms>
class alignas(8) BasicQueuedSpinLock {
 public:
  using Node = BasicQueuedSpinNode<Atoms>;
  static constexpr std::uintptr_t kWaitBit = 0x1;   // LOCK_QUEUE_WAIT
  static constexpr std::uintptr_t kOwnerBit = 0x2;  // LOCK_QUEUE_OWNER

  BasicQueuedSpinLock() = default;
  BasicQueuedSpinLock(const BasicQueuedSpinLock&) = delete;
  BasicQueuedSpinLock& operator=(const BasicQueuedSpinLock&) = delete;

  // Queues `node` (on the caller's stack or in its pool) and returns once it owns the lock.
  void Acquire(Node* node);
  // Hands the lock to the next queued node, or frees it. REQUIRES: `node` owns its lock.
  static void Release(Node* node);
  // Takes the lock through `node` if it is free with no queue; never queues.
  bool TryAcquire(Node* node) {
    if (!TailEmpty()) return false;
    return Claim([node] { return node; }, [](Node*) {});
  }

  // The newest queued node (the holder if nobody waits), null when free.
  const Node* TailForTest() const { return tail_.load(std::memory_order_acquire); }

 protected:
  ~BasicQueuedSpinLock() = default;

  // The two halves of a try, apart so that lock()'s pool lends a node only to a lock that looked
  // free: Claim takes its node from `take()`, makes it the owner if the tail is still null, and
  // hands a node that lost the race to `give_back(node)`. (In this shape try_lock compiles to
  // the instructions it had before the policy.)
  bool TailEmpty() const { return tail_.load(std::memory_order_relaxed) == nullptr; }
  template <class Take, class GiveBack>
  bool Claim(Take take, GiveBack give_back) {
    Node* node = take();
    node->Next.store(nullptr, std::memory_order_relaxed);
    node->Lock.store(reinterpret_cast<std::uintptr_t>(this) | kOwnerBit, std::memory_order_relaxed);
    Node* expected = nullptr;
    if (!tail_.compare_exchange_strong(expected, node, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      give_back(node);
      return false;
    }
    return true;
  }

 private:
  // The contended halves, out of line so the uncontended paths keep their short prologues.
  void WaitBehind(Node* prev, Node* node);
  static Node* AwaitLink(BasicQueuedSpinLock* lock, Node* node);

  typename Atoms::template Atomic<Node*> tail_{nullptr};
};

extern template class BasicQueuedSpinLock<RealAtoms>;

}  // namespace internal

class QueuedSpinLock final : public internal::BasicQueuedSpinLock<internal::RealAtoms> {
 public:
  static constexpr int kNodesPerThread = 32;

  static constexpr LockTraits kTraits = {
      "queued_spin_lock", "Windows in-stack queued spin lock (MCS queue); exclusive only", 8,
      Recursion::kNone, "strict FIFO: waiters granted in queue order, each spins on its own node",
      false, /*shared_mode=*/false, /*heap_bytes=*/0, /*slots=*/0, /*slot_bytes=*/0,
      HolderLevel::kDispatch, WaitKind::kSpin};

  QueuedSpinLock() = default;

  void lock();
  bool try_lock();
  void unlock();
  void lock_shared() { lock(); }
  bool try_lock_shared() { return try_lock(); }
  void unlock_shared() { unlock(); }
};

static_assert(BenchLock<QueuedSpinLock>);
static_assert(sizeof(QueuedSpinLock) == 8);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_QUEUED_SPIN_LOCK_H_
