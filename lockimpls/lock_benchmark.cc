// Round-trip cost of every lock in the registry, one templated body per measurement, each
// instantiated for every lock so they compare like for like:
//   Uncontended/exclusive/<lock>, Uncontended/shared/<lock>: one thread, lock then unlock.
//   Contended/<lock>/read_pct:P/real_time/threads:T: T threads (1 to 8) on one lock with an
//     empty critical section, P percent of acquisitions shared. items_per_second is the
//     throughput of all threads together.
// With --lockbench_require_all_locks the binary prints plain console output and fails (exit 1)
// unless every registered lock produced at least one error-free run; the smoke test uses it.
// Uncontended bodies are single-threaded: read their CPU time, which a busy machine disturbs
// less than the wall clock.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lockimpls/registry.h"

namespace lockbench {
namespace {

template <class L>
void BM_UncontendedExclusive(benchmark::State& state) {
  L lock;
  for (auto _ : state) {
    lock.lock();
    lock.unlock();
  }
  state.SetItemsProcessed(state.iterations());
}

template <class L>
void BM_UncontendedShared(benchmark::State& state) {
  L lock;
  for (auto _ : state) {
    lock.lock_shared();
    lock.unlock_shared();
  }
  state.SetItemsProcessed(state.iterations());
}

template <class L>
L& ContendedLock() {
  // Shared by the benchmark's threads; a function static is built once, race-free.
  static L lock;
  return lock;
}

template <class L>
void BM_Contended(benchmark::State& state) {
  L& lock = ContendedLock<L>();
  const unsigned read_pct = static_cast<unsigned>(state.range(0));
  std::minstd_rand rng(static_cast<unsigned>(state.thread_index()) + 1);
  if (read_pct == 0) {
    for (auto _ : state) {
      lock.lock();
      lock.unlock();
    }
  } else if (read_pct >= 100) {
    for (auto _ : state) {
      lock.lock_shared();
      lock.unlock_shared();
    }
  } else {
    for (auto _ : state) {
      if (rng() % 100 < read_pct) {
        lock.lock_shared();
        lock.unlock_shared();
      } else {
        lock.lock();
        lock.unlock();
      }
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void RegisterAll() {
  AllLocks::ForEach([]<class L>() {
    const std::string name(L::kTraits.name);
    benchmark::RegisterBenchmark(("Uncontended/exclusive/" + name).c_str(),
                                 &BM_UncontendedExclusive<L>);
    benchmark::RegisterBenchmark(("Uncontended/shared/" + name).c_str(), &BM_UncontendedShared<L>);
    benchmark::RegisterBenchmark(("Contended/" + name).c_str(), &BM_Contended<L>)
        ->ArgName("read_pct")
        ->Arg(0)
        ->Arg(50)
        ->Arg(90)
        ->Arg(100)
        ->ThreadRange(1, 8)
        ->UseRealTime();
  });
}

// Prints as the console reporter does and remembers which locks ran cleanly.
class CheckingReporter : public benchmark::ConsoleReporter {
 public:
  // Plain text: the flags that pick colour and format only reach the library's own reporter.
  CheckingReporter() : ConsoleReporter(OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      const std::string name = run.benchmark_name();
      if (run.error_occurred || run.iterations <= 0) {
        failed_.push_back(name);
        continue;
      }
      // Names are slash-separated; one component is the lock's registry name.
      std::size_t begin = 0;
      while (begin <= name.size()) {
        std::size_t end = name.find('/', begin);
        if (end == std::string::npos) end = name.size();
        ran_.insert(name.substr(begin, end - begin));
        begin = end + 1;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // True if every registered lock ran and nothing failed; says what is missing otherwise.
  bool AllLocksRan() const {
    bool ok = true;
    for (const std::string& f : failed_) {
      std::fprintf(stderr, "benchmark failed: %s\n", f.c_str());
      ok = false;
    }
    for (const LockTraits& t : AllLocks::Traits()) {
      if (ran_.count(std::string(t.name)) == 0) {
        std::fprintf(stderr, "no benchmark ran for lock %s\n", std::string(t.name).c_str());
        ok = false;
      }
    }
    return ok;
  }

 private:
  std::set<std::string> ran_;  // every name component seen in a clean run
  std::vector<std::string> failed_;
};

}  // namespace
}  // namespace lockbench

int main(int argc, char** argv) {
  bool require_all = false;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--lockbench_require_all_locks") == 0) {
      require_all = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  lockbench::RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (!require_all) {
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
  }
  lockbench::CheckingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return reporter.AllLocksRan() ? 0 : 1;
}
