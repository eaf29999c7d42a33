// Engine internals: what the worker threads run. The state they share with the main thread,
// the per-thread plan of precomputed workload constants, the verifier's critical section and
// the hot loop, a template over the lock type so each lock call is direct and inlinable.
// Private to workloads/: the run engine (internal/drive.h) and its tests include it; the tool
// sees only workloads/engine.h.
#ifndef LOCKBENCH_WORKLOADS_INTERNAL_WORKER_H_
#define LOCKBENCH_WORKLOADS_INTERNAL_WORKER_H_

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "results/run_record.h"
#include "workloads/arrivals.h"
#include "workloads/clock.h"
#include "workloads/cost_counters.h"
#include "workloads/internal/rng.h"
#include "workloads/internal/torture.h"
#include "workloads/samplers.h"
#include "workloads/workload_spec.h"

namespace lockbench::engine_internal {

enum Phase : int { kWarmup = 0, kMeasure = 1, kStop = 2 };
// The low bits of a thread's progress word: what it is doing now.
enum Activity : uint64_t { kIdle = 0, kWaitShared = 1, kWaitExclusive = 2 };

struct alignas(64) Line {
  std::atomic<uint64_t> value{0};
};

struct alignas(64) ProgressWord {
  std::atomic<uint64_t> word{0};  // (completed acquisitions << 2) | Activity
};

// Everything the threads share: written by the main thread around the window, read per op.
struct Shared {
  alignas(64) std::atomic<int> phase{kWarmup};
  std::atomic<uint64_t> measure_start_ticks{0};
  alignas(64) std::atomic<bool> violation{false};
  std::atomic<int> finished{0};  // threads done with an op-count quota
  std::atomic<bool> stutter{false};  // torture mode: every thread pauses between acquisitions
  std::string violation_detail;  // written once, by the thread that set `violation` first
  std::vector<ProgressWord> progress;
};

// Per-thread precomputed workload constants, so the hot loop does no float math per op.
struct Plan {
  uint64_t read_threshold;  // shared if rng < threshold (mixed roles)
  uint64_t try_threshold;
  uint64_t shared_ticks;    // length of a shared section, in clock ticks
  uint64_t exclusive_ticks;
  double think_ticks;       // mean think time, in clock ticks
  ThinkKind think;
  int shared_lines;
  int exclusive_lines;
  int verify_lines;         // lines both modes touch: min(shared_lines, exclusive_lines)
  int lines_per_instance;
  int instances;
  LockChoice choice;
  std::vector<uint32_t> zipf_table;  // instance for each of 4096 equal-probability slots
  int shared_recursion;     // re-acquisitions while holding, per mode (see MakePlan)
  int exclusive_recursion;
  // Open loop: each thread's requests are due on its own schedule, ArrivalSchedule(arrival,
  // arrival_gap_ticks); every acquisition is timed and none is batched.
  bool open_loop;
  ArrivalKind arrival;
  double arrival_gap_ticks;  // mean ticks between two of one thread's arrivals
  uint64_t ops_quota;       // 0 = run until stop
  uint32_t sample_every;
  // Untimed acquisitions run in lean batches (see RunBatch) when every op is the same shape:
  // one lock instance, no try, no think time, no recursion.
  bool batched;
  uint32_t batch_max;       // ops between two publications of the progress word
  uint64_t interval_ticks;
  double ns_per_tick;
  size_t series_len;
  size_t grant_log_cap;
  size_t interval_log_cap;  // holds logged per thread (reader batches, hand-off latency)
  bool verify;
  // Torture mode (internal/torture.h): disturbances drawn from torture_seed; never batched.
  bool torture;
  uint64_t torture_seed;
  // The workload DrawsFromTables, or was recorded from a program (contention below): the run
  // takes WorkerLoopOf's table-drawing instantiation (kDraws) and is never batched. Below, what
  // it draws from; an empty sampler leaves that value to the members above (a fixed section, or a
  // think kind other than empirical). Last in the plan, so that the other members sit where they
  // did before these forms existed.
  bool draws;
  // The workload was recorded from a program (WorkloadSpec::recorded_from): its contention is
  // measured as the recording measured the program's (BlockingAcquire). Read by kDraws only; in
  // the padding after `draws`, so that the plan keeps its size.
  bool contention;
  EmpiricalSampler shared_draw;
  EmpiricalSampler exclusive_draw;
  EmpiricalSampler think_draw;                        // think kEmpirical
  WeightedChoice weights;                             // lock_choice kWeights
  std::shared_ptr<const uint64_t[]> read_thresholds;  // per instance; null: read_threshold
  // Timeline (EngineConfig::timeline_window_ns): the window's length in ticks and the events a
  // thread logs at most; cap 0: no timeline. Last, so that the members above keep their offsets.
  uint64_t timeline_ticks;
  size_t timeline_cap;
};

// What the verifier saw. The message is built out of line, so the hot loop carries no strings.
enum class Violation {
  kTornRead,         // a reader saw a writer's half-written lines
  kWriterEntered,    // a reader saw a writer enter while it held the lock shared
  kWriterOverlap,    // a writer found another thread's stamp inside its exclusive section
};
[[gnu::noinline, gnu::cold]] void ReportViolation(Shared& shared, int thread, Violation what);

// What one timed acquisition saw: TSC ticks when it asked (t0), was granted (t1) and began its
// release (t2), and its bypass: the grants that went to other threads while it waited.
struct TimedAcquisition {
  uint64_t t0, t1, t2;
  int64_t bypass;  // -1: not measured (a try, or no generation stamps)
  bool shared;
  bool tried;      // a try that succeeded
  bool log_hold;   // lock instance 0: its hold goes in the thread's hold log
};

// The bypass of a blocking acquisition, from the generation stamp of the lock's line 0 read
// just before the request and again just before the release. Each exclusive grant of the lock
// stamps one more generation, so the difference counts the exclusive grants in between; an
// exclusive hold's own grant is among them and is not counted. The first read can miss the
// stamp of a writer that was granted but has not stamped yet, so a wait may count one grant
// that came before its request: never more than one, since exclusive holders do not overlap.
[[gnu::always_inline]] inline uint64_t Generation(const Line* data) {
  return data[0].value.load(std::memory_order_relaxed) >> 16;
}
[[gnu::always_inline]] inline int64_t Bypass(uint64_t before, uint64_t after, bool shared_mode) {
  const uint64_t own = shared_mode ? 0 : 1;
  return after >= before + own ? static_cast<int64_t>(after - before - own) : 0;
}

// The bookkeeping of a timed acquisition, out of line so that the hot loop keeps fewer values
// live: it runs for 1 in latency_sample_every acquisitions.
[[gnu::noinline]] inline void RecordTimed(const Plan& p, ThreadRecord& rec,
                                          const TimedAcquisition& a, uint64_t start_ticks,
                                          uint64_t* last_timed, uint64_t* pending_shared,
                                          uint64_t* pending_exclusive) {
  (a.shared ? rec.shared_acquire : rec.exclusive_acquire)
      .Record(static_cast<uint64_t>(static_cast<double>(a.t1 - a.t0) * p.ns_per_tick));
  (a.shared ? rec.shared_hold : rec.exclusive_hold)
      .Record(static_cast<uint64_t>(static_cast<double>(a.t2 - a.t1) * p.ns_per_tick));
  if (a.bypass >= 0) {
    (a.shared ? rec.shared_bypass : rec.exclusive_bypass).Record(static_cast<uint64_t>(a.bypass));
  }
  if (*last_timed != 0 && a.t1 > *last_timed) {
    const auto gap =
        static_cast<uint64_t>(static_cast<double>(a.t1 - *last_timed) * p.ns_per_tick);
    rec.max_gap_ns = std::max(rec.max_gap_ns, gap);
  }
  *last_timed = a.t1;
  const uint64_t bucket = a.t1 > start_ticks ? (a.t1 - start_ticks) / p.interval_ticks : 0;
  if (bucket < p.series_len) {
    rec.shared_series[bucket] += static_cast<uint32_t>(*pending_shared);
    rec.exclusive_series[bucket] += static_cast<uint32_t>(*pending_exclusive);
  }
  *pending_shared = *pending_exclusive = 0;
  if (a.log_hold && p.sample_every == 1) {
    if (rec.holds.size() < p.interval_log_cap) {
      rec.holds.push_back({a.t0, a.t1, a.t2, a.shared, a.tried});
    } else {
      rec.holds_truncated = true;
    }
  }
}

template <class L>
[[gnu::always_inline]] inline void Acquire(L& lock, bool shared_mode) {
  if (shared_mode) {
    lock.lock_shared();
  } else {
    lock.lock();
  }
}

template <class L>
[[gnu::always_inline]] inline void Release(L& lock, bool shared_mode) {
  if (shared_mode) {
    lock.unlock_shared();
  } else {
    lock.unlock();
  }
}

// Appends to a thread's grant log. Out of line, as the compiler chose before the table-drawing
// loop existed: left to it, the choice follows the size of the file that instantiates the loops,
// and the batches of today's workloads should not change code with it.
[[gnu::noinline]] inline void LogGrant(std::vector<uint32_t>& grant_log, uint32_t generation) {
  grant_log.push_back(generation);
}

// The critical section: touch the protected data, do the work, check nobody else was in.
// Writers stamp their generation; with log_grant the generation goes in the grant log. The work
// lasts the plan's fixed length for the mode, or, in the table-drawing loop (kDraws), the length
// drawn for this op before its acquisition (drawn_ticks).
template <bool kDraws = false>
[[gnu::always_inline]] inline void CriticalSection(const Plan& p, bool shared_mode, Line* data,
                                                   Shared& sh, int tid, bool log_grant,
                                                   std::vector<uint32_t>& grant_log,
                                                   uint64_t drawn_ticks = 0) {
  if (shared_mode) {
    if (p.shared_lines > 0) {
      const uint64_t first = data[0].value.load(std::memory_order_relaxed);
      uint64_t sum = first;
      for (int i = 1; i < p.shared_lines; ++i) {
        const uint64_t v = data[i].value.load(std::memory_order_relaxed);
        if (p.verify && i < p.verify_lines && v != first) [[unlikely]] {
          ReportViolation(sh, tid, Violation::kTornRead);
        }
        sum += v;
      }
      asm volatile("" : : "r"(sum));
      BusyFor(kDraws ? drawn_ticks : p.shared_ticks);
      if (p.verify && data[0].value.load(std::memory_order_relaxed) != first) [[unlikely]] {
        ReportViolation(sh, tid, Violation::kWriterEntered);
      }
    } else {
      BusyFor(kDraws ? drawn_ticks : p.shared_ticks);
    }
  } else if (p.exclusive_lines > 0) {
    const uint64_t before = data[0].value.load(std::memory_order_relaxed);
    const uint64_t generation = (before >> 16) + 1;
    const uint64_t stamp = (generation << 16) | (static_cast<uint64_t>(tid) & 0xffff);
    for (int i = 0; i < p.exclusive_lines; ++i) {
      data[i].value.store(stamp, std::memory_order_relaxed);
    }
    BusyFor(kDraws ? drawn_ticks : p.exclusive_ticks);
    if (p.verify) {
      for (int i = 0; i < p.exclusive_lines; ++i) {
        if (data[i].value.load(std::memory_order_relaxed) != stamp) [[unlikely]] {
          ReportViolation(sh, tid, Violation::kWriterOverlap);
          break;
        }
      }
    }
    if (log_grant && grant_log.size() < p.grant_log_cap) {
      LogGrant(grant_log, static_cast<uint32_t>(generation));
    }
  } else {
    BusyFor(kDraws ? drawn_ticks : p.exclusive_ticks);
  }
}

enum class BatchMode { kShared, kExclusive, kMixed };

struct BatchCounts {
  uint64_t ops = 0;
  uint64_t shared = 0;
};

// Up to n untimed acquisitions on lock instance 0, for plans with plan.batched. Per op it does
// only what the workload asks (the mode draw for mixed roles, the lock calls, the critical
// section) plus one load of the phase, and returns early when the phase changes. The progress
// word is written once, before the first op, and again only when the mode changes, so a thread
// stuck in a lock call still shows the mode it waits in; its count is at most batch_max behind.
// Out of line, so that its few live values get registers of their own.
template <class L, BatchMode kMode>
[[gnu::noinline]] BatchCounts RunBatch(const Plan& p, L& lock, Line* data, Shared& sh, int tid,
                                       int phase, uint64_t n, uint64_t done, bool log_grant,
                                       std::vector<uint32_t>& grant_log, Rng& rng) {
  std::atomic<uint64_t>& progress = sh.progress[static_cast<size_t>(tid)].word;
  uint64_t published = kMode == BatchMode::kShared      ? kWaitShared
                      : kMode == BatchMode::kExclusive ? kWaitExclusive
                                                       : kIdle;  // mixed: the first op stores
  if (published != kIdle) progress.store((done << 2) | published, std::memory_order_relaxed);
  BatchCounts c;
  for (; c.ops < n; ++c.ops) {
    if (sh.phase.load(std::memory_order_relaxed) != phase) break;
    bool shared_mode = kMode == BatchMode::kShared;
    if constexpr (kMode == BatchMode::kMixed) {
      shared_mode = rng.Next() < p.read_threshold;
      const uint64_t activity = shared_mode ? kWaitShared : kWaitExclusive;
      if (activity != published) {
        published = activity;
        progress.store(((done + c.ops) << 2) | activity, std::memory_order_relaxed);
      }
    }
    Acquire(lock, shared_mode);
    CriticalSection(p, shared_mode, data, sh, tid, log_grant, grant_log);
    Release(lock, shared_mode);
    c.shared += shared_mode;
  }
  return c;
}

// The measured ops of one thread, and its tries; copied to its ThreadRecord at the end.
struct OpCounts {
  uint64_t shared = 0;
  uint64_t exclusive = 0;
  uint64_t try_attempts = 0;
  uint64_t try_failures = 0;

  void CopyTo(ThreadRecord& rec) const {
    rec.shared_ops = shared;
    rec.exclusive_ops = exclusive;
    rec.try_attempts = try_attempts;
    rec.try_failures = try_failures;
  }
};

// After counting measured ops: true, and this thread reported finished, once its quota is done.
[[gnu::always_inline]] inline bool QuotaDone(const Plan& p, const OpCounts& c, Shared& sh) {
  if (p.ops_quota == 0 || p.ops_quota != c.shared + c.exclusive) return false;
  sh.finished.fetch_add(1, std::memory_order_release);
  return true;
}

// Counts a measured batch.
[[gnu::always_inline]] inline void CountBatch(const BatchCounts& c, OpCounts& counts,
                                              uint64_t* pending_shared,
                                              uint64_t* pending_exclusive) {
  counts.shared += c.shared;
  counts.exclusive += c.ops - c.shared;
  *pending_shared += c.shared;
  *pending_exclusive += c.ops - c.shared;
}

// The batch runner for a role: its mode is fixed at compile time.
template <class L>
auto BatchRunnerFor(Role role) {
  return role == Role::kReader   ? &RunBatch<L, BatchMode::kShared>
         : role == Role::kWriter ? &RunBatch<L, BatchMode::kExclusive>
                                 : &RunBatch<L, BatchMode::kMixed>;
}

// What one op of the general path does, drawn from the thread's generator in this order: the
// lock instance, the mode, whether to try, and in the table-drawing loop its critical section's
// length; then the think time before it (ThinkFor).
struct OpChoice {
  size_t instance;
  bool shared_mode;
  bool use_try;
  uint64_t cs_ticks;  // kDraws only: drawn before the acquisition, so the hold does not pay it
};

// The table-drawing loop's forms: weighted instances, per-instance read ratios, drawn sections.
// Out of the other loop's way: ChooseOp<false> compiles to what it was before they existed.
[[gnu::always_inline]] inline void ChooseDrawnParts(const Plan& p, Role role, Rng& rng,
                                                    OpChoice& op) {
  if (p.instances > 1) {
    op.instance = p.choice == LockChoice::kWeights ? p.weights.Draw(rng.Next())
                  : p.choice == LockChoice::kZipf  ? p.zipf_table[rng.Next() & 4095]
                                                   : rng.Next() % static_cast<uint64_t>(p.instances);
  }
  if (role == Role::kMixed) {
    const uint64_t threshold =
        p.read_thresholds ? p.read_thresholds[op.instance] : p.read_threshold;
    op.shared_mode = rng.Next() < threshold;
  }
  op.use_try = p.try_threshold != 0 && rng.Next() < p.try_threshold;
  const EmpiricalSampler& draw = op.shared_mode ? p.shared_draw : p.exclusive_draw;
  op.cs_ticks = !draw.empty()     ? draw.Draw(rng.Next())
                : op.shared_mode ? p.shared_ticks
                                 : p.exclusive_ticks;
}

template <bool kDraws = false>
[[gnu::always_inline]] inline OpChoice ChooseOp(const Plan& p, Role role, Rng& rng) {
  OpChoice op{0, role == Role::kReader, false, 0};
  if constexpr (kDraws) {
    ChooseDrawnParts(p, role, rng, op);
    return op;
  }
  if (p.instances > 1) {
    op.instance = p.choice == LockChoice::kZipf ? p.zipf_table[rng.Next() & 4095]
                                                : rng.Next() % static_cast<uint64_t>(p.instances);
  }
  if (role == Role::kMixed) op.shared_mode = rng.Next() < p.read_threshold;
  op.use_try = p.try_threshold != 0 && rng.Next() < p.try_threshold;
  return op;
}

template <bool kDraws = false>
[[gnu::always_inline]] inline void ThinkFor(const Plan& p, Rng& rng) {
  if (p.think == ThinkKind::kNone) return;
  if constexpr (kDraws) {
    if (p.think == ThinkKind::kEmpirical) {
      BusyFor(p.think_draw.Draw(rng.Next()));
      return;
    }
  }
  double it = p.think_ticks;
  if (p.think == ThinkKind::kUniform) it *= 2 * rng.Uniform();
  if (p.think == ThinkKind::kExponential) it *= -std::log(1.0 - rng.Uniform());
  BusyFor(static_cast<uint64_t>(it));
}

// What one acquisition of the general path saw: whether it got the lock (a try may not), in the
// table-drawing loop whether it was contended (BlockingAcquire; beside `got`, in what was
// padding, so that the other loop's locals keep their layout), and, when timed, its timer reads
// and bypass (-1 when not measured).
struct OpOutcome {
  bool got;
  bool contended;
  uint64_t t0, t1, t2;
  int64_t bypass;
};

// A blocking acquisition; returns whether it was contended. A recorded workload's (kDraws with
// plan.contention) tries first, as `lockbench profile` does in the program: a failed try makes
// the acquisition contended, and it then blocks. Its acquire time (t0 to t1) therefore includes
// the failed try, a few ns against a wait, where the recording times the wait from the try's
// return. Every other acquisition blocks at once and is never called contended; the loop of
// today's workloads (kDraws false) compiles to what it was before this existed.
template <bool kDraws, class L>
[[gnu::always_inline]] inline bool BlockingAcquire(const Plan& p, L& lock, bool shared_mode) {
  if constexpr (kDraws) {
    if (p.contention) {
      if (shared_mode ? lock.try_lock_shared() : lock.try_lock()) return false;
      Acquire(lock, shared_mode);
      return true;
    }
  }
  Acquire(lock, shared_mode);
  return false;
}

// One acquisition: publish the mode it is about to wait in, acquire (or try), re-acquire as
// often as the plan's recursion, run the critical section, release. The timer reads and the
// generation stamps for the bypass happen only when timed.
template <bool kDraws, class L>
[[gnu::always_inline]] inline OpOutcome Acquisition(const Plan& p, L& lock, Line* data,
                                                    const OpChoice& op, bool timed, uint64_t done,
                                                    std::atomic<uint64_t>& progress, Shared& sh,
                                                    int tid, bool log_grant,
                                                    std::vector<uint32_t>& grant_log,
                                                    TortureHold* torture) {
  const bool shared_mode = op.shared_mode;
  const bool count_bypass = timed && !op.use_try && p.exclusive_lines > 0;
  const uint64_t generation_before = count_bypass ? Generation(data) : 0;
  progress.store((done << 2) | (shared_mode ? kWaitShared : kWaitExclusive),
                 std::memory_order_relaxed);
  OpOutcome out{true, false, timed ? Ticks() : 0, 0, 0, -1};
  if (op.use_try) {
    out.got = shared_mode ? lock.try_lock_shared() : lock.try_lock();
  } else {
    out.contended = BlockingAcquire<kDraws>(p, lock, shared_mode);
  }
  out.t1 = timed ? Ticks() : 0;
  if (!out.got) return out;
  const int recursion = shared_mode ? p.shared_recursion : p.exclusive_recursion;
  for (int r = 0; r < recursion; ++r) Acquire(lock, shared_mode);
  CriticalSection<kDraws>(p, shared_mode, data, sh, tid, log_grant, grant_log, op.cs_ticks);
  if (torture != nullptr) torture->InHold();
  for (int r = 0; r < recursion; ++r) Release(lock, shared_mode);
  out.t2 = timed ? Ticks() : 0;
  // Still held: an exclusive hold reads its own stamp, a shared one the last writer's.
  if (count_bypass) out.bypass = Bypass(generation_before, Generation(data), shared_mode);
  Release(lock, shared_mode);
  return out;
}

// Counts a measured acquisition that got the lock, and records it when timed.
[[gnu::always_inline]] inline void CountOp(const Plan& p, ThreadRecord& rec, const OpChoice& op,
                                           const OpOutcome& out, bool timed, uint64_t start_ticks,
                                           OpCounts& counts, uint64_t* last_timed,
                                           uint64_t* pending_shared, uint64_t* pending_exclusive) {
  if (op.use_try) ++counts.try_attempts;
  if (op.shared_mode) {
    ++counts.shared;
    ++*pending_shared;
  } else {
    ++counts.exclusive;
    ++*pending_exclusive;
  }
  if (timed) {
    RecordTimed(p, rec,
                {out.t0, out.t1, out.t2, out.bypass, op.shared_mode, op.use_try, op.instance == 0},
                start_ticks, last_timed, pending_shared, pending_exclusive);
  }
}

// A recorded workload's contended acquisitions in the measured window, per mode (every one, not
// only the timed ones); copied to the thread's ThreadRecord at the end.
struct ContendedCounts {
  uint64_t shared = 0;
  uint64_t exclusive = 0;

  void CopyTo(ThreadRecord& rec) const {
    rec.shared_contended = shared;
    rec.exclusive_contended = exclusive;
  }
};

// Counts a measured contended acquisition and, when timed, puts its acquire time in the mode's
// contended-wait histogram. Out of line: it runs only for acquisitions that waited.
[[gnu::noinline]] inline void CountContended(const Plan& p, ThreadRecord& rec, bool shared_mode,
                                             const OpOutcome& out, bool timed,
                                             ContendedCounts& counts) {
  ++(shared_mode ? counts.shared : counts.exclusive);
  if (!timed) return;
  (shared_mode ? rec.shared_contended_wait : rec.exclusive_contended_wait)
      .Record(static_cast<uint64_t>(static_cast<double>(out.t1 - out.t0) * p.ns_per_tick));
}

// Where a thread stands in its timeline window: the tick it ends at (0: not in one, or over),
// and torture mode's counts at its previous logged acquisition.
struct TimelineCursor {
  uint64_t until = 0;
  uint64_t cs_delays = 0, holder_sleeps = 0, step_delays = 0;
};

// Logs a timed acquisition of the timeline window (its ticks, converted after the run), and
// leaves the window (until = 0) at the first request at or past its end, or at the cap. Out of
// line: it runs only inside the window.
[[gnu::noinline]] inline void LogTimeline(const Plan& p, ThreadRecord& rec, const OpChoice& op,
                                          const OpOutcome& out, uint64_t due, bool late,
                                          const TortureHold* torture, TimelineCursor* cursor) {
  if (out.t0 >= cursor->until) {
    cursor->until = 0;
    return;
  }
  if (rec.timeline.size() >= p.timeline_cap) {
    rec.timeline_capped = true;
    cursor->until = 0;
    return;
  }
  TimelineEvent e{.arrival = due,
                  .requested = out.t0,
                  .granted = out.t1,
                  .released = out.t2,
                  .bypass = out.bypass,
                  .instance = static_cast<uint32_t>(op.instance),
                  .shared = op.shared_mode,
                  .tried = op.use_try,
                  .late = late};
  if (torture != nullptr) {
    const auto delta = [](uint64_t now, uint64_t* before) {
      const uint64_t d = now - *before;
      *before = now;
      return static_cast<uint16_t>(std::min<uint64_t>(d, UINT16_MAX));
    };
    e.torture_cs_delays = delta(torture->cs_delays(), &cursor->cs_delays);
    e.torture_holder_sleeps = delta(torture->holder_sleeps(), &cursor->holder_sleeps);
    e.torture_step_delays = delta(torture->step_delays(), &cursor->step_delays);
  }
  rec.timeline.push_back(e);
}

// What the window cost this thread: its counters now less those read at the window's start.
inline void StoreWindowCost(const ThreadCounters& window_start, ThreadRecord& rec) {
  const ThreadCounters window = CountersBetween(window_start, ReadThreadCounters());
  rec.counters_read = true;
  rec.cpu_ns = window.cpu_ns;
  rec.voluntary_switches = window.voluntary_switches;
  rec.involuntary_switches = window.involuntary_switches;
}

// Open loop: waits (busy, on the clock) for the next scheduled arrival if it is not due yet,
// and returns its time; a thread behind its schedule issues the request at once, so no arrival
// is ever skipped. Returns 0 if the run stopped during the wait. *late: the arrival was already
// due when the thread got to it; *waited: the ticks it waited.
[[gnu::always_inline]] inline uint64_t AwaitArrival(ArrivalSchedule& arrivals, const Shared& sh,
                                                    bool* late, uint64_t* waited) {
  const uint64_t due = arrivals.Next();
  const uint64_t now = Ticks();
  *late = now > due;
  *waited = *late ? 0 : due - now;
  while (Ticks() < due) {
    if (sh.phase.load(std::memory_order_relaxed) == kStop) return 0;
  }
  return due;
}

// Open loop: the response time of a granted request, from its scheduled arrival to its grant.
[[gnu::noinline]] inline void RecordResponse(const Plan& p, ThreadRecord& rec, bool shared_mode,
                                             uint64_t due, uint64_t granted, bool late,
                                             uint64_t waited) {
  const uint64_t ticks = granted > due ? granted - due : 0;
  (shared_mode ? rec.shared_response : rec.exclusive_response)
      .Record(static_cast<uint64_t>(static_cast<double>(ticks) * p.ns_per_tick));
  rec.late_requests += late;
  rec.arrival_wait_ns += static_cast<uint64_t>(static_cast<double>(waited) * p.ns_per_tick);
}

// Open loop: the thread's own arrival schedule, from its own seed so that the ops a thread makes
// do not depend on the schedule, nor it on them. The closed loop has none.
template <bool kOpenLoop>
auto MakeArrivals(const Plan& p, uint64_t seed) {
  if constexpr (kOpenLoop) {
    return ArrivalSchedule(p.arrival, p.arrival_gap_ticks, seed ^ 0x5851f42d4c957f2dull, Ticks());
  } else {
    return std::monostate{};
  }
}

// The hot loop. Plan and counters are locals, so the compiler keeps them in registers instead
// of reloading them after every store; the helpers above are inlined into it. Each op publishes
// the thread's progress word just before the acquire: (acquisitions so far, the mode it is about
// to wait in). A thread stuck in a lock call therefore shows as waiting in that mode, which is
// what the watchdog reports. For batched plans, the untimed ops between two timed ones go
// through RunBatch. The open loop waits for each request's scheduled arrival instead of
// thinking, and times every acquisition; its schedule starts with the thread, so arrivals that
// fell behind in the warm-up are still served in the window. One instantiation each for the
// closed (kOpenLoop false) and the open loop, so the closed loop's ops carry no open-loop test;
// and each again for workloads that draw per-op values from tables (kDraws: empirical durations,
// lock weights, per-lock read ratios) or were recorded from a program (their contention is
// counted: BlockingAcquire), so the other workloads' ops carry no test for those.
template <class L, bool kOpenLoop, bool kDraws>
void WorkerLoopOf(const Plan& plan, int tid, Role role, Shared& sh, ThreadRecord& rec,
                  std::vector<uint32_t>& grant_log, std::byte* locks, size_t lock_stride,
                  Line* lines, uint64_t seed) {
  const Plan p = plan;
  Rng rng{seed};
  [[maybe_unused]] auto arrivals = MakeArrivals<kOpenLoop>(p, seed);
  OpCounts counts;
  [[maybe_unused]] ContendedCounts contended;  // kDraws only
  std::atomic<uint64_t>& progress = sh.progress[static_cast<size_t>(tid)].word;
  uint64_t done = 0;  // acquisitions completed, warm-up included
  uint32_t countdown = 1 + static_cast<uint32_t>(rng.Next() % p.sample_every);
  bool measuring = false;
  uint64_t start_ticks = 0;
  uint64_t pending_shared = 0, pending_exclusive = 0;  // ops not yet put in a series bucket
  uint64_t last_timed = 0;  // t1 of the previous timed acquisition in the window
  L& first_lock = *std::launder(reinterpret_cast<L*>(locks));  // the batches' only instance
  const auto run_batch = BatchRunnerFor<L>(role);
  ThreadCounters window_start;  // read once, when this thread sees the window start
  std::optional<TortureHold> torture;
  if (p.torture) torture.emplace(p.torture_seed ^ seed, 1.0 / p.ns_per_tick);
  TortureHold* const torture_hold = torture ? &*torture : nullptr;
  // A hooked lock (torture mode runs one where the lock has them) calls this between its steps.
  const StepHookScope step_hook(torture_hold);
  TimelineCursor timeline;  // until stays 0 without a timeline
  for (;;) {
    const int phase = sh.phase.load(std::memory_order_acquire);
    if (phase == kStop) break;
    if (phase == kMeasure && !measuring) {
      measuring = true;
      start_ticks = sh.measure_start_ticks.load(std::memory_order_relaxed);
      window_start = ReadThreadCounters();
      if (p.timeline_cap != 0) {
        // Every acquisition of the window is timed: a countdown of 1 skips the batches.
        timeline.until = start_ticks + p.timeline_ticks;
        if (torture_hold != nullptr) {
          timeline.cs_delays = torture_hold->cs_delays();
          timeline.holder_sleeps = torture_hold->holder_sleeps();
          timeline.step_delays = torture_hold->step_delays();
        }
        countdown = 1;
      }
    }
    if (!kOpenLoop && !kDraws && p.batched && countdown > 1) {
      uint64_t n = std::min<uint64_t>(countdown - 1, p.batch_max);
      if (measuring && p.ops_quota != 0) {
        n = std::min(n, p.ops_quota - (counts.shared + counts.exclusive));
      }
      const BatchCounts c =
          run_batch(p, first_lock, lines, sh, tid, phase, n, done, measuring, grant_log, rng);
      done += c.ops;
      countdown -= static_cast<uint32_t>(c.ops);
      if (!measuring) continue;
      CountBatch(c, counts, &pending_shared, &pending_exclusive);
      if (QuotaDone(p, counts, sh)) break;
      continue;
    }
    if (torture_hold != nullptr) TortureHold::AwaitStutter(sh.stutter);
    const OpChoice op = ChooseOp<kDraws>(p, role, rng);
    uint64_t due = 0, waited = 0;
    bool late = false;
    if constexpr (kOpenLoop) {
      due = AwaitArrival(arrivals, sh, &late, &waited);
      if (due == 0) break;
    } else {
      ThinkFor<kDraws>(p, rng);
    }
    L& lock = *std::launder(reinterpret_cast<L*>(locks + op.instance * lock_stride));
    Line* data = lines + op.instance * static_cast<size_t>(p.lines_per_instance);
    const bool timed = --countdown == 0;
    if (timed) countdown = timeline.until != 0 ? 1 : p.sample_every;
    const OpOutcome out =
        Acquisition<kDraws>(p, lock, data, op, timed, done, progress, sh, tid,
                            measuring && op.instance == 0, grant_log, torture_hold);
    if (!out.got) {
      if (measuring) {
        ++counts.try_attempts;
        ++counts.try_failures;
      }
      continue;
    }
    ++done;
    if (!measuring) continue;
    // Open loop: a thread without a request due is idle, not starved, so its longest gap
    // (max_gap_ns) runs from the later of its previous grant and this request's arrival.
    if (kOpenLoop && last_timed != 0) last_timed = std::max(last_timed, due);
    CountOp(p, rec, op, out, timed, start_ticks, counts, &last_timed, &pending_shared,
            &pending_exclusive);
    if constexpr (kDraws) {
      if (out.contended) CountContended(p, rec, op.shared_mode, out, timed, contended);
    }
    if constexpr (kOpenLoop) RecordResponse(p, rec, op.shared_mode, due, out.t1, late, waited);
    if (timed && timeline.until != 0) [[unlikely]] {
      LogTimeline(p, rec, op, out, due, late, torture_hold, &timeline);
    }
    if (QuotaDone(p, counts, sh)) break;
  }
  progress.store(done << 2, std::memory_order_relaxed);  // idle: out of the loop
  counts.CopyTo(rec);
  if constexpr (kDraws) contended.CopyTo(rec);
  if (measuring) StoreWindowCost(window_start, rec);
  if (torture) {
    rec.torture_cs_delays = torture->cs_delays();
    rec.torture_holder_sleeps = torture->holder_sleeps();
    rec.torture_step_delays = torture->step_delays();
  }
}

template <class L>
void WorkerLoop(const Plan& plan, int tid, Role role, Shared& sh, ThreadRecord& rec,
                std::vector<uint32_t>& grant_log, std::byte* locks, size_t lock_stride,
                Line* lines, uint64_t seed) {
  if (plan.draws) {
    if (plan.open_loop) {
      WorkerLoopOf<L, true, true>(plan, tid, role, sh, rec, grant_log, locks, lock_stride, lines,
                                  seed);
    } else {
      WorkerLoopOf<L, false, true>(plan, tid, role, sh, rec, grant_log, locks, lock_stride, lines,
                                   seed);
    }
  } else if (plan.open_loop) {
    WorkerLoopOf<L, true, false>(plan, tid, role, sh, rec, grant_log, locks, lock_stride, lines,
                                 seed);
  } else {
    WorkerLoopOf<L, false, false>(plan, tid, role, sh, rec, grant_log, locks, lock_stride, lines,
                                  seed);
  }
}

}  // namespace lockbench::engine_internal

#endif  // LOCKBENCH_WORKLOADS_INTERNAL_WORKER_H_
