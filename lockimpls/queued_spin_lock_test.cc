// Scenario tests of the in-stack queued spin lock (lockimpls/SEMANTICS.md, "In-stack queued spin
// lock") through its Windows-named facade and its lock()/unlock() interface. Waiters are queued
// in a forced order: each is started only once the previous one's node has become the tail; the
// lock observer holds an acquirer between its swap and its link where a test needs that gap open.
#include <atomic>
#include <chrono>
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

using internal::LockEvent;
using internal::RecordingObserver;
using internal::ScopedObserver;
using internal::TestWatchdog;
using internal::ThreadCpuTime;
using internal::WaitUntil;
using Node = QueuedSpinLock::Node;

constexpr std::uintptr_t kWait = QueuedSpinLock::kWaitBit;
constexpr std::uintptr_t kOwner = QueuedSpinLock::kOwnerBit;

std::uintptr_t Bits(const Node* n) { return n->Lock.load() & (kWait | kOwner); }

// Whether a thread other than the holders gets the lock with a try (and lets it go again).
bool NewcomerTakes(QueuedSpinLock& lock) {
  bool got = false;
  std::thread([&] {
    got = lock.try_lock();
    if (got) lock.unlock();
  }).join();
  return got;
}

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

// Rule: In-stack queued spin lock > Grant rules: a release that finds a successor swapped in as
// the tail but not yet linked waits for the link, then hands the lock to that successor instead
// of freeing it.
TEST(QueuedSpinLockTest, ReleaseWaitsForTheSuccessorsLinkAndHandsOver) {
  TestWatchdog watchdog;
  RecordingObserver observer;
  ScopedObserver scoped(&observer);
  observer.HoldNext(LockEvent::kQueued);  // the successor, between its swap and its link
  QueuedSpinLock lock;
  Node mine;
  lock.Acquire(&mine);
  Node theirs;
  std::atomic<bool> successor_owns{false};
  std::atomic<bool> successor_may_leave{false};
  std::thread successor([&] {
    lock.Acquire(&theirs);
    successor_owns.store(true);
    WaitUntil([&] { return successor_may_leave.load(); });
    QueuedSpinLock::Release(&theirs);
  });
  EXPECT_EQ(observer.AwaitHeld().node, &theirs);
  EXPECT_EQ(lock.TailForTest(), &theirs) << "the successor swapped itself in as the tail";
  EXPECT_EQ(mine.Next.load(), nullptr) << "but has not linked itself behind the holder";

  // The release runs on a thread of its own: it is expected to wait until the link is written.
  std::atomic<bool> released{false};
  const Node* link_when_released = nullptr;
  std::thread releaser([&] {
    QueuedSpinLock::Release(&mine);
    link_when_released = mine.Next.load();
    released.store(true);
  });
  WaitUntil([&] { return observer.Count(LockEvent::kAwaitingLink) != 0 || released.load(); });
  const bool returned_early = released.load();
  EXPECT_FALSE(returned_early) << "the release returned before the successor linked its node";
  EXPECT_EQ(observer.Count(LockEvent::kAwaitingLink), 1);
  EXPECT_FALSE(NewcomerTakes(lock)) << "a newcomer took the lock while a successor was queued";
  observer.Release();  // the successor links; the waiting release hands over
  releaser.join();
  if (returned_early) {  // a broken release left the successor queued: hand over in its place
    WaitUntil([&] { return mine.Next.load() != nullptr; });
    QueuedSpinLock::Release(&mine);
  } else {
    EXPECT_EQ(link_when_released, &theirs) << "the release returned before the link was written";
  }
  WaitUntil([&] { return successor_owns.load(); });
  EXPECT_EQ(Bits(&theirs), kOwner) << "the release handed the lock to the successor";
  EXPECT_EQ(lock.TailForTest(), &theirs);
  EXPECT_FALSE(NewcomerTakes(lock)) << "the lock was freed, not handed to the successor";
  successor_may_leave.store(true);
  successor.join();
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

// Rule: In-stack queued spin lock > Grant rules: not recursive and not detected: the holder's try
// fails, and its re-acquire queues behind its own hold and spins on its own node, which only the
// release of that hold can free.
TEST(QueuedSpinLockTest, ReacquireByTheHolderQueuesBehindItsOwnHold) {
  TestWatchdog watchdog;
  KSPIN_LOCK lock;
  KeInitializeSpinLock(&lock);
  KLOCK_QUEUE_HANDLE first;
  KLOCK_QUEUE_HANDLE second;
  bool try_by_holder = true;
  std::atomic<bool> reacquired{false};
  std::atomic<bool> may_leave{false};
  std::thread holder([&] {
    KeAcquireInStackQueuedSpinLockAtDpcLevel(&lock, &first);
    try_by_holder = lock.try_lock();
    KeAcquireInStackQueuedSpinLockAtDpcLevel(&lock, &second);
    reacquired.store(true);
    WaitUntil([&] { return may_leave.load(); });
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&second);
  });
  WaitUntil([&] { return first.LockQueue.Next.load() != nullptr; });  // queued and linked
  EXPECT_FALSE(try_by_holder) << "the holder's try took the lock it holds";
  EXPECT_EQ(first.LockQueue.Next.load(), &second.LockQueue) << "queued behind its own node";
  EXPECT_EQ(lock.TailForTest(), &second.LockQueue);
  // Spinning shows as CPU time burnt after the link with the re-acquire still waiting; between the
  // link and `reacquired` a re-acquire that did not wait runs a few instructions only.
  const auto linked_at = ThreadCpuTime(holder);
  WaitUntil([&] {
    return reacquired.load() || ThreadCpuTime(holder) >= linked_at + std::chrono::milliseconds(2);
  });
  EXPECT_FALSE(reacquired.load()) << "the holder's re-acquire returned while its own hold lasted";
  EXPECT_EQ(Bits(&second.LockQueue), kWait) << "the re-acquire polls its own wait bit";
  EXPECT_EQ(Bits(&first.LockQueue), kOwner) << "the first hold still owns the lock";
  // The holder cannot release its first hold while it spins; the test does it from here.
  KeReleaseInStackQueuedSpinLockFromDpcLevel(&first);
  WaitUntil([&] { return reacquired.load(); });
  EXPECT_EQ(Bits(&second.LockQueue), kOwner);
  may_leave.store(true);
  holder.join();
  EXPECT_EQ(lock.TailForTest(), nullptr);
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
