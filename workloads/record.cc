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

// The histograms of `key` (wait_ns or hold_ns, one mode) of every recorded lock, merged.
Histogram Merged(const std::vector<Taken>& taken, const char* key, const char* mode) {
  Histogram merged = Empty();
  for (const Taken& t : taken) merged.Merge(ProfileHistogramFromJson((*t.lock)[key][mode]));
  return merged;
}

// q0 .. q100; a workload field's empirical form.
json Empirical(const Histogram& h) {
  json quantiles = json::array();
  for (int i = 0; i < kRecordedQuantiles; ++i) {
    quantiles.push_back(h.ValueAtPercentile(100.0 * i / (kRecordedQuantiles - 1)));
  }
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
    for (std::uint64_t i : used) busy.push_back(i < counts.size() ? counts[i].get<std::uint64_t>() : 0);
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
    const Histogram hold = Merged(taken, "hold_ns", kModes[m]);
    if (hold.TotalCount() != 0) {
      w[m == 0 ? "exclusive_cs" : "shared_cs"] = Empirical(hold);
    }
  }
  Histogram think = Empty();
  double longest_s = 0;
  for (const json& p : row["processes"]) {
    if (p.contains("think_ns")) think.Merge(ProfileHistogramFromJson(p["think_ns"]));
    if (p["duration_s"].is_number()) longest_s = std::max(longest_s, p["duration_s"].get<double>());
  }
  if (think.TotalCount() != 0) {
    w["think"] = "empirical";
    w["think_time"] = Empirical(think);
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
