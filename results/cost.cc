#include "results/cost.h"

#include <algorithm>

#include "results/stats.h"

namespace lockbench {
namespace {

std::optional<double> PerOp(double total, uint64_t ops) {
  if (ops == 0) return std::nullopt;
  return total / static_cast<double>(ops);
}

// The configured busy work a thread did in the window: its sections and, before every attempt
// (try failures included), its think time; in open loop, its waits for arrivals.
double BusyWorkNs(const RunRecord& r, const ThreadRecord& t) {
  return static_cast<double>(t.shared_ops) * static_cast<double>(r.busy_work.shared_cs_ns) +
         static_cast<double>(t.exclusive_ops) * static_cast<double>(r.busy_work.exclusive_cs_ns) +
         static_cast<double>(t.ops() + t.try_failures) * static_cast<double>(r.busy_work.think_ns) +
         static_cast<double>(t.arrival_wait_ns);
}

}  // namespace

CostSummary SummarizeCost(const RunRecord& r) {
  CostSummary c;
  c.measured = r.cost_measured && !r.per_thread.empty();
  if (!c.measured) return c;
  const double window_ns = r.duration_s * 1e9;
  double busy_work = 0;
  std::vector<double> running;
  for (const ThreadRecord& t : r.per_thread) {
    ThreadCost tc;
    tc.cpu_ns = t.cpu_ns;
    const double cpu = static_cast<double>(t.cpu_ns);
    const double work = BusyWorkNs(r, t);
    tc.cpu_ns_per_op = PerOp(cpu, t.ops());
    tc.lock_cpu_ns_per_op = PerOp(std::max(0.0, cpu - work), t.ops());
    tc.voluntary_switches_per_op = PerOp(static_cast<double>(t.voluntary_switches), t.ops());
    tc.involuntary_switches_per_op = PerOp(static_cast<double>(t.involuntary_switches), t.ops());
    tc.running_fraction = window_ns > 0 ? cpu / window_ns : 0;
    running.push_back(tc.running_fraction);
    c.cpu_ns += t.cpu_ns;
    c.voluntary_switches += t.voluntary_switches;
    c.involuntary_switches += t.involuntary_switches;
    busy_work += work;
    c.per_thread.push_back(tc);
  }
  const uint64_t ops = r.ops();
  const double cpu = static_cast<double>(c.cpu_ns);
  c.cpu_ns_per_op = PerOp(cpu, ops);
  c.lock_cpu_ns_per_op = PerOp(std::max(0.0, cpu - busy_work), ops);
  c.voluntary_switches_per_op = PerOp(static_cast<double>(c.voluntary_switches), ops);
  c.involuntary_switches_per_op = PerOp(static_cast<double>(c.involuntary_switches), ops);
  c.running_fraction_min = *std::min_element(running.begin(), running.end());
  c.running_fraction_median = Median(running);
  if (r.machine_total_ns > 0) {
    const double others = std::max(0.0, static_cast<double>(r.machine_busy_ns) - cpu);
    c.other_load = std::min(1.0, others / static_cast<double>(r.machine_total_ns));
  }
  return c;
}

}  // namespace lockbench
