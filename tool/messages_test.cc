#include "tool/messages.h"

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lockbench {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// What `body` writes on stderr.
template <class Body>
std::string Stderr(Body body) {
  testing::internal::CaptureStderr();
  body();
  return testing::internal::GetCapturedStderr();
}

TEST(WarningLog, PrintsATextOnce) {
  WarningLog log;
  const std::string out = Stderr([&] {
    log.Warn("thread 1 not pinned");
    log.Warn("thread 1 not pinned");
    log.Warn("thread 2 not pinned");
    log.Flush();
  });
  EXPECT_EQ(out,
            "lockbench: warning: thread 1 not pinned\nlockbench: warning: thread 2 not pinned\n");
}

TEST(WarningLog, GathersThePerLockWarningsOfSeveralLocksOnOneLine) {
  WarningLog log;
  const std::string held = Stderr([&] {
    for (int rep = 0; rep < 3; ++rep) {
      log.Warn("lock 'fast_mutex' has no shared mode: its shared requests ran exclusive");
      log.Warn("lock 'pthread_mutex' has no shared mode: its shared requests ran exclusive");
      log.Warn("lock 'ex_spin_lock' spins its waiters on 4 threads over 2 processors: x");
    }
  });
  EXPECT_EQ(held, "") << "held until Flush";
  const std::string out = Stderr([&] { log.Flush(); });
  EXPECT_EQ(out,
            "lockbench: warning: locks 'fast_mutex', 'pthread_mutex' each has no shared mode: its "
            "shared requests ran exclusive\n"
            "lockbench: warning: lock 'ex_spin_lock' spins its waiters on 4 threads over 2 "
            "processors: x\n");
  EXPECT_EQ(Stderr([&] { log.Flush(); }), "") << "a flushed warning is not printed again";
}

TEST(FormatClock, WholeSecondsMinutesAndHours) {
  EXPECT_EQ(FormatClock(0), "0s");
  EXPECT_EQ(FormatClock(44.6), "45s");
  EXPECT_EQ(FormatClock(65), "1m05s");
  EXPECT_EQ(FormatClock(3600 + 2 * 60 + 3), "1h02m03s");
  EXPECT_EQ(FormatClock(-3), "0s");
}

TEST(EtaSeconds, ScalesThePlanByTheObservedRatio) {
  EXPECT_DOUBLE_EQ(EtaSeconds(10, 0, 0), 10) << "nothing finished: the plan as it is";
  EXPECT_DOUBLE_EQ(EtaSeconds(10, 3, 2), 15) << "runs took 1.5 times their plan";
  EXPECT_DOUBLE_EQ(EtaSeconds(10, 1, 2), 5);
}

TEST(SweepProgress, StatusLineCountsRunsAndPlansWhatIsLeft) {
  SweepProgress p({2, 2, 2, 2}, /*terminal=*/true, /*quiet=*/true);
  p.Start(1, "push_lock, 2 threads, rep 2/2");
  // Run 2 of 4 half done: 1 s of it and 4 s of the two after it are left.
  EXPECT_THAT(p.StatusText(0.5),
              MatchesRegex("run 2/4 push_lock, 2 threads, rep 2/2: 50%, elapsed 0s, ETA 5s"));
  p.Start(3, "last");
  EXPECT_THAT(p.StatusText(1.0), HasSubstr("run 4/4 last: 100%, elapsed 0s, ETA 0s"));
}

TEST(SweepProgress, TerminalRedrawsOneLineInPlaceAndClearsIt) {
  SweepProgress p({1, 1}, /*terminal=*/true, /*quiet=*/false);
  const std::string out = Stderr([&] {
    p.Start(0, "a");
    p.Update(0.5);
    p.Finish();
  });
  EXPECT_EQ(out.find('\n'), std::string::npos) << out;
  EXPECT_THAT(out, HasSubstr("\r\033[Krun 1/2 a: 50%, elapsed 0s, ETA "));
  EXPECT_TRUE(out.ends_with("\r\033[K")) << "cleared at the end of the run";
}

TEST(SweepProgress, AMessageClearsTheStatusLineFirst) {
  SweepProgress p({1}, /*terminal=*/true, /*quiet=*/false);
  const std::string out = Stderr([&] {
    p.Start(0, "a");
    PrintMessage("warning", "w");
    p.Finish();
  });
  EXPECT_THAT(out, HasSubstr("\r\033[Klockbench: warning: w\n"));
  EXPECT_FALSE(out.ends_with("\r\033[K")) << "nothing shown left to clear";
}

TEST(SweepProgress, ALogGetsOneLinePerFinishedRun) {
  SweepProgress p({1, 1}, /*terminal=*/false, /*quiet=*/false);
  const std::string out = Stderr([&] {
    p.Start(0, "a, 1 threads, rep 1/1");
    p.Update(0.5);
    p.Finish();
    p.Start(1, "b, 1 threads, rep 1/1");
    p.Finish();
  });
  EXPECT_THAT(out, MatchesRegex("lockbench: run 1/2 a, 1 threads, rep 1/1: done, elapsed 0s, "
                                "ETA 0s\nlockbench: run 2/2 b, 1 threads, rep 1/1: done, "
                                "elapsed 0s, ETA 0s\n"));
}

TEST(SweepProgress, QuietSaysNothing) {
  SweepProgress p({1}, /*terminal=*/false, /*quiet=*/true);
  EXPECT_EQ(Stderr([&] {
              p.Start(0, "a");
              p.Update(0.5);
              p.Finish();
            }),
            "");
}

}  // namespace
}  // namespace lockbench
