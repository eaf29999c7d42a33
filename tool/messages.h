// How lockbench speaks on stderr: one line per message, "lockbench: <kind>: <text>". Messages
// echo what the user typed (paths, field names), which may hold a newline or other control
// characters: those are written as \xNN so a message stays one line.
//
// Two helpers keep a long sweep's stderr short: WarningLog prints each warning text once per
// invocation and gathers the per-lock warnings of several locks on one line; SweepProgress shows
// where a sweep is (a status line redrawn in place on a terminal, a line per finished run
// elsewhere). A message printed while the status line shows clears it first.
#ifndef LOCKBENCH_TOOL_MESSAGES_H_
#define LOCKBENCH_TOOL_MESSAGES_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace lockbench {

// `text` with every control character written as \xNN.
std::string OneLine(const std::string& text);

// Prints "lockbench: <kind>: <text>" as one line on stderr; kind is e.g. "warning".
void PrintMessage(const char* kind, const std::string& text);

// Prints "lockbench: error: <message>" and returns kExitUsage.
int UsageError(const std::string& message);

// The warnings of one invocation. A text is printed once, however many runs carry it. A
// per-lock warning, "lock '<name>' <rest>", is held until Flush, which prints one line per
// <rest> naming every lock that carried it: "locks 'a', 'b' each <rest>" (one lock: as it was).
class WarningLog {
 public:
  void Warn(const std::string& text);
  // Prints and forgets the held per-lock warnings, in the order their <rest> was first seen.
  void Flush();

 private:
  std::set<std::string> seen_;
  std::vector<std::pair<std::string, std::vector<std::string>>> held_;  // rest -> locks
};

// "45s", "1m05s", "2h03m10s": a whole number of seconds for a status line.
std::string FormatClock(double seconds);

// Seconds a sweep has left: what its plan has left (`planned_left_s`, in planned seconds) times
// the ratio of real to planned time of the runs finished so far (1 before the first finishes).
double EtaSeconds(double planned_left_s, double real_done_s, double planned_done_s);

// A sweep's progress on stderr. On a terminal, one status line redrawn in place ("\r", clear to
// end of line): "run k/N <what>: 43%, elapsed 1m05s, ETA 2m10s", cleared when the run ends; else
// one line per finished run, "lockbench: run k/N <what>: done, elapsed 4s, ETA 8s". Quiet: nothing.
class SweepProgress {
 public:
  // `planned_s`: each run's planned seconds (warm-up + duration), in sweep order.
  SweepProgress(std::vector<double> planned_s, bool terminal, bool quiet);
  // Run `index` (0-based, in sweep order) starts; `what` names it ("push_lock, 2 threads, rep 1/3").
  void Start(std::size_t index, const std::string& what);
  // The running run's fraction done, 0..1.
  void Update(double fraction);
  // The running run ended: clears the status line, or prints the run's line.
  void Finish();
  // The line as it would be shown now (no "\r", no prefix); for the tests.
  std::string StatusText(double fraction) const;

 private:
  double PlannedAfter(std::size_t index) const;
  double ElapsedS() const;

  std::vector<double> planned_s_;
  bool terminal_;
  bool quiet_;
  int64_t sweep_start_ns_;
  int64_t run_start_ns_ = 0;
  std::size_t index_ = 0;
  std::string what_;
  double real_done_s_ = 0;     // real seconds of the runs run so far
  double planned_done_s_ = 0;  // their planned seconds
};

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_MESSAGES_H_
