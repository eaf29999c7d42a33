// Deterministic schedules for lock internals: runs 2-4 real threads one shared-memory step at a
// time, so a test can explore the interleavings of the real lock code, exhaustively for small
// scenarios and by seeded random choice for larger ones. Rules and counts are in
// lockimpls/SEMANTICS.md, "Deterministic schedules".
//
// How it works. A lock template instantiated with DetAtoms (below) reaches shared memory only
// through DetAtomic, futex calls and spin hints, and each of those is a scheduling point: the
// running thread asks a Chooser which thread runs next and hands the baton over (one semaphore
// per thread, so exactly one thread runs at any time). A futex wait blocks the thread in the
// model until a futex wake on the same word picks it; a spin hint (Relax, Yield) parks the
// spinner until another thread writes shared memory, since re-reading unchanged memory cannot
// change what it sees. Memory is sequentially consistent in the model; ThreadSanitizer covers
// memory ordering.
//
// Checks, in every explored schedule:
//  - the scenario's own (mutual exclusion, shared/exclusive compatibility) through Check();
//  - a lost wake-up: every unfinished thread blocked in a futex wait, or parked;
//  - a wait block touched after its owner left the wait: DetLocal keeps every block's memory
//    until the execution ends and marks its atomics dead when the wait ends, so any later
//    operation on them fails, however soon the address would have been reused on a stack;
//  - a livelock: more than a bound of steps in one execution;
//  - whatever the scenario's AtEnd checks once all threads are done (the lock word is idle).
// A failing execution stops at its first violation. Its threads stay blocked and are
// abandoned (the execution is leaked on purpose), and the explorer reports the schedule as a
// path string that Replay() runs again step for step.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_DET_SCHEDULE_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_DET_SCHEDULE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "lockimpls/internal/atoms.h"

namespace lockbench::internal::det {

// Picks the thread that makes the next step.
class Chooser {
 public:
  virtual ~Chooser() = default;
  // `enabled`: the threads that can step, ascending, never empty. `current`: the thread that
  // made the last step (-1 before the first), and whether it is among them. Returns a member of
  // `enabled`.
  virtual int Choose(const std::vector<int>& enabled, int current, bool current_enabled) = 0;
};

// One execution's threads, from the test: Body(i) runs on thread i; AtEnd() runs on the
// exploring thread after every thread finished, outside the schedule.
class Execution {
 public:
  virtual ~Execution() = default;
  virtual void Body(int thread) = 0;
  virtual void AtEnd() {}
};

struct Outcome {
  bool failed = false;
  std::string message;  // the first violation
  std::string path;     // the thread chosen at each step, one character per step
  std::uint64_t steps = 0;
};

// Runs one execution of `threads` threads under `chooser`. A failed execution's threads are
// left blocked and it is kept (leaked) for them, so RunOnce takes ownership.
Outcome RunOnce(std::unique_ptr<Execution> execution, int threads, Chooser& chooser,
                std::uint64_t max_steps = 20000);

// Builds a fresh execution for each schedule.
using ExecutionFactory = std::function<std::unique_ptr<Execution>()>;

struct ExploreResult {
  std::uint64_t schedules = 0;  // executions run
  bool complete = false;        // exhaustive: every schedule within the bound was run
  Outcome failure;              // the first failing schedule, if any
  std::uint64_t max_steps = 0;  // the longest execution, in steps
};

// Every schedule with at most `preemption_bound` preemptions (a switch away from a thread that
// could have gone on; switches at a block, a park or a finish are free), depth first, stopping
// at the first failure or after `max_schedules`. A negative bound explores without a bound.
ExploreResult ExploreExhaustive(const ExecutionFactory& make, int threads, int preemption_bound,
                                std::uint64_t max_schedules = 10'000'000);

// `seeds` schedules drawn at random, from seeds first_seed, first_seed + 1, ...; each seed also
// draws how often its schedule switches threads, so some seeds preempt at nearly every step
// and others rarely. Stops at the first failure (its message names the seed).
ExploreResult ExploreRandom(const ExecutionFactory& make, int threads, std::uint64_t first_seed,
                            std::uint64_t seeds);

// Runs the schedule `path` (as an Outcome reports it) again. Where the path runs out, the
// running thread goes on while it can, then the lowest-numbered enabled thread; a path step naming a thread that cannot step is a
// failure ("replay diverged").
Outcome Replay(const ExecutionFactory& make, int threads, const std::string& path);

// ---- Inside an execution ---------------------------------------------------------------

// A scheduling point with no memory operation, for scenarios (e.g. inside a critical section,
// so others may run while a thread holds the lock). Outside an execution it does nothing.
void Step();
// Records a violation and stops the calling thread's execution if `ok` is false.
void Check(bool ok, const std::string& what);
// The running thread's index in its execution, or -1 outside one.
int ThreadIndex();

namespace detail {
// A shared-memory operation is about to run: a scheduling point.
void BeforeOperation();
// The operation's object was destroyed: a violation (its owner left).
void TouchedDead(const void* object);
// The operation wrote shared memory: parked spinners may see something new.
void Wrote();
int FutexWait(std::atomic<std::uint32_t>* word, std::uint32_t expected);
void FutexWake(std::atomic<std::uint32_t>* word, int count);
void Spin();
// Keeps `memory` allocated until the current execution ends (frees it at once outside one).
void Quarantine(void* memory, std::align_val_t alignment);
}  // namespace detail

// std::atomic's interface, each operation a scheduling point. Destroying one marks it dead:
// any later operation on it is a violation ("touched after its owner left").
template <class T>
class DetAtomic {
 public:
  DetAtomic() noexcept : value_{} {}
  DetAtomic(T value) noexcept : value_{value} {}  // NOLINT: as std::atomic
  ~DetAtomic() { alive_ = kDead; }
  DetAtomic(const DetAtomic&) = delete;
  DetAtomic& operator=(const DetAtomic&) = delete;

  T load(std::memory_order = std::memory_order_seq_cst) const {
    Before();
    return value_.load();
  }
  void store(T value, std::memory_order = std::memory_order_seq_cst) {
    Before();
    value_.store(value);
    detail::Wrote();
  }
  T exchange(T value, std::memory_order = std::memory_order_seq_cst) {
    Before();
    const T old = value_.exchange(value);
    detail::Wrote();
    return old;
  }
  // Never fails spuriously in the model.
  bool compare_exchange_strong(T& expected, T desired, std::memory_order = std::memory_order_seq_cst,
                               std::memory_order = std::memory_order_seq_cst) {
    Before();
    const bool ok = value_.compare_exchange_strong(expected, desired);
    if (ok) detail::Wrote();
    return ok;
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order = std::memory_order_seq_cst,
                             std::memory_order = std::memory_order_seq_cst) {
    return compare_exchange_strong(expected, desired);
  }
  T fetch_add(T delta, std::memory_order = std::memory_order_seq_cst)
    requires std::is_integral_v<T>
  {
    Before();
    const T old = value_.fetch_add(delta);
    detail::Wrote();
    return old;
  }
  T fetch_sub(T delta, std::memory_order = std::memory_order_seq_cst)
    requires std::is_integral_v<T>
  {
    Before();
    const T old = value_.fetch_sub(delta);
    detail::Wrote();
    return old;
  }
  T fetch_or(T bits, std::memory_order = std::memory_order_seq_cst)
    requires std::is_integral_v<T>
  {
    Before();
    const T old = value_.fetch_or(bits);
    detail::Wrote();
    return old;
  }
  T fetch_and(T bits, std::memory_order = std::memory_order_seq_cst)
    requires std::is_integral_v<T>
  {
    Before();
    const T old = value_.fetch_and(bits);
    detail::Wrote();
    return old;
  }
  T fetch_xor(T bits, std::memory_order = std::memory_order_seq_cst)
    requires std::is_integral_v<T>
  {
    Before();
    const T old = value_.fetch_xor(bits);
    detail::Wrote();
    return old;
  }

  // The value with no scheduling point, for the model's futex and for checks after a run.
  T Peek() const { return value_.load(); }
  std::atomic<T>* Raw() { return &value_; }

 private:
  static constexpr std::uint32_t kAlive = 0xA11CE5;
  static constexpr std::uint32_t kDead = 0xDEADB10C;

  // The liveness check follows the scheduling point: the owner may leave while this thread
  // waits for its turn.
  void Before() const {
    detail::BeforeOperation();
    if (alive_ != kAlive) detail::TouchedDead(this);
  }

  std::atomic<T> value_;
  // Volatile so the compiler keeps the destructor's store, which it may otherwise drop as a
  // store to an object whose lifetime is ending.
  volatile std::uint32_t alive_ = kAlive;
};

// A wait block's storage for one wait, kept (dead) until the execution ends.
template <class T>
class DetLocal {
 public:
  DetLocal() : value_(new (std::align_val_t{alignof(T)}) T) {}
  ~DetLocal() {
    value_->~T();
    detail::Quarantine(value_, std::align_val_t{alignof(T)});
  }
  DetLocal(const DetLocal&) = delete;
  DetLocal& operator=(const DetLocal&) = delete;

  T* get() noexcept { return value_; }
  T* operator->() noexcept { return value_; }

 private:
  T* value_;
};

// The scheduled policy for lock templates (internal/atoms.h), with an optional planted bug.
template <PlantedBug kBug = PlantedBug::kNone>
struct DetAtoms {
  template <class T>
  using Atomic = DetAtomic<T>;
  template <class T>
  using Local = DetLocal<T>;

  static constexpr PlantedBug kPlanted = kBug;

  static int FutexWait(DetAtomic<std::uint32_t>* word, std::uint32_t expected) {
    return detail::FutexWait(word->Raw(), expected);
  }
  static void FutexWake(DetAtomic<std::uint32_t>* word, int count) {
    detail::FutexWake(word->Raw(), count);
  }
  static void Relax() { detail::Spin(); }
  static void Yield() { detail::Spin(); }
};

}  // namespace lockbench::internal::det

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_DET_SCHEDULE_H_
