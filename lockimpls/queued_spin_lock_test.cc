// Scenario tests of the in-stack queued spin lock (lockimpls/SEMANTICS.md, "In-stack queued spin
// lock") through its Windows-named facade and its lock()/unlock() interface. Waiters are queued
// in a forced order: each is started only once the previous one's node has become the tail.
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lockimpls/internal/hang_watchdog.h"
#include "lockimpls/internal/test_support.h"
#include "lockimpls/internal/test_watchdog.h"
#include "lockimpls/queued_spin_lock.h"
#include "lockimpls/queued_spin_lock_api.h"

namespace lockbench {
namespace {

using internal::TestWatchdog;
using internal::WaitUntil;
using Node = QueuedSpinLock::Node;

constexpr std::uintptr_t kWait = QueuedSpinLock::kWaitBit;
constexpr std::uintptr_t kOwner = QueuedSpinLock::kOwnerBit;

std::uintptr_t Bits(const Node* n) { return n->Lock.load() & (kWait | kOwner); }

// Rule: In-stack queued spin lock > State: waiters are granted strictly in the order they queued,
// and each polls its own node: the hand-off flips the wait bit of the next node only.
TEST(QueuedSpinLockTest, FifoHandOffInQueueOrderEachOnItsOwnNode) {
  constexpr int kWaiters = 3;
  TestWatchdog watchdog;
  KSPIN_LOCK lock;
  KeInitializeSpinLock(&lock);
  KLOCK_QUEUE_HANDLE mine;
  KeAcquireInStackQueuedSpinLock(&lock, &mine);
  EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
  ASSERT_EQ(lock.TailForTest(), &mine.LockQueue);

  std::vector<int> order;  // appended under the lock
  std::atomic<bool> first_may_leave{false};
  std::atomic<int> granted_first{-1};  // the first waiter to get the lock
  std::vector<const Node*> nodes;
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    const Node* before = lock.TailForTest();
    waiters.emplace_back([&, i] {
      KLOCK_QUEUE_HANDLE handle;  // on this thread's stack, as on Windows
      KeAcquireInStackQueuedSpinLock(&lock, &handle);
      order.push_back(i);
      int none = -1;
      granted_first.compare_exchange_strong(none, i);
      if (i == 0) WaitUntil([&] { return first_may_leave.load(); });
      KeReleaseInStackQueuedSpinLock(&handle);
    });
    WaitUntil([&] { return lock.TailForTest() != before; });  // queued: its node is the tail
    nodes.push_back(lock.TailForTest());
  }
  // The queue is linked in arrival order, and every waiter's own node says "wait".
  WaitUntil([&] { return nodes[kWaiters - 2]->Next.load() == nodes[kWaiters - 1]; });
  EXPECT_EQ(mine.LockQueue.Next.load(), nodes[0]);
  for (int i = 0; i < kWaiters; ++i) {
    if (i + 1 < kWaiters) WaitUntil([&] { return nodes[i]->Next.load() == nodes[i + 1]; });
    EXPECT_EQ(Bits(nodes[i]), kWait) << "waiter " << i;
    EXPECT_EQ(nodes[i]->Lock.load() & ~(kWait | kOwner), reinterpret_cast<std::uintptr_t>(&lock));
  }

  KeReleaseInStackQueuedSpinLock(&mine);
  EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
  WaitUntil([&] { return granted_first.load() != -1; });
  ASSERT_EQ(granted_first.load(), 0) << "the lock went past the oldest waiter";
  EXPECT_EQ(Bits(nodes[0]), kOwner) << "the hand-off went to the first queued node";
  EXPECT_EQ(Bits(nodes[1]), kWait) << "the second waiter still polls its own node";
  EXPECT_EQ(Bits(nodes[2]), kWait);
  first_may_leave.store(true);
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(lock.TailForTest(), nullptr);
}

// Rule: In-stack queued spin lock > Grant rules: a try succeeds only on a free lock with no queue,
// and never queues.
TEST(QueuedSpinLockTest, TryFailsWhenHeldAndNeverQueues) {
  TestWatchdog watchdog;
  QueuedSpinLock lock;
  lock.lock();
  const Node* holder = lock.TailForTest();
  bool got = true;
  std::thread([&] { got = lock.try_lock(); }).join();
  EXPECT_FALSE(got);
  EXPECT_EQ(lock.TailForTest(), holder) << "a failed try left a node in the queue";
  lock.unlock();
  EXPECT_EQ(lock.TailForTest(), nullptr);
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
}

// Rule: In-stack queued spin lock > Nodes without a handle: lock() and unlock()
// The lock()/unlock() interface keeps each hold's node in the thread's pool: one thread may
// hold several queued locks and release them in any order.
TEST(QueuedSpinLockTest, ThreadPoolNodesAllowOverlappingHolds) {
  QueuedSpinLock a;
  QueuedSpinLock b;
  a.lock();
  b.lock();
  EXPECT_NE(a.TailForTest(), b.TailForTest()) << "each hold has its own node";
  a.unlock();
  EXPECT_EQ(a.TailForTest(), nullptr);
  EXPECT_NE(b.TailForTest(), nullptr);
  b.unlock();
  EXPECT_EQ(b.TailForTest(), nullptr);
}

// Rule: In-stack queued spin lock > State: the lock is the 8-byte tail word alone, and a
// contended hand-off through lock()/unlock() writes nothing on it: the holder's node stays with
// the holder.
TEST(QueuedSpinLockTest, HandOffLeavesTheLockWordAsTheSuccessorQueuedIt) {
  static_assert(sizeof(QueuedSpinLock) == sizeof(void*), "KSPIN_LOCK is one pointer");
  TestWatchdog watchdog;
  QueuedSpinLock lock;
  lock.lock();
  const Node* mine = lock.TailForTest();
  internal::Holder<QueuedSpinLock> successor(lock, true);
  WaitUntil([&] { return mine->Next.load() != nullptr; });  // swapped in and linked
  unsigned char before[sizeof(QueuedSpinLock)];
  std::memcpy(before, static_cast<const void*>(&lock), sizeof before);
  lock.unlock();
  successor.AwaitAcquired();
  unsigned char after[sizeof(QueuedSpinLock)];
  std::memcpy(after, static_cast<const void*>(&lock), sizeof after);
  EXPECT_EQ(std::memcmp(before, after, sizeof before), 0) << "the hand-off wrote the lock";
  successor.Join();
  EXPECT_EQ(lock.TailForTest(), nullptr);
}

// Rule: In-stack queued spin lock > Grant rules: exclusive only (a second shared request is
// refused) and not recursive, as the traits say.
TEST(QueuedSpinLockTest, ExclusiveOnlyNotRecursive) {
  static_assert(!QueuedSpinLock::kTraits.shared_mode);
  static_assert(QueuedSpinLock::kTraits.recursion == Recursion::kNone);
  QueuedSpinLock lock;
  lock.lock_shared();
  bool second = true;
  std::thread([&] { second = lock.try_lock_shared(); }).join();
  EXPECT_FALSE(second);
  lock.unlock_shared();
}

// Rule: In-stack queued spin lock > State: the holder's node carries the owner bit; the
// ...AtDpcLevel / ...FromDpcLevel forms change no IRQL (see API).
TEST(QueuedSpinLockApiTest, DpcLevelFormsLeaveIrqlAlone) {
  KSPIN_LOCK lock;
  KeInitializeSpinLock(&lock);
  KLOCK_QUEUE_HANDLE handle;
  KeAcquireInStackQueuedSpinLockAtDpcLevel(&lock, &handle);
  EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
  EXPECT_EQ(Bits(&handle.LockQueue), kOwner);
  KeReleaseInStackQueuedSpinLockFromDpcLevel(&handle);
  EXPECT_EQ(lock.TailForTest(), nullptr);
}

}  // namespace
}  // namespace lockbench
