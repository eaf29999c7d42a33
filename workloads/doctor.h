// `lockbench doctor`: whether this machine can show what a user wants to measure, before they
// trust its numbers. Lock behaviour is a property of the machine: a spinner burns CPU only where
// it has a core of its own, a powersave governor drifts, a busy machine cries wolf. Each check
// gives a verdict, what it found and the fix.
//
// Two kinds of check. The machine's settings (governor, boost, SMT, free processors, other load,
// the timer) are read from /sys, /proc and the clock; their verdicts are pure functions of what
// was read (the *Verdict functions below, tested on text). The measured ones run the real engine
// on real locks of the registry for about 100-150 ms each: an A/A spread of a few identical runs,
// and known answers (a FIFO lock's bypass within the FIFO bound, the ERESOURCE handing off, a
// spinning lock burning more lock CPU per op than a sleeping one in long-hold, the verifier
// seeing exclusion hold). A check whose answer needs a processor per thread is skipped, and says
// so, when the planned thread count is more than the free processors.
#ifndef LOCKBENCH_WORKLOADS_DOCTOR_H_
#define LOCKBENCH_WORKLOADS_DOCTOR_H_

#include <optional>
#include <string>
#include <vector>

#include "base/roles.h"
#include "nlohmann/json.hpp"
#include "workloads/clock.h"
#include "workloads/topology.h"

namespace lockbench {

// pass: fine for measuring. warn: usable, with the caveat the finding states. fail: the machine
// cannot show something (the finding says what). skipped: not measured here, for the reason
// given; what it would show is not shown, so it counts as a fail for the exit code.
enum class DoctorVerdict { kPass, kWarn, kFail, kSkipped };
const char* DoctorVerdictName(DoctorVerdict v);

struct DoctorCheck {
  std::string name;  // "governor", "fifo_bypass", ...
  DoctorVerdict verdict = DoctorVerdict::kPass;
  std::string finding;  // what was read or measured, in one line
  std::string fix;      // what to do about it; empty when nothing is to be done
};

// Whether a check says the machine cannot show something: fail or skipped.
bool CannotShow(const DoctorCheck& check);

// ---- Pure verdicts: what was read -> verdict ------------------------------------------------

// `governors`: scaling_governor of each CPU that has one (empty: no cpufreq interface).
DoctorCheck GovernorVerdict(const std::vector<std::string>& governors);
// `no_turbo`: intel_pstate/no_turbo; `boost`: cpufreq/boost; nullopt where absent.
DoctorCheck BoostVerdict(const std::optional<std::string>& no_turbo,
                         const std::optional<std::string>& boost);
// `control`: smt/control ("on", "off", "forceoff", "notsupported", "notimplemented"; "" where
// absent); `pus` and `cores` from the topology.
DoctorCheck SmtVerdict(const std::string& control, int pus, int cores);
// Processors this process may run on less those other processes keep busy (rounded), never
// below 0.
int FreeProcessors(int allowed_pus, double other_busy_pus);
// The planned thread count against the free processors.
DoctorCheck ThreadsVerdict(int threads, int allowed_pus, int free_pus);
// `share`: the machine's CPU busy outside this process over the sample (nullopt: unreadable).
DoctorCheck OtherLoadVerdict(const std::optional<double>& share, int online_pus);
// `clocksource`: the kernel's current clocksource ("" unknown); `counter`: what the hot loop
// reads (ClockCalibration::counter); `invariant_tsc`: x86 constant_tsc and nonstop_tsc flags
// (nullopt where not x86 or unknown).
DoctorCheck TimerSourceVerdict(const std::string& clocksource, const std::string& counter,
                               const std::optional<bool>& invariant_tsc);
// Two calibrations of the counter's rate (GHz), made apart, and where the rate came from.
DoctorCheck TimerRateVerdict(double first_ghz, double second_ghz, const std::string& source);
// The median cost of one read and one tick, in ns.
DoctorCheck TimerReadCostVerdict(double read_ns, double resolution_ns);

// The A/A spread: the throughput of `values.size()` identical runs. The gate it is judged by
// compares `gate_invocations` a side with a two-sided rank test at alpha 0.05 and power 0.8,
// against compare's default threshold of 5%.
inline constexpr int kGateInvocations = 7;
struct SpreadFigures {
  double spread = 0;  // standard deviation over mean
  double mde = 0;     // the smallest relative change that gate detects at this spread
};
SpreadFigures AaSpread(const std::vector<double>& values, int gate_invocations);
DoctorCheck AaSpreadVerdict(const std::vector<double>& values, const std::string& what);

// Known answers, from a run's summary figures.
struct RunOutcome {
  RunStatus status = RunStatus::kOk;
  std::string status_detail;
  uint64_t ops = 0;
  int threads = 0;
  std::string lock;
};
// A FIFO lock: `waited` waits some grant passed, `over_fifo_bound` the share passed by more
// than threads - 1.
DoctorCheck FifoBypassVerdict(const RunOutcome& run, uint64_t waited, double over_fifo_bound);
// A hand-off lock: over `releases` exclusive releases that found a waiter, `rate` went back to
// the releaser.
DoctorCheck HandoffVerdict(const RunOutcome& run, uint64_t releases, double rate);
// Long-hold: lock CPU per op (ns) of a lock whose waiters spin and of one whose waiters sleep.
DoctorCheck SpinSleepVerdict(const RunOutcome& spin, std::optional<double> spin_lock_cpu,
                             const RunOutcome& sleep, std::optional<double> sleep_lock_cpu);
// The verifier saw mutual exclusion hold over a run of a lock that provides it.
DoctorCheck ExclusionVerdict(const RunOutcome& run);
// A check not run, and why.
DoctorCheck Skipped(const std::string& name, const std::string& why);

// ---- The doctor ------------------------------------------------------------------------------

struct DoctorRequest {
  int threads = 2;  // the thread count the user plans (`run`'s default is 2)
  bool threads_given = false;
};

struct DoctorReport {
  int threads = 0;      // planned
  int run_threads = 0;  // what the lock runs used (the plan, at most kMaxDoctorThreads)
  int allowed_pus = 0;  // processors this process may run on
  int free_pus = 0;     // of which other processes did not keep busy
  bool oversubscribed = false;
  std::vector<DoctorCheck> checks;
  std::vector<std::string> skipped;      // names of the checks skipped
  std::vector<std::string> cannot_show;  // names of the checks that failed or were skipped
};

// Lock runs use at most this many threads, so the doctor stays short.
inline constexpr int kMaxDoctorThreads = 64;

// Every check on this machine, in order. About 1.5 s; the lock runs use `topology` (this
// machine's) for placement.
DoctorReport RunDoctor(const DoctorRequest& request, const Topology& topology);

// {"threads", "run_threads", "allowed_pus", "free_pus", "oversubscribed", "checks": [{name,
// verdict, finding, fix}], "skipped", "cannot_show"}.
nlohmann::json DoctorToJson(const DoctorReport& report);
// One line per check (verdict, name, finding, fix), then what the machine cannot show.
std::string RenderDoctorText(const DoctorReport& report);

// The checks that cost no lock run and no sampling (governor, boost, SMT, timer source, timer
// read cost) as {name: verdict}: what a result's context records.
nlohmann::json CheapDoctorVerdicts(const Topology& topology, const ClockCalibration& clock);

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_DOCTOR_H_
