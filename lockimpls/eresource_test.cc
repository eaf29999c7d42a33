// One deterministic scenario per ERESOURCE rule of lockimpls/SEMANTICS.md, "ERESOURCE", through
// the Windows names. Each other thread is an Actor that runs the calls it is given in order, so a
// test can leave an actor blocked inside an acquire, wait until the resource reports the waiter
// queued, and then act. Nothing waits on time: the waiter counts and Done() sequence every step.
#include "lockimpls/eresource.h"

#include <sched.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lockimpls/ex_resource_api.h"
#include "lockimpls/internal/hang_watchdog.h"

namespace lockbench {
namespace {

using internal::HangWatchdog;

// A thread that runs posted calls one after another.
class Actor {
 public:
  Actor() : thread_([this] { Loop(); }) {}
  ~Actor() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // Queues f; returns at once, so f may block in the actor.
  void Post(std::function<void()> f) {
    {
      std::lock_guard<std::mutex> l(mu_);
      queue_.push_back(std::move(f));
      ++posted_;
    }
    cv_.notify_all();
  }

  // Whether everything posted so far has finished.
  bool Done() {
    std::lock_guard<std::mutex> l(mu_);
    return finished_ == posted_;
  }

  void Sync() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return finished_ == posted_; });
  }

  // Runs f in the actor and returns its result.
  template <class F>
  auto Call(F f) -> decltype(f()) {
    using R = decltype(f());
    if constexpr (std::is_void_v<R>) {
      Post(std::move(f));
      Sync();
    } else {
      R result{};
      Post([&result, f] { result = f(); });
      Sync();
      return result;
    }
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> f;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        f = std::move(queue_.front());
        queue_.pop_front();
      }
      f();
      {
        std::lock_guard<std::mutex> l(mu_);
        ++finished_;
      }
      cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::uint64_t posted_ = 0;
  std::uint64_t finished_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

// Polls a condition another thread will make true; the watchdog bounds it.
template <class Pred>
void WaitUntil(Pred pred) {
  while (!pred()) std::this_thread::yield();
}

class EResourceTest : public ::testing::Test {
 protected:
  ~EResourceTest() override = default;

  void WaitForExclusiveWaiters(ULONG n) {
    WaitUntil([&] { return ExGetExclusiveWaiterCount(&r_) == n; });
  }
  void WaitForSharedWaiters(ULONG n) {
    WaitUntil([&] { return ExGetSharedWaiterCount(&r_) == n; });
  }
  bool OwnedExclusiveFlag() const { return (r_.Flag() & EResource::kOwnedExclusive) != 0; }

  HangWatchdog watchdog_{::testing::UnitTest::GetInstance()->current_test_info()->name()};
  ERESOURCE r_;
};

// Rule: ERESOURCE > State: an ERESOURCE takes 104 bytes (Push lock > Documented claims, claim
// 7); initialize and delete return STATUS_SUCCESS (Convert, queries, setup and misuse).
TEST_F(EResourceTest, InitializeAndDeleteReturnSuccess) {
  EXPECT_EQ(ExInitializeResourceLite(&r_), STATUS_SUCCESS);
  EXPECT_EQ(r_.ActiveCount(), 0u);
  EXPECT_EQ(r_.Flag(), 0u);
  EXPECT_EQ(ExGetResourceContentionCount(&r_), 0u);
  ExDisableResourceBoostLite(&r_);
  EXPECT_EQ(r_.Flag(), EResource::kHasDisabledPriorityBoost);
  EXPECT_EQ(ExDeleteResourceLite(&r_), STATUS_SUCCESS);
  EXPECT_EQ(sizeof(ERESOURCE), 104u);
}

// Rule: ERESOURCE > Exclusive acquire: granted when unowned, and again (count + 1) to the exclusive
// owner even with Wait = FALSE; the hold ends at count 0.
TEST_F(EResourceTest, ExclusiveIsGrantedWhenUnownedAndCountsRecursion) {
  Actor other;
  EXPECT_TRUE(ExAcquireResourceExclusiveLite(&r_, true));
  EXPECT_TRUE(ExIsResourceAcquiredExclusiveLite(&r_));
  EXPECT_EQ(ExIsResourceAcquiredSharedLite(&r_), 1u);
  EXPECT_TRUE(OwnedExclusiveFlag());

  // exclusive -> exclusive, even with Wait = FALSE: the owner never waits for itself.
  EXPECT_TRUE(ExAcquireResourceExclusiveLite(&r_, false));
  EXPECT_EQ(ExIsResourceAcquiredSharedLite(&r_), 2u);
  // exclusive -> shared is counted and the hold stays exclusive.
  EXPECT_TRUE(ExAcquireResourceSharedLite(&r_, false));
  EXPECT_EQ(ExIsResourceAcquiredSharedLite(&r_), 3u);
  EXPECT_TRUE(ExIsResourceAcquiredExclusiveLite(&r_));
  EXPECT_EQ(r_.ActiveCount(), 1u);

  EXPECT_FALSE(other.Call([&] { return ExIsResourceAcquiredExclusiveLite(&r_); }));
  EXPECT_EQ(other.Call([&] { return ExIsResourceAcquiredSharedLite(&r_); }), 0u);
  EXPECT_FALSE(other.Call([&] { return ExTryToAcquireResourceExclusiveLite(&r_); }));
  EXPECT_FALSE(other.Call([&] { return ExAcquireResourceSharedLite(&r_, false); }));

  ExReleaseResourceLite(&r_);
  ExReleaseResourceLite(&r_);
  EXPECT_TRUE(ExIsResourceAcquiredExclusiveLite(&r_));
  EXPECT_FALSE(other.Call([&] { return ExTryToAcquireResourceExclusiveLite(&r_); }));
  ExReleaseResourceLite(&r_);
  EXPECT_FALSE(ExIsResourceAcquiredExclusiveLite(&r_));
  EXPECT_EQ(r_.ActiveCount(), 0u);
  EXPECT_EQ(r_.Flag(), 0u);

  EXPECT_TRUE(other.Call([&] { return ExTryToAcquireResourceExclusiveLite(&r_); }));
  other.Call([&] { ExReleaseResourceLite(&r_); });
}

// Rule: ERESOURCE > Shared acquire: no upgrade: Wait = FALSE refuses a shared owner's
// exclusive acquire; shared acquires are granted while no writer waits.
TEST_F(EResourceTest, SharedIsGrantedWhenUnownedOrHeldSharedWithoutExclusiveWaiters) {
  Actor other;
  EXPECT_TRUE(ExAcquireResourceSharedLite(&r_, false));
  EXPECT_EQ(ExIsResourceAcquiredSharedLite(&r_), 1u);
  EXPECT_FALSE(ExIsResourceAcquiredExclusiveLite(&r_));
  // shared -> shared is counted.
  EXPECT_TRUE(ExAcquireResourceSharedLite(&r_, true));
  EXPECT_EQ(ExIsResourceAcquiredSharedLite(&r_), 2u);

  EXPECT_TRUE(other.Call([&] { return ExAcquireResourceSharedLite(&r_, false); }));
  EXPECT_EQ(other.Call([&] { return ExIsResourceAcquiredSharedLite(&r_); }), 1u);
  EXPECT_EQ(r_.ActiveCount(), 2u);
  EXPECT_FALSE(OwnedExclusiveFlag());

  // There is no upgrade: a shared owner asking for exclusive would wait for itself.
  EXPECT_FALSE(ExAcquireResourceExclusiveLite(&r_, false));
  EXPECT_FALSE(ExTryToAcquireResourceExclusiveLite(&r_));
  EXPECT_EQ(ExIsResourceAcquiredSharedLite(&r_), 2u);

  other.Call([&] { ExReleaseResourceLite(&r_); });
  ExReleaseResourceLite(&r_);
  ExReleaseResourceLite(&r_);
  EXPECT_EQ(r_.ActiveCount(), 0u);
  EXPECT_EQ(ExGetResourceContentionCount(&r_), 0u);
}

// Rule: ERESOURCE > Shared acquire: a shared owner is granted again past an exclusive waiter; a new
// reader waits behind it.
TEST_F(EResourceTest, SharedOwnerIsGrantedAgainPastAnExclusiveWaiterButNewReadersWait) {
  Actor writer, reader;
  ASSERT_TRUE(ExAcquireResourceSharedLite(&r_, true));
  writer.Post([&] { ExAcquireResourceExclusiveLite(&r_, true); });
  WaitForExclusiveWaiters(1);

  EXPECT_FALSE(reader.Call([&] { return ExAcquireResourceSharedLite(&r_, false); }));
  EXPECT_TRUE(ExAcquireResourceSharedLite(&r_, false));
  EXPECT_TRUE(ExAcquireResourceSharedLite(&r_, true));
  EXPECT_EQ(ExIsResourceAcquiredSharedLite(&r_), 3u);

  reader.Post([&] { ExAcquireResourceSharedLite(&r_, true); });
  WaitForSharedWaiters(1);

  ExReleaseResourceLite(&r_);
  ExReleaseResourceLite(&r_);
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 1u);
  ExReleaseResourceLite(&r_);  // the last shared release hands the resource to the writer
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 0u);
  EXPECT_EQ(ExGetSharedWaiterCount(&r_), 1u);
  writer.Sync();
  EXPECT_TRUE(writer.Call([&] { return ExIsResourceAcquiredExclusiveLite(&r_); }));
  EXPECT_EQ(ExGetSharedWaiterCount(&r_), 1u);

  writer.Call([&] { ExReleaseResourceLite(&r_); });
  reader.Sync();
  EXPECT_EQ(reader.Call([&] { return ExIsResourceAcquiredSharedLite(&r_); }), 1u);
  reader.Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(r_.ActiveCount(), 0u);
}

// Rule: ERESOURCE > Shared acquire: ExAcquireSharedStarveExclusive joins shared owners past a
// queued writer, but waits while another thread owns the resource exclusive.
TEST_F(EResourceTest, StarveExclusiveIgnoresExclusiveWaiters) {
  Actor writer, starver;
  ASSERT_TRUE(ExAcquireResourceSharedLite(&r_, true));
  writer.Post([&] { ExAcquireResourceExclusiveLite(&r_, true); });
  WaitForExclusiveWaiters(1);

  // A plain shared request by a newcomer would wait; StarveExclusive goes past the writer.
  EXPECT_FALSE(starver.Call([&] { return ExAcquireResourceSharedLite(&r_, false); }));
  EXPECT_TRUE(starver.Call([&] { return ExAcquireSharedStarveExclusive(&r_, false); }));
  EXPECT_TRUE(starver.Call([&] { return ExAcquireSharedStarveExclusive(&r_, true); }));
  EXPECT_EQ(starver.Call([&] { return ExIsResourceAcquiredSharedLite(&r_); }), 2u);
  EXPECT_EQ(r_.ActiveCount(), 2u);
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 1u);

  starver.Call([&] {
    ExReleaseResourceLite(&r_);
    ExReleaseResourceLite(&r_);
  });
  ExReleaseResourceLite(&r_);
  writer.Sync();
  // StarveExclusive still waits for an exclusive owner.
  EXPECT_FALSE(starver.Call([&] { return ExAcquireSharedStarveExclusive(&r_, false); }));
  writer.Call([&] { ExReleaseResourceLite(&r_); });
}

// Rule: ERESOURCE > Shared acquire: ExAcquireSharedWaitForExclusive queues behind any exclusive
// waiter, even for a shared owner (shown by the Wait = FALSE refusal).
TEST_F(EResourceTest, WaitForExclusiveQueuesBehindExclusiveWaitersEvenForAnOwner) {
  Actor writer, polite;
  // Without exclusive waiters it is an ordinary shared acquire.
  ASSERT_TRUE(ExAcquireSharedWaitForExclusive(&r_, false));
  writer.Post([&] { ExAcquireResourceExclusiveLite(&r_, true); });
  WaitForExclusiveWaiters(1);

  // The caller already holds it shared, yet would wait behind the writer (a deadlock with
  // Wait = TRUE); the plain call by the same owner is granted.
  EXPECT_FALSE(ExAcquireSharedWaitForExclusive(&r_, false));
  EXPECT_EQ(ExIsResourceAcquiredSharedLite(&r_), 1u);
  EXPECT_TRUE(ExAcquireResourceSharedLite(&r_, false));
  EXPECT_EQ(ExIsResourceAcquiredSharedLite(&r_), 2u);

  polite.Post([&] { ExAcquireSharedWaitForExclusive(&r_, true); });
  WaitForSharedWaiters(1);
  ExReleaseResourceLite(&r_);
  ExReleaseResourceLite(&r_);
  writer.Sync();
  EXPECT_EQ(ExGetSharedWaiterCount(&r_), 1u);  // still behind the writer, now the owner
  writer.Call([&] { ExReleaseResourceLite(&r_); });
  polite.Sync();
  EXPECT_EQ(polite.Call([&] { return ExIsResourceAcquiredSharedLite(&r_); }), 1u);
  polite.Call([&] { ExReleaseResourceLite(&r_); });
}

// Rule: ERESOURCE > Shared acquire: shared acquires wait while another thread owns exclusive; every
// Wait = FALSE refusal changes nothing (see Wait = FALSE).
TEST_F(EResourceTest, WaitFalseChangesNothing) {
  Actor writer, other;
  ASSERT_TRUE(ExAcquireResourceSharedLite(&r_, true));
  writer.Post([&] { ExAcquireResourceExclusiveLite(&r_, true); });
  WaitForExclusiveWaiters(1);

  struct Snapshot {
    ULONG active, flag, shared_waiters, exclusive_waiters, contention, capacity, mine, theirs;
    bool operator==(const Snapshot&) const = default;
  };
  auto snap = [&] {
    return Snapshot{r_.ActiveCount(),
                    r_.Flag(),
                    ExGetSharedWaiterCount(&r_),
                    ExGetExclusiveWaiterCount(&r_),
                    ExGetResourceContentionCount(&r_),
                    r_.OwnerTableCapacity(),
                    ExIsResourceAcquiredSharedLite(&r_),
                    other.Call([&] { return ExIsResourceAcquiredSharedLite(&r_); })};
  };
  const Snapshot before = snap();
  EXPECT_FALSE(other.Call([&] { return ExAcquireResourceSharedLite(&r_, false); }));
  EXPECT_FALSE(other.Call([&] { return ExAcquireSharedWaitForExclusive(&r_, false); }));
  EXPECT_FALSE(other.Call([&] { return ExAcquireResourceExclusiveLite(&r_, false); }));
  EXPECT_FALSE(other.Call([&] { return ExTryToAcquireResourceExclusiveLite(&r_); }));
  EXPECT_FALSE(ExAcquireSharedWaitForExclusive(&r_, false));
  EXPECT_FALSE(ExTryToAcquireResourceExclusiveLite(&r_));
  EXPECT_TRUE(snap() == before);

  ExReleaseResourceLite(&r_);
  writer.Sync();
  const Snapshot owned = snap();
  EXPECT_FALSE(other.Call([&] { return ExAcquireSharedStarveExclusive(&r_, false); }));
  EXPECT_FALSE(other.Call([&] { return ExAcquireResourceSharedLite(&r_, false); }));
  EXPECT_FALSE(other.Call([&] { return ExTryToAcquireResourceExclusiveLite(&r_); }));
  EXPECT_TRUE(snap() == owned);
  writer.Call([&] { ExReleaseResourceLite(&r_); });
}

// Rule: ERESOURCE > Release and hand-off: the last exclusive release grants every queued shared
// waiter at once, wherever it stands, before any of them runs.
TEST_F(EResourceTest, FinalExclusiveReleaseGrantsAllSharedWaitersAtOnce) {
  Actor readers[3];
  Actor writer;
  ASSERT_TRUE(ExAcquireResourceExclusiveLite(&r_, true));
  for (Actor& a : readers) a.Post([&] { ExAcquireResourceSharedLite(&r_, true); });
  WaitForSharedWaiters(3);
  writer.Post([&] { ExAcquireResourceExclusiveLite(&r_, true); });
  WaitForExclusiveWaiters(1);

  ExReleaseResourceLite(&r_);
  // One release made all three readers owners before any of them ran; the writer still waits.
  EXPECT_EQ(ExGetSharedWaiterCount(&r_), 0u);
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 1u);
  EXPECT_EQ(r_.ActiveCount(), 3u);
  EXPECT_FALSE(OwnedExclusiveFlag());
  for (Actor& a : readers) a.Sync();
  for (Actor& a : readers) {
    EXPECT_EQ(a.Call([&] { return ExIsResourceAcquiredSharedLite(&r_); }), 1u);
  }
  // A newcomer reader may not pass the queued writer.
  EXPECT_FALSE(ExAcquireResourceSharedLite(&r_, false));

  readers[0].Call([&] { ExReleaseResourceLite(&r_); });
  readers[1].Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 1u);
  EXPECT_FALSE(writer.Done());
  readers[2].Call([&] { ExReleaseResourceLite(&r_); });
  writer.Sync();
  EXPECT_TRUE(writer.Call([&] { return ExIsResourceAcquiredExclusiveLite(&r_); }));
  writer.Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(ExGetResourceContentionCount(&r_), 4u);
}

// Rule: ERESOURCE > Release and hand-off: with no shared waiter, the release grants exactly one
// exclusive waiter, and the releaser cannot take it back.
TEST_F(EResourceTest, ExclusiveReleaseHandsOwnershipToExactlyOneExclusiveWaiter) {
  Actor writers[2];
  ASSERT_TRUE(ExAcquireResourceExclusiveLite(&r_, true));
  for (Actor& w : writers) w.Post([&] { ExAcquireResourceExclusiveLite(&r_, true); });
  WaitForExclusiveWaiters(2);

  ExReleaseResourceLite(&r_);
  // Ownership left with the release, before the woken writer ran: the releaser cannot take it
  // back, in either mode, even though nobody has run inside yet.
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 1u);
  EXPECT_EQ(r_.ActiveCount(), 1u);
  EXPECT_TRUE(OwnedExclusiveFlag());
  EXPECT_FALSE(ExTryToAcquireResourceExclusiveLite(&r_));
  EXPECT_FALSE(ExAcquireResourceSharedLite(&r_, false));
  EXPECT_FALSE(ExAcquireSharedStarveExclusive(&r_, false));
  EXPECT_FALSE(ExIsResourceAcquiredExclusiveLite(&r_));

  WaitUntil([&] { return writers[0].Done() || writers[1].Done(); });
  const int first = writers[0].Done() ? 0 : 1;
  Actor& owner = writers[first];
  Actor& waiting = writers[1 - first];
  EXPECT_TRUE(owner.Call([&] { return ExIsResourceAcquiredExclusiveLite(&r_); }));
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 1u);
  EXPECT_FALSE(waiting.Done());

  owner.Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 0u);
  EXPECT_FALSE(owner.Call([&] { return ExTryToAcquireResourceExclusiveLite(&r_); }));
  waiting.Sync();
  EXPECT_TRUE(waiting.Call([&] { return ExIsResourceAcquiredExclusiveLite(&r_); }));
  waiting.Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(r_.ActiveCount(), 0u);
}

// Rule: ERESOURCE > Release and hand-off: the last shared release grants one exclusive waiter; the
// releaser asking again queues behind.
TEST_F(EResourceTest, LastSharedReleaseHandsOffToOneExclusiveWaiter) {
  Actor co_reader;
  Actor writers[2];
  ASSERT_TRUE(ExAcquireResourceSharedLite(&r_, true));
  ASSERT_TRUE(co_reader.Call([&] { return ExAcquireResourceSharedLite(&r_, true); }));
  for (Actor& w : writers) w.Post([&] { ExAcquireResourceExclusiveLite(&r_, true); });
  WaitForExclusiveWaiters(2);

  co_reader.Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 2u);  // not the last shared owner yet
  ExReleaseResourceLite(&r_);
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 1u);
  EXPECT_TRUE(OwnedExclusiveFlag());
  EXPECT_FALSE(ExAcquireResourceSharedLite(&r_, false));
  EXPECT_FALSE(ExTryToAcquireResourceExclusiveLite(&r_));

  WaitUntil([&] { return writers[0].Done() || writers[1].Done(); });
  const int first = writers[0].Done() ? 0 : 1;
  EXPECT_FALSE(writers[1 - first].Done());
  writers[first].Call([&] { ExReleaseResourceLite(&r_); });
  writers[1 - first].Sync();
  writers[1 - first].Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(r_.ActiveCount(), 0u);
}

// Rule: ERESOURCE > Shared acquire: a new reader waits while a writer is queued, so writers and
// reader batches alternate.
TEST_F(EResourceTest, WritersAndReaderBatchesAlternate) {
  Actor early[2];
  Actor writer, late;
  ASSERT_TRUE(ExAcquireResourceExclusiveLite(&r_, true));
  for (Actor& a : early) a.Post([&] { ExAcquireResourceSharedLite(&r_, true); });
  WaitForSharedWaiters(2);
  writer.Post([&] { ExAcquireResourceExclusiveLite(&r_, true); });
  WaitForExclusiveWaiters(1);

  ExReleaseResourceLite(&r_);  // writer -> the reader batch
  for (Actor& a : early) a.Sync();
  late.Post([&] { ExAcquireResourceSharedLite(&r_, true); });
  WaitForSharedWaiters(1);  // the late reader waits behind the writer

  early[0].Call([&] { ExReleaseResourceLite(&r_); });
  early[1].Call([&] { ExReleaseResourceLite(&r_); });  // reader batch -> the writer
  writer.Sync();
  EXPECT_EQ(ExGetSharedWaiterCount(&r_), 1u);
  EXPECT_FALSE(late.Done());
  writer.Call([&] { ExReleaseResourceLite(&r_); });  // writer -> the next reader batch
  late.Sync();
  EXPECT_EQ(late.Call([&] { return ExIsResourceAcquiredSharedLite(&r_); }), 1u);
  late.Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(r_.ActiveCount(), 0u);
}

// The grant order tests below make every request the way a thread in a loop does: blocking,
// straight after its own release. Who owned the resource, in order, goes in an OwnerLog.
//
// Whether a releaser could take back what it granted depends on whether it asks again before the
// woken waiter runs. To make that certain rather than likely, the releaser and the waiters share
// one CPU and the waiters run at SCHED_IDLE: a woken waiter cannot preempt the releaser, so it
// runs only once the releaser blocks. The test's own thread moves to another CPU, where there is
// one, so its polling does not compete with them.
class OneCpuScenario {
 public:
  OneCpuScenario() {
    sched_getaffinity(0, sizeof saved_, &saved_);
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (!CPU_ISSET(c, &saved_)) continue;
      if (cpu_ < 0) {
        cpu_ = c;
      } else {
        cpu_set_t other;
        CPU_ZERO(&other);
        CPU_SET(c, &other);
        sched_setaffinity(0, sizeof other, &other);
        break;
      }
    }
  }
  ~OneCpuScenario() { sched_setaffinity(0, sizeof saved_, &saved_); }

  // Called in an actor: it runs on the scenario's CPU, at SCHED_IDLE when `waiter`.
  void Join(bool waiter) const {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu_, &one);
    EXPECT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
    if (waiter) {
      const sched_param param{};
      EXPECT_EQ(sched_setscheduler(0, SCHED_IDLE, &param), 0);
    }
  }

 private:
  cpu_set_t saved_;
  int cpu_ = -1;
};

class OwnerLog {
 public:
  void Add(char who) {
    std::lock_guard<std::mutex> l(mu_);
    order_.push_back(who);
  }
  std::string Order() {
    std::lock_guard<std::mutex> l(mu_);
    return order_;
  }

 private:
  std::mutex mu_;
  std::string order_;
};

// Rule: ERESOURCE > Release and hand-off: a releaser that asks again after a grant is judged like
// any newcomer and queues behind the waiting writer.
TEST_F(EResourceTest, ReleaserAskingAgainQueuesBehindTheWaitingWriter) {
  const OneCpuScenario cpu;
  Actor releaser, writer;
  OwnerLog log;
  releaser.Call([&] { cpu.Join(false); });
  writer.Call([&] { cpu.Join(true); });
  ASSERT_TRUE(releaser.Call([&] { return ExAcquireResourceExclusiveLite(&r_, true); }));
  writer.Post([&] {
    ExAcquireResourceExclusiveLite(&r_, true);
    log.Add('W');
  });
  WaitForExclusiveWaiters(1);

  releaser.Post([&] {
    ExReleaseResourceLite(&r_);
    ExAcquireResourceExclusiveLite(&r_, true);
    log.Add('R');
  });
  // The release made the writer the owner: the releaser's new request queues behind it.
  WaitUntil([&] { return writer.Done() || releaser.Done(); });
  EXPECT_EQ(log.Order(), "W") << "the releaser took the resource back past the queued writer";
  WaitForExclusiveWaiters(1);
  EXPECT_FALSE(releaser.Done());

  Actor& first = writer.Done() ? writer : releaser;
  Actor& second = writer.Done() ? releaser : writer;
  first.Call([&] { ExReleaseResourceLite(&r_); });
  second.Sync();
  second.Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(log.Order(), "WR");
  EXPECT_EQ(r_.ActiveCount(), 0u);
}

// Rule: ERESOURCE > State: waiters queue at the tail of the one FIFO wait list, so exclusive
// waiters are granted in arrival order.
TEST_F(EResourceTest, QueuedWritersAreGrantedInArrivalOrder) {
  const OneCpuScenario cpu;
  Actor holder;
  Actor writers[3];
  OwnerLog log;
  holder.Call([&] { cpu.Join(false); });
  for (Actor& w : writers) w.Call([&] { cpu.Join(true); });
  ASSERT_TRUE(holder.Call([&] { return ExAcquireResourceExclusiveLite(&r_, true); }));
  for (ULONG i = 0; i < 3; ++i) {
    writers[i].Post([&, i] {
      ExAcquireResourceExclusiveLite(&r_, true);
      log.Add(static_cast<char>('1' + i));
      ExReleaseResourceLite(&r_);
    });
    WaitForExclusiveWaiters(i + 1);  // writer i is queued before writer i + 1 asks
  }
  holder.Post([&] {
    ExReleaseResourceLite(&r_);
    ExAcquireResourceExclusiveLite(&r_, true);
    log.Add('H');
    ExReleaseResourceLite(&r_);
  });
  holder.Sync();
  for (Actor& w : writers) w.Sync();
  EXPECT_EQ(log.Order(), "123H");
  EXPECT_EQ(r_.ActiveCount(), 0u);
  EXPECT_EQ(ExGetResourceContentionCount(&r_), 4u);
}

// Rule: ERESOURCE > Release and hand-off: the last shared release grants the oldest queued
// exclusive waiter, and only it.
TEST_F(EResourceTest, LastSharedReleaseGrantsTheOldestExclusiveWaiter) {
  const OneCpuScenario cpu;
  Actor reader;
  Actor writers[3];
  OwnerLog log;
  reader.Call([&] { cpu.Join(false); });
  for (Actor& w : writers) w.Call([&] { cpu.Join(true); });
  ASSERT_TRUE(reader.Call([&] { return ExAcquireResourceSharedLite(&r_, true); }));
  for (ULONG i = 0; i < 3; ++i) {
    writers[i].Post([&, i] {
      ExAcquireResourceExclusiveLite(&r_, true);
      log.Add(static_cast<char>('1' + i));
      ExReleaseResourceLite(&r_);
    });
    WaitForExclusiveWaiters(i + 1);
  }
  // The reader releases and asks again at once. The oldest writer owns it first; the reader, now
  // a queued shared waiter, comes next (a final exclusive release grants readers first), then
  // the other writers in their order.
  reader.Post([&] {
    ExReleaseResourceLite(&r_);
    ExAcquireResourceSharedLite(&r_, true);
    log.Add('R');
    ExReleaseResourceLite(&r_);
  });
  reader.Sync();
  for (Actor& w : writers) w.Sync();
  EXPECT_EQ(log.Order(), "1R23");
  EXPECT_EQ(r_.ActiveCount(), 0u);
}

// Rule: ERESOURCE > Release and hand-off: a reader asking after a grant neither takes a granted
// place nor passes a queued writer.
TEST_F(EResourceTest, LateReaderNeitherTakesAGrantedPlaceNorPassesAQueuedWriter) {
  const OneCpuScenario cpu;
  Actor holder, queued_writer;
  Actor readers[2];
  OwnerLog log;
  holder.Call([&] { cpu.Join(false); });
  queued_writer.Call([&] { cpu.Join(true); });
  for (Actor& a : readers) a.Call([&] { cpu.Join(true); });
  ASSERT_TRUE(holder.Call([&] { return ExAcquireResourceExclusiveLite(&r_, true); }));
  for (Actor& a : readers) {
    a.Post([&] {
      ExAcquireResourceSharedLite(&r_, true);
      log.Add('r');
    });
  }
  WaitForSharedWaiters(2);
  queued_writer.Post([&] {
    ExAcquireResourceExclusiveLite(&r_, true);
    log.Add('W');
  });
  WaitForExclusiveWaiters(1);

  // The release grants both queued readers; the late reader asks before they have run.
  holder.Post([&] {
    ExReleaseResourceLite(&r_);
    ExAcquireResourceSharedLite(&r_, true);
    log.Add('L');
  });
  WaitUntil([&] { return log.Order().size() >= 2; });
  ASSERT_EQ(log.Order(), "rr") << "the late reader took a place granted to a queued reader";
  for (Actor& a : readers) a.Sync();
  WaitForSharedWaiters(1);  // the late reader waits behind the queued writer
  EXPECT_EQ(r_.ActiveCount(), 2u);
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 1u);

  for (Actor& a : readers) a.Call([&] { ExReleaseResourceLite(&r_); });
  queued_writer.Sync();
  EXPECT_EQ(log.Order(), "rrW");
  EXPECT_FALSE(holder.Done());
  queued_writer.Call([&] { ExReleaseResourceLite(&r_); });
  holder.Sync();
  EXPECT_EQ(log.Order(), "rrWL");
  holder.Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(r_.ActiveCount(), 0u);
}

// Rule: ERESOURCE > Convert, queries, setup and misuse: the convert keeps the caller's count, now
// shared, and grants every queued shared waiter; exclusive waiters keep waiting.
TEST_F(EResourceTest, ConvertExclusiveToSharedKeepsTheCallerAndAdmitsSharedWaiters) {
  Actor readers[2];
  Actor writer;
  ASSERT_TRUE(ExAcquireResourceExclusiveLite(&r_, true));
  ASSERT_TRUE(ExAcquireResourceExclusiveLite(&r_, true));
  for (Actor& a : readers) a.Post([&] { ExAcquireResourceSharedLite(&r_, true); });
  WaitForSharedWaiters(2);
  writer.Post([&] { ExAcquireResourceExclusiveLite(&r_, true); });
  WaitForExclusiveWaiters(1);

  ExConvertExclusiveToSharedLite(&r_);
  EXPECT_FALSE(ExIsResourceAcquiredExclusiveLite(&r_));
  EXPECT_EQ(ExIsResourceAcquiredSharedLite(&r_), 2u);  // the recursion count carries over
  EXPECT_EQ(ExGetSharedWaiterCount(&r_), 0u);
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 1u);
  EXPECT_EQ(r_.ActiveCount(), 3u);
  EXPECT_FALSE(OwnedExclusiveFlag());
  for (Actor& a : readers) a.Sync();

  for (Actor& a : readers) a.Call([&] { ExReleaseResourceLite(&r_); });
  ExReleaseResourceLite(&r_);
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 1u);
  ExReleaseResourceLite(&r_);
  writer.Sync();
  writer.Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(r_.ActiveCount(), 0u);
}

// Rule: ERESOURCE > State: a thread that must wait counts itself in its waiter count and in
// ContentionCount; refusals and immediate grants do not count.
TEST_F(EResourceTest, ContentionCountCountsOnlyAcquiresThatWaited) {
  Actor a, b;
  EXPECT_EQ(ExGetResourceContentionCount(&r_), 0u);
  ASSERT_TRUE(ExAcquireResourceExclusiveLite(&r_, true));
  ASSERT_TRUE(ExAcquireResourceSharedLite(&r_, true));
  EXPECT_FALSE(a.Call([&] { return ExAcquireResourceSharedLite(&r_, false); }));
  EXPECT_EQ(ExGetResourceContentionCount(&r_), 0u);

  a.Post([&] { ExAcquireResourceExclusiveLite(&r_, true); });
  WaitForExclusiveWaiters(1);
  EXPECT_EQ(ExGetResourceContentionCount(&r_), 1u);
  b.Post([&] { ExAcquireResourceSharedLite(&r_, true); });
  WaitForSharedWaiters(1);
  EXPECT_EQ(ExGetResourceContentionCount(&r_), 2u);

  ExReleaseResourceLite(&r_);
  ExReleaseResourceLite(&r_);  // shared waiters first after a writer
  b.Sync();
  b.Call([&] { ExReleaseResourceLite(&r_); });
  a.Sync();
  a.Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(ExGetResourceContentionCount(&r_), 2u);
}

// Rule: ERESOURCE > State: the shared-owner table has three inline entries, doubles on the heap
// when full, and shrinks back on delete.
TEST_F(EResourceTest, OwnerTableGrowsPastTheInlineEntries) {
  constexpr int kOwners = 2 * EResource::kInlineSharedEntries + 1;
  std::vector<std::unique_ptr<Actor>> owners;
  EXPECT_EQ(r_.OwnerTableCapacity(), static_cast<ULONG>(EResource::kInlineSharedEntries));
  for (int i = 0; i < kOwners; ++i) {
    owners.push_back(std::make_unique<Actor>());
    EXPECT_TRUE(owners.back()->Call([&] { return ExAcquireResourceSharedLite(&r_, false); }));
  }
  EXPECT_EQ(r_.ActiveCount(), static_cast<ULONG>(kOwners));
  EXPECT_GE(r_.OwnerTableCapacity(), static_cast<ULONG>(kOwners));
  for (auto& o : owners) {
    EXPECT_EQ(o->Call([&] { return ExIsResourceAcquiredSharedLite(&r_); }), 1u);
  }
  for (auto& o : owners) o->Call([&] { ExReleaseResourceLite(&r_); });
  EXPECT_EQ(r_.ActiveCount(), 0u);
  EXPECT_EQ(ExDeleteResourceLite(&r_), STATUS_SUCCESS);
  EXPECT_EQ(r_.OwnerTableCapacity(), static_cast<ULONG>(EResource::kInlineSharedEntries));
}

// Rule: ERESOURCE > Shared acquire: lock_shared by the exclusive owner counts and the hold stays
// exclusive; the bench calls are the Lite calls (see Wait = FALSE).
TEST_F(EResourceTest, BenchLockCallsAreTheLiteCalls) {
  Actor other;
  r_.lock();
  EXPECT_TRUE(ExIsResourceAcquiredExclusiveLite(&r_));
  r_.lock_shared();  // exclusive -> shared recursion
  EXPECT_EQ(ExIsResourceAcquiredSharedLite(&r_), 2u);
  EXPECT_FALSE(other.Call([&] { return r_.try_lock_shared(); }));
  r_.unlock_shared();
  r_.unlock();
  EXPECT_TRUE(other.Call([&] { return r_.try_lock_shared(); }));
  EXPECT_FALSE(r_.try_lock());
  EXPECT_TRUE(r_.try_lock_shared());
  r_.unlock_shared();
  other.Call([&] { r_.unlock_shared(); });
  EXPECT_EQ(r_.ActiveCount(), 0u);
}

// Rule: ERESOURCE > Release and hand-off: holders never overlap with a writer, and every query
// matches what the caller holds, under all calls mixed.
TEST_F(EResourceTest, MixedCallsUnderStressKeepExclusionAndCounts) {
  // Every Lite call, recursion and convert at once, from more threads than cores, so waits, hand-
  // offs and stolen grants all happen. Each thread checks the queries against what it holds.
  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 100000;
  std::atomic<int> writers{0}, readers{0}, violations{0}, wrong_counts{0};
  constexpr auto kRelaxed = std::memory_order_relaxed;
  auto inside_shared = [&] {
    readers.fetch_add(1, kRelaxed);
    if (writers.load(kRelaxed) != 0) violations.fetch_add(1, kRelaxed);
    readers.fetch_sub(1, kRelaxed);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::minstd_rand rng(t + 7);
      for (int i = 0; i < kOpsPerThread; ++i) {
        switch (rng() % 5) {
          case 0: {  // exclusive, re-entered exclusive and shared, then converted
            ExAcquireResourceExclusiveLite(&r_, true);
            if (writers.fetch_add(1, kRelaxed) != 0 || readers.load(kRelaxed) != 0) {
              violations.fetch_add(1, kRelaxed);
            }
            ExAcquireResourceExclusiveLite(&r_, true);
            ExAcquireResourceSharedLite(&r_, true);
            if (!ExIsResourceAcquiredExclusiveLite(&r_) ||
                ExIsResourceAcquiredSharedLite(&r_) != 3) {
              wrong_counts.fetch_add(1, kRelaxed);
            }
            ExReleaseResourceLite(&r_);
            ExReleaseResourceLite(&r_);
            writers.fetch_sub(1, kRelaxed);
            if (rng() % 2 == 0) {
              ExConvertExclusiveToSharedLite(&r_);
              if (ExIsResourceAcquiredExclusiveLite(&r_)) wrong_counts.fetch_add(1, kRelaxed);
              inside_shared();
            }
            ExReleaseResourceLite(&r_);
            break;
          }
          case 1:  // shared, re-entered
            ExAcquireResourceSharedLite(&r_, true);
            ExAcquireResourceSharedLite(&r_, true);
            if (ExIsResourceAcquiredSharedLite(&r_) != 2) wrong_counts.fetch_add(1, kRelaxed);
            inside_shared();
            ExReleaseResourceLite(&r_);
            ExReleaseResourceLite(&r_);
            break;
          case 2:
            ExAcquireSharedStarveExclusive(&r_, true);
            inside_shared();
            ExReleaseResourceLite(&r_);
            break;
          case 3:
            ExAcquireSharedWaitForExclusive(&r_, true);
            inside_shared();
            ExReleaseResourceLite(&r_);
            break;
          default:
            if (ExTryToAcquireResourceExclusiveLite(&r_)) {
              if (writers.fetch_add(1, kRelaxed) != 0 || readers.load(kRelaxed) != 0) {
                violations.fetch_add(1, kRelaxed);
              }
              writers.fetch_sub(1, kRelaxed);
              ExReleaseResourceLite(&r_);
            }
        }
        if (ExIsResourceAcquiredSharedLite(&r_) != 0) wrong_counts.fetch_add(1, kRelaxed);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(wrong_counts.load(), 0);
  EXPECT_EQ(r_.ActiveCount(), 0u);
  EXPECT_EQ(ExGetSharedWaiterCount(&r_), 0u);
  EXPECT_EQ(ExGetExclusiveWaiterCount(&r_), 0u);
}

// Rule: ERESOURCE > Convert, queries, setup and misuse: a release by a thread that holds nothing
// aborts.
TEST(EResourceDeathTest, ReleaseByAThreadThatHoldsNothingAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ERESOURCE r;
        ExReleaseResourceLite(&r);
      },
      "does not hold");
}

// Rule: ERESOURCE > Convert, queries, setup and misuse: a release of another thread's exclusive
// hold aborts.
TEST(EResourceDeathTest, ReleaseOfAnotherThreadsExclusiveHoldAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ERESOURCE r;
        ExAcquireResourceExclusiveLite(&r, true);
        std::thread([&] { ExReleaseResourceLite(&r); }).join();
      },
      "owned exclusive by another thread");
}

}  // namespace
}  // namespace lockbench
