#include "workloads/internal/drive.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "base/roles.h"
#include "base/strings.h"
#include "workloads/cost_counters.h"
#include "workloads/placement.h"

namespace lockbench::engine_internal {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Everything a run shares with its threads: the lock objects (each on its own cache lines) and
// the protected data in one placed MemoryBlock, the threads' state and results, the start
// barrier. Owned by Drive; the destructor stops and joins the threads, then destroys the lock
// objects. The one exception, a run that stalled, is Abandon's.
struct Run {
  Run(const EngineConfig& cfg, const LockOps& lock_ops, const Plan& plan);
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  void JoinThreads() {
    for (std::thread& th : threads) {
      if (th.joinable()) th.join();
    }
  }

  const size_t n;  // threads
  const LockOps ops;
  const size_t instances;
  const size_t stride;  // bytes from one lock object to the next
  Shared shared;
  MemoryBlock memory;
  std::byte* locks = nullptr;
  size_t locks_constructed = 0;
  Line* lines = nullptr;
  std::vector<std::unique_ptr<ThreadRecord>> records;
  std::vector<std::vector<uint32_t>> grant_logs;
  std::vector<std::string> bind_errors;
  std::unique_ptr<std::atomic<bool>[]> out_of_memory;  // a thread could not allocate its state
  std::latch start;
  std::vector<std::thread> threads;
};

Run::Run(const EngineConfig& cfg, const LockOps& lock_ops, const Plan& plan)
    : n(static_cast<size_t>(cfg.threads)),
      ops(lock_ops),
      instances(static_cast<size_t>(plan.instances)),
      stride(LockStride(lock_ops)),
      records(n),
      grant_logs(n),
      bind_errors(n),
      out_of_memory(std::make_unique<std::atomic<bool>[]>(n)),
      start(static_cast<std::ptrdiff_t>(n + 1)) {
  shared.progress = std::vector<ProgressWord>(n);
  threads.reserve(n);
  const size_t lock_bytes = instances * stride;
  const size_t line_count = instances * static_cast<size_t>(plan.lines_per_instance);
  memory = MemoryBlock::Allocate(*cfg.topology, lock_bytes + line_count * sizeof(Line), cfg.memory);
  locks = static_cast<std::byte*>(memory.data());
  for (; locks_constructed < instances; ++locks_constructed) {
    ops.construct(locks + locks_constructed * stride, ops.context);
  }
  lines = reinterpret_cast<Line*>(locks + lock_bytes);
  for (size_t i = 0; i < line_count; ++i) {
    new (&lines[i]) Line;  // zeroed, and first-touched by this thread
  }
}

Run::~Run() {
  shared.phase.store(kStop, std::memory_order_release);
  JoinThreads();
  for (size_t i = 0; i < locks_constructed; ++i) ops.destroy(locks + i * stride);
}

// The one deliberate leak. After a stall, threads stuck inside a lock call can never be joined,
// and they still use the run's lock objects, protected data and shared state: the threads are
// detached and the Run is never destroyed. The caller should exit soon.
void Abandon(std::unique_ptr<Run> run) {
  for (std::thread& th : run->threads) th.detach();
  [[maybe_unused]] Run* leaked = run.release();
}

// Thread tid's completed acquisitions, from its progress word.
uint64_t Count(const Shared& sh, size_t tid) {
  return sh.progress[tid].word.load(std::memory_order_relaxed) >> 2;
}

// Which threads wait inside a lock call, and in which mode: what a stalled run reports.
std::string DescribeWaiters(const Shared& sh, const EngineConfig& cfg) {
  std::vector<std::string> waiters;
  for (size_t t = 0; t < sh.progress.size(); ++t) {
    const uint64_t activity = sh.progress[t].word.load(std::memory_order_relaxed) & 3;
    if (activity == kIdle) continue;
    waiters.push_back("thread " + std::to_string(t) + " (" +
                      RoleName(cfg.spec.RoleOf(static_cast<int>(t))) + ") waiting " +
                      (activity == kWaitShared ? "shared" : "exclusive"));
  }
  return waiters.empty() ? "no thread is inside a lock call" : Join(waiters);
}

// ---- start ----

// Starts worker thread t: it pins itself, allocates its record, waits at the start barrier,
// runs the body, and leaves its results in the run.
void StartWorker(Run& run, size_t t, const EngineConfig& cfg, const Plan& plan,
                 const WorkerBody& body) {
  run.threads.emplace_back([r = &run, t, &cfg, &plan, body] {
    std::unique_ptr<ThreadRecord> rec;
    std::vector<uint32_t> grant_log;
    try {
      const ThreadPlacement& where = cfg.plan.threads[t];
      if (cfg.plan.binds && where.pinned) {
        r->bind_errors[t] = BindCurrentThread(*cfg.topology, where.pu_os);
      }
      // Allocated by the thread itself, so first-touch puts its counters on its own node.
      rec = std::make_unique<ThreadRecord>();
      rec->shared_series.assign(plan.series_len, 0);
      rec->exclusive_series.assign(plan.series_len, 0);
      grant_log.reserve(std::min<size_t>(plan.grant_log_cap, 1 << 16));
      rec->timeline.reserve(plan.timeline_cap);  // the window allocates nothing
    } catch (const std::bad_alloc&) {
      r->out_of_memory[t].store(true);  // StartThreads stops the run after the barrier
    }
    r->start.arrive_and_wait();
    if (r->out_of_memory[t].load()) return;
    body(static_cast<int>(t), r->shared, *rec, grant_log, r->locks, r->lines);
    r->grant_logs[t] = std::move(grant_log);
    r->records[t] = std::move(rec);
  });
}

// Starts every thread and lets them through the start barrier together. If a thread cannot
// start, or cannot allocate its state, throws ThreadStartError; the Run's destructor then
// stops and joins the others.
void StartThreads(Run& run, const EngineConfig& cfg, const Plan& plan, const WorkerBody& body) {
  for (size_t t = 0; t < run.n; ++t) {
    try {
      StartWorker(run, t, cfg, plan, body);
    } catch (const std::system_error& e) {
      // The threads at the barrier are let through it (this one stands in for the ones that
      // never started) and see the stop at once.
      run.shared.phase.store(kStop, std::memory_order_release);
      run.start.count_down(static_cast<std::ptrdiff_t>(run.n - t));
      run.start.arrive_and_wait();
      throw ThreadStartError(t, run.n, e.what());
    }
  }
  run.start.arrive_and_wait();
  for (size_t t = 0; t < run.n; ++t) {
    if (run.out_of_memory[t].load()) throw ThreadStartError(t, run.n, "out of memory for its state");
  }
}

// ---- watch ----

// How the watched part of a run ended, and its measured window in clock ticks.
struct Window {
  uint64_t start_ticks = 0;
  uint64_t end_ticks = 0;
  std::optional<MachineCpu> machine_start, machine_end;  // /proc/stat at its start and end
  bool stalled = false;
  bool interrupted = false;
};

// The stall watchdog: whether any thread completed an acquisition within the timeout.
class StallWatch {
 public:
  StallWatch(size_t threads, SteadyClock::time_point now)
      : last_counts_(threads, 0), last_change_(now) {}

  bool Stalled(const Shared& sh, SteadyClock::time_point now, std::chrono::nanoseconds timeout) {
    bool moved = false;
    for (size_t t = 0; t < last_counts_.size(); ++t) {
      const uint64_t c = Count(sh, t);
      if (c != last_counts_[t]) {
        last_counts_[t] = c;
        moved = true;
      }
    }
    if (moved) last_change_ = now;
    return now - last_change_ > timeout;
  }

 private:
  std::vector<uint64_t> last_counts_;
  SteadyClock::time_point last_change_;
};

// Ends the warm-up: the threads start counting from now. Returns the window's first tick.
uint64_t StartWindow(Shared& sh) {
  const uint64_t start_ticks = Ticks();
  sh.measure_start_ticks.store(start_ticks, std::memory_order_relaxed);
  sh.phase.store(kMeasure, std::memory_order_release);
  return start_ticks;
}

// Whether the measured window is over: every thread's op quota done, or else its duration.
bool WindowOver(const Shared& sh, const Plan& plan, size_t threads,
                SteadyClock::duration measured, std::chrono::nanoseconds duration) {
  if (plan.ops_quota != 0) {
    return sh.finished.load(std::memory_order_acquire) == static_cast<int>(threads);
  }
  return measured >= duration;
}

// The main thread's part of a run, from the start barrier to the stop: flips warm-up to the
// measured window and ends it when it is over, at a violation, an interrupt or a stall, and
// reports progress about 10 times a second. Leaves the phase at kStop.
Window Watch(Shared& sh, const EngineConfig& cfg, const Plan& plan) {
  const auto begin = SteadyClock::now();
  const auto warmup = std::chrono::nanoseconds(cfg.spec.warmup_ns);
  const auto duration = std::chrono::nanoseconds(cfg.spec.duration_ns);
  const auto stall_timeout = std::chrono::nanoseconds(cfg.stall_timeout_ns);
  StallWatch stall(sh.progress.size(), begin);
  auto last_progress_report = begin;
  auto measure_begin = begin;
  bool measuring = false;
  Window w;
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto now = SteadyClock::now();
    if (sh.phase.load(std::memory_order_acquire) == kStop) break;  // a violation
    if (cfg.interrupt != nullptr && cfg.interrupt->load(std::memory_order_relaxed)) {
      w.interrupted = true;
      break;
    }
    if (stall.Stalled(sh, now, stall_timeout)) {
      w.stalled = true;
      break;
    }
    if (!measuring && now - begin >= warmup) {
      w.machine_start = ReadMachineCpu();
      w.start_ticks = StartWindow(sh);
      measure_begin = now;
      measuring = true;
    }
    if (measuring && WindowOver(sh, plan, sh.progress.size(), now - measure_begin, duration)) break;
    if (cfg.progress && now - last_progress_report > std::chrono::milliseconds(100)) {
      last_progress_report = now;
      const double total = static_cast<double>((warmup + duration).count());
      cfg.progress(std::min(1.0, static_cast<double>((now - begin).count()) / total));
    }
  }
  sh.phase.store(kStop, std::memory_order_release);
  w.end_ticks = Ticks();
  if (measuring) w.machine_end = ReadMachineCpu();
  if (!measuring) w.start_ticks = w.end_ticks;
  return w;
}

// ---- collect and emit ----

// The record's header: what ran, and where the lock objects' memory ended up.
RunRecord NewRecord(const EngineConfig& cfg, const LockTraits& traits, const Plan& plan,
                    const MemoryBlock& memory) {
  RunRecord record;
  record.lock = std::string(traits.name);
  record.workload = cfg.spec.name;
  record.threads = cfg.threads;
  record.repetition = cfg.repetition;
  record.placement = cfg.plan.policy;
  record.latency_sample_every = plan.sample_every;
  record.bypass_measured = plan.exclusive_lines > 0;
  record.contention_measured = plan.contention;
  if (plan.open_loop) {
    record.offered_ops_per_s = cfg.arrival_rate;
    record.arrival = cfg.spec.arrival == ArrivalKind::kFixed ? "fixed" : "poisson";
  }
  record.time_series_interval_ns = cfg.time_series_interval_ns;
  record.timeline_window_ns = plan.timeline_cap != 0 ? cfg.timeline_window_ns : 0;
  record.timeline_cap = plan.timeline_cap;
  record.busy_work = {.shared_cs_ns = cfg.spec.shared_cs_ns,
                      .exclusive_cs_ns = cfg.spec.exclusive_cs_ns,
                      .think_ns = cfg.spec.think == ThinkKind::kNone ? 0 : cfg.spec.think_ns};
  std::string memory_error;
  record.lock_memory_nodes = memory.NodesHoldingMemory(&memory_error);
  record.lock_memory_note = memory.note().empty() ? memory_error : memory.note();
  return record;
}

void AddBindWarnings(RunRecord& record, const Run& run, const EngineConfig& cfg) {
  for (size_t t = 0; t < run.n; ++t) {
    const ThreadPlacement& where = cfg.plan.threads[t];
    if (!run.bind_errors[t].empty()) {
      record.warnings.push_back("thread " + std::to_string(t) + " not pinned to PU " +
                                std::to_string(where.pu_os) + ": " + run.bind_errors[t]);
    }
  }
}

void FillPlacement(ThreadRecord& r, const EngineConfig& cfg, size_t t) {
  const ThreadPlacement& where = cfg.plan.threads[t];
  r.thread = static_cast<int>(t);
  r.role = cfg.spec.RoleOf(static_cast<int>(t));
  r.pu = where.pinned ? where.pu_os : -1;
  r.core = where.pinned ? where.core : -1;
  r.numa_node = where.pinned ? where.numa_node : -1;
  r.package = where.pinned ? where.package : -1;
}

// A stalled run: who waits in which mode, and each thread's placement without counts (the
// threads cannot be joined to collect them).
void EmitStalled(RunRecord& record, const Shared& sh, const EngineConfig& cfg) {
  record.status = RunStatus::kStalled;
  record.status_detail = "no thread completed an acquisition for " +
                         FormatDurationNs(cfg.stall_timeout_ns) + ": " + DescribeWaiters(sh, cfg);
  for (size_t t = 0; t < sh.progress.size(); ++t) {
    ThreadRecord r;
    FillPlacement(r, cfg, t);
    record.per_thread.push_back(std::move(r));
  }
}

// The cost counters: every thread's read, and the machine's over the window.
void CollectCost(RunRecord& record, const Window& window) {
  record.cost_measured = !record.per_thread.empty();
  for (const ThreadRecord& t : record.per_thread) {
    record.cost_measured = record.cost_measured && t.counters_read;
  }
  if (window.machine_start && window.machine_end &&
      window.machine_end->total_ns > window.machine_start->total_ns) {
    record.machine_busy_ns = window.machine_end->busy_ns - window.machine_start->busy_ns;
    record.machine_total_ns = window.machine_end->total_ns - window.machine_start->total_ns;
  }
}

void EmitEnding(RunRecord& record, const Shared& sh, const Window& window) {
  if (sh.violation.load()) {
    record.status = RunStatus::kViolation;
    record.status_detail = sh.violation_detail;
  } else if (window.interrupted) {
    record.status = RunStatus::kInterrupted;
    record.status_detail = "interrupted by a signal";
  }
}

// Each thread's record, with its hold log in ns since the window's start.
void CollectThreads(RunRecord& record, Run& run, const EngineConfig& cfg, const Plan& plan,
                    uint64_t start_ticks) {
  const auto to_ns = [&](uint64_t ticks) {
    return ticks > start_ticks
               ? static_cast<uint64_t>(static_cast<double>(ticks - start_ticks) * plan.ns_per_tick)
               : 0;
  };
  for (size_t t = 0; t < run.n; ++t) {
    ThreadRecord& r = *run.records[t];
    FillPlacement(r, cfg, t);
    for (HoldInterval& h : r.holds) {
      h.requested = to_ns(h.requested);
      h.granted = to_ns(h.granted);
      h.released = to_ns(h.released);
    }
    for (TimelineEvent& e : r.timeline) {
      e.arrival = e.arrival != 0 ? to_ns(e.arrival) : 0;
      e.requested = to_ns(e.requested);
      e.granted = to_ns(e.granted);
      e.released = to_ns(e.released);
    }
    record.per_thread.push_back(std::move(r));
  }
}

// An exclusive-only lock took its shared requests exclusive: every report of the run says so.
void NoteExclusiveOnly(RunRecord& record, const LockTraits& traits) {
  uint64_t shared = 0;
  for (const ThreadRecord& t : record.per_thread) shared += t.shared_ops;
  if (traits.shared_mode || shared == 0) return;
  record.warnings.push_back("lock '" + std::string(traits.name) + "' " +
                            std::string(kRanExclusiveWarning));
}

// The processors a run's threads had: the distinct PUs they were pinned to, else the machine's.
int ProcessorsOfRun(const EngineConfig& cfg) {
  std::vector<int> pus;
  for (const ThreadPlacement& p : cfg.plan.threads) {
    if (p.pinned && std::find(pus.begin(), pus.end(), p.pu_os) == pus.end()) pus.push_back(p.pu_os);
  }
  if (!pus.empty()) return static_cast<int>(pus.size());
  if (cfg.topology != nullptr) return cfg.topology->pus();
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// A lock whose waiters only spin, run with more threads than processors: its spinners yielded
// to the holder instead of keeping a processor each, so its cost figures describe that, not a
// machine with a processor per thread. The report marks them (results/report.cc).
void NoteOversubscribedSpinners(RunRecord& record, const LockTraits& traits,
                                const EngineConfig& cfg) {
  if (traits.waiters != WaitKind::kSpin) return;
  const int processors = ProcessorsOfRun(cfg);
  if (cfg.threads <= processors) return;
  record.warnings.push_back(
      "lock '" + std::string(traits.name) + "' spins its waiters on " +
      CountedNoun(static_cast<std::size_t>(cfg.threads), "thread", "threads") + " over " +
      CountedNoun(static_cast<std::size_t>(processors), "processor", "processors") + ": " +
      std::string(kOversubscribedSpinnersWarning));
}

// Torture mode: the threads' disturbances added to the controller's, and the seed named in a
// violation or a stall, so it can be run again.
void AddTortureCounts(RunRecord& record, const EngineConfig& cfg) {
  if (!record.torture) return;
  record.torture->seed = *cfg.torture_seed;
  for (const ThreadRecord& t : record.per_thread) {
    record.torture->cs_delays += t.torture_cs_delays;
    record.torture->holder_sleeps += t.torture_holder_sleeps;
    record.torture->step_delays += t.torture_step_delays;
  }
  if (record.status == RunStatus::kViolation || record.status == RunStatus::kStalled) {
    record.status_detail += " (torture seed " + std::to_string(*cfg.torture_seed) + ")";
  }
}

// The exclusive grant order of lock instance 0, from the threads' grant logs. Where a thread's
// log was cut short, its later grants are unknown: keep only the grants up to the earliest cut,
// so the order has no holes that would look like long runs.
void CollectGrantSequence(RunRecord& record, const Run& run, const Plan& plan) {
  uint32_t horizon = UINT32_MAX;
  for (const std::vector<uint32_t>& log : run.grant_logs) {
    if (!log.empty() && log.size() >= plan.grant_log_cap) {
      record.grant_sequence_truncated = true;
      horizon = std::min(horizon, log.back());
    }
  }
  std::vector<std::pair<uint32_t, uint32_t>> grants;
  for (size_t t = 0; t < run.n; ++t) {
    for (uint32_t g : run.grant_logs[t]) {
      if (g <= horizon) grants.emplace_back(g, static_cast<uint32_t>(t));
    }
  }
  std::sort(grants.begin(), grants.end());
  record.grant_sequence.reserve(grants.size());
  for (const auto& [g, t] : grants) record.grant_sequence.push_back(t);
}

// Events a thread logs at most in a timeline window: 2^20 over all threads (each 56 bytes,
// reserved before the run), at least 256 and at most 65,536 a thread.
size_t TimelineCap(int threads) {
  return std::clamp<size_t>((size_t{1} << 20) / static_cast<size_t>(threads), 256, size_t{1} << 16);
}

// A fraction as the bound that a 64-bit random number falls below with that probability.
uint64_t Threshold(double fraction) {
  if (fraction >= 1.0) return UINT64_MAX;
  return static_cast<uint64_t>(std::ldexp(fraction, 64));
}

// The tables a workload's per-op values are drawn from (WorkloadSpec::DrawsFromTables), built
// once per run and shared by the threads' copies of the plan. A workload recorded from a program
// has its contention measured, which only the table-drawing loop does, even where it draws
// nothing (a hand-written file with fixed sections).
void PlanDraws(const WorkloadSpec& s, const ClockCalibration& clock, Plan& p) {
  p.contention = !s.recorded_from.is_null();
  p.draws = s.DrawsFromTables() || p.contention;
  if (!s.shared_cs_quantiles_ns.empty()) {
    p.shared_draw = EmpiricalSampler(s.shared_cs_quantiles_ns, clock.ticks_per_ns);
  }
  if (!s.exclusive_cs_quantiles_ns.empty()) {
    p.exclusive_draw = EmpiricalSampler(s.exclusive_cs_quantiles_ns, clock.ticks_per_ns);
  }
  if (s.think == ThinkKind::kEmpirical) {
    p.think_draw = EmpiricalSampler(s.think_quantiles_ns, clock.ticks_per_ns);
  }
  if (s.lock_choice == LockChoice::kWeights) p.weights = WeightedChoice(s.lock_weights);
  if (!s.lock_read_ratios.empty()) {
    auto thresholds = std::make_shared<uint64_t[]>(s.lock_read_ratios.size());
    for (size_t i = 0; i < s.lock_read_ratios.size(); ++i) {
      thresholds[i] = Threshold(s.lock_read_ratios[i]);
    }
    p.read_thresholds = std::move(thresholds);
  }
}

}  // namespace

// plan -> start -> watch -> collect -> emit.
RunRecord Drive(const EngineConfig& cfg, const LockTraits& traits, const LockOps& ops,
                const Plan& plan, const WorkerBody& body) {
  auto run = std::make_unique<Run>(cfg, ops, plan);
  RunRecord record = NewRecord(cfg, traits, plan, run->memory);
  StartThreads(*run, cfg, plan, body);
  std::optional<TortureController> torture;
  if (cfg.torture_seed) {
    torture.emplace(*cfg.torture_seed, &run->shared.stutter, &run->threads, cfg.topology);
  }
  const Window window = Watch(run->shared, cfg, plan);
  if (torture) record.torture = torture->Stop();
  record.duration_s =
      static_cast<double>(window.end_ticks - window.start_ticks) * plan.ns_per_tick * 1e-9;
  AddBindWarnings(record, *run, cfg);
  if (window.stalled) {
    EmitStalled(record, run->shared, cfg);
    AddTortureCounts(record, cfg);
    Abandon(std::move(run));
    return record;
  }
  run->JoinThreads();
  EmitEnding(record, run->shared, window);
  CollectThreads(record, *run, cfg, plan, window.start_ticks);
  AddTortureCounts(record, cfg);
  NoteExclusiveOnly(record, traits);
  NoteOversubscribedSpinners(record, traits, cfg);
  CollectCost(record, window);
  CollectGrantSequence(record, *run, plan);
  return record;
}

Plan MakePlan(const EngineConfig& cfg, const ClockCalibration& clock, Recursion recursion) {
  const WorkloadSpec& s = cfg.spec;
  Plan p{};
  p.read_threshold = Threshold(s.read_ratio);
  p.try_threshold = s.try_fraction > 0 ? Threshold(s.try_fraction) : 0;
  p.shared_ticks = static_cast<uint64_t>(static_cast<double>(s.shared_cs_ns) * clock.ticks_per_ns);
  p.exclusive_ticks =
      static_cast<uint64_t>(static_cast<double>(s.exclusive_cs_ns) * clock.ticks_per_ns);
  p.think = s.think;
  p.think_ticks = static_cast<double>(s.think_ns) * clock.ticks_per_ns;
  p.shared_lines = s.shared_lines;
  p.exclusive_lines = s.exclusive_lines;
  p.verify_lines = std::min(s.shared_lines, s.exclusive_lines);
  p.lines_per_instance = std::max(s.shared_lines, s.exclusive_lines);
  p.instances = s.lock_instances;
  p.choice = s.lock_choice;
  if (s.lock_choice == LockChoice::kZipf) {
    std::vector<double> cdf(static_cast<size_t>(s.lock_instances));
    double total = 0;
    for (size_t i = 0; i < cdf.size(); ++i) {
      total += 1.0 / std::pow(static_cast<double>(i + 1), s.zipf_s);
      cdf[i] = total;
    }
    p.zipf_table.resize(4096);
    size_t i = 0;
    for (size_t k = 0; k < 4096; ++k) {
      const double u = (static_cast<double>(k) + 0.5) / 4096 * total;
      while (cdf[i] < u) ++i;
      p.zipf_table[k] = static_cast<uint32_t>(i);
    }
  }
  const bool all = cfg.allow_deadlock || recursion == Recursion::kFull;
  p.shared_recursion = all || recursion == Recursion::kSharedOnly ? s.recursion_depth : 0;
  p.exclusive_recursion = all ? s.recursion_depth : 0;
  p.ops_quota = s.ops;
  p.sample_every = std::max<uint32_t>(1, cfg.latency_sample_every);
  p.ns_per_tick = 1.0 / clock.ticks_per_ns;
  p.interval_ticks = std::max<uint64_t>(
      1, static_cast<uint64_t>(static_cast<double>(cfg.time_series_interval_ns) * clock.ticks_per_ns));
  p.series_len = std::min<uint64_t>(100'000, s.duration_ns / cfg.time_series_interval_ns + 2);
  p.grant_log_cap = std::clamp<size_t>((size_t{1} << 22) / static_cast<size_t>(cfg.threads), 1024,
                                       size_t{1} << 20);
  p.interval_log_cap = std::clamp<size_t>((size_t{1} << 22) / static_cast<size_t>(cfg.threads),
                                          1024, size_t{1} << 16);
  p.verify = cfg.verify;
  p.torture = cfg.torture_seed.has_value();
  p.torture_seed = cfg.torture_seed.value_or(0);
  // Open loop: every request's response time is recorded, so every acquisition is timed.
  p.open_loop = cfg.arrival_rate > 0;
  p.arrival = s.arrival;
  p.arrival_gap_ticks = p.open_loop ? 1e9 * clock.ticks_per_ns * cfg.threads / cfg.arrival_rate : 0;
  if (p.open_loop) p.sample_every = 1;
  PlanDraws(s, clock, p);
  if (cfg.timeline_window_ns != 0) {
    p.timeline_ticks = std::max<uint64_t>(
        1, static_cast<uint64_t>(static_cast<double>(cfg.timeline_window_ns) * clock.ticks_per_ns));
    p.timeline_cap = TimelineCap(cfg.threads);
  }
  p.batched = !p.open_loop && !p.torture && !p.draws && p.instances == 1 && p.try_threshold == 0 &&
              p.think == ThinkKind::kNone && p.shared_recursion == 0 && p.exclusive_recursion == 0;
  // About 64 us of critical sections at most between two progress stores, so the watchdog's
  // counts stay fresh even for long holds; 64 ops when sections are short.
  const uint64_t longest_cs_ns = std::max<uint64_t>({1, s.shared_cs_ns, s.exclusive_cs_ns});
  p.batch_max = static_cast<uint32_t>(std::clamp<uint64_t>(64'000 / longest_cs_ns, 1, 64));
  return p;
}

}  // namespace lockbench::engine_internal
