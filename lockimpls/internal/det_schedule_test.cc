// The deterministic scheduler on toy programs whose schedules and bugs are known in advance.
#include "lockimpls/internal/det_schedule.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>

namespace lockbench::internal::det {
namespace {

using Atoms = DetAtoms<>;

// Two threads, each `steps` scheduling points and nothing else.
class StepsOnly final : public Execution {
 public:
  explicit StepsOnly(int steps) : steps_(steps) {}
  void Body(int) override {
    for (int i = 0; i < steps_; ++i) Step();
  }

 private:
  int steps_;
};

TEST(DetScheduleTest, ExhaustiveCountsEveryInterleavingOnce) {
  // Each thread runs three segments (start to step 1, step 1 to step 2, step 2 to its end), so
  // the schedules are the interleavings of 3 + 3 segments: C(6, 3) = 20.
  ExploreResult all = ExploreExhaustive([] { return std::make_unique<StepsOnly>(2); }, 2, -1);
  EXPECT_TRUE(all.complete);
  EXPECT_FALSE(all.failure.failed);
  EXPECT_EQ(all.schedules, 20u);
  // With no preemption, a thread runs to its end: who goes first is the only choice.
  ExploreResult none = ExploreExhaustive([] { return std::make_unique<StepsOnly>(2); }, 2, 0);
  EXPECT_EQ(none.schedules, 2u);
  // One preemption: the first thread is cut after one or two of its segments (2 ways), or not
  // at all, for either first thread; cut once, the rest runs without a switch.
  ExploreResult one = ExploreExhaustive([] { return std::make_unique<StepsOnly>(2); }, 2, 1);
  EXPECT_EQ(one.schedules, 6u);
}

TEST(DetScheduleTest, ExhaustivePathsAreDistinct) {
  std::set<std::string> paths;
  class Record final : public Execution {
   public:
    void Body(int) override { Step(); }
  };
  // Random schedules of the same program only ever produce paths the exhaustive search ran.
  ExploreResult random = ExploreRandom([] { return std::make_unique<Record>(); }, 3, 1, 200);
  EXPECT_TRUE(random.complete);
  ExploreResult all = ExploreExhaustive([] { return std::make_unique<Record>(); }, 3, -1);
  // Three threads of two segments each: 6! / (2! 2! 2!) = 90.
  EXPECT_EQ(all.schedules, 90u);
}

// A flag handed from thread 1 to thread 0 through a futex; `drop_wake` forgets the wake.
class Handoff final : public Execution {
 public:
  explicit Handoff(bool drop_wake) : drop_wake_(drop_wake) {}
  void Body(int thread) override {
    if (thread == 0) {
      while (flag_.load() == 0) Atoms::FutexWait(&flag_, 0);
    } else {
      flag_.store(1);
      if (!drop_wake_) Atoms::FutexWake(&flag_, 1);
    }
  }

 private:
  bool drop_wake_;
  DetAtomic<std::uint32_t> flag_{0};
};

TEST(DetScheduleTest, FindsALostWakeUpAndReplaysIt) {
  ExploreResult good = ExploreExhaustive([] { return std::make_unique<Handoff>(false); }, 2, -1);
  EXPECT_TRUE(good.complete);
  EXPECT_FALSE(good.failure.failed) << good.failure.message;

  auto buggy = [] { return std::make_unique<Handoff>(true); };
  ExploreResult bad = ExploreExhaustive(buggy, 2, -1);
  ASSERT_TRUE(bad.failure.failed);
  EXPECT_NE(bad.failure.message.find("lost wake-up"), std::string::npos) << bad.failure.message;
  EXPECT_NE(bad.failure.message.find("0 asleep on a futex"), std::string::npos)
      << bad.failure.message;

  Outcome again = Replay(buggy, 2, bad.failure.path);
  EXPECT_TRUE(again.failed);
  EXPECT_EQ(again.path, bad.failure.path);
  EXPECT_EQ(again.message + " (schedule " + std::to_string(bad.schedules) + ")",
            bad.failure.message);
  // The same program on a path that lets the waker run first (and, past the path, on without
  // a switch) never sleeps.
  Outcome waker_first = Replay(buggy, 2, "1");
  EXPECT_FALSE(waker_first.failed) << waker_first.message;

  ExploreResult random = ExploreRandom(buggy, 2, 1, 1000);
  ASSERT_TRUE(random.failure.failed);
  EXPECT_NE(random.failure.message.find("(seed "), std::string::npos);
}

// Thread 0 waits on a block of its own; thread 1 lets it go, then (with `late_touch`) reads
// the block again, as a waker that uses a wait block after clearing its flag would.
class BlockOwner final : public Execution {
 public:
  explicit BlockOwner(bool late_touch) : late_touch_(late_touch) {}
  struct Block {
    DetAtomic<std::uint32_t> waiting{1};
  };
  void Body(int thread) override {
    if (thread == 0) {
      DetLocal<Block> block;
      published_.store(reinterpret_cast<std::uintptr_t>(block.get()));
      while (block->waiting.load() != 0) Atoms::FutexWait(&block->waiting, 1);
    } else {
      std::uintptr_t p;
      while ((p = published_.load()) == 0) Atoms::Relax();
      auto* block = reinterpret_cast<Block*>(p);
      block->waiting.store(0);
      if (late_touch_) (void)block->waiting.load();
      Atoms::FutexWake(&block->waiting, 1);
    }
  }

 private:
  bool late_touch_;
  DetAtomic<std::uintptr_t> published_{0};
};

TEST(DetScheduleTest, FindsATouchAfterTheOwnerLeft) {
  ExploreResult good = ExploreExhaustive([] { return std::make_unique<BlockOwner>(false); }, 2, -1);
  EXPECT_TRUE(good.complete);
  EXPECT_FALSE(good.failure.failed) << good.failure.message;
  ExploreResult bad = ExploreExhaustive([] { return std::make_unique<BlockOwner>(true); }, 2, -1);
  ASSERT_TRUE(bad.failure.failed);
  EXPECT_NE(bad.failure.message.find("touched after its owner left"), std::string::npos)
      << bad.failure.message;
}

// A test-and-set lock made of a load and a separate store: two threads can both see it free.
class SplitTestAndSet final : public Execution {
 public:
  void Body(int) override {
    while (word_.load() != 0) Atoms::Relax();
    word_.store(1);
    Check(++inside_ == 1, "two threads in the critical section");
    Step();
    --inside_;
    word_.store(0);
  }
  void AtEnd() override { Check(word_.Peek() == 0, "lock word not free at the end"); }

 private:
  DetAtomic<std::uint32_t> word_{0};
  int inside_ = 0;
};

TEST(DetScheduleTest, FindsBrokenMutualExclusion) {
  ExploreResult bad = ExploreExhaustive([] { return std::make_unique<SplitTestAndSet>(); }, 2, 2);
  ASSERT_TRUE(bad.failure.failed);
  EXPECT_NE(bad.failure.message.find("two threads in the critical section"), std::string::npos);
}

// A spinner waiting for a thread that never comes is a livelock, reported by the step bound.
TEST(DetScheduleTest, ReportsASpinThatNeverEnds) {
  class Forever final : public Execution {
   public:
    void Body(int thread) override {
      if (thread == 0) {
        while (flag_.load() == 0) Atoms::Relax();
      }
    }
    DetAtomic<std::uint32_t> flag_{0};
  };
  ExploreResult r = ExploreExhaustive([] { return std::make_unique<Forever>(); }, 2, 0);
  ASSERT_TRUE(r.failure.failed);
  EXPECT_NE(r.failure.message.find("no end after"), std::string::npos) << r.failure.message;
}

TEST(DetScheduleTest, AtEndChecksAreReported) {
  class LeavesItSet final : public Execution {
   public:
    void Body(int) override { flag_.store(1); }
    void AtEnd() override { Check(flag_.Peek() == 0, "flag left set"); }
    DetAtomic<std::uint32_t> flag_{0};
  };
  ExploreResult r = ExploreExhaustive([] { return std::make_unique<LeavesItSet>(); }, 1, -1);
  ASSERT_TRUE(r.failure.failed);
  EXPECT_EQ(r.failure.message, "flag left set (schedule 1)");
}

}  // namespace
}  // namespace lockbench::internal::det
