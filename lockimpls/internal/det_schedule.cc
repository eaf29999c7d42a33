#include "lockimpls/internal/det_schedule.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <semaphore>
#include <thread>
#include <utility>

#include "lockimpls/internal/futex.h"

namespace lockbench::internal::det {
namespace {

enum class State { kRunnable, kParked, kBlocked, kFinished };

struct ThreadSlot {
  std::binary_semaphore turn{0};
  State state = State::kRunnable;
  const std::atomic<std::uint32_t>* futex = nullptr;  // while kBlocked
  std::uint64_t blocked_since = 0;                    // FIFO order among sleepers
};

// One execution in progress. Only the thread holding the baton (the one whose turn it is)
// touches it, so it needs no lock: each hand-over is a semaphore release and acquire.
class Run {
 public:
  Run(int threads, Chooser& chooser, std::uint64_t max_steps)
      : chooser_(chooser), max_steps_(max_steps) {
    for (int i = 0; i < threads; ++i) slots_.push_back(std::make_unique<ThreadSlot>());
  }

  ~Run() {
    for (auto& [memory, alignment] : quarantine_) ::operator delete(memory, alignment);
  }

  // Lets the chooser pick the next thread and hands it the baton. `me` is the caller's index
  // (-1: the explorer, before the first step); with `wait`, returns when it is `me`'s turn.
  void SwitchFrom(int me, bool wait) {
    if (++steps_ > max_steps_) Fail(me, "livelock or lost wake-up: no end after " +
                                            std::to_string(max_steps_) + " steps; " + States());
    std::vector<int> enabled = Enabled();
    if (enabled.empty()) {
      // Only spinners and sleepers are left: let the spinners look again (a spin either ends
      // by itself or waits for a sleeper, and then the step bound reports it).
      for (auto& slot : slots_) {
        if (slot->state == State::kParked) slot->state = State::kRunnable;
      }
      enabled = Enabled();
      if (enabled.empty()) Fail(me, "lost wake-up: every unfinished thread sleeps; " + States());
    }
    const bool current_enabled = me >= 0 && slots_[me]->state == State::kRunnable;
    const int next = chooser_.Choose(enabled, me, current_enabled);
    path_ += static_cast<char>('0' + next);
    if (next == me) return;
    slots_[next]->turn.release();
    if (wait) slots_[me]->turn.acquire();
  }

  // Records the first violation, tells the explorer, and blocks the caller for good.
  [[noreturn]] void Fail(int me, const std::string& message) {
    if (me < 0) {
      std::fprintf(stderr, "det: %s\n", message.c_str());
      std::abort();
    }
    if (!failed_) {
      failed_ = true;
      message_ = message;
    }
    done_.release();
    for (;;) slots_[me]->turn.acquire();
  }

  void Wrote() {
    for (auto& slot : slots_) {
      if (slot->state == State::kParked) slot->state = State::kRunnable;
    }
  }

  void Park(int me) {
    slots_[me]->state = State::kParked;
    SwitchFrom(me, true);
  }

  int FutexWait(int me, std::atomic<std::uint32_t>* word, std::uint32_t expected) {
    SwitchFrom(me, true);
    if (word->load() != expected) return EAGAIN;
    ThreadSlot& slot = *slots_[me];
    slot.state = State::kBlocked;
    slot.futex = word;
    slot.blocked_since = ++sleeps_;
    SwitchFrom(me, true);
    return 0;
  }

  void FutexWake(int me, std::atomic<std::uint32_t>* word, int count) {
    SwitchFrom(me, true);
    while (count-- > 0) {
      ThreadSlot* oldest = nullptr;
      for (auto& slot : slots_) {
        if (slot->state == State::kBlocked && slot->futex == word &&
            (oldest == nullptr || slot->blocked_since < oldest->blocked_since)) {
          oldest = slot.get();
        }
      }
      if (oldest == nullptr) return;
      oldest->state = State::kRunnable;
      oldest->futex = nullptr;
    }
  }

  // The thread's body returned.
  void Exit(int me) {
    slots_[me]->state = State::kFinished;
    if (++finished_ == static_cast<int>(slots_.size())) {
      done_.release();
      return;
    }
    SwitchFrom(me, false);
  }

  void Quarantine(void* memory, std::align_val_t alignment) {
    quarantine_.emplace_back(memory, alignment);
  }

  void Start() { SwitchFrom(-1, false); }
  void AwaitEnd() { done_.acquire(); }
  void WaitForTurn(int me) { slots_[me]->turn.acquire(); }

  bool failed() const { return failed_; }
  const std::string& message() const { return message_; }
  const std::string& path() const { return path_; }
  std::uint64_t steps() const { return steps_; }

 private:
  std::vector<int> Enabled() const {
    std::vector<int> enabled;
    for (int i = 0; i < static_cast<int>(slots_.size()); ++i) {
      if (slots_[i]->state == State::kRunnable) enabled.push_back(i);
    }
    return enabled;
  }

  std::string States() const {
    static constexpr const char* kNames[] = {"runnable", "spinning", "asleep on a futex",
                                             "finished"};
    std::string out = "threads:";
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      out += " " + std::to_string(i) + " " + kNames[static_cast<int>(slots_[i]->state)] +
             (i + 1 < slots_.size() ? "," : "");
    }
    return out;
  }

  Chooser& chooser_;
  const std::uint64_t max_steps_;
  std::vector<std::unique_ptr<ThreadSlot>> slots_;
  std::binary_semaphore done_{0};
  std::uint64_t steps_ = 0;
  std::uint64_t sleeps_ = 0;
  int finished_ = 0;
  bool failed_ = false;
  std::string message_;
  std::string path_;
  std::vector<std::pair<void*, std::align_val_t>> quarantine_;
};

thread_local Run* tls_run = nullptr;
thread_local int tls_me = -1;
// Where Check() records a violation found in Execution::AtEnd, on the exploring thread.
thread_local Outcome* tls_at_end = nullptr;

// Failed executions are kept for their blocked threads; reachable from here for leak checks.
std::vector<std::pair<Run*, Execution*>>& Abandoned() {
  static auto* abandoned = new std::vector<std::pair<Run*, Execution*>>;
  return *abandoned;
}

class DfsChooser final : public Chooser {
 public:
  explicit DfsChooser(int preemption_bound) : bound_(preemption_bound) {}

  int Choose(const std::vector<int>& enabled, int current, bool current_enabled) override {
    std::vector<int> options;
    if (current_enabled) options.push_back(current);
    for (int t : enabled) {
      if (!current_enabled || t != current) options.push_back(t);
    }
    int chosen;
    if (depth_ < stack_.size()) {
      Decision& d = stack_[depth_];
      if (d.options != options) diverged_ = true;
      chosen = d.options[d.index];
    } else {
      stack_.push_back({options, 0, preemptions_, current_enabled});
      chosen = options[0];
    }
    if (current_enabled && chosen != current) ++preemptions_;
    ++depth_;
    return chosen;
  }

  // Moves to the next schedule within the bound; false when none is left.
  bool Advance() {
    stack_.resize(depth_);
    while (!stack_.empty()) {
      Decision& d = stack_.back();
      const bool preempts = d.current_enabled;  // every alternative to options[0] preempts
      if (d.index + 1 < d.options.size() &&
          (!preempts || bound_ < 0 || d.preemptions_before < bound_)) {
        ++d.index;
        depth_ = 0;
        preemptions_ = 0;
        return true;
      }
      stack_.pop_back();
    }
    return false;
  }

  bool diverged() const { return diverged_; }

 private:
  struct Decision {
    std::vector<int> options;  // the running thread first when it could go on
    std::size_t index;
    int preemptions_before;
    bool current_enabled;
  };

  const int bound_;
  std::vector<Decision> stack_;
  std::size_t depth_ = 0;
  int preemptions_ = 0;
  bool diverged_ = false;
};

class RandomChooser final : public Chooser {
 public:
  explicit RandomChooser(std::uint64_t seed) : rng_(seed) {
    // How strongly this seed keeps the running thread: from "switch at every step" to "switch
    // about once in thirty".
    stay_ = std::uniform_real_distribution<double>(0.0, 0.97)(rng_);
  }

  int Choose(const std::vector<int>& enabled, int current, bool current_enabled) override {
    if (current_enabled && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < stay_) {
      return current;
    }
    return enabled[std::uniform_int_distribution<std::size_t>(0, enabled.size() - 1)(rng_)];
  }

 private:
  std::mt19937_64 rng_;
  double stay_;
};

class PathChooser final : public Chooser {
 public:
  explicit PathChooser(std::string path) : path_(std::move(path)) {}

  int Choose(const std::vector<int>& enabled, int current, bool current_enabled) override {
    if (at_ >= path_.size()) return current_enabled ? current : enabled[0];
    const int wanted = path_[at_++] - '0';
    for (int t : enabled) {
      if (t == wanted) return t;
    }
    diverged_ = true;
    return enabled[0];
  }

  bool diverged() const { return diverged_; }

 private:
  std::string path_;
  std::size_t at_ = 0;
  bool diverged_ = false;
};

}  // namespace

namespace {

// Threads kept from one execution to the next, so a schedule costs hand-overs, not thread
// starts (which dominate under the sanitizers). A worker runs one execution's thread at a time;
// after a failed execution its workers stay blocked inside it and are abandoned with it.
class WorkerPool {
 public:
  struct Worker {
    std::binary_semaphore go{0};    // an execution's thread is ready to run
    std::binary_semaphore idle{0};  // that thread has left the execution
    Run* run = nullptr;
    Execution* execution = nullptr;
    int index = 0;
  };

  static WorkerPool& Get() {
    static auto* pool = new WorkerPool;  // never destroyed: its threads outlive main
    return *pool;
  }

  // Starts thread `i` of `execution` on a worker (started if needed).
  void Launch(int i, Run* run, Execution* execution) {
    while (static_cast<int>(workers_.size()) <= i) {
      auto* w = new Worker;
      workers_.push_back(w);
      std::thread([w] { Loop(w); }).detach();
    }
    Worker* w = workers_[i];
    w->run = run;
    w->execution = execution;
    w->index = i;
    w->go.release();
  }

  // Waits until threads 0..n-1 have left their execution.
  void AwaitIdle(int n) {
    for (int i = 0; i < n; ++i) workers_[i]->idle.acquire();
  }

  // The workers are stuck in a failed execution: start afresh.
  void Abandon() { workers_.clear(); }

 private:
  static void Loop(Worker* w) {
    for (;;) {
      w->go.acquire();
      Run* r = w->run;
      tls_run = r;
      tls_me = w->index;
      r->WaitForTurn(w->index);
      w->execution->Body(w->index);
      r->Exit(w->index);
      tls_run = nullptr;
      tls_me = -1;
      w->idle.release();
    }
  }

  std::vector<Worker*> workers_;  // leaked when abandoned, with their blocked threads
};

}  // namespace

Outcome RunOnce(std::unique_ptr<Execution> execution, int threads, Chooser& chooser,
                std::uint64_t max_steps) {
  auto run = std::make_unique<Run>(threads, chooser, max_steps);
  WorkerPool& pool = WorkerPool::Get();
  for (int i = 0; i < threads; ++i) pool.Launch(i, run.get(), execution.get());
  run->Start();
  run->AwaitEnd();

  Outcome outcome;
  outcome.path = run->path();
  outcome.steps = run->steps();
  if (run->failed()) {
    outcome.failed = true;
    outcome.message = run->message();
    pool.Abandon();
    Abandoned().emplace_back(run.release(), execution.release());
    return outcome;
  }
  pool.AwaitIdle(threads);
  tls_at_end = &outcome;
  execution->AtEnd();
  tls_at_end = nullptr;
  return outcome;
}

ExploreResult ExploreExhaustive(const ExecutionFactory& make, int threads, int preemption_bound,
                                std::uint64_t max_schedules) {
  ExploreResult result;
  DfsChooser chooser(preemption_bound);
  for (;;) {
    Outcome outcome = RunOnce(make(), threads, chooser, 5000);
    ++result.schedules;
    result.max_steps = std::max(result.max_steps, outcome.steps);
    if (chooser.diverged() && !outcome.failed) {
      outcome.failed = true;
      outcome.message = "nondeterministic scenario: a replayed prefix offered other choices";
    }
    if (outcome.failed) {
      outcome.message += " (schedule " + std::to_string(result.schedules) + ")";
      result.failure = std::move(outcome);
      return result;
    }
    if (!chooser.Advance()) {
      result.complete = true;
      return result;
    }
    if (result.schedules >= max_schedules) return result;
  }
}

ExploreResult ExploreRandom(const ExecutionFactory& make, int threads, std::uint64_t first_seed,
                            std::uint64_t seeds) {
  ExploreResult result;
  for (std::uint64_t seed = first_seed; seed < first_seed + seeds; ++seed) {
    RandomChooser chooser(seed);
    Outcome outcome = RunOnce(make(), threads, chooser);
    ++result.schedules;
    result.max_steps = std::max(result.max_steps, outcome.steps);
    if (outcome.failed) {
      outcome.message += " (seed " + std::to_string(seed) + ")";
      result.failure = std::move(outcome);
      return result;
    }
  }
  result.complete = true;
  return result;
}

Outcome Replay(const ExecutionFactory& make, int threads, const std::string& path) {
  PathChooser chooser(path);
  Outcome outcome = RunOnce(make(), threads, chooser);
  if (chooser.diverged() && !outcome.failed) {
    outcome.failed = true;
    outcome.message = "replay diverged: the path names a thread that could not step";
  }
  return outcome;
}

void Step() {
  if (tls_run != nullptr) tls_run->SwitchFrom(tls_me, true);
}

void Check(bool ok, const std::string& what) {
  if (ok) return;
  if (tls_run != nullptr) tls_run->Fail(tls_me, what);
  if (tls_at_end != nullptr) {
    if (!tls_at_end->failed) {
      tls_at_end->failed = true;
      tls_at_end->message = what;
    }
    return;
  }
  std::fprintf(stderr, "det::Check failed outside an execution: %s\n", what.c_str());
  std::abort();
}

int ThreadIndex() { return tls_me; }

namespace detail {

void BeforeOperation() { Step(); }

void TouchedDead(const void* object) {
  char address[32];
  std::snprintf(address, sizeof(address), "%p", object);
  Check(false, std::string("wait block touched after its owner left the wait (atomic at ") +
                   address + ")");
}

void Wrote() {
  if (tls_run != nullptr) tls_run->Wrote();
}

int FutexWait(std::atomic<std::uint32_t>* word, std::uint32_t expected) {
  if (tls_run == nullptr) return internal::FutexWait(word, expected);
  return tls_run->FutexWait(tls_me, word, expected);
}

void FutexWake(std::atomic<std::uint32_t>* word, int count) {
  if (tls_run == nullptr) {
    internal::FutexWake(word, count);
    return;
  }
  tls_run->FutexWake(tls_me, word, count);
}

void Spin() {
  if (tls_run != nullptr) tls_run->Park(tls_me);
}

void Quarantine(void* memory, std::align_val_t alignment) {
  if (tls_run == nullptr) {
    ::operator delete(memory, alignment);
    return;
  }
  tls_run->Quarantine(memory, alignment);
}

}  // namespace detail
}  // namespace lockbench::internal::det
