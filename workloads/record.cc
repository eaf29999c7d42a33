#include "workloads/record.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "results/histogram.h"
#include "results/profile.h"

namespace lockbench {
namespace {

using nlohmann::json;

constexpr const char* kModes[2] = {"exclusive", "shared"};

struct Taken {
  const json* process;
  const json* lock;
  std::uint64_t acquisitions[2];
  std::uint64_t Total() const { return acquisitions[0] + acquisitions[1]; }
};

Histogram Empty() { return ProfileHistogramFromJson(json{{"buckets", json::array()}}); }

// The histograms of `key` (wait_ns or hold_ns, one mode) of every recorded lock, merged, and
// their exact mean (the regions keep exact sums) in *mean.
Histogram Merged(const std::vector<Taken>& taken, const char* key, const char* mode,
                 double* mean = nullptr) {
  Histogram merged = Empty();
  double sum = 0, count = 0;
  for (const Taken& t : taken) {
    const json& latency = (*t.lock)[key][mode];
    merged.Merge(ProfileHistogramFromJson(latency));
    const double n = latency.value("count", 0.0);
    sum += latency.value("mean", 0.0) * n;
    count += n;
  }
  if (mean != nullptr) *mean = count > 0 ? sum / count : 0;
  return merged;
}

// q0 .. q100; a workload field's empirical form. Inverse transform interpolates linearly between
// neighbours, so the top segment stands for the slowest 1% as if spread evenly up to the maximum:
// one preempted holder or one idle second would make that segment's mean, and the replay's,
// far above the program's. The top quantile is therefore set so that the distribution's mean is
// the recorded exact mean (within [q99, max]); the others are the histogram's.
json Empirical(const Histogram& h, double exact_mean) {
  constexpr int kSegments = kRecordedQuantiles - 1;
  std::vector<double> q(kRecordedQuantiles);
  for (int i = 0; i <= kSegments; ++i) {
    const double percentile = 100.0 * i / kSegments;
    q[static_cast<std::size_t>(i)] = static_cast<double>(h.ValueAtPercentile(percentile));
  }
  // mean = (1/K) sum_i (q_i + q_{i+1}) / 2  =>  q_K = 2 K mean - q_0 - 2 (q_1 + ... + q_{K-1}).
  double inner = 0;
  for (int i = 1; i < kSegments; ++i) inner += q[static_cast<std::size_t>(i)];
  const double top = 2 * kSegments * exact_mean - q[0] - 2 * inner;
  double& last = q[static_cast<std::size_t>(kSegments)];
  last = std::clamp(std::round(top), q[static_cast<std::size_t>(kSegments - 1)], last);
  json quantiles = json::array();
  for (double v : q) quantiles.push_back(static_cast<std::uint64_t>(v));
  return json{{"distribution", "empirical"}, {"quantiles_ns", std::move(quantiles)}};
}

// Six significant digits: a ratio that reads well and survives a round trip.
double Rounded(double v) {
  if (v == 0) return 0;
  const double scale = std::pow(10.0, 5 - std::floor(std::log10(std::fabs(v))));
  return std::round(v * scale) / scale;
}

}  // namespace

json RecordWorkload(const json& row, const Provenance& from, const std::string& name,
                    std::string* why) {
  std::vector<Taken> all;
  std::uint64_t total = 0;
  for (const json& p : row["processes"]) {
    for (const json& l : p["locks"]) {
      Taken t{&p, &l, {l["acquisitions"]["exclusive"].get<std::uint64_t>(),
                       l["acquisitions"]["shared"].get<std::uint64_t>()}};
      if (t.Total() == 0) continue;
      total += t.Total();
      all.push_back(t);
    }
  }
  if (total == 0) {
    *why = "the program made no lock acquisition lockbench saw (no pthread mutex or rwlock)";
    return nullptr;
  }
  // Most acquired first; ties in the program's own order (pid, then first use).
  std::stable_sort(all.begin(), all.end(),
                   [](const Taken& a, const Taken& b) { return a.Total() > b.Total(); });
  std::vector<Taken> taken;
  std::uint64_t covered = 0;
  for (const Taken& t : all) {
    if (static_cast<double>(covered) >= kRecordedShare * static_cast<double>(total)) break;
    taken.push_back(t);
    covered += t.Total();
  }

  // Threads: of those that used a recorded lock, the busiest carrying 99% of their acquisitions
  // (a thread that only opened or closed the program's state is no worker), per process (a
  // process's thread indices are its own), summed over the processes.
  int threads = 0;
  for (const json& p : row["processes"]) {
    std::set<std::uint64_t> used;
    for (const Taken& t : taken) {
      if (t.process != &p) continue;
      for (const json& i : (*t.lock)["thread_indices"]) used.insert(i.get<std::uint64_t>());
    }
    const json counts = p.value("thread_acquisitions", json::array());
    std::vector<std::uint64_t> busy;
    for (std::uint64_t i : used) {
      busy.push_back(i < counts.size() ? counts[i].get<std::uint64_t>() : 0);
    }
    std::sort(busy.rbegin(), busy.rend());
    std::uint64_t sum = 0;
    for (std::uint64_t b : busy) sum += b;
    int workers = static_cast<int>(busy.size());  // without per-thread counts, every one
    if (sum != 0) {
      std::uint64_t carried = 0;
      workers = 0;
      while (workers == 0 ||
             static_cast<double>(carried) < kRecordedShare * static_cast<double>(sum)) {
        carried += busy[static_cast<std::size_t>(workers++)];
      }
    }
    threads += workers;
  }
  threads = std::max(threads, 1);

  std::uint64_t acquisitions[2] = {0, 0};
  std::uint64_t contended[2] = {0, 0};
  bool any_rwlock = false;
  json weights = json::array();
  std::vector<double> ratios;
  for (const Taken& t : taken) {
    for (int m = 0; m < 2; ++m) {
      acquisitions[m] += t.acquisitions[m];
      contended[m] += (*t.lock)["contended"][kModes[m]].get<std::uint64_t>();
    }
    any_rwlock = any_rwlock || (*t.lock)["kind"] == "rwlock";
    weights.push_back(t.Total());
    ratios.push_back(static_cast<double>(t.acquisitions[1]) / static_cast<double>(t.Total()));
  }
  const double read_ratio = static_cast<double>(acquisitions[1]) /
                            static_cast<double>(acquisitions[0] + acquisitions[1]);

  json w = json::object();
  w["name"] = name;
  w["description"] = "recorded from `" + from.command + "` on " + from.host + " at " + from.date;
  w["threads"] = threads;
  const auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
  if (*hi - *lo > 0.01) {
    json per_lock = json::array();
    for (double r : ratios) per_lock.push_back(Rounded(r));
    w["lock_read_ratios"] = std::move(per_lock);
  }
  w["read_ratio"] = Rounded(read_ratio);
  // A mode the program never used keeps the default section; nothing draws from it.
  for (int m = 0; m < 2; ++m) {
    double mean = 0;
    const Histogram hold = Merged(taken, "hold_ns", kModes[m], &mean);
    if (hold.TotalCount() != 0) {
      w[m == 0 ? "exclusive_cs" : "shared_cs"] = Empirical(hold, mean);
    }
  }
  Histogram think = Empty();
  double think_sum = 0;
  double longest_s = 0;
  for (const json& p : row["processes"]) {
    if (p.contains("think_ns")) {
      think.Merge(ProfileHistogramFromJson(p["think_ns"]));
      think_sum += p["think_ns"].value("mean", 0.0) * p["think_ns"].value("count", 0.0);
    }
    if (p["duration_s"].is_number()) longest_s = std::max(longest_s, p["duration_s"].get<double>());
  }
  if (think.TotalCount() != 0) {
    w["think"] = "empirical";
    w["think_time"] = Empirical(think, think_sum / static_cast<double>(think.TotalCount()));
  } else {
    w["think"] = "none";
  }
  if (taken.size() > 1) {
    w["lock_choice"] = "weights";
    w["lock_weights"] = std::move(weights);
  } else {
    w["lock_instances"] = 1;
    w["lock_choice"] = "one";
  }
  // A user-mode program's holder may be preempted, fault or block: spin locks are no candidates.
  w["holder_may_block"] = true;

  json recorded = json::object();
  for (int m = 0; m < 2; ++m) {
    if (acquisitions[m] == 0) continue;
    const Histogram wait = Merged(taken, "wait_ns", kModes[m]);
    json figures;
    figures["acquisitions"] = acquisitions[m];
    figures["contended_fraction"] =
        Rounded(static_cast<double>(contended[m]) / static_cast<double>(acquisitions[m]));
    figures["wait_p50_ns"] = wait.ValueAtPercentile(50);
    figures["wait_p99_ns"] = wait.ValueAtPercentile(99);
    if (longest_s > 0) {
      figures["acquisitions_per_s_per_thread"] =
          Rounded(static_cast<double>(acquisitions[m]) / longest_s / threads);
    }
    recorded[kModes[m]] = std::move(figures);
  }
  w["recorded_from"] = {
      {"command", from.command},
      {"date", from.date},
      {"host", from.host},
      {"lockbench_commit", from.lockbench_commit},
      {"lock", any_rwlock ? "pthread_rwlock" : "pthread_mutex"},
      {"coverage", Rounded(static_cast<double>(covered) / static_cast<double>(total))},
      {"recorded", std::move(recorded)},
  };
  return w;
}

}  // namespace lockbench
