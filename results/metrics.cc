#include "results/metrics.h"

#include <cstdio>
#include <iterator>
#include <stdexcept>

#include "base/enum_names.h"
#include "base/strings.h"

namespace lockbench {
namespace {

using nlohmann::json;

// Histogram values are integers in the file, as LatencyToJson writes them.
json Percentile(const Histogram& h, double percentile) { return h.ValueAtPercentile(percentile); }

json Maximum(const Histogram& h) { return h.Max(); }

json OrNull(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// "0.01235", "3.2e-05": a fitted coefficient, whose scale varies by orders of magnitude.
std::string SignificantDigits(double value, int digits) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*g", digits, value);
  return text;
}

constexpr MetricDef kTable[] = {
    {.name = "throughput",
     .path = "throughput_ops_per_s",
     .unit = Unit::kOpsPerSecond,
     .better = Better::kHigher,
     .across = Across::kMedian,
     .meaning = "acquisitions completed per second of the measured window, both modes",
     .counted_by = "",
     .required = true,
     .column = "Mops/s",
     .counter = "items_per_second",
     .of = [](const RunSummary& s) -> json { return s.throughput_ops_per_s; }},
    {.name = "shared_p50",
     .path = "latency_ns.shared.p50",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "median time from asking for the lock in shared mode to holding it",
     .counted_by = "latency_ns.shared.count",
     .required = true,
     .column = "sh p50",
     .counter = "shared_p50_ns",
     .of = [](const RunSummary& s) { return Percentile(s.shared_acquire, 50); }},
    {.name = "shared_p99",
     .path = "latency_ns.shared.p99",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "99th percentile of the shared-mode acquire time",
     .counted_by = "latency_ns.shared.count",
     .required = true,
     .column = "sh p99",
     .counter = "shared_p99_ns",
     .of = [](const RunSummary& s) { return Percentile(s.shared_acquire, 99); }},
    {.name = "shared_max",
     .path = "latency_ns.shared.max",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "longest shared-mode acquire time (a reader's worst wait)",
     .counted_by = "latency_ns.shared.count",
     .required = false,
     .column = "sh max",
     .counter = "shared_max_ns",
     .of = [](const RunSummary& s) { return Maximum(s.shared_acquire); }},
    {.name = "exclusive_p50",
     .path = "latency_ns.exclusive.p50",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "median time from asking for the lock in exclusive mode to holding it",
     .counted_by = "latency_ns.exclusive.count",
     .required = true,
     .column = "ex p50",
     .counter = "exclusive_p50_ns",
     .of = [](const RunSummary& s) { return Percentile(s.exclusive_acquire, 50); }},
    {.name = "exclusive_p99",
     .path = "latency_ns.exclusive.p99",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "99th percentile of the exclusive-mode acquire time",
     .counted_by = "latency_ns.exclusive.count",
     .required = true,
     .column = "ex p99",
     .counter = "exclusive_p99_ns",
     .of = [](const RunSummary& s) { return Percentile(s.exclusive_acquire, 99); }},
    {.name = "exclusive_max",
     .path = "latency_ns.exclusive.max",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "longest exclusive-mode acquire time (a writer's worst wait)",
     .counted_by = "latency_ns.exclusive.count",
     .required = false,
     .column = "ex max",
     .counter = "exclusive_max_ns",
     .of = [](const RunSummary& s) { return Maximum(s.exclusive_acquire); }},
    {.name = "jain",
     .path = "fairness.jain_index",
     .unit = Unit::kIndex,
     .better = Better::kHigher,
     .across = Across::kMedian,
     .meaning = "Jain's fairness index of the threads' acquisitions: 1 when all got the same",
     .counted_by = "",
     .required = true,
     .column = "jain",
     .counter = "jain",
     .of = [](const RunSummary& s) -> json { return s.fairness.jain_index; }},
    {.name = "short_jain_p10",
     .path = "fairness.short_term.small.p10",
     .unit = Unit::kIndex,
     .better = Better::kHigher,
     .across = Across::kMedian,
     .meaning = "10th percentile of Jain's index over windows of 2 x threads consecutive "
                "exclusive grants: near 1 for a lock that hands off in turn, near 1/threads for "
                "one whose holder takes it back",
     .counted_by = "fairness.short_term.small.windows",
     .required = false,
     .column = "jain2n",
     .counter = "short_jain_p10",
     .of = [](const RunSummary& s) -> json {
       return s.short_term_small.windows == 0 ? json(nullptr) : json(s.short_term_small.p10);
     }},
    {.name = "short_jain_p50",
     .path = "fairness.short_term.small.p50",
     .unit = Unit::kIndex,
     .better = Better::kHigher,
     .across = Across::kMedian,
     .meaning = "median of Jain's index over windows of 2 x threads consecutive exclusive grants",
     .counted_by = "fairness.short_term.small.windows",
     .required = false,
     .column = "",
     .counter = "short_jain_p50",
     .of = [](const RunSummary& s) -> json {
       return s.short_term_small.windows == 0 ? json(nullptr) : json(s.short_term_small.p50);
     }},
    {.name = "long_jain_p10",
     .path = "fairness.short_term.large.p10",
     .unit = Unit::kIndex,
     .better = Better::kHigher,
     .across = Across::kMedian,
     .meaning = "10th percentile of Jain's index over windows of 10 x threads consecutive "
                "exclusive grants",
     .counted_by = "fairness.short_term.large.windows",
     .required = false,
     .column = "",
     .counter = "long_jain_p10",
     .of = [](const RunSummary& s) -> json {
       return s.short_term_large.windows == 0 ? json(nullptr) : json(s.short_term_large.p10);
     }},
    {.name = "bypass",
     .path = "handoff.bypass.exclusive.over_fifo_bound",
     .unit = Unit::kFraction,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "of the writer waits that a grant passed, the fraction passed by more grants "
                "than a FIFO lock allows (threads - 1) plus one of slack: 0 for a FIFO lock",
     .counted_by = "handoff.bypass.exclusive.waited",
     .required = false,
     .column = "bypass>fifo",
     .counter = "bypass_over_fifo",
     .of = [](const RunSummary& s) -> json {
       if (!s.bypass_measured) return nullptr;
       return s.exclusive_bypass.over_fifo_bound;
     }},
    {.name = "reacquire_while_waited",
     .path = "handoff.reacquire_while_waited.rate",
     .unit = Unit::kFraction,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "of the exclusive releases that found a thread waiting, the fraction after "
                "which the releaser got the lock back (barging); needs --latency-sample 1",
     .counted_by = "handoff.reacquire_while_waited.releases",
     .required = false,
     .column = "",
     .counter = "reacquire_while_waited",
     .of = [](const RunSummary& s) -> json {
       if (!s.handoff_latency_measured) return nullptr;
       return s.contended_reacquire.rate;
     }},
    {.name = "handoff_p50",
     .path = "handoff.handoff_latency_ns.p50",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "median time from a conflicting release to the grant of a thread that was "
                "waiting for it (waking the next owner); needs --latency-sample 1",
     .counted_by = "handoff.handoff_latency_ns.count",
     .required = false,
     .column = "",
     .counter = "handoff_p50_ns",
     .of = [](const RunSummary& s) -> json {
       if (!s.handoff_latency_measured) return nullptr;
       return Percentile(s.handoff_latency, 50);
     }},
    {.name = "shared_response_p50",
     .path = "open_loop.response_ns.shared.p50",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "open loop: median time from a shared request's scheduled arrival to its grant "
                "(queueing behind a slow lock included); needs --arrival-rate",
     .counted_by = "open_loop.response_ns.shared.count",
     .required = false,
     .column = "",
     .counter = "shared_response_p50_ns",
     .of = [](const RunSummary& s) -> json {
       if (!s.open_loop) return nullptr;
       return Percentile(s.shared_response, 50);
     }},
    {.name = "shared_response_p99",
     .path = "open_loop.response_ns.shared.p99",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "open loop: 99th percentile of the shared requests' time from scheduled arrival "
                "to grant; needs --arrival-rate",
     .counted_by = "open_loop.response_ns.shared.count",
     .required = false,
     .column = "",
     .counter = "shared_response_p99_ns",
     .of = [](const RunSummary& s) -> json {
       if (!s.open_loop) return nullptr;
       return Percentile(s.shared_response, 99);
     }},
    {.name = "exclusive_response_p99",
     .path = "open_loop.response_ns.exclusive.p99",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "open loop: 99th percentile of the exclusive requests' time from scheduled "
                "arrival to grant; needs --arrival-rate",
     .counted_by = "open_loop.response_ns.exclusive.count",
     .required = false,
     .column = "",
     .counter = "exclusive_response_p99_ns",
     .of = [](const RunSummary& s) -> json {
       if (!s.open_loop) return nullptr;
       return Percentile(s.exclusive_response, 99);
     }},
    {.name = "late_fraction",
     .path = "open_loop.late_fraction",
     .unit = Unit::kFraction,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "open loop: fraction of the completed requests issued after their scheduled "
                "arrival (their thread was still busy or off its core); needs --arrival-rate",
     .counted_by = "",
     .required = false,
     .column = "",
     .counter = "late_fraction",
     .of = [](const RunSummary& s) -> json {
       if (!s.open_loop) return nullptr;
       return s.late_fraction;
     }},
    {.name = "cpu_per_op",
     .path = "cost.cpu_ns_per_op",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "CPU time of all threads per acquisition in the window: spinning waiters burn it, "
                "sleeping ones give it back",
     .counted_by = "",
     .required = false,
     .column = "cpu/op",
     .counter = "cpu_ns_per_op",
     .of = [](const RunSummary& s) { return OrNull(s.cost.cpu_ns_per_op); }},
    {.name = "lock_cpu_per_op",
     .path = "cost.lock_cpu_ns_per_op",
     .unit = Unit::kNanoseconds,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "CPU per acquisition beyond the configured critical sections and think time: what "
                "the lock calls (and the harness loop) cost",
     .counted_by = "",
     .required = false,
     .column = "",
     .counter = "lock_cpu_ns_per_op",
     .of = [](const RunSummary& s) { return OrNull(s.cost.lock_cpu_ns_per_op); }},
    {.name = "voluntary_switches_per_op",
     .path = "cost.voluntary_switches_per_op",
     .unit = Unit::kPerOp,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "context switches per acquisition made by blocking (a waiter that went to sleep)",
     .counted_by = "",
     .required = false,
     .column = "sleeps/op",
     .counter = "voluntary_switches_per_op",
     .of = [](const RunSummary& s) { return OrNull(s.cost.voluntary_switches_per_op); }},
    {.name = "involuntary_switches_per_op",
     .path = "cost.involuntary_switches_per_op",
     .unit = Unit::kPerOp,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "context switches per acquisition forced by the scheduler (a thread preempted, "
                "e.g. while it spun or held the lock)",
     .counted_by = "",
     .required = false,
     .column = "",
     .counter = "involuntary_switches_per_op",
     .of = [](const RunSummary& s) { return OrNull(s.cost.involuntary_switches_per_op); }},
};

json::json_pointer Pointer(std::string_view dotted) {
  std::string pointer;
  for (char c : dotted) pointer += c == '.' ? '/' : c;
  return json::json_pointer("/" + pointer);
}

// The value at a dotted path, or nullptr when a step is missing or not an object.
const json* Find(const json& run, std::string_view dotted) {
  const json* at = &run;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    if (!at->is_object()) return nullptr;
    const auto it = at->find(std::string(dotted.substr(start, dot - start)));
    if (it == at->end()) return nullptr;
    at = &*it;
    start = dot + 1;
  }
  return at;
}

// Whether some object on the way to `dotted` (not the leaf itself) is null.
bool UnderNull(const json& run, std::string_view dotted) {
  for (std::size_t dot = dotted.find('.'); dot != std::string_view::npos;
       dot = dotted.find('.', dot + 1)) {
    const json* step = Find(run, dotted.substr(0, dot));
    if (step != nullptr && step->is_null()) return true;
  }
  return false;
}

double NumberAt(std::string_view dotted, const json& value) {
  if (!value.is_number()) {
    throw std::invalid_argument(std::string(dotted) + ": expected a number, got " +
                                std::string(value.type_name()));
  }
  return value.get<double>();
}

}  // namespace

// Read from a `sweep_fits` entry, not a run: null where the sweep had no fit.
constexpr MetricDef kFitTable[] = {
    {.name = "usl_sigma",
     .path = "sigma",
     .unit = Unit::kCoefficient,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "contention of a thread sweep: the serialised share sigma of its Universal "
                "Scalability Law fit (sweep_fits), one value per fit",
     .counted_by = "",
     .required = false,
     .column = "",
     .counter = "",
     .of = nullptr},
    {.name = "usl_kappa",
     .path = "kappa",
     .unit = Unit::kCoefficient,
     .better = Better::kLower,
     .across = Across::kMedian,
     .meaning = "coherency cost of a thread sweep: the per-pair term kappa of its Universal "
                "Scalability Law fit (sweep_fits), one value per fit",
     .counted_by = "",
     .required = false,
     .column = "",
     .counter = "",
     .of = nullptr},
};

std::span<const MetricDef> MetricTable() { return kTable; }

std::span<const MetricDef> FitMetricTable() { return kFitTable; }

const MetricDef* FindFitMetric(std::string_view name) {
  for (const MetricDef& m : kFitTable) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

bool IsFitMetric(const MetricDef& metric) {
  return &metric >= std::begin(kFitTable) && &metric < std::end(kFitTable);
}

std::size_t FitMetricIndex(const MetricDef& metric) {
  return static_cast<std::size_t>(&metric - kFitTable);
}

std::size_t MetricIndex(const MetricDef& metric) {
  return static_cast<std::size_t>(&metric - kTable);
}

const MetricDef* FindMetric(std::string_view name) {
  for (const MetricDef& m : kTable) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

constexpr NamedValue<Unit> kUnitNames[] = {{Unit::kOpsPerSecond, "ops/s"},
                                           {Unit::kNanoseconds, "ns"},
                                           {Unit::kFraction, "fraction"},
                                           {Unit::kIndex, "index"},
                                           {Unit::kPerOp, "per op"},
                                           {Unit::kCoefficient, "coefficient"}};

constexpr NamedValue<Across> kAcrossNames[] = {{Across::kMedian, "median"}};

std::string_view UnitName(Unit unit) { return NameOf(kUnitNames, unit); }

std::string_view AcrossName(Across across) { return NameOf(kAcrossNames, across); }

std::optional<double> MetricValue(const MetricDef& metric, const json& run) {
  if (!metric.counted_by.empty()) {
    const json* count = Find(run, metric.counted_by);
    if (count == nullptr || count->is_null()) return std::nullopt;
    if (NumberAt(metric.counted_by, *count) <= 0) return std::nullopt;
  }
  const json* value = Find(run, metric.path);
  if (value == nullptr || value->is_null()) return std::nullopt;
  return NumberAt(metric.path, *value);
}

double OfferedRate(const json& run) {
  const json* rate = Find(run, "open_loop.offered_ops_per_s");
  return rate == nullptr || rate->is_null() ? 0 : NumberAt("open_loop.offered_ops_per_s", *rate);
}

std::string FormatMetricCell(const MetricDef& metric, double value) {
  switch (metric.unit) {
    case Unit::kOpsPerSecond:
      return Fixed(value / 1e6, 3);
    case Unit::kNanoseconds:
      return Fixed(value, 0);
    case Unit::kFraction:
      return Fixed(value * 100.0, 1) + "%";
    case Unit::kIndex:
      return Fixed(value, 3);
    case Unit::kPerOp:
      return Fixed(value, 3);
    case Unit::kCoefficient:
      return SignificantDigits(value, 4);
  }
  return "";
}

std::string FormatMetric(const MetricDef& metric, double value) {
  switch (metric.unit) {
    case Unit::kOpsPerSecond:
      return FormatMetricCell(metric, value) + " Mops/s";
    case Unit::kNanoseconds:
      return FormatMetricCell(metric, value) + " ns";
    default:
      return FormatMetricCell(metric, value);
  }
}

void WriteMetrics(const RunSummary& summary, json* run) {
  for (const MetricDef& m : kTable) {
    json v = m.of(summary);
    if (!v.is_null() || !UnderNull(*run, m.path)) (*run)[Pointer(m.path)] = std::move(v);
  }
}

json MetricTableJson() {
  json rows = json::array();
  for (const MetricDef& m : kTable) {
    rows.push_back({{"name", m.name},
                    {"path", m.path},
                    {"unit", UnitName(m.unit)},
                    {"better", m.better == Better::kHigher ? "higher" : "lower"},
                    {"across", AcrossName(m.across)},
                    {"meaning", m.meaning},
                    {"counted_by", m.counted_by.empty() ? json(nullptr) : json(m.counted_by)}});
  }
  return rows;
}

std::string MetricNames() {
  std::vector<std::string_view> names;
  for (const MetricDef& m : kTable) names.push_back(m.name);
  for (const MetricDef& m : kFitTable) names.push_back(m.name);
  return Join(names);
}

std::string MetricHelp() {
  std::vector<std::string> items;
  for (const auto& table : {std::span<const MetricDef>(kTable), std::span<const MetricDef>(kFitTable)}) {
    for (const MetricDef& m : table) {
      items.push_back(std::string(m.name) +
                      (m.better == Better::kHigher ? " (higher is better)" : " (lower is better)"));
    }
  }
  return Join(items);
}

}  // namespace lockbench
