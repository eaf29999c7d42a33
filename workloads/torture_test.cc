// Torture mode (workloads/internal/torture.h): the Windows lock emulations survive it with every
// kind of disturbance injected, and a lock whose bug only a disturbance exposes (a waiter that
// takes a signal's EINTR for a wake-up) passes a plain run and fails a torture run, which names
// the seed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "lockimpls/eresource.h"
#include "lockimpls/push_lock.h"
#include "lockimpls/srwlock.h"
#include "workloads/engine.h"
#include "workloads/internal/drive.h"
#include "workloads/internal/torture.h"
#include "workloads/runners.h"

namespace lockbench {
namespace {

long Futex(std::atomic<uint32_t>* word, int op, uint32_t value) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, value, nullptr, nullptr, 0);
}

// A futex mutex (0 free, 1 held, 2 held with waiters) with a classic bug: a waiter whose sleep
// ends with EINTR takes itself to own the lock. Without signals it is a correct lock.
struct TrustsEveryWake {
  static constexpr LockTraits kTraits{"trusts_every_wake", "EINTR taken for a grant", 4,
                                      Recursion::kNone, "none", false};
  std::atomic<uint32_t> word{0};
  void lock() {
    uint32_t free = 0;
    if (word.compare_exchange_strong(free, 1, std::memory_order_acquire)) return;
    while (word.exchange(2, std::memory_order_acquire) != 0) {
      if (Futex(&word, FUTEX_WAIT_PRIVATE, 2) != 0 && errno == EINTR) return;  // the bug
    }
  }
  void unlock() {
    if (word.exchange(0, std::memory_order_release) == 2) Futex(&word, FUTEX_WAKE_PRIVATE, 1);
  }
  bool try_lock() {
    uint32_t free = 0;
    return word.compare_exchange_strong(free, 1, std::memory_order_acquire);
  }
  void lock_shared() { lock(); }
  void unlock_shared() { unlock(); }
  bool try_lock_shared() { return try_lock(); }
};

class TortureTest : public ::testing::Test {
 protected:
  EngineConfig Config(int threads, double read_ratio) {
    EngineConfig cfg;
    cfg.spec.duration_ns = 300'000'000;
    cfg.spec.warmup_ns = 10'000'000;
    cfg.spec.read_ratio = read_ratio;
    cfg.spec.shared_cs_ns = 200;
    cfg.spec.exclusive_cs_ns = 1'000;
    cfg.spec.shared_lines = 4;
    cfg.spec.exclusive_lines = 4;
    cfg.threads = threads;
    cfg.plan = PlanPlacement("none", std::vector<Role>(static_cast<size_t>(threads), Role::kMixed),
                             true, topology_);
    cfg.topology = &topology_;
    cfg.latency_sample_every = 256;
    cfg.stall_timeout_ns = 30'000'000'000;
    return cfg;
  }

  Topology topology_ = Topology::LoadThisMachine();
};

template <class L>
void ExpectCleanUnderTorture(EngineConfig cfg) {
  cfg.torture_seed = 7;
  const RunRecord r = RunLock<L>(cfg);
  SCOPED_TRACE(L::kTraits.name);
  ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
  ASSERT_TRUE(r.torture.has_value());
  EXPECT_EQ(r.torture->seed, 7u);
  EXPECT_GT(r.torture->cs_delays, 0u);
  EXPECT_GT(r.torture->holder_sleeps, 0u);
  EXPECT_GT(r.torture->stutters, 0u);
  EXPECT_GT(r.torture->repins, 0u);
  EXPECT_GT(r.torture->signals, 0u);
  for (const ThreadRecord& t : r.per_thread) EXPECT_GT(t.ops(), 0u);
}

TEST_F(TortureTest, WindowsLocksStayCorrectUnderEveryDisturbance) {
  ExpectCleanUnderTorture<PushLock>(Config(4, 0.7));
  ExpectCleanUnderTorture<SrwLock>(Config(4, 0.7));
  ExpectCleanUnderTorture<EResource>(Config(4, 0.7));
}

// Torture mode runs the Windows locks' hooked copies (through the registry's runners), whose
// step hooks add delays and yields between an acquisition's atomic steps; a lock without hooks
// reports none.
TEST_F(TortureTest, HookedLocksAreDisturbedBetweenTheirSteps) {
  EngineConfig cfg = Config(4, 0.7);
  cfg.torture_seed = 11;
  for (const LockRunner& runner : LockRunners()) {
    const std::string_view name = runner.traits.name;
    if (name != "push_lock" && name != "srwlock" && name != "eresource" &&
        name != "shared_mutex") {
      continue;
    }
    SCOPED_TRACE(std::string(name));
    const RunRecord r = runner.Run(cfg);
    ASSERT_EQ(r.status, RunStatus::kOk) << r.status_detail;
    ASSERT_TRUE(r.torture.has_value());
    EXPECT_EQ(r.lock, name);
    if (name == "shared_mutex") {
      EXPECT_EQ(r.torture->step_delays, 0u);
    } else {
      EXPECT_GT(r.torture->step_delays, 0u);
    }
  }
  // The plain lock type has no hooks even under torture; its hooked copy has.
  EXPECT_EQ(RunLock<PushLock>(cfg).torture->step_delays, 0u);
  EXPECT_GT(RunLock<PushLock::Hooked>(cfg).torture->step_delays, 0u);
}

TEST_F(TortureTest, SignalsToWaitersExposeALockThatTrustsEveryWake) {
  EngineConfig cfg = Config(4, 0.0);
  const RunRecord plain = RunLock<TrustsEveryWake>(cfg);
  EXPECT_EQ(plain.status, RunStatus::kOk) << plain.status_detail;
  EXPECT_FALSE(plain.torture.has_value());
  cfg.torture_seed = 42;
  cfg.spec.duration_ns = 10'000'000'000;  // ends at the first violation
  const RunRecord tortured = RunLock<TrustsEveryWake>(cfg);
  ASSERT_EQ(tortured.status, RunStatus::kViolation);
  EXPECT_NE(tortured.status_detail.find("(torture seed 42)"), std::string::npos)
      << tortured.status_detail;
  EXPECT_GT(tortured.torture->signals, 0u);
}

TEST(TorturePlan, IsNeverBatched) {
  EngineConfig cfg;
  cfg.threads = 2;
  cfg.latency_sample_every = 256;
  ClockCalibration clock;
  clock.ticks_per_ns = 1.0;
  EXPECT_TRUE(engine_internal::MakePlan(cfg, clock, Recursion::kNone).batched);
  cfg.torture_seed = 1;
  const engine_internal::Plan p = engine_internal::MakePlan(cfg, clock, Recursion::kNone);
  EXPECT_TRUE(p.torture);
  EXPECT_FALSE(p.batched);
}

// The handler does not restart what it interrupts: a blocking read returns EINTR.
TEST(TortureSignal, InterruptsABlockingSystemCall) {
  engine_internal::InstallTortureSignal();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::atomic<int> result{0};
  std::thread reader([&] {
    char c;
    const ssize_t n = read(fds[0], &c, 1);
    result.store(n < 0 ? errno : -1);
  });
  // Keep signalling until the read returns (the first may arrive before the read started), for
  // a second at most; then a byte ends a read that the signals did not.
  for (int i = 0; i < 200 && result.load() == 0; ++i) {
    pthread_kill(reader.native_handle(), SIGURG);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (result.load() == 0) {
    ASSERT_EQ(write(fds[1], "x", 1), 1);
  }
  reader.join();
  EXPECT_EQ(result.load(), EINTR);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace lockbench
