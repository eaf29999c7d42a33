#include "workloads/doctor.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <span>
#include <sstream>
#include <string_view>
#include <thread>

#include "base/strings.h"
#include "results/stats.h"
#include "results/summary.h"
#include "workloads/cost_counters.h"
#include "workloads/engine.h"
#include "workloads/placement.h"
#include "workloads/runners.h"
#include "workloads/workload_spec.h"

namespace lockbench {
namespace {

constexpr double kAlpha = 0.05;
constexpr double kPower = 0.8;
constexpr double kGateThreshold = 0.05;  // compare's default --threshold

DoctorCheck Check(std::string name, DoctorVerdict verdict, std::string finding,
                  std::string fix = "") {
  return DoctorCheck{std::move(name), verdict, std::move(finding), std::move(fix)};
}

std::string Ns(double ns) { return Fixed(ns, ns < 10 ? 2 : 1) + " ns"; }

// ---- Reading the machine -------------------------------------------------------------------

std::optional<std::string> ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string line;
  std::getline(in, line);
  return std::string(Trim(line));
}

// scaling_governor of every configured CPU that has one.
std::vector<std::string> Governors() {
  const long max_cpus = sysconf(_SC_NPROCESSORS_CONF);
  std::vector<std::string> out;
  for (int cpu = 0; cpu < max_cpus; ++cpu) {
    const std::optional<std::string> g = ReadFirstLine(
        "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cpufreq/scaling_governor");
    if (g && !g->empty()) out.push_back(*g);
  }
  return out;
}

std::string SmtControl() {
  return ReadFirstLine("/sys/devices/system/cpu/smt/control").value_or("");
}

std::string ClockSource() {
  return ReadFirstLine("/sys/devices/system/clocksource/clocksource0/current_clocksource")
      .value_or("");
}

// constant_tsc and nonstop_tsc in /proc/cpuinfo's flags; nullopt off x86 or without the file.
std::optional<bool> InvariantTsc() {
#if defined(__x86_64__)
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line);
    bool constant = false, nonstop = false;
    for (std::string w; words >> w;) {
      constant = constant || w == "constant_tsc";
      nonstop = nonstop || w == "nonstop_tsc";
    }
    return constant && nonstop;
  }
#endif
  return std::nullopt;
}

int AllowedPus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

// The share of the machine's CPU time busy over `window` while this process sleeps: other load.
std::optional<double> SampleOtherLoad(std::chrono::milliseconds window) {
  const std::optional<MachineCpu> before = ReadMachineCpu();
  std::this_thread::sleep_for(window);
  const std::optional<MachineCpu> after = ReadMachineCpu();
  if (!before || !after || after->total_ns <= before->total_ns) return std::nullopt;
  const double busy =
      static_cast<double>(after->busy_ns - std::min(after->busy_ns, before->busy_ns));
  return std::clamp(busy / static_cast<double>(after->total_ns - before->total_ns), 0.0, 1.0);
}

// ---- Running a lock ------------------------------------------------------------------------

const LockRunner* FindRunner(std::string_view name) {
  for (const LockRunner& r : LockRunners()) {
    if (r.traits.name == name) return &r;
  }
  return nullptr;
}

// A closed-loop workload of `threads` mixed-role threads, short window.
WorkloadSpec ShortSpec(WorkloadSpec spec, int threads, uint64_t duration_ns) {
  spec.readers = -1;
  spec.writers = -1;
  spec.threads = {threads};
  spec.threads_per_core = 0;
  spec.duration_ns = duration_ns;
  spec.warmup_ns = 20'000'000;
  spec.repetitions = 1;
  spec.ops = 0;
  ValidateWorkload(spec);
  return spec;
}

// Exclusive acquisitions only, a short section that writes one line: grant order shows.
WorkloadSpec ExclusiveStorm(int threads) {
  WorkloadSpec spec;
  spec.name = "doctor-exclusive";
  spec.read_ratio = 0.0;
  spec.shared_cs_ns = 0;
  spec.exclusive_cs_ns = 50;
  spec.exclusive_lines = 1;
  return ShortSpec(spec, threads, 120'000'000);
}

struct LockRun {
  RunOutcome outcome;
  RunSummary summary;
};

LockRun RunLock(const LockRunner& runner, const WorkloadSpec& spec, const Topology& topology,
                uint32_t sample_every) {
  const int threads = spec.threads.front();
  std::vector<Role> roles;
  for (int i = 0; i < threads; ++i) roles.push_back(spec.RoleOf(i));
  EngineConfig cfg;
  cfg.spec = spec;
  cfg.threads = threads;
  cfg.plan = PlanPlacement("compact", roles, /*smt=*/true, topology);
  cfg.topology = &topology;
  cfg.latency_sample_every = sample_every;
  cfg.stall_timeout_ns = 5'000'000'000;
  const RunRecord record = runner.Run(cfg);
  LockRun out;
  out.summary = Summarize(record);
  out.outcome = RunOutcome{record.status, record.status_detail, out.summary.ops, threads,
                           std::string(runner.traits.name)};
  return out;
}

std::string Missing(std::string_view lock) {
  return "lock " + std::string(lock) + " is not in this build";
}

// ---- The checks that run locks -------------------------------------------------------------

constexpr int kAaRuns = 5;

DoctorCheck AaSpreadCheck(int threads, const Topology& topology) {
  const LockRunner* runner = FindRunner("push_lock");
  if (runner == nullptr) return Skipped("aa_spread", Missing("push_lock"));
  WorkloadSpec spec = LoadPreset("read-mostly");
  spec = ShortSpec(spec, threads, 50'000'000);
  spec.warmup_ns = 10'000'000;
  std::vector<double> throughputs;
  for (int i = 0; i < kAaRuns; ++i) {
    const LockRun run = RunLock(*runner, spec, topology, 256);
    if (run.outcome.status != RunStatus::kOk) {
      return Check("aa_spread", DoctorVerdict::kFail,
                   std::string("an A/A run ended ") + RunStatusName(run.outcome.status) + ": " +
                       run.outcome.status_detail);
    }
    throughputs.push_back(run.summary.throughput_ops_per_s);
  }
  return AaSpreadVerdict(throughputs, std::to_string(kAaRuns) +
                                          " runs of push_lock, read-mostly, " +
                                          std::to_string(threads) + " threads, 50 ms");
}

DoctorCheck FifoBypassCheck(int threads, const Topology& topology) {
  const LockRunner* runner = FindRunner("queued_spin_lock");
  if (runner == nullptr) return Skipped("fifo_bypass", Missing("queued_spin_lock"));
  const LockRun run = RunLock(*runner, ExclusiveStorm(threads), topology, 1);
  return FifoBypassVerdict(run.outcome, run.summary.exclusive_bypass.waited,
                           run.summary.exclusive_bypass.over_fifo_bound);
}

DoctorCheck HandoffCheck(int threads, const Topology& topology) {
  const LockRunner* runner = FindRunner("eresource");
  if (runner == nullptr) return Skipped("eresource_handoff", Missing("eresource"));
  const LockRun run = RunLock(*runner, ExclusiveStorm(threads), topology, 1);
  return HandoffVerdict(run.outcome, run.summary.contended_reacquire.releases,
                        run.summary.contended_reacquire.rate);
}

// Two exclusive-only locks, so both serialise every acquisition behind the 20 us holds alike:
// the in-stack queued spin lock's waiters spin, the fast mutex's sleep.
DoctorCheck SpinSleepCheck(int threads, const Topology& topology) {
  const LockRunner* spinner = FindRunner("queued_spin_lock");
  const LockRunner* sleeper = FindRunner("fast_mutex");
  if (spinner == nullptr) return Skipped("spin_vs_sleep_cpu", Missing("queued_spin_lock"));
  if (sleeper == nullptr) return Skipped("spin_vs_sleep_cpu", Missing("fast_mutex"));
  const WorkloadSpec spec = ShortSpec(LoadPreset("long-hold"), threads, 150'000'000);
  const LockRun spin = RunLock(*spinner, spec, topology, 256);
  const LockRun sleep = RunLock(*sleeper, spec, topology, 256);
  return SpinSleepVerdict(spin.outcome, spin.summary.cost.lock_cpu_ns_per_op, sleep.outcome,
                          sleep.summary.cost.lock_cpu_ns_per_op);
}

DoctorCheck ExclusionCheck(int threads, const Topology& topology) {
  const LockRunner* runner = FindRunner("push_lock");
  if (runner == nullptr) return Skipped("exclusion", Missing("push_lock"));
  WorkloadSpec spec;
  spec.name = "doctor-exclusion";
  spec.read_ratio = 0.5;
  spec.shared_cs_ns = 100;
  spec.exclusive_cs_ns = 100;
  spec.shared_lines = 4;
  spec.exclusive_lines = 4;
  spec = ShortSpec(spec, threads, 100'000'000);
  return ExclusionVerdict(RunLock(*runner, spec, topology, 256).outcome);
}

std::string RanOn(const RunOutcome& run) {
  return run.lock + " at " + CountedNoun(static_cast<size_t>(run.threads), "thread", "threads");
}

// A run that did not end ok, as a failed check; nullopt when it did.
std::optional<DoctorCheck> NotOk(const std::string& name, const RunOutcome& run) {
  if (run.status == RunStatus::kOk) return std::nullopt;
  return Check(name, DoctorVerdict::kFail,
               RanOn(run) + " ended " + RunStatusName(run.status) + ": " + run.status_detail,
               "rerun; a violation or stall of a built-in lock is a lockbench bug worth reporting");
}

}  // namespace

const char* DoctorVerdictName(DoctorVerdict v) {
  switch (v) {
    case DoctorVerdict::kPass:
      return "pass";
    case DoctorVerdict::kWarn:
      return "warn";
    case DoctorVerdict::kFail:
      return "fail";
    case DoctorVerdict::kSkipped:
      return "skipped";
  }
  return "?";
}

bool CannotShow(const DoctorCheck& check) {
  return check.verdict == DoctorVerdict::kFail || check.verdict == DoctorVerdict::kSkipped;
}

DoctorCheck GovernorVerdict(const std::vector<std::string>& governors) {
  if (governors.empty()) {
    return Check("governor", DoctorVerdict::kWarn,
                 "no cpufreq interface (a VM, or a fixed clock): the clock speed cannot be checked",
                 "on bare metal: sudo cpupower frequency-set -g performance");
  }
  std::map<std::string, int> counts;
  for (const std::string& g : governors) ++counts[g];
  std::vector<std::string> parts;
  for (const auto& [g, n] : counts) parts.push_back(g + " (" + CountedNoun(n, "CPU", "CPUs") + ")");
  const std::string seen = "scaling governor " + Join(parts);
  if (counts.size() == 1 && counts.count("performance") == 1) {
    return Check("governor", DoctorVerdict::kPass, seen);
  }
  static constexpr std::string_view kDrifting[] = {"powersave", "ondemand", "conservative",
                                                   "schedutil"};
  for (std::string_view d : kDrifting) {
    if (counts.count(std::string(d)) > 0) {
      return Check("governor", DoctorVerdict::kFail,
                   seen +
                       ": the clock speed follows the load, so runs drift and a short run "
                       "measures a slower core than a long one",
                   "sudo cpupower frequency-set -g performance");
    }
  }
  return Check("governor", DoctorVerdict::kWarn, seen + ": not performance; the speed may vary",
               "sudo cpupower frequency-set -g performance");
}

DoctorCheck BoostVerdict(const std::optional<std::string>& no_turbo,
                         const std::optional<std::string>& boost) {
  const std::string why =
      ": the clock speed depends on temperature and on how many cores are busy, so thread "
      "counts are not compared at one speed";
  if (no_turbo) {
    if (*no_turbo == "1")
      return Check("boost", DoctorVerdict::kPass, "turbo off (intel_pstate no_turbo 1)");
    return Check("boost", DoctorVerdict::kWarn,
                 "turbo on (intel_pstate no_turbo " + *no_turbo + ")" + why,
                 "echo 1 | sudo tee /sys/devices/system/cpu/intel_pstate/no_turbo");
  }
  if (boost) {
    if (*boost == "0") return Check("boost", DoctorVerdict::kPass, "boost off (cpufreq boost 0)");
    return Check("boost", DoctorVerdict::kWarn, "boost on (cpufreq boost " + *boost + ")" + why,
                 "echo 0 | sudo tee /sys/devices/system/cpu/cpufreq/boost");
  }
  return Check("boost", DoctorVerdict::kWarn,
               "no boost control (a VM, or no turbo): whether the clock boosts cannot be checked",
               "on bare metal: turn turbo off in the firmware or through intel_pstate/no_turbo");
}

DoctorCheck SmtVerdict(const std::string& control, int pus, int cores) {
  const std::string seen = std::to_string(pus) + " PUs on " + std::to_string(cores) +
                           " cores, smt control " + (control.empty() ? "absent" : control);
  if (pus > cores && control != "off" && control != "forceoff") {
    return Check("smt", DoctorVerdict::kWarn,
                 seen +
                     ": two threads on sibling PUs share one core, so compact placement "
                     "measures the core's sharing as well as the lock",
                 "run with --smt off (one PU per core), or echo off | sudo tee "
                 "/sys/devices/system/cpu/smt/control");
  }
  return Check("smt", DoctorVerdict::kPass, seen + ": each PU is a core of its own");
}

int FreeProcessors(int allowed_pus, double other_busy_pus) {
  return std::max(0, allowed_pus - static_cast<int>(std::lround(std::max(0.0, other_busy_pus))));
}

DoctorCheck ThreadsVerdict(int threads, int allowed_pus, int free_pus) {
  const std::string planned = CountedNoun(static_cast<std::size_t>(threads), "thread", "threads");
  if (threads > allowed_pus) {
    return Check("threads", DoctorVerdict::kFail,
                 "oversubscribed: " + planned + " on " +
                     CountedNoun(static_cast<std::size_t>(allowed_pus), "processor", "processors") +
                     ": threads take turns, so spinners yield and waits include time slices",
                 "plan at most " + std::to_string(allowed_pus) +
                     " threads here, or measure on a machine with more cores");
  }
  if (threads > free_pus) {
    return Check("threads", DoctorVerdict::kFail,
                 "oversubscribed: " + planned + ", but other processes keep " +
                     std::to_string(allowed_pus - free_pus) + " of " + std::to_string(allowed_pus) +
                     " processors busy, leaving " + std::to_string(free_pus) + " free",
                 free_pus > 0 ? "stop the other load, or plan at most " +
                                    CountedNoun(static_cast<size_t>(free_pus), "thread", "threads")
                              : std::string("stop the other load first"));
  }
  return Check("threads", DoctorVerdict::kPass,
               planned + " on " + std::to_string(free_pus) + " free of " +
                   std::to_string(allowed_pus) + " processors: each thread has a processor");
}

DoctorCheck OtherLoadVerdict(const std::optional<double>& share, int online_pus) {
  if (!share) {
    return Check("other_load", DoctorVerdict::kWarn,
                 "/proc/stat cannot be read: other load unknown");
  }
  const std::string seen = "other processes used " + Percent(std::round(*share * 1000) / 1000) +
                           " of the machine's CPU (" + Fixed(*share * online_pus, 2) + " of " +
                           std::to_string(online_pus) + " processors)";
  const std::string fix = "measure on an idle machine (top names the busy processes)";
  if (*share < 0.10) return Check("other_load", DoctorVerdict::kPass, seen);
  if (*share < 0.50) {
    return Check("other_load", DoctorVerdict::kWarn,
                 seen + ": throughput, CPU per op and latency tails include their share", fix);
  }
  return Check("other_load", DoctorVerdict::kFail,
               seen + ": a busy machine cries wolf, changes it shows may be the load's", fix);
}

DoctorCheck TimerSourceVerdict(const std::string& clocksource, const std::string& counter,
                               const std::optional<bool>& invariant_tsc) {
  std::string seen = "counter " + counter;
  if (invariant_tsc) seen += *invariant_tsc ? " (invariant)" : " (not invariant)";
  seen += ", clocksource " + (clocksource.empty() ? std::string("unknown") : clocksource);
  if (counter == "tsc" && invariant_tsc && !*invariant_tsc) {
    return Check("timer_source", DoctorVerdict::kFail,
                 seen +
                     ": without constant_tsc and nonstop_tsc the TSC's rate follows the "
                     "clock speed, so durations and latencies are off by as much",
                 "measure on a CPU with an invariant TSC");
  }
  if (clocksource == "hpet" || clocksource == "acpi_pm" || clocksource == "jiffies" ||
      clocksource == "pit") {
    return Check("timer_source", DoctorVerdict::kWarn,
                 seen + ": the kernel distrusts the TSC, and steady_clock reads are system calls",
                 "look for 'TSC unstable' in dmesg; on a VM ask for kvm-clock or tsc");
  }
  return Check("timer_source", DoctorVerdict::kPass, seen);
}

DoctorCheck TimerRateVerdict(double first_ghz, double second_ghz, const std::string& source) {
  const std::string seen = "rate " + Fixed(first_ghz, 4) + " GHz (" + source + ")";
  if (source != "calibrated")
    return Check("timer_rate", DoctorVerdict::kPass, seen + ", stated, not measured");
  const double apart = first_ghz > 0 ? std::fabs(second_ghz - first_ghz) / first_ghz : 1.0;
  const std::string both = seen + ", two calibrations " + Fixed(apart * 100, 3) + "% apart";
  if (apart <= 0.005) return Check("timer_rate", DoctorVerdict::kPass, both);
  const std::string fix = "check the timer source; measure on an idle machine";
  if (apart <= 0.02) {
    return Check("timer_rate", DoctorVerdict::kWarn, both + ": durations are only as exact", fix);
  }
  return Check("timer_rate", DoctorVerdict::kFail,
               both +
                   ": the counter's rate is not steady, so durations and latencies are off "
                   "by as much",
               fix);
}

DoctorCheck TimerReadCostVerdict(double read_ns, double resolution_ns) {
  const std::string seen = "one read " + Ns(read_ns) + ", one tick " + Ns(resolution_ns);
  if (read_ns > 100) {
    return Check("timer_read_cost", DoctorVerdict::kFail,
                 seen + ": a timed acquisition takes three reads, more than a short section",
                 "time fewer acquisitions (--latency-sample 256) and read latencies of short "
                 "sections with care");
  }
  if (read_ns > 30 || resolution_ns > 10) {
    return Check("timer_read_cost", DoctorVerdict::kWarn,
                 seen + ": latencies of sections under " +
                     Ns(std::max(read_ns, resolution_ns) * 10) + " are mostly the timer",
                 "prefer longer sections, or throughput, on this machine");
  }
  return Check("timer_read_cost", DoctorVerdict::kPass, seen);
}

SpreadFigures AaSpread(const std::vector<double>& values, int gate_invocations) {
  SpreadFigures f;
  if (values.size() < 2) {
    f.spread = f.mde = std::numeric_limits<double>::infinity();
    return f;
  }
  double mean = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  const double sd = PooledStandardDeviation(values, std::span<const double>());
  if (mean <= 0) {
    f.spread = f.mde = std::numeric_limits<double>::infinity();
    return f;
  }
  f.spread = sd / mean;
  const auto n = static_cast<std::size_t>(gate_invocations);
  f.mde = MinimumDetectableShift(sd, n, n, kAlpha, kPower) / mean;
  return f;
}

DoctorCheck AaSpreadVerdict(const std::vector<double>& values, const std::string& what) {
  const SpreadFigures f = AaSpread(values, kGateInvocations);
  if (!std::isfinite(f.mde)) {
    return Check("aa_spread", DoctorVerdict::kFail,
                 what + ": too few runs with throughput to judge");
  }
  const std::string seen =
      what + ": throughput spread " + Percent(std::round(f.spread * 1000) / 1000) + "; a gate of " +
      std::to_string(kGateInvocations) + " invocations a side detects changes of " +
      Percent(std::round(f.mde * 1000) / 1000) + " or more";
  const std::string fix =
      "lower the other load, pin (--placement compact), and give the gate more invocations";
  if (f.mde <= kGateThreshold) return Check("aa_spread", DoctorVerdict::kPass, seen);
  if (f.mde <= 3 * kGateThreshold) {
    return Check("aa_spread", DoctorVerdict::kWarn,
                 seen + ": above compare's default 5% threshold, which it calls inconclusive", fix);
  }
  return Check("aa_spread", DoctorVerdict::kFail,
               seen + ": the machine cannot show a change smaller than that", fix);
}

DoctorCheck FifoBypassVerdict(const RunOutcome& run, uint64_t waited, double over_fifo_bound) {
  if (std::optional<DoctorCheck> bad = NotOk("fifo_bypass", run)) return *bad;
  const std::string seen = RanOn(run) + ": " + std::to_string(waited) + " waits passed, " +
                           Percent(std::round(over_fifo_bound * 1000) / 1000) +
                           " of them by more than " + std::to_string(run.threads - 1) + " grants";
  if (waited < 10) {
    return Check("fifo_bypass", DoctorVerdict::kFail,
                 seen + ": too little contention to show grant order",
                 "measure with threads that each have a processor, on an idle machine");
  }
  // A wait can count one grant too many (the first stamp read can miss a grant made just before
  // the request), so a rare excess is the measurement's, not the lock's.
  if (over_fifo_bound <= 0.02) {
    return Check("fifo_bypass", DoctorVerdict::kPass, seen + ": within the FIFO bound");
  }
  return Check("fifo_bypass", DoctorVerdict::kFail,
               seen + ": a FIFO lock read as barging, so bypass cannot be trusted here",
               "check the timer checks above; rerun on an idle machine");
}

DoctorCheck HandoffVerdict(const RunOutcome& run, uint64_t releases, double rate) {
  if (std::optional<DoctorCheck> bad = NotOk("eresource_handoff", run)) return *bad;
  const std::string seen = RanOn(run) + ": reacquire_while_waited " + Fixed(rate, 3) + " over " +
                           std::to_string(releases) + " releases that found a waiter";
  if (releases < 10) {
    return Check("eresource_handoff", DoctorVerdict::kFail,
                 seen + ": too few contended releases to show hand-off",
                 "measure on an idle machine with at least 2 free processors");
  }
  if (rate <= 0.1) return Check("eresource_handoff", DoctorVerdict::kPass, seen + ": it hands off");
  return Check("eresource_handoff", DoctorVerdict::kFail,
               seen +
                   ": a hand-off lock read as barging, so reacquire_while_waited cannot be "
                   "trusted here",
               "rerun on an idle machine; report it if it stays");
}

DoctorCheck SpinSleepVerdict(const RunOutcome& spin, std::optional<double> spin_lock_cpu,
                             const RunOutcome& sleep, std::optional<double> sleep_lock_cpu) {
  if (std::optional<DoctorCheck> bad = NotOk("spin_vs_sleep_cpu", spin)) return *bad;
  if (std::optional<DoctorCheck> bad = NotOk("spin_vs_sleep_cpu", sleep)) return *bad;
  if (!spin_lock_cpu || !sleep_lock_cpu) {
    return Check("spin_vs_sleep_cpu", DoctorVerdict::kFail,
                 "long-hold at " + std::to_string(spin.threads) +
                     " threads: lock CPU per op not measured (no thread CPU counters?)",
                 "run on Linux with CLOCK_THREAD_CPUTIME_ID and /proc/stat readable");
  }
  const std::string seen = "long-hold at " + std::to_string(spin.threads) + " threads: lock CPU " +
                           Ns(*spin_lock_cpu) + "/op for " + spin.lock + " (spins), " +
                           Ns(*sleep_lock_cpu) + "/op for " + sleep.lock + " (sleeps)";
  if (*spin_lock_cpu > 1.5 * std::max(*sleep_lock_cpu, 1.0)) {
    return Check("spin_vs_sleep_cpu", DoctorVerdict::kPass, seen + ": the spinner burns more");
  }
  return Check("spin_vs_sleep_cpu", DoctorVerdict::kFail,
               seen +
                   ": the spinner did not burn more, so its threads did not each keep a "
                   "processor: CPU per op cannot tell spinning from sleeping here",
               "measure with fewer threads than free processors, on an idle machine");
}

DoctorCheck ExclusionVerdict(const RunOutcome& run) {
  if (std::optional<DoctorCheck> bad = NotOk("exclusion", run)) return *bad;
  if (run.ops == 0) {
    return Check("exclusion", DoctorVerdict::kFail, RanOn(run) + ": no acquisition completed",
                 "rerun on an idle machine");
  }
  return Check("exclusion", DoctorVerdict::kPass,
               RanOn(run) + ", verifier on: " + std::to_string(run.ops) +
                   " acquisitions, mutual exclusion held");
}

DoctorCheck Skipped(const std::string& name, const std::string& why) {
  return Check(name, DoctorVerdict::kSkipped, why);
}

DoctorReport RunDoctor(const DoctorRequest& request, const Topology& topology) {
  DoctorReport r;
  r.threads = request.threads;
  r.allowed_pus = AllowedPus();
  if (r.allowed_pus <= 0) r.allowed_pus = topology.pus();
  const int online = topology.pus();

  // The machine's settings.
  r.checks.push_back(GovernorVerdict(Governors()));
  r.checks.push_back(BoostVerdict(ReadFirstLine("/sys/devices/system/cpu/intel_pstate/no_turbo"),
                                  ReadFirstLine("/sys/devices/system/cpu/cpufreq/boost")));
  r.checks.push_back(SmtVerdict(SmtControl(), topology.pus(), topology.cores()));
  const std::optional<double> other = SampleOtherLoad(std::chrono::milliseconds(200));
  r.free_pus = FreeProcessors(r.allowed_pus, other.value_or(0.0) * online);
  r.checks.push_back(ThreadsVerdict(r.threads, r.allowed_pus, r.free_pus));
  r.checks.push_back(OtherLoadVerdict(other, online));
  const ClockCalibration first = Calibrate();
  r.checks.push_back(TimerSourceVerdict(ClockSource(), first.counter, InvariantTsc()));

  // Measured: the A/A spread at the planned count, the known answers at the planned count (at
  // least 2, for contention); those that need a processor per thread only where it has them.
  r.run_threads = std::clamp(r.threads, 2, kMaxDoctorThreads);
  r.oversubscribed = r.threads > r.free_pus;
  const bool cores_each = r.run_threads <= r.free_pus;
  const std::string no_cores = "needs a processor per thread: " + std::to_string(r.run_threads) +
                               " threads would be " + "oversubscribed on " +
                               std::to_string(r.free_pus) + " free processors";
  r.checks.push_back(AaSpreadCheck(std::clamp(r.threads, 1, kMaxDoctorThreads), topology));
  r.checks.push_back(cores_each ? FifoBypassCheck(r.run_threads, topology)
                                : Skipped("fifo_bypass", no_cores));
  r.checks.push_back(HandoffCheck(r.run_threads, topology));
  r.checks.push_back(cores_each ? SpinSleepCheck(r.run_threads, topology)
                                : Skipped("spin_vs_sleep_cpu", no_cores));
  r.checks.push_back(ExclusionCheck(r.run_threads, topology));

  // The timer again, apart from the first calibration.
  const ClockCalibration second = Calibrate();
  r.checks.push_back(TimerRateVerdict(first.ticks_per_ns, second.ticks_per_ns, first.rate_source));
  r.checks.push_back(TimerReadCostVerdict(
      std::min(first.timer_overhead_ns, second.timer_overhead_ns), first.ResolutionNs()));

  for (const DoctorCheck& c : r.checks) {
    if (c.verdict == DoctorVerdict::kSkipped) r.skipped.push_back(c.name);
    if (CannotShow(c)) r.cannot_show.push_back(c.name);
  }
  return r;
}

nlohmann::json DoctorToJson(const DoctorReport& report) {
  nlohmann::json j = nlohmann::json::object();
  j["threads"] = report.threads;
  j["run_threads"] = report.run_threads;
  j["allowed_pus"] = report.allowed_pus;
  j["free_pus"] = report.free_pus;
  j["oversubscribed"] = report.oversubscribed;
  nlohmann::json checks = nlohmann::json::array();
  for (const DoctorCheck& c : report.checks) {
    nlohmann::json o = nlohmann::json::object();
    o["name"] = c.name;
    o["verdict"] = DoctorVerdictName(c.verdict);
    o["finding"] = c.finding;
    o["fix"] = c.fix.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.fix);
    checks.push_back(o);
  }
  j["checks"] = checks;
  nlohmann::json skipped = nlohmann::json::array();
  for (const std::string& s : report.skipped) skipped.push_back(s);
  j["skipped"] = skipped;
  nlohmann::json cannot = nlohmann::json::array();
  for (const std::string& s : report.cannot_show) cannot.push_back(s);
  j["cannot_show"] = cannot;
  return j;
}

std::string RenderDoctorText(const DoctorReport& report) {
  std::ostringstream out;
  out << "lockbench doctor: " << report.threads << " planned threads, " << report.free_pus
      << " free of " << report.allowed_pus << " processors; lock checks at " << report.run_threads
      << " threads\n";
  std::size_t width = 0;
  for (const DoctorCheck& c : report.checks) width = std::max(width, c.name.size());
  for (const DoctorCheck& c : report.checks) {
    out << PadRight(DoctorVerdictName(c.verdict), 8) << PadRight(c.name, width + 2) << c.finding;
    if (!c.fix.empty()) out << "; fix: " << c.fix;
    out << "\n";
  }
  if (report.oversubscribed) {
    out << "the run would be oversubscribed: " << report.threads << " threads on "
        << report.free_pus << " free processors";
    if (!report.skipped.empty()) out << "; skipped: " << Join(report.skipped);
    out << "\n";
  }
  if (report.cannot_show.empty()) {
    out << "every check passes\n";
  } else {
    out << "this machine cannot show what these checks cover: " << Join(report.cannot_show) << "\n";
  }
  return out.str();
}

nlohmann::json CheapDoctorVerdicts(const Topology& topology, const ClockCalibration& clock) {
  const std::vector<DoctorCheck> checks = {
      GovernorVerdict(Governors()),
      BoostVerdict(ReadFirstLine("/sys/devices/system/cpu/intel_pstate/no_turbo"),
                   ReadFirstLine("/sys/devices/system/cpu/cpufreq/boost")),
      SmtVerdict(SmtControl(), topology.pus(), topology.cores()),
      TimerSourceVerdict(ClockSource(), clock.counter, InvariantTsc()),
      TimerReadCostVerdict(clock.timer_overhead_ns, clock.ResolutionNs()),
  };
  nlohmann::json j = nlohmann::json::object();
  for (const DoctorCheck& c : checks) j[c.name] = DoctorVerdictName(c.verdict);
  return j;
}

}  // namespace lockbench
