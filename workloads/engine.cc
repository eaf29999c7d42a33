#include "workloads/engine.h"

#include <algorithm>
#include <latch>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "results/run_record.h"
#include "workloads/clock.h"
#include "workloads/internal/worker.h"

namespace lockbench::engine_internal {
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
}  // namespace lockbench::engine_internal

namespace lockbench {

ThreadStartError::ThreadStartError(size_t thread, size_t threads, const std::string& why)
    : std::runtime_error("could not start thread " + std::to_string(thread + 1) + " of " +
                         std::to_string(threads) + " (" + why +
                         "): the process's limits on threads or memory (ulimit -u, ulimit -v) "
                         "allow fewer") {}

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
      throw ThreadStartError(t, n, e.what());
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
