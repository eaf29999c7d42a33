// The architecture headers do what they say on the architecture this test was built for.
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "arch/atomics.h"
#include "arch/cpu_relax.h"
#include "arch/cycle_counter.h"
#include "gtest/gtest.h"

namespace lockbench::arch {
namespace {

TEST(CycleCounterTest, NamesTheCounterOfThisArchitecture) {
#if defined(__x86_64__)
  EXPECT_STREQ(kCycleCounterName, "tsc");
  EXPECT_EQ(CycleCounterStatedHz(), 0u);  // the TSC's rate is measured, not stated
#elif defined(__aarch64__)
  EXPECT_STREQ(kCycleCounterName, "cntvct_el0");
  // Armv8 requires the generic timer to run between 1 MHz and 1 GHz (cntfrq_el0 is what
  // firmware, or the emulator, programmed).
  EXPECT_GE(CycleCounterStatedHz(), 1'000'000u);
  EXPECT_LE(CycleCounterStatedHz(), 1'000'000'000u);
#else
  EXPECT_STREQ(kCycleCounterName, "steady_clock");
#endif
}

TEST(CycleCounterTest, NeverGoesBackwardsAndAdvances) {
  uint64_t last = CycleCounter();
  for (int i = 0; i < 100000; ++i) {
    const uint64_t now = CycleCounter();
    ASSERT_GE(now, last) << "read " << i;
    last = now;
  }
  const uint64_t before = CycleCounter();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GT(CycleCounter(), before);
}

TEST(CycleCounterTest, StatedRateMatchesSteadyClock) {
  const uint64_t hz = CycleCounterStatedHz();
  if (hz == 0) GTEST_SKIP() << "this counter's rate is calibrated, not stated";
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t c0 = CycleCounter();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const uint64_t c1 = CycleCounter();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double measured_hz = static_cast<double>(c1 - c0) / s;
  // Loose: an emulator or a busy machine stretches the window on one side only.
  EXPECT_NEAR(measured_hz / static_cast<double>(hz), 1.0, 0.25) << measured_hz << " vs " << hz;
}

TEST(CpuRelaxTest, NamesItsInstructionAndReturns) {
#if defined(__x86_64__) || defined(__i386__)
  EXPECT_STREQ(kCpuRelaxInstruction, "pause");
#elif defined(__aarch64__)
  EXPECT_STREQ(kCpuRelaxInstruction, "yield");
#endif
  // A spin that relaxes still sees another thread's store.
  std::atomic<bool> go{false};
  std::thread t([&] { go.store(true, std::memory_order_release); });
  while (!go.load(std::memory_order_acquire)) CpuRelax();
  t.join();
}

TEST(AtomicsTest, FlavourMatchesTheCompilerSettings) {
  const std::string flavour = AtomicsFlavour();
#if defined(__x86_64__) || defined(__i386__)
  EXPECT_EQ(flavour, "x86-lock");
#elif defined(__aarch64__) && defined(__ARM_FEATURE_ATOMICS)
  EXPECT_EQ(flavour, "lse");
#elif defined(__aarch64__)
  // Debian's GCC 12 and clang 14 default to outline atomics on aarch64 Linux.
  EXPECT_EQ(flavour, "outline-atomics");
#endif
  EXPECT_EQ(AtomicsFlavour(), flavour) << "stable across calls";
}

}  // namespace
}  // namespace lockbench::arch
