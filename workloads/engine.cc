#include "workloads/engine.h"

#include <chrono>
#include <cstring>
#include <latch>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace lockbench::engine_internal {
namespace {

using SteadyClock = std::chrono::steady_clock;

// The shared state of one run. Heap-allocated and deliberately leaked when the run stalls,
// because its stuck threads still use it.
struct Context {
  Shared shared;
  MemoryBlock memory;
  std::vector<std::unique_ptr<ThreadRecord>> records;
  std::vector<std::vector<uint32_t>> grant_logs;
  std::vector<std::string> bind_errors;
  std::unique_ptr<std::atomic<bool>[]> out_of_memory;  // a thread could not allocate its state
  std::vector<std::thread> threads;
  std::unique_ptr<std::latch> start;
};

uint64_t Count(const Shared& sh, size_t tid) {
  return sh.progress[tid].word.load(std::memory_order_relaxed) >> 2;
}

std::string DescribeWaiters(const Shared& sh, const EngineConfig& cfg) {
  std::string out;
  for (size_t t = 0; t < sh.progress.size(); ++t) {
    const uint64_t activity = sh.progress[t].word.load(std::memory_order_relaxed) & 3;
    if (activity == kIdle) continue;
    out += out.empty() ? "" : ", ";
    out += "thread " + std::to_string(t) + " (" + RoleName(cfg.spec.RoleOf(static_cast<int>(t))) +
           ") waiting " + (activity == kWaitShared ? "shared" : "exclusive");
  }
  return out.empty() ? "no thread is inside a lock call" : out;
}

// Starts worker thread t: it pins itself, allocates its record, waits at the start barrier,
// runs the body, and leaves its results in ctx.
void StartWorker(Context* ctx, size_t t, const EngineConfig& cfg, const Plan& plan,
                 const WorkerBody& body, std::byte* base, Line* lines) {
  ctx->threads.emplace_back([ctx, t, &cfg, &plan, body, base, lines] {
    std::unique_ptr<ThreadRecord> rec;
    std::vector<uint32_t> grant_log;
    try {
      const ThreadPlacement& where = cfg.plan.threads[t];
      if (cfg.plan.binds && where.pinned) {
        ctx->bind_errors[t] = BindCurrentThread(*cfg.topology, where.pu_os);
      }
      // Allocated by the thread itself, so first-touch puts its counters on its own node.
      rec = std::make_unique<ThreadRecord>();
      rec->shared_series.assign(plan.series_len, 0);
      rec->exclusive_series.assign(plan.series_len, 0);
      grant_log.reserve(std::min<size_t>(plan.grant_log_cap, 1 << 16));
    } catch (const std::bad_alloc&) {
      ctx->out_of_memory[t].store(true);  // Drive stops the run after the barrier
    }
    ctx->start->arrive_and_wait();
    if (ctx->out_of_memory[t].load()) return;
    body(static_cast<int>(t), ctx->shared, *rec, grant_log, base, lines);
    ctx->grant_logs[t] = std::move(grant_log);
    ctx->records[t] = std::move(rec);
  });
}

std::string ThreadStartMessage(size_t t, size_t n, const std::string& why) {
  return "could not start thread " + std::to_string(t + 1) + " of " + std::to_string(n) + " (" +
         why + "): the process's limits on threads or memory (ulimit -u, ulimit -v) allow fewer";
}

}  // namespace

void ReportViolation(Shared& shared, int thread, Violation what) {
  std::string detail = "thread " + std::to_string(thread);
  switch (what) {
    case Violation::kTornRead:
      detail += " (shared) saw a writer's half-written data";
      break;
    case Violation::kWriterEntered:
      detail += " (shared) saw a writer enter while it held the lock shared";
      break;
    case Violation::kWriterOverlap:
      detail += " (exclusive) found another thread's writes inside its exclusive section";
      break;
  }
  bool expected = false;
  static std::mutex mu;  // only the first report's detail is kept
  {
    std::lock_guard<std::mutex> guard(mu);
    if (shared.violation.compare_exchange_strong(expected, true)) shared.violation_detail = detail;
  }
  shared.phase.store(kStop, std::memory_order_release);
}

Plan MakePlan(const EngineConfig& cfg, const ClockCalibration& clock, Recursion recursion) {
  const WorkloadSpec& s = cfg.spec;
  Plan p{};
  auto threshold = [](double fraction) {
    if (fraction >= 1.0) return UINT64_MAX;
    return static_cast<uint64_t>(std::ldexp(fraction, 64));
  };
  p.read_threshold = threshold(s.read_ratio);
  p.try_threshold = s.try_fraction > 0 ? threshold(s.try_fraction) : 0;
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
  p.batched = p.instances == 1 && p.try_threshold == 0 && p.think == ThinkKind::kNone &&
              p.shared_recursion == 0 && p.exclusive_recursion == 0;
  // About 64 us of critical sections at most between two progress stores, so the watchdog's
  // counts stay fresh even for long holds; 64 ops when sections are short.
  const uint64_t longest_cs_ns = std::max<uint64_t>({1, s.shared_cs_ns, s.exclusive_cs_ns});
  p.batch_max = static_cast<uint32_t>(std::clamp<uint64_t>(64'000 / longest_cs_ns, 1, 64));
  return p;
}

namespace {

// The median over rounds of the cost per timed acquisition, in ns; every acquisition timed.
double MeasureTimedAcquisitionNs(bool shared_mode, const ClockCalibration& clock) {
  constexpr int kRounds = 9;
  constexpr int kOps = 20'000;
  Plan p{};
  p.sample_every = 1;
  p.ns_per_tick = 1.0 / clock.ticks_per_ns;
  p.interval_ticks = std::max<uint64_t>(1, static_cast<uint64_t>(1e7 * clock.ticks_per_ns));
  p.series_len = 1000;
  p.interval_log_cap = kOps;
  ThreadRecord rec;
  rec.shared_series.assign(p.series_len, 0);
  rec.exclusive_series.assign(p.series_len, 0);
  rec.holds.reserve(kOps);
  Line line;  // the generation stamp a timed acquisition reads twice for its bypass
  std::vector<double> per_op;
  for (int round = 0; round < kRounds; ++round) {
    rec.holds.clear();
    uint64_t last_timed = 0, pending_shared = 0, pending_exclusive = 0;
    const uint64_t start = Ticks();
    for (int i = 0; i < kOps; ++i) {
      const uint64_t before = Generation(&line);
      const uint64_t t0 = Ticks();
      const uint64_t t1 = Ticks();
      const uint64_t t2 = Ticks();
      const int64_t bypass = Bypass(before, Generation(&line), shared_mode);
      RecordTimed(p, rec, {t0, t1, t2, bypass, shared_mode, false, true}, start, &last_timed,
                  &pending_shared, &pending_exclusive);
    }
    per_op.push_back(static_cast<double>(Ticks() - start) * p.ns_per_tick / kOps);
  }
  std::nth_element(per_op.begin(), per_op.begin() + kRounds / 2, per_op.end());
  return per_op[kRounds / 2];
}

}  // namespace

RunRecord Drive(const EngineConfig& cfg, const LockTraits& traits, const LockOps& ops,
                const Plan& plan, const WorkerBody& body) {
  const size_t n = static_cast<size_t>(cfg.threads);
  auto* ctx = new Context;
  Shared& sh = ctx->shared;
  sh.progress = std::vector<ProgressWord>(n);
  ctx->records.resize(n);
  ctx->grant_logs.resize(n);
  ctx->bind_errors.resize(n);
  ctx->out_of_memory = std::make_unique<std::atomic<bool>[]>(n);
  ctx->start = std::make_unique<std::latch>(static_cast<std::ptrdiff_t>(n + 1));

  // Lock objects (each on its own cache lines), then the protected data.
  const size_t instances = static_cast<size_t>(plan.instances);
  const size_t stride = (ops.size + 63) / 64 * 64;
  const size_t lock_bytes = instances * stride;
  const size_t data_bytes = instances * static_cast<size_t>(plan.lines_per_instance) * sizeof(Line);
  ctx->memory = MemoryBlock::Allocate(*cfg.topology, lock_bytes + data_bytes, cfg.memory);
  auto* base = static_cast<std::byte*>(ctx->memory.data());
  for (size_t i = 0; i < instances; ++i) ops.construct(base + i * stride);
  auto* lines = reinterpret_cast<Line*>(base + lock_bytes);
  for (size_t i = 0; i < instances * static_cast<size_t>(plan.lines_per_instance); ++i) {
    new (&lines[i]) Line;  // zeroed, and first-touched by this thread
  }

  RunRecord record;
  record.lock = std::string(traits.name);
  record.workload = cfg.spec.name;
  record.threads = cfg.threads;
  record.repetition = cfg.repetition;
  record.placement = cfg.plan.policy;
  record.latency_sample_every = plan.sample_every;
  record.bypass_measured = plan.exclusive_lines > 0;
  record.time_series_interval_ns = cfg.time_series_interval_ns;
  std::string memory_error;
  record.lock_memory_nodes = ctx->memory.NodesHoldingMemory(&memory_error);
  record.lock_memory_note = ctx->memory.note().empty() ? memory_error : ctx->memory.note();

  // If a thread cannot start, or cannot allocate its state, the others are stopped and joined.
  // Threads still at the start barrier are let through it (standing in for the `missing` that
  // never started) and see the stop at once.
  auto abandon = [&](const std::string& why, size_t missing) {
    sh.phase.store(kStop, std::memory_order_release);
    if (missing > 0) {
      ctx->start->count_down(static_cast<std::ptrdiff_t>(missing));
      ctx->start->arrive_and_wait();
    }
    for (std::thread& th : ctx->threads) th.join();
    for (size_t i = 0; i < instances; ++i) ops.destroy(base + i * stride);
    delete ctx;
    throw ThreadStartError(why);
  };
  for (size_t t = 0; t < n; ++t) {
    try {
      StartWorker(ctx, t, cfg, plan, body, base, lines);
    } catch (const std::system_error& e) {
      abandon(ThreadStartMessage(t, n, e.what()), n - t);
    }
  }
  ctx->start->arrive_and_wait();
  for (size_t t = 0; t < n; ++t) {
    if (ctx->out_of_memory[t].load()) {
      abandon(ThreadStartMessage(t, n, "out of memory for its state"), 0);
    }
  }

  const auto begin = SteadyClock::now();
  const auto warmup = std::chrono::nanoseconds(cfg.spec.warmup_ns);
  const auto duration = std::chrono::nanoseconds(cfg.spec.duration_ns);
  const auto stall_timeout = std::chrono::nanoseconds(cfg.stall_timeout_ns);
  std::vector<uint64_t> last_counts(n, 0);
  auto last_change = begin;
  auto last_progress_report = begin;
  bool measuring = false;
  uint64_t start_ticks = 0;
  auto measure_begin = begin;
  bool stalled = false;
  bool interrupted = false;
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto now = SteadyClock::now();
    if (sh.phase.load(std::memory_order_acquire) == kStop) break;  // a violation
    if (cfg.interrupt != nullptr && cfg.interrupt->load(std::memory_order_relaxed)) {
      interrupted = true;
      break;
    }
    bool moved = false;
    for (size_t t = 0; t < n; ++t) {
      const uint64_t c = Count(sh, t);
      if (c != last_counts[t]) {
        last_counts[t] = c;
        moved = true;
      }
    }
    if (moved) last_change = now;
    if (now - last_change > stall_timeout) {
      stalled = true;
      break;
    }
    if (!measuring && now - begin >= warmup) {
      start_ticks = Ticks();
      sh.measure_start_ticks.store(start_ticks, std::memory_order_relaxed);
      sh.phase.store(kMeasure, std::memory_order_release);
      measure_begin = now;
      measuring = true;
    }
    if (measuring) {
      const bool quota = plan.ops_quota != 0;
      if (quota && sh.finished.load(std::memory_order_acquire) == static_cast<int>(n)) break;
      if (!quota && now - measure_begin >= duration) break;
    }
    if (cfg.progress && now - last_progress_report > std::chrono::milliseconds(100)) {
      last_progress_report = now;
      const double total = static_cast<double>((warmup + duration).count());
      cfg.progress(std::min(1.0, static_cast<double>((now - begin).count()) / total));
    }
  }
  sh.phase.store(kStop, std::memory_order_release);
  const uint64_t end_ticks = Ticks();
  if (!measuring) start_ticks = end_ticks;
  record.duration_s = static_cast<double>(end_ticks - start_ticks) * plan.ns_per_tick * 1e-9;

  for (size_t t = 0; t < n; ++t) {
    const ThreadPlacement& where = cfg.plan.threads[t];
    if (!ctx->bind_errors[t].empty()) {
      record.warnings.push_back("thread " + std::to_string(t) + " not pinned to PU " +
                                std::to_string(where.pu_os) + ": " + ctx->bind_errors[t]);
    }
  }

  auto fill_placement = [&](ThreadRecord& r, size_t t) {
    const ThreadPlacement& where = cfg.plan.threads[t];
    r.thread = static_cast<int>(t);
    r.role = RoleName(cfg.spec.RoleOf(static_cast<int>(t)));
    r.pu = where.pinned ? where.pu_os : -1;
    r.core = where.pinned ? where.core : -1;
    r.numa_node = where.pinned ? where.numa_node : -1;
    r.package = where.pinned ? where.package : -1;
  };

  if (stalled) {
    record.status = RunStatus::kStalled;
    record.status_detail = "no thread completed an acquisition for " +
                           FormatDurationNs(cfg.stall_timeout_ns) + ": " + DescribeWaiters(sh, cfg);
    for (size_t t = 0; t < n; ++t) {
      ThreadRecord r;
      fill_placement(r, t);
      record.per_thread.push_back(std::move(r));
      ctx->threads[t].detach();
    }
    return record;  // ctx is leaked on purpose: the stuck threads still use it
  }

  for (std::thread& th : ctx->threads) th.join();
  for (size_t i = 0; i < instances; ++i) ops.destroy(base + i * stride);

  if (sh.violation.load()) {
    record.status = RunStatus::kViolation;
    record.status_detail = sh.violation_detail;
  } else if (interrupted) {
    record.status = RunStatus::kInterrupted;
    record.status_detail = "interrupted by a signal";
  }
  // Where a thread's log was cut short, its later grants are unknown: keep only the grants up to
  // the earliest cut, so the order has no holes that would look like long runs.
  uint32_t horizon = UINT32_MAX;
  for (size_t t = 0; t < n; ++t) {
    const std::vector<uint32_t>& log = ctx->grant_logs[t];
    if (!log.empty() && log.size() >= plan.grant_log_cap) {
      record.grant_sequence_truncated = true;
      horizon = std::min(horizon, log.back());
    }
  }
  std::vector<std::pair<uint32_t, uint32_t>> grants;
  // Hold logs leave the engine in ns since the window's start.
  const auto to_ns = [&](uint64_t ticks) {
    return ticks > start_ticks
               ? static_cast<uint64_t>(static_cast<double>(ticks - start_ticks) * plan.ns_per_tick)
               : 0;
  };
  for (size_t t = 0; t < n; ++t) {
    ThreadRecord& r = *ctx->records[t];
    fill_placement(r, t);
    for (HoldInterval& h : r.holds) {
      h.requested = to_ns(h.requested);
      h.granted = to_ns(h.granted);
      h.released = to_ns(h.released);
    }
    record.per_thread.push_back(std::move(r));
    for (uint32_t g : ctx->grant_logs[t]) {
      if (g <= horizon) grants.emplace_back(g, static_cast<uint32_t>(t));
    }
  }
  std::sort(grants.begin(), grants.end());
  record.grant_sequence.reserve(grants.size());
  for (const auto& [g, t] : grants) record.grant_sequence.push_back(t);
  delete ctx;
  return record;
}

}  // namespace lockbench::engine_internal

namespace lockbench {

void CheckThreadsCanStart(int threads) {
  const auto n = static_cast<size_t>(threads);
  std::latch all_started(threads + 1);
  std::vector<std::thread> started;
  started.reserve(n);
  for (size_t t = 0; t < n; ++t) {
    try {
      started.emplace_back([&all_started] { all_started.arrive_and_wait(); });
    } catch (const std::system_error& e) {
      all_started.count_down(static_cast<std::ptrdiff_t>(n - t));
      all_started.arrive_and_wait();
      for (std::thread& th : started) th.join();
      throw ThreadStartError(engine_internal::ThreadStartMessage(t, n, e.what()));
    }
  }
  all_started.arrive_and_wait();
  for (std::thread& th : started) th.join();
}

const TimedAcquisitionCost& MeasuredTimedAcquisitionCost() {
  static const TimedAcquisitionCost cost = [] {
    const ClockCalibration& clock = Clock();
    return TimedAcquisitionCost{engine_internal::MeasureTimedAcquisitionNs(true, clock),
                                engine_internal::MeasureTimedAcquisitionNs(false, clock)};
  }();
  return cost;
}

}  // namespace lockbench
