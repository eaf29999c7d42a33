// The doctor's verdicts as functions of what it read or measured (workloads/doctor.h). The
// machine itself is checked by //tool:doctor_test, which runs the binary.
#include "workloads/doctor.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lockbench {
namespace {

using ::testing::HasSubstr;

TEST(GovernorVerdict, PerformanceEverywherePasses) {
  const DoctorCheck c = GovernorVerdict({"performance", "performance"});
  EXPECT_EQ(c.verdict, DoctorVerdict::kPass);
  EXPECT_THAT(c.finding, HasSubstr("performance (2 CPUs)"));
  EXPECT_EQ(c.name, "governor");
}

TEST(GovernorVerdict, PowersaveOnAnyCpuFailsWithTheFix) {
  const DoctorCheck c = GovernorVerdict({"performance", "powersave", "powersave"});
  EXPECT_EQ(c.verdict, DoctorVerdict::kFail);
  EXPECT_THAT(c.finding, HasSubstr("powersave (2 CPUs)"));
  EXPECT_THAT(c.fix, HasSubstr("frequency-set -g performance"));
  EXPECT_EQ(GovernorVerdict({"schedutil"}).verdict, DoctorVerdict::kFail);
  EXPECT_EQ(GovernorVerdict({"ondemand"}).verdict, DoctorVerdict::kFail);
}

TEST(GovernorVerdict, NoInterfaceOrAFixedSpeedWarns) {
  EXPECT_EQ(GovernorVerdict({}).verdict, DoctorVerdict::kWarn);
  EXPECT_THAT(GovernorVerdict({}).finding, HasSubstr("no cpufreq"));
  EXPECT_EQ(GovernorVerdict({"userspace"}).verdict, DoctorVerdict::kWarn);
}

TEST(BoostVerdict, TurboOnWarnsOffPasses) {
  EXPECT_EQ(BoostVerdict(std::string("1"), std::nullopt).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(BoostVerdict(std::string("0"), std::nullopt).verdict, DoctorVerdict::kWarn);
  EXPECT_THAT(BoostVerdict(std::string("0"), std::nullopt).fix, HasSubstr("no_turbo"));
  EXPECT_EQ(BoostVerdict(std::nullopt, std::string("0")).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(BoostVerdict(std::nullopt, std::string("1")).verdict, DoctorVerdict::kWarn);
  EXPECT_EQ(BoostVerdict(std::nullopt, std::nullopt).verdict, DoctorVerdict::kWarn);
}

TEST(SmtVerdict, SiblingsWarnUnlessSmtIsOff) {
  EXPECT_EQ(SmtVerdict("on", 8, 4).verdict, DoctorVerdict::kWarn);
  EXPECT_THAT(SmtVerdict("on", 8, 4).fix, HasSubstr("--smt off"));
  EXPECT_EQ(SmtVerdict("off", 8, 4).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(SmtVerdict("notsupported", 2, 2).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(SmtVerdict("", 4, 4).verdict, DoctorVerdict::kPass);
}

TEST(FreeProcessors, RoundsTheOtherLoadAndNeverGoesNegative) {
  EXPECT_EQ(FreeProcessors(2, 0.2), 2);
  EXPECT_EQ(FreeProcessors(2, 0.6), 1);
  EXPECT_EQ(FreeProcessors(2, 3.0), 0);
  EXPECT_EQ(FreeProcessors(16, 0.0), 16);
}

TEST(ThreadsVerdict, MoreThreadsThanProcessorsIsOversubscribed) {
  const DoctorCheck c = ThreadsVerdict(4, 2, 2);
  EXPECT_EQ(c.verdict, DoctorVerdict::kFail);
  EXPECT_THAT(c.finding, HasSubstr("oversubscribed: 4 threads on 2 processors"));
  EXPECT_THAT(c.fix, HasSubstr("at most 2 threads"));
}

TEST(ThreadsVerdict, OtherLoadCanOversubscribeTooAndAFitPasses) {
  const DoctorCheck busy = ThreadsVerdict(2, 2, 1);
  EXPECT_EQ(busy.verdict, DoctorVerdict::kFail);
  EXPECT_THAT(busy.finding, HasSubstr("leaving 1 free"));
  EXPECT_THAT(ThreadsVerdict(2, 2, 0).fix, HasSubstr("stop the other load first"));
  EXPECT_EQ(ThreadsVerdict(2, 2, 2).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(ThreadsVerdict(1, 8, 3).verdict, DoctorVerdict::kPass);
}

TEST(OtherLoadVerdict, ThresholdsAtTenAndFiftyPercent) {
  EXPECT_EQ(OtherLoadVerdict(0.05, 2).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(OtherLoadVerdict(0.2, 2).verdict, DoctorVerdict::kWarn);
  EXPECT_EQ(OtherLoadVerdict(0.7, 2).verdict, DoctorVerdict::kFail);
  EXPECT_THAT(OtherLoadVerdict(0.7, 2).finding, HasSubstr("1.40 of 2 processors"));
  EXPECT_EQ(OtherLoadVerdict(std::nullopt, 2).verdict, DoctorVerdict::kWarn);
}

TEST(TimerSourceVerdict, AVariantTscFailsASlowClocksourceWarns) {
  EXPECT_EQ(TimerSourceVerdict("tsc", "tsc", true).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(TimerSourceVerdict("kvm-clock", "tsc", true).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(TimerSourceVerdict("tsc", "tsc", false).verdict, DoctorVerdict::kFail);
  EXPECT_EQ(TimerSourceVerdict("hpet", "tsc", true).verdict, DoctorVerdict::kWarn);
  EXPECT_EQ(TimerSourceVerdict("arch_sys_counter", "cntvct_el0", std::nullopt).verdict,
            DoctorVerdict::kPass);
}

TEST(TimerRateVerdict, TwoCalibrationsMustAgree) {
  EXPECT_EQ(TimerRateVerdict(2.4, 2.401, "calibrated").verdict, DoctorVerdict::kPass);
  EXPECT_EQ(TimerRateVerdict(2.4, 2.43, "calibrated").verdict, DoctorVerdict::kWarn);
  EXPECT_EQ(TimerRateVerdict(2.4, 2.6, "calibrated").verdict, DoctorVerdict::kFail);
  // A stated rate is not measured, so it cannot drift between calibrations.
  EXPECT_EQ(TimerRateVerdict(0.0625, 0.0625, "cntfrq_el0").verdict, DoctorVerdict::kPass);
}

TEST(TimerReadCostVerdict, ExpensiveOrCoarseReads) {
  EXPECT_EQ(TimerReadCostVerdict(8, 0.4).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(TimerReadCostVerdict(45, 0.4).verdict, DoctorVerdict::kWarn);
  EXPECT_EQ(TimerReadCostVerdict(8, 16).verdict, DoctorVerdict::kWarn);
  EXPECT_EQ(TimerReadCostVerdict(250, 0.4).verdict, DoctorVerdict::kFail);
}

TEST(AaSpread, IdenticalRunsDetectEverythingNoisyOnesLittle) {
  const SpreadFigures same = AaSpread({100, 100, 100, 100, 100}, 7);
  EXPECT_EQ(same.spread, 0.0);
  EXPECT_EQ(same.mde, 0.0);
  // sd sqrt(80) over mean 100: (z(0.975) + z(0.8)) * 8.944 * sqrt(2/7) * sqrt(pi/3) / 100.
  const SpreadFigures noisy = AaSpread({90, 100, 110, 90, 110, 100}, 7);
  EXPECT_NEAR(noisy.spread, 0.0894, 1e-3);
  EXPECT_NEAR(noisy.mde, 0.1373, 2e-3);
}

TEST(AaSpreadVerdict, JudgedAgainstTheGatesFivePercent) {
  EXPECT_EQ(AaSpreadVerdict({100, 101, 99, 100, 100}, "x").verdict, DoctorVerdict::kPass);
  EXPECT_EQ(AaSpreadVerdict({95, 105, 100, 97, 103}, "x").verdict, DoctorVerdict::kWarn);
  EXPECT_EQ(AaSpreadVerdict({50, 150, 100, 70, 130}, "x").verdict, DoctorVerdict::kFail);
  EXPECT_EQ(AaSpreadVerdict({100}, "x").verdict, DoctorVerdict::kFail);
  EXPECT_THAT(AaSpreadVerdict({95, 105, 100, 97, 103}, "x").finding,
              HasSubstr("a gate of 7 invocations a side detects changes of"));
}

RunOutcome Ok(const char* lock, int threads) {
  return RunOutcome{RunStatus::kOk, "", 1000, threads, lock};
}

TEST(FifoBypassVerdict, AFifoLockStaysWithinTheBound) {
  EXPECT_EQ(FifoBypassVerdict(Ok("queued_spin_lock", 2), 500, 0.0).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(FifoBypassVerdict(Ok("queued_spin_lock", 2), 500, 0.01).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(FifoBypassVerdict(Ok("queued_spin_lock", 2), 500, 0.3).verdict, DoctorVerdict::kFail);
  EXPECT_THAT(FifoBypassVerdict(Ok("queued_spin_lock", 2), 3, 0.0).finding,
              HasSubstr("too little contention"));
  RunOutcome stalled = Ok("queued_spin_lock", 2);
  stalled.status = RunStatus::kStalled;
  EXPECT_EQ(FifoBypassVerdict(stalled, 500, 0.0).verdict, DoctorVerdict::kFail);
}

TEST(HandoffVerdict, ReacquireWhileWaitedNearZero) {
  EXPECT_EQ(HandoffVerdict(Ok("eresource", 2), 400, 0.0).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(HandoffVerdict(Ok("eresource", 2), 400, 0.05).verdict, DoctorVerdict::kPass);
  EXPECT_EQ(HandoffVerdict(Ok("eresource", 2), 400, 0.5).verdict, DoctorVerdict::kFail);
  EXPECT_EQ(HandoffVerdict(Ok("eresource", 2), 4, 0.0).verdict, DoctorVerdict::kFail);
}

TEST(SpinSleepVerdict, TheSpinnerMustBurnMore) {
  EXPECT_EQ(SpinSleepVerdict(Ok("queued_spin_lock", 2), 5000.0, Ok("fast_mutex", 2), 800.0).verdict,
            DoctorVerdict::kPass);
  EXPECT_EQ(SpinSleepVerdict(Ok("queued_spin_lock", 2), 900.0, Ok("fast_mutex", 2), 800.0).verdict,
            DoctorVerdict::kFail);
  EXPECT_EQ(
      SpinSleepVerdict(Ok("queued_spin_lock", 2), std::nullopt, Ok("fast_mutex", 2), 800.0).verdict,
      DoctorVerdict::kFail);
}

TEST(ExclusionVerdict, AViolationFails) {
  EXPECT_EQ(ExclusionVerdict(Ok("push_lock", 2)).verdict, DoctorVerdict::kPass);
  RunOutcome broken = Ok("push_lock", 2);
  broken.status = RunStatus::kViolation;
  broken.status_detail = "writer 1 saw another's stamp";
  const DoctorCheck c = ExclusionVerdict(broken);
  EXPECT_EQ(c.verdict, DoctorVerdict::kFail);
  EXPECT_THAT(c.finding, HasSubstr("violation"));
}

TEST(CannotShow, FailAndSkippedCountWarnDoesNot) {
  EXPECT_TRUE(CannotShow(Skipped("fifo_bypass", "why")));
  EXPECT_TRUE(CannotShow(GovernorVerdict({"powersave"})));
  EXPECT_FALSE(CannotShow(GovernorVerdict({})));
  EXPECT_FALSE(CannotShow(GovernorVerdict({"performance"})));
}

}  // namespace
}  // namespace lockbench
