// The real lock code of the wait-block word (push lock, SRWLOCK), the ERESOURCE, the executive
// spin lock, the gate mutex (fast and guarded mutex), the cache-aware push lock, the in-stack
// queued spin lock and CRITICAL_SECTION, run under deterministic schedules
// (internal/det_schedule.h): every interleaving of small scenarios within a preemption bound,
// thousands of random schedules of larger ones, and the planted bugs each check must catch.
// lockimpls/SEMANTICS.md, "Deterministic schedules", gives the counts.
//
// DET_SEEDS sets the random seeds per family (3000 by default) and DET_DEEP=1 raises every
// exhaustive family's preemption bound by one.
//
// To replay a failing schedule, set DET_REPLAY to the scenario name and path the failure
// printed, "name:path"; the scenario then runs that one schedule and reports it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/enum_names.h"
#include "lockimpls/cache_aware_push_lock.h"
#include "lockimpls/cache_aware_push_lock_impl.h"
#include "lockimpls/critical_section.h"
#include "lockimpls/critical_section_impl.h"
#include "lockimpls/eresource.h"
#include "lockimpls/ex_spin_lock.h"
#include "lockimpls/eresource_impl.h"
#include "lockimpls/internal/det_schedule.h"
#include "lockimpls/internal/gate_mutex.h"
#include "lockimpls/internal/gate_mutex_impl.h"
#include "lockimpls/internal/lock_observer.h"
#include "lockimpls/internal/scoped_lock_setting.h"
#include "lockimpls/internal/wait_block_word.h"
#include "lockimpls/internal/wait_block_word_impl.h"
#include "lockimpls/push_lock.h"
#include "lockimpls/queued_spin_lock.h"
#include "lockimpls/queued_spin_lock_impl.h"

namespace lockbench::internal::det {
namespace {

// What one thread asks of the lock, in order.
enum class Op {
  kExclusive,       // blocking exclusive acquire
  kShared,          // blocking shared acquire
  kTryExclusive,    // exclusive, Wait = FALSE
  kTryShared,       // shared, Wait = FALSE
  kRecursive,       // ERESOURCE: exclusive, then exclusive again, released twice; CRITICAL_SECTION:
                    // Enter, then Enter and TryEnter by the owner, left three times
  kConvert,         // ERESOURCE: exclusive, converted to shared, released
  kStarveExclusive, // ERESOURCE: ExAcquireSharedStarveExclusive
  kWaitForExclusive,// ERESOURCE: ExAcquireSharedWaitForExclusive
  // Cache-aware push lock: kShared and kTryShared run on processor 0 (slot 0); these on
  // processor 1 or 2, which is slot 1 or 2 of a 3-slot lock and slot 1 or 0 of a 2-slot one.
  kSharedCpu1,
  kSharedCpu2,
  kTrySharedCpu2,
};

using Plan = std::vector<std::vector<Op>>;  // per thread

// Who is inside the critical section, checked at every entry.
class Occupancy {
 public:
  void Enter(bool exclusive) {
    if (exclusive) {
      Check(readers_ == 0 && writers_ == 0, "exclusive grant while the lock is held (" +
                                                std::to_string(readers_) + " readers, " +
                                                std::to_string(writers_) + " writers inside)");
      ++writers_;
    } else {
      Check(writers_ == 0, "shared grant while a writer is inside");
      ++readers_;
    }
  }
  void Leave(bool exclusive) { exclusive ? --writers_ : --readers_; }

  // The section itself: a scheduling point, so others run while the lock is held.
  void Hold(bool exclusive) {
    Enter(exclusive);
    Step();
    Leave(exclusive);
  }

 private:
  int readers_ = 0;
  int writers_ = 0;
};

// The wait-block word as the push lock and SRWLOCK drive it (internal/wait_block_lock.h).
template <PlantedBug kBug>
class WordRun final : public Execution {
 public:
  explicit WordRun(Plan plan) : plan_(std::move(plan)) {}

  void Body(int thread) override {
    for (Op op : plan_[thread]) {
      switch (op) {
        case Op::kExclusive:
          if (!word_.TryLock()) word_.LockSlow(kSpins);
          held_.Hold(true);
          word_.Unlock();
          break;
        case Op::kShared:
          if (!word_.TryLockSharedFast()) word_.LockSharedSlow(kSpins);
          held_.Hold(false);
          word_.UnlockShared();
          break;
        case Op::kTryExclusive:
          if (word_.TryLock()) {
            held_.Hold(true);
            word_.UnlockEither();  // as FltReleasePushLock does
          }
          break;
        case Op::kTryShared:
          if (word_.TryLockShared()) {
            held_.Hold(false);
            word_.UnlockEither();
          }
          break;
        default:
          Check(false, "operation the word does not have");
      }
    }
  }

  void AtEnd() override {
    const std::uintptr_t word = word_.RawWord();
    Check(word == 0, "lock word not idle at the end: " + std::to_string(word));
  }

 private:
  // One poll of the wait block before sleeping, so both the spin and the sleep are explored.
  static constexpr std::uint32_t kSpins = 1;

  Plan plan_;
  Occupancy held_;
  BasicWaitBlockWord<DetAtoms<kBug>> word_;
};

template <PlantedBug kBug>
class ResourceRun final : public Execution {
 public:
  using Resource = BasicEResource<DetAtoms<kBug>>;
  using Mode = typename Resource::SharedMode;

  explicit ResourceRun(Plan plan) : plan_(std::move(plan)) {}

  void Body(int thread) override {
    for (Op op : plan_[thread]) {
      switch (op) {
        case Op::kExclusive:
          resource_.AcquireExclusive(true);
          held_.Hold(true);
          resource_.Release();
          break;
        case Op::kShared:
          Shared(Mode::kNormal);
          break;
        case Op::kStarveExclusive:
          Shared(Mode::kStarveExclusive);
          break;
        case Op::kWaitForExclusive:
          Shared(Mode::kWaitForExclusive);
          break;
        case Op::kTryExclusive:
          if (resource_.AcquireExclusive(false)) {
            held_.Hold(true);
            resource_.Release();
          }
          break;
        case Op::kTryShared:
          if (resource_.AcquireShared(false)) {
            held_.Hold(false);
            resource_.Release();
          }
          break;
        case Op::kRecursive:
          resource_.AcquireExclusive(true);
          held_.Enter(true);
          resource_.AcquireExclusive(true);
          Check(resource_.CallerAcquisitionCount() == 2, "recursive acquire not counted twice");
          Step();
          resource_.Release();
          Step();
          held_.Leave(true);
          resource_.Release();
          break;
        case Op::kConvert:
          resource_.AcquireExclusive(true);
          held_.Hold(true);
          resource_.ConvertExclusiveToShared();
          held_.Hold(false);
          resource_.Release();
          break;
        default:
          Check(false, "operation the ERESOURCE does not have");
      }
    }
  }

  void AtEnd() override {
    Check(resource_.ActiveCount() == 0 && resource_.SharedWaiterCount() == 0 &&
              resource_.ExclusiveWaiterCount() == 0,
          "resource not idle at the end: " + std::to_string(resource_.ActiveCount()) +
              " owners, " + std::to_string(resource_.SharedWaiterCount()) + " shared and " +
              std::to_string(resource_.ExclusiveWaiterCount()) + " exclusive waiters");
  }

 private:
  void Shared(Mode mode) {
    resource_.AcquireShared(true, mode);
    // A grant made twice, or lost, shows in the caller's own count.
    Check(resource_.CallerAcquisitionCount() == 1, "shared grant counted other than once");
    held_.Hold(false);
    resource_.Release();
  }

  Plan plan_;
  Occupancy held_;
  Resource resource_;
};

// The executive spin lock (ex_spin_lock.h). kConvert: shared, then the try-convert; a success
// holds exclusive and releases exclusive, a failure releases the share.
template <PlantedBug kBug>
class SpinRun final : public Execution {
 public:
  explicit SpinRun(Plan plan) : plan_(std::move(plan)) {}

  void Body(int thread) override {
    for (Op op : plan_[thread]) {
      switch (op) {
        case Op::kExclusive:
          lock_.lock();
          held_.Hold(true);
          lock_.unlock();
          break;
        case Op::kShared:
          lock_.lock_shared();
          held_.Hold(false);
          lock_.unlock_shared();
          break;
        case Op::kTryExclusive:
          if (lock_.try_lock()) {
            held_.Hold(true);
            lock_.unlock();
          }
          break;
        case Op::kTryShared:
          if (lock_.try_lock_shared()) {
            held_.Hold(false);
            lock_.unlock_shared();
          }
          break;
        case Op::kConvert:
          lock_.lock_shared();
          held_.Enter(false);
          Step();
          if (lock_.TryConvertSharedToExclusive()) {
            held_.Leave(false);
            held_.Hold(true);
            lock_.unlock();
          } else {
            held_.Leave(false);
            lock_.unlock_shared();
          }
          break;
        default:
          Check(false, "operation the spin lock does not have");
      }
    }
  }

  void AtEnd() override {
    const std::uint32_t word = lock_.RawWord();
    Check(word == 0, "lock word not idle at the end: " + std::to_string(word));
  }

 private:
  Plan plan_;
  Occupancy held_;
  BasicExSpinLock<DetAtoms<kBug>> lock_;
};

// The gate mutex behind the fast and guarded mutex (internal/gate_mutex.h): blocking acquires,
// which may sleep on the gate, and tries.
template <PlantedBug kBug>
class GateRun final : public Execution {
 public:
  explicit GateRun(Plan plan) : plan_(std::move(plan)) {
    for (const auto& ops : plan_) {
      for (Op op : ops) blocking_ += op == Op::kExclusive ? 1 : 0;
    }
  }

  void Body(int thread) override {
    for (Op op : plan_[thread]) {
      switch (op) {
        case Op::kExclusive:
          mutex_.lock();
          held_.Hold(true);
          mutex_.unlock();
          break;
        case Op::kTryExclusive:
          if (mutex_.try_lock()) {
            held_.Hold(true);
            mutex_.unlock();
          }
          break;
        default:
          Check(false, "operation the gate mutex does not have");
      }
    }
  }

  // Free, no waiter counted, no woken bit, no signal left on the gate; and only blocking
  // acquires count as contended.
  void AtEnd() override {
    const std::int32_t count = mutex_.CountForTest();
    Check(count == Mutex::kLockBit,
          "mutex not free at the end: count " + std::to_string(count) + " (1 is free, no waiter)");
    Check(mutex_.Owner() == 0, "owner left set at the end");
    Check(mutex_.GateForTest() == 0, "gate left signalled at the end");
    Check(mutex_.Contention() <= blocking_,
          "contention " + std::to_string(mutex_.Contention()) + " above the " +
              std::to_string(blocking_) + " blocking acquires");
  }

 private:
  // BasicGateMutex's destructor is protected: it is used through a derived class, as FastMutex
  // and GuardedMutex use it.
  class Mutex final : public BasicGateMutex<DetAtoms<kBug>> {};

  Plan plan_;
  std::uint32_t blocking_ = 0;
  Occupancy held_;
  Mutex mutex_;
};

// The cache-aware push lock (cache_aware_push_lock.h) with kSlots slots, so an exclusive acquire
// is a few steps rather than 32 acquisitions. Each shared operation first sets the processor
// number its acquire sees (internal::SetCpuForTest), which picks its slot; readers of one plan
// land on one slot or on different ones. Every acquire is checked against every other: no
// reader on any slot while a writer holds, one writer at a time.
template <PlantedBug kBug, std::uint32_t kSlots>
class CacheAwareRun final : public Execution {
 public:
  explicit CacheAwareRun(Plan plan) : plan_(std::move(plan)) {}

  void Body(int thread) override {
    for (Op op : plan_[thread]) {
      switch (op) {
        case Op::kExclusive:
          lock_.lock();
          held_.Hold(true);
          lock_.unlock();
          break;
        case Op::kTryExclusive:
          if (lock_.try_lock()) {
            held_.Hold(true);
            lock_.unlock();
          }
          break;
        case Op::kShared:
          Shared(0);
          break;
        case Op::kSharedCpu1:
          Shared(1);
          break;
        case Op::kSharedCpu2:
          Shared(2);
          break;
        case Op::kTryShared:
          TryShared(0);
          break;
        case Op::kTrySharedCpu2:
          TryShared(2);
          break;
        default:
          Check(false, "operation the cache-aware push lock does not have");
      }
    }
  }

  // Every slot word free: no hold, no waiter left queued.
  void AtEnd() override {
    for (std::uint32_t i = 0; i < kSlots; ++i) {
      const std::uintptr_t word = lock_.SlotWordForTest(i);
      Check(word == 0, "slot " + std::to_string(i) + " not idle at the end: " +
                           std::to_string(word));
    }
  }

 private:
  void Shared(int cpu) {
    SetCpuForTest(cpu);
    lock_.lock_shared();
    held_.Hold(false);
    lock_.unlock_shared();
  }
  void TryShared(int cpu) {
    SetCpuForTest(cpu);
    if (lock_.try_lock_shared()) {
      held_.Hold(false);
      lock_.unlock_shared();
    }
  }

  Plan plan_;
  Occupancy held_;
  BasicCacheAwarePushLock<DetAtoms<kBug>> lock_{kSlots};
};

// The order in which acquirers of one queued spin lock swapped into its tail behind a
// predecessor, as the lock observer reports them (kQueued, which the acquirer reports before its
// next step), and the checks that grants follow it: a waiter is granted only once every waiter
// that swapped in before it has been, and a try only while no waiter is queued (its
// compare-exchange from a null tail is its last step before the grant). An acquire that found
// the lock free is reported by nobody; it was at the head of the queue from its swap on.
class QueueOrder {
 public:
  void SwappedIn(const void* node) { queued_.push_back(node); }
  void Granted(const void* node) {
    const auto it = std::find(queued_.begin(), queued_.end(), node);
    if (it == queued_.end()) return;
    Check(it == queued_.begin(), "granted out of queue order: " +
                                     std::to_string(it - queued_.begin()) +
                                     " waiters swapped in before it are still waiting");
    queued_.erase(it);
  }
  void TryGranted() {
    Check(queued_.empty(),
          "a try granted past " + std::to_string(queued_.size()) + " queued waiters");
  }
  std::size_t Waiting() const { return queued_.size(); }

 private:
  std::deque<const void*> queued_;
};

// The queued spin lock and order of the run in progress (one execution runs at a time, and the
// threads of an abandoned one never report again), which QueueOrderObserver feeds.
const void* followed_lock = nullptr;
QueueOrder* followed_order = nullptr;

// Passes the followed lock's kQueued reports to its order; installed for a test's length.
class QueueOrderObserver final : public LockObserver {
 public:
  void OnEvent(const LockEventInfo& e) override {
    if (e.event == LockEvent::kQueued && e.lock == followed_lock) followed_order->SwappedIn(e.node);
  }
};

// The in-stack queued spin lock (queued_spin_lock.h) through its handle interface: each
// operation's node lives on the acquiring thread's stack for that operation, as a
// KLOCK_QUEUE_HANDLE does (DetLocal keeps it, dead, once the operation is over, so a link or a
// hand-off into a node its owner has left is caught). Blocking acquires and tries; grants are
// checked against the queue order. REQUIRES: a QueueOrderObserver installed.
template <PlantedBug kBug>
class QueuedSpinRun final : public Execution {
 public:
  // BasicQueuedSpinLock's destructor is protected, as for QueuedSpinLock.
  class Lock final : public BasicQueuedSpinLock<DetAtoms<kBug>> {};
  using Node = typename Lock::Node;

  explicit QueuedSpinRun(Plan plan) : plan_(std::move(plan)) {
    followed_lock = &lock_;
    followed_order = &order_;
  }
  ~QueuedSpinRun() override {
    if (followed_lock == &lock_) followed_lock = nullptr;
  }

  void Body(int thread) override {
    for (Op op : plan_[thread]) {
      DetLocal<Node> node;
      switch (op) {
        case Op::kExclusive:
          lock_.Acquire(node.get());
          order_.Granted(node.get());
          held_.Hold(true);
          Lock::Release(node.get());
          break;
        case Op::kTryExclusive:
          if (lock_.TryAcquire(node.get())) {
            order_.TryGranted();
            held_.Hold(true);
            Lock::Release(node.get());
          }
          break;
        default:
          Check(false, "operation the queued spin lock does not have");
      }
    }
  }

  // Free (no tail), and every waiter granted.
  void AtEnd() override {
    Check(lock_.TailForTest() == nullptr, "lock not free at the end: a node is left as the tail");
    Check(order_.Waiting() == 0,
          std::to_string(order_.Waiting()) + " queued waiters never granted");
  }

 private:
  Plan plan_;
  Occupancy held_;
  QueueOrder order_;
  Lock lock_;
};

// CRITICAL_SECTION (critical_section.h) with spin count 1, so a contender both polls and
// sleeps: Enter, TryEnter, and a recursive hold (kRecursive: Enter, then Enter and TryEnter by
// the owner, left three times). Inside every hold the owner fields name the holder; at the end
// the section is free: LockCount -1, no owner, no recursion, no signal left on the event.
template <PlantedBug kBug>
class CriticalSectionRun final : public Execution {
 public:
  explicit CriticalSectionRun(Plan plan) : plan_(std::move(plan)) {}

  void Body(int thread) override {
    for (Op op : plan_[thread]) {
      switch (op) {
        case Op::kExclusive:
          cs_.Enter();
          Hold();
          cs_.Leave();
          break;
        case Op::kTryExclusive:
          if (cs_.TryEnter()) {
            Hold();
            cs_.Leave();
          }
          break;
        case Op::kRecursive:
          cs_.Enter();
          held_.Enter(true);
          cs_.Enter();
          Check(cs_.TryEnter(), "the owner's TryEnter failed");
          CheckOwner(3);
          cs_.Leave();
          cs_.Leave();
          CheckOwner(1);
          held_.Leave(true);
          cs_.Leave();
          break;
        default:
          Check(false, "operation CRITICAL_SECTION does not have");
      }
    }
  }

  void AtEnd() override {
    Check(cs_.LockCount() == Section::kFree,
          "section not free at the end: LockCount " + std::to_string(cs_.LockCount()) +
              " (-1 is free, no waiter, nobody woken)");
    Check(cs_.OwningThread() == 0, "OwningThread left set at the end");
    Check(cs_.RecursionCount() == 0,
          "RecursionCount " + std::to_string(cs_.RecursionCount()) + " at the end");
    Check(cs_.EventForTest() == 0, "event left signalled at the end");
  }

 private:
  // BasicCriticalSection's destructor is protected, as for CriticalSection.
  class Section final : public BasicCriticalSection<DetAtoms<kBug>, false> {
   public:
    Section() : BasicCriticalSection<DetAtoms<kBug>, false>(/*spin_count=*/1) {}
  };

  // The hold of one Enter: the owner's read of OwningThread is the scheduling point inside it.
  void Hold() {
    held_.Enter(true);
    CheckOwner(1);
    held_.Leave(true);
  }
  void CheckOwner(std::int32_t recursion) {
    Check(cs_.OwningThread() == CurrentThreadId(), "OwningThread is not the holder");
    Check(cs_.RecursionCount() == recursion,
          "RecursionCount " + std::to_string(cs_.RecursionCount()) + " where the owner entered " +
              std::to_string(recursion) + " times");
  }

  Plan plan_;
  Occupancy held_;
  Section cs_;
};

constexpr NamedValue<Op> kOpLetters[] = {
    {Op::kExclusive, "E"},       {Op::kShared, "S"},          {Op::kTryExclusive, "e"},
    {Op::kTryShared, "s"},       {Op::kRecursive, "R"},       {Op::kConvert, "C"},
    {Op::kStarveExclusive, "X"}, {Op::kWaitForExclusive, "W"}, {Op::kSharedCpu1, "S1"},
    {Op::kSharedCpu2, "S2"},     {Op::kTrySharedCpu2, "s2"},
};

std::string OpName(Op op) { return NameOf(kOpLetters, op); }

std::string PlanName(const Plan& plan) {
  std::string name;
  for (const auto& ops : plan) {
    if (!name.empty()) name += "|";
    for (Op op : ops) name += OpName(op);
  }
  return name;
}

// Every plan of `threads` threads with `per_thread` blocking acquisitions each, in every
// combination of exclusive and shared.
std::vector<Plan> ModeCombinations(int threads, int per_thread) {
  std::vector<Plan> plans;
  const int bits = threads * per_thread;
  for (int mask = 0; mask < (1 << bits); ++mask) {
    Plan plan(threads);
    for (int b = 0; b < bits; ++b) {
      plan[b / per_thread].push_back((mask >> b) & 1 ? Op::kShared : Op::kExclusive);
    }
    plans.push_back(plan);
  }
  return plans;
}

// DET_REPLAY="scenario:path": that schedule alone, with its outcome printed.
bool ReplayRequested(const std::string& scenario, const ExecutionFactory& make, int threads) {
  const char* request = std::getenv("DET_REPLAY");
  if (request == nullptr) return false;
  const std::string r = request;
  const auto colon = r.rfind(':');
  if (colon == std::string::npos || r.substr(0, colon) != scenario) return false;
  Outcome o = Replay(make, threads, r.substr(colon + 1));
  std::printf("replay %s: %s after %llu steps\n", scenario.c_str(),
              o.failed ? o.message.c_str() : "no violation",
              static_cast<unsigned long long>(o.steps));
  EXPECT_FALSE(o.failed) << o.message;
  return true;
}

// The preemption bound for a scenario family: `bound`, or one more with DET_DEEP=1 (the deep
// run takes minutes where the suite's takes seconds).
int Bound(int bound) {
  const char* deep = std::getenv("DET_DEEP");
  return deep != nullptr && std::string(deep) == "1" ? bound + 1 : bound;
}

// Explores every plan exhaustively with at most `bound` preemptions and reports the counts.
template <class Run>
void ExploreAll(const std::string& lock, const std::vector<Plan>& plans, int bound) {
  std::uint64_t total = 0;
  for (const Plan& plan : plans) {
    const std::string scenario = lock + " " + PlanName(plan);
    const int threads = static_cast<int>(plan.size());
    ExecutionFactory make = [plan] { return std::make_unique<Run>(plan); };
    if (ReplayRequested(scenario, make, threads)) continue;
    ExploreResult r = ExploreExhaustive(make, threads, Bound(bound));
    total += r.schedules;
    EXPECT_TRUE(r.complete) << scenario;
    EXPECT_FALSE(r.failure.failed) << scenario << ": " << r.failure.message
                                   << "\n  replay: DET_REPLAY='" << scenario << ":"
                                   << r.failure.path << "'";
    std::printf("%-28s %8llu schedules, longest %llu steps\n", scenario.c_str(),
                static_cast<unsigned long long>(r.schedules),
                static_cast<unsigned long long>(r.max_steps));
  }
  std::printf("%s: %zu scenarios, %llu schedules in all (preemption bound %d)\n", lock.c_str(),
              plans.size(), static_cast<unsigned long long>(total), Bound(bound));
  ::testing::Test::RecordProperty("schedules", std::to_string(total));
}

// Rule: Deterministic schedules: every schedule of 2 threads x 2 acquisitions, every mode
// combination, on the wait-block word (preemption bound 3).
TEST(WordSchedulesTest, TwoThreadsTwoAcquisitionsEveryModeExhaustive) {
  ExploreAll<WordRun<PlantedBug::kNone>>("word", ModeCombinations(2, 2), 3);
}

// Rule: Push lock > Release and wake-up: every schedule of 3 threads x 1 acquisition on the
// wait-block word (bound 2) reaches the tidier's wake; checked as Deterministic schedules says.
TEST(WordSchedulesTest, ThreeThreadsOneAcquisitionEveryModeExhaustive) {
  ExploreAll<WordRun<PlantedBug::kNone>>("word", ModeCombinations(3, 1), 2);
}

// Rule: Deterministic schedules: every schedule of 2 threads x 2 acquisitions, every mode
// combination, on the ERESOURCE (preemption bound 3).
TEST(EResourceSchedulesTest, TwoThreadsTwoAcquisitionsEveryModeExhaustive) {
  ExploreAll<ResourceRun<PlantedBug::kNone>>("eresource", ModeCombinations(2, 2), 3);
}

// Rule: Deterministic schedules: every schedule of 3 threads x 1 acquisition, every mode
// combination, on the ERESOURCE (preemption bound 1).
TEST(EResourceSchedulesTest, ThreeThreadsOneAcquisitionEveryModeExhaustive) {
  ExploreAll<ResourceRun<PlantedBug::kNone>>("eresource", ModeCombinations(3, 1), 1);
}

// Every combination of `ops` for `threads` threads x `per_thread` operations.
std::vector<Plan> OpCombinations(const std::vector<Op>& ops, int threads, int per_thread) {
  std::vector<Plan> plans;
  const int slots = threads * per_thread;
  std::size_t total = 1;
  for (int i = 0; i < slots; ++i) total *= ops.size();
  for (std::size_t n = 0; n < total; ++n) {
    Plan plan(threads);
    std::size_t rest = n;
    for (int i = 0; i < slots; ++i) {
      plan[i / per_thread].push_back(ops[rest % ops.size()]);
      rest /= ops.size();
    }
    plans.push_back(plan);
  }
  return plans;
}

// Rule: Deterministic schedules: every schedule of 2 threads x 2 acquisitions on the executive
// spin lock, exclusive, shared and convert in every combination (preemption bound 2).
TEST(SpinSchedulesTest, TwoThreadsTwoAcquisitionsEveryModeExhaustive) {
  ExploreAll<SpinRun<PlantedBug::kNone>>(
      "ex_spin_lock", OpCombinations({Op::kExclusive, Op::kShared, Op::kConvert}, 2, 2), 2);
}

// Rule: Deterministic schedules: every schedule of 3 threads x 1 acquisition on the executive
// spin lock, exclusive, shared and convert in every combination (preemption bound 2).
TEST(SpinSchedulesTest, ThreeThreadsOneAcquisitionEveryModeExhaustive) {
  ExploreAll<SpinRun<PlantedBug::kNone>>(
      "ex_spin_lock", OpCombinations({Op::kExclusive, Op::kShared, Op::kConvert}, 3, 1), 2);
}

// Rule: Deterministic schedules: every schedule of 2 threads x 2 operations on the gate mutex
// (fast and guarded mutex), acquire and try in every combination (preemption bound 2).
TEST(GateSchedulesTest, TwoThreadsTwoAcquisitionsEveryModeExhaustive) {
  ExploreAll<GateRun<PlantedBug::kNone>>(
      "gate_mutex", OpCombinations({Op::kExclusive, Op::kTryExclusive}, 2, 2), 2);
}

// Rule: Deterministic schedules: every schedule of 3 threads x 1 operation on the gate mutex,
// acquire and try in every combination (preemption bound 2).
TEST(GateSchedulesTest, ThreeThreadsOneAcquisitionEveryModeExhaustive) {
  ExploreAll<GateRun<PlantedBug::kNone>>(
      "gate_mutex", OpCombinations({Op::kExclusive, Op::kTryExclusive}, 3, 1), 2);
}

// The plans of `plans` up to the order of their threads: the scheduler tries every order of the
// threads anyway, so a plan whose threads are another's renamed explores the same schedules.
std::vector<Plan> UpToThreadOrder(std::vector<Plan> plans) {
  std::erase_if(plans, [](const Plan& plan) { return !std::is_sorted(plan.begin(), plan.end()); });
  return plans;
}

// The cache-aware families' waiters poll their wait block once before sleeping, so both the
// poll and the sleep are explored, as the word's are (the push lock's spin count, a process-wide
// setting whose default would have every waiter poll 1024 times).
class CacheAwareSchedulesTest : public ::testing::Test {
 private:
  ScopedLockSetting spins_{SettingOf<PushLock>("spin_count"), 1};
};

// Rule: Deterministic schedules: every schedule of 2 threads x 2 operations on a 2-slot
// cache-aware push lock, exclusive, shared on slot 0 or 1 and both tries in every combination up
// to thread order (preemption bound 2).
TEST_F(CacheAwareSchedulesTest, TwoThreadsTwoOperationsEveryModeExhaustive) {
  ExploreAll<CacheAwareRun<PlantedBug::kNone, 2>>(
      "cache_aware_push_lock/2",
      UpToThreadOrder(OpCombinations(
          {Op::kExclusive, Op::kShared, Op::kSharedCpu1, Op::kTryExclusive, Op::kTryShared}, 2,
          2)),
      2);
}

// Rule: Deterministic schedules: every schedule of 3 threads x 1 operation on a 3-slot
// cache-aware push lock, exclusive, shared on the middle slot (which an exclusive acquire passes
// over for the top) and the exclusive try in every combination up to thread order (preemption
// bound 2).
TEST_F(CacheAwareSchedulesTest, ThreeThreadsOneOperationEveryModeExhaustive) {
  ExploreAll<CacheAwareRun<PlantedBug::kNone, 3>>(
      "cache_aware_push_lock/3",
      UpToThreadOrder(OpCombinations({Op::kExclusive, Op::kSharedCpu1, Op::kTryExclusive}, 3, 1)),
      2);
}

// The queued spin lock's runs check grants against the swap order the lock observer reports.
class QueuedSpinSchedulesTest : public ::testing::Test {
 private:
  QueueOrderObserver observer_;
  ScopedObserver scoped_{&observer_};
};

// Rule: Deterministic schedules: every schedule of 2 threads x 2 operations on the in-stack
// queued spin lock, acquire and try in every combination (preemption bound 2).
TEST_F(QueuedSpinSchedulesTest, TwoThreadsTwoAcquisitionsEveryModeExhaustive) {
  ExploreAll<QueuedSpinRun<PlantedBug::kNone>>(
      "queued_spin_lock", OpCombinations({Op::kExclusive, Op::kTryExclusive}, 2, 2), 2);
}

// Rule: Deterministic schedules: every schedule of 3 threads x 1 operation on the in-stack queued
// spin lock, acquire and try in every combination (preemption bound 2).
TEST_F(QueuedSpinSchedulesTest, ThreeThreadsOneAcquisitionEveryModeExhaustive) {
  ExploreAll<QueuedSpinRun<PlantedBug::kNone>>(
      "queued_spin_lock", OpCombinations({Op::kExclusive, Op::kTryExclusive}, 3, 1), 2);
}

// Rule: Deterministic schedules: every schedule of 2 threads x 2 operations on CRITICAL_SECTION,
// Enter, TryEnter and a recursive hold in every combination (preemption bound 2).
TEST(CriticalSectionSchedulesTest, TwoThreadsTwoAcquisitionsEveryModeExhaustive) {
  ExploreAll<CriticalSectionRun<PlantedBug::kNone>>(
      "critical_section",
      UpToThreadOrder(OpCombinations({Op::kExclusive, Op::kTryExclusive, Op::kRecursive}, 2, 2)),
      2);
}

// Rule: Deterministic schedules: every schedule of 3 threads x 1 operation on CRITICAL_SECTION,
// Enter, TryEnter and a recursive hold in every combination (preemption bound 2).
TEST(CriticalSectionSchedulesTest, ThreeThreadsOneAcquisitionEveryModeExhaustive) {
  ExploreAll<CriticalSectionRun<PlantedBug::kNone>>(
      "critical_section",
      UpToThreadOrder(OpCombinations({Op::kExclusive, Op::kTryExclusive, Op::kRecursive}, 3, 1)),
      2);
}

// Random plans: 4 threads, 3 operations each, drawn per seed from `ops`.
Plan RandomPlan(std::uint64_t seed, const std::vector<Op>& ops) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull);
  Plan plan(4);
  for (auto& thread : plan) {
    for (int i = 0; i < 3; ++i) {
      thread.push_back(ops[std::uniform_int_distribution<std::size_t>(0, ops.size() - 1)(rng)]);
    }
  }
  return plan;
}

// Seeds per run: DET_SEEDS overrides the default.
std::uint64_t Seeds(std::uint64_t default_seeds) {
  const char* env = std::getenv("DET_SEEDS");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : default_seeds;
}

template <class Run>
void ExploreRandomPlans(const std::string& lock, const std::vector<Op>& ops,
                        std::uint64_t seeds) {
  std::uint64_t steps = 0;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const Plan plan = RandomPlan(seed, ops);
    ExecutionFactory make = [plan] { return std::make_unique<Run>(plan); };
    const std::string scenario = lock + " " + PlanName(plan);
    if (ReplayRequested(scenario, make, 4)) continue;
    // One random schedule per seed, its plan drawn from the same seed.
    ExploreResult r = ExploreRandom(make, 4, seed, 1);
    steps += r.max_steps;
    ASSERT_FALSE(r.failure.failed) << scenario << ": " << r.failure.message
                                   << "\n  replay: DET_REPLAY='" << scenario << ":"
                                   << r.failure.path << "'";
  }
  std::printf("%s: %llu random seeds, %llu steps in all\n", lock.c_str(),
              static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(steps));
  ::testing::Test::RecordProperty("seeds", std::to_string(seeds));
}

// Rule: Push lock > Release and wake-up: 3000 random 4-thread plans and schedules on the wait-block
// word reach the waker's retreat and the tidier's wake; checked as Deterministic schedules says.
TEST(WordSchedulesTest, FourThreadsMixedRandom) {
  ExploreRandomPlans<WordRun<PlantedBug::kNone>>(
      "word", {Op::kExclusive, Op::kShared, Op::kTryExclusive, Op::kTryShared}, Seeds(3000));
}

// Rule: Deterministic schedules: 3000 random 4-thread plans and schedules on the ERESOURCE,
// recursion, convert, StarveExclusive and WaitForExclusive included.
TEST(EResourceSchedulesTest, FourThreadsMixedRandom) {
  ExploreRandomPlans<ResourceRun<PlantedBug::kNone>>(
      "eresource",
      {Op::kExclusive, Op::kShared, Op::kTryExclusive, Op::kTryShared, Op::kRecursive,
       Op::kConvert, Op::kStarveExclusive, Op::kWaitForExclusive},
      Seeds(3000));
}

// Rule: Deterministic schedules: 3000 random 4-thread plans and schedules on the executive spin
// lock, tries and converts included.
TEST(SpinSchedulesTest, FourThreadsMixedRandom) {
  ExploreRandomPlans<SpinRun<PlantedBug::kNone>>(
      "ex_spin_lock",
      {Op::kExclusive, Op::kShared, Op::kTryExclusive, Op::kTryShared, Op::kConvert},
      Seeds(3000));
}

// Rule: Deterministic schedules: 3000 random 4-thread plans and schedules on the gate mutex,
// acquires and tries.
TEST(GateSchedulesTest, FourThreadsMixedRandom) {
  ExploreRandomPlans<GateRun<PlantedBug::kNone>>(
      "gate_mutex", {Op::kExclusive, Op::kTryExclusive}, Seeds(3000));
}

// Rule: Deterministic schedules: 3000 random 4-thread plans and schedules on a 3-slot cache-aware
// push lock, exclusive, shared on each slot, and the tries.
TEST_F(CacheAwareSchedulesTest, FourThreadsMixedRandom) {
  ExploreRandomPlans<CacheAwareRun<PlantedBug::kNone, 3>>(
      "cache_aware_push_lock/3",
      {Op::kExclusive, Op::kShared, Op::kSharedCpu1, Op::kSharedCpu2, Op::kTryExclusive,
       Op::kTryShared, Op::kTrySharedCpu2},
      Seeds(3000));
}

// Rule: Deterministic schedules: 3000 random 4-thread plans and schedules on the in-stack queued
// spin lock, acquires and tries.
TEST_F(QueuedSpinSchedulesTest, FourThreadsMixedRandom) {
  ExploreRandomPlans<QueuedSpinRun<PlantedBug::kNone>>(
      "queued_spin_lock", {Op::kExclusive, Op::kTryExclusive}, Seeds(3000));
}

// Rule: Deterministic schedules: 3000 random 4-thread plans and schedules on CRITICAL_SECTION,
// Enter, TryEnter and recursive holds.
TEST(CriticalSectionSchedulesTest, FourThreadsMixedRandom) {
  ExploreRandomPlans<CriticalSectionRun<PlantedBug::kNone>>(
      "critical_section", {Op::kExclusive, Op::kTryExclusive, Op::kRecursive}, Seeds(3000));
}

// ---- Planted bugs: each must be found, and its schedule must replay ----------------------

template <class Run>
void ExpectFound(const std::string& bug, const Plan& plan, const std::string& expected) {
  const int threads = static_cast<int>(plan.size());
  ExecutionFactory make = [plan] { return std::make_unique<Run>(plan); };
  ExploreResult r = ExploreExhaustive(make, threads, /*preemption_bound=*/3);
  ASSERT_TRUE(r.failure.failed) << bug << " not found in " << r.schedules << " schedules";
  EXPECT_NE(r.failure.message.find(expected), std::string::npos) << r.failure.message;
  Outcome again = Replay(make, threads, r.failure.path);
  EXPECT_TRUE(again.failed) << "replay of " << bug << " passed";
  EXPECT_NE(again.message.find(expected), std::string::npos) << again.message;
  // Random schedules, for comparison: seeds until the first failure (at most 100000).
  ExploreResult random = ExploreRandom(make, threads, 1, 100000);
  std::printf("%s (%s): found after %llu exhaustive schedules, %llu random seeds: %s\n",
              bug.c_str(), PlanName(plan).c_str(), static_cast<unsigned long long>(r.schedules),
              static_cast<unsigned long long>(random.schedules), r.failure.message.c_str());
  ::testing::Test::RecordProperty("schedules_to_find", std::to_string(r.schedules));
}

// Rule: Deterministic schedules: a planted dropped futex wake in the word is found as a lost
// wake-up, and its schedule replays.
TEST(PlantedBugsTest, WordDroppedWakeIsALostWakeUp) {
  ExpectFound<WordRun<PlantedBug::kDropWake>>("word: dropped wake",
                                              {{Op::kExclusive}, {Op::kExclusive}},
                                              "lost wake-up");
}

// Rule: Deterministic schedules: a planted read of a wait block after its waiter is let go is found
// as a block touched after its owner left.
TEST(PlantedBugsTest, WordBlockReadAfterItsFlagIsCleared) {
  // The wake-everyone path reads each block's link after letting its waiter go: it needs two
  // waiters woken together, here two readers behind a writer.
  ExpectFound<WordRun<PlantedBug::kUseBlockAfterRelease>>(
      "word: block used after release", {{Op::kExclusive}, {Op::kShared}, {Op::kShared}},
      "touched after its owner left");
}

// Rule: Deterministic schedules: a planted reader that joins a shared hold past queued waiters is
// found, and its schedule replays.
TEST(PlantedBugsTest, WordReaderSkippingTheQueue) {
  // Two readers hold the lock and a writer waits, so the count lives in the writer's block; a
  // reader that comes back counts itself in there, racing the last release's hand-off.
  ExpectFound<WordRun<PlantedBug::kReaderSkipsQueue>>(
      "word: reader skips the queue", {{Op::kShared, Op::kShared}, {Op::kShared}, {Op::kExclusive}},
      "");
}

// Rule: Deterministic schedules: a planted dropped futex wake in the ERESOURCE is found as a lost
// wake-up, and its schedule replays.
TEST(PlantedBugsTest, EResourceDroppedWakeIsALostWakeUp) {
  ExpectFound<ResourceRun<PlantedBug::kDropWake>>("eresource: dropped wake",
                                                  {{Op::kExclusive}, {Op::kExclusive}},
                                                  "lost wake-up");
}

// Rule: Deterministic schedules: a planted re-read of the grant word after granting is found as a
// block touched after its owner left.
TEST(PlantedBugsTest, EResourceBlockReadAfterTheGrant) {
  ExpectFound<ResourceRun<PlantedBug::kUseBlockAfterRelease>>(
      "eresource: block used after grant", {{Op::kExclusive}, {Op::kExclusive}},
      "touched after its owner left");
}

// Rule: Deterministic schedules: a planted exclusive release of the executive spin lock that
// keeps the draining bit is found (the word is not idle at the end), and its schedule replays.
TEST(PlantedBugsTest, SpinReleaseKeepingTheDrainBit) {
  // The writer must drain a reader first, so the bit is set when it releases.
  ExpectFound<SpinRun<PlantedBug::kSpinReleaseKeepsDrainBit>>(
      "ex_spin_lock: release keeps the drain bit", {{Op::kShared}, {Op::kExclusive}},
      "not idle at the end");
}

// Rule: Deterministic schedules: a planted gate-mutex contender that sleeps without looking at
// the lock bit again is found as a lost wake-up, and its schedule replays.
TEST(PlantedBugsTest, GateSleepWithoutRecheckIsALostWakeUp) {
  // The holder's release must fall between the contender's failed acquire and its count.
  ExpectFound<GateRun<PlantedBug::kGateSleepsWithoutRecheck>>(
      "gate_mutex: sleeps without recheck", {{Op::kExclusive}, {Op::kExclusive}},
      "lost wake-up");
}

// Rule: Deterministic schedules: a planted cache-aware exclusive acquire that tries slot 0 as any
// other slot, instead of queueing on it first, is found as two exclusive acquirers asleep on
// each other's slot, and its schedule replays.
TEST(PlantedBugsTest, CacheAwareSlotZeroNotFirstDeadlocks) {
  ScopedLockSetting spins(SettingOf<PushLock>("spin_count"), 1);
  // One takes slot 0 and finds slot 1 taken; the other found slot 0 taken and took slot 1 (the
  // top) instead, and now blocks on slot 0.
  ExpectFound<CacheAwareRun<PlantedBug::kCacheAwareSlotZeroNotFirst, 2>>(
      "cache_aware_push_lock/2: slot 0 not first", {{Op::kExclusive}, {Op::kExclusive}},
      "lost wake-up");
}

// Rule: Deterministic schedules: a planted queued spin lock release that frees the tail with a
// plain store, without waiting for a successor that swapped in but has not linked, is found, and
// its schedule replays.
TEST(PlantedBugsTest, QueuedReleaseSkippingTheLinkWait) {
  QueueOrderObserver observer;
  ScopedObserver scoped(&observer);
  // The successor must swap in between the holder's look at its Next and its release of the
  // tail: it links into the holder's node, which nobody reads again, and spins for good.
  ExpectFound<QueuedSpinRun<PlantedBug::kQueuedReleaseSkipsLinkWait>>(
      "queued_spin_lock: release skips the link wait", {{Op::kExclusive}, {Op::kExclusive}},
      "lost wake-up");
}

// Rule: Deterministic schedules: a planted CRITICAL_SECTION contender that counts itself a waiter
// without looking at the lock bit again is found as a lost wake-up, and its schedule replays.
TEST(PlantedBugsTest, CriticalSectionSleepWithoutRecheckIsALostWakeUp) {
  // The holder's Leave must fall between the contender's failed Enter and its count.
  ExpectFound<CriticalSectionRun<PlantedBug::kCriticalSectionSleepsWithoutRecheck>>(
      "critical_section: sleeps without recheck", {{Op::kExclusive}, {Op::kExclusive}},
      "lost wake-up");
}

}  // namespace
}  // namespace lockbench::internal::det
