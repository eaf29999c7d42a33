#include "results/sweep_fits.h"

#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include "base/strings.h"
#include "results/usl.h"

namespace lockbench {

using nlohmann::json;

namespace {

struct Sweep {
  std::string workload, lock, placement;
  std::vector<UslPoint> points;
  std::set<int> counts;
};

bool ClosedLoopOk(const json& run) {
  if (run.value("status", "") != "ok") return false;
  const json* open = run.contains("open_loop") ? &run["open_loop"] : nullptr;
  return open == nullptr || open->is_null() || !open->contains("offered_ops_per_s") ||
         (*open)["offered_ops_per_s"].is_null() || (*open)["offered_ops_per_s"] == 0;
}

json NumberOrNull(double v, bool have) { return have ? json(v) : json(nullptr); }

}  // namespace

json SweepFits(const json& runs, int processors) {
  std::vector<Sweep> sweeps;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> index;
  for (const json& run : runs) {
    if (!ClosedLoopOk(run) || !run.contains("throughput_ops_per_s")) continue;
    const auto key = std::make_tuple(run.value("workload", ""), run.value("lock", ""),
                                     run.value("placement", ""));
    auto [it, added] = index.emplace(key, sweeps.size());
    if (added) sweeps.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), {}, {}});
    Sweep& s = sweeps[it->second];
    const int threads = run["threads"].get<int>();
    s.points.push_back({static_cast<double>(threads),
                        run["throughput_ops_per_s"].get<double>(), threads > processors});
    s.counts.insert(threads);
  }
  json fits = json::array();
  for (const Sweep& s : sweeps) {
    if (s.counts.size() < 2) continue;
    const UslFit fit = FitUsl(s.points);
    fits.push_back({
        {"workload", s.workload},
        {"lock", s.lock},
        {"placement", s.placement},
        {"model", "usl"},
        {"thread_counts", std::vector<int>(s.counts.begin(), s.counts.end())},
        {"fitted", fit.fitted},
        {"why_not", fit.fitted ? json(nullptr) : json(fit.why_not)},
        {"lambda_ops_per_s", NumberOrNull(fit.lambda, fit.fitted)},
        {"sigma", NumberOrNull(fit.sigma, fit.fitted)},
        {"kappa", NumberOrNull(fit.kappa, fit.fitted)},
        {"peak_threads", NumberOrNull(fit.peak_threads, fit.fitted && fit.kappa > 0)},
        {"r2", NumberOrNull(fit.r2, fit.fitted)},
        {"points", fit.points},
        {"oversubscribed_left_out", fit.left_out},
        {"processors", processors},
    });
  }
  return fits;
}

std::string RenderSweepFits(const json& fits) {
  if (fits.empty()) return "";
  std::ostringstream out;
  out << "\nScalability (Universal Scalability Law, X(N) = lambda N / (1 + sigma (N-1) + kappa N "
         "(N-1)); sigma: contention, kappa: coherency):\n";
  bool left_out = false;
  for (const json& f : fits) {
    out << "  " << f["workload"].get<std::string>() << ", " << f["lock"].get<std::string>() << ": ";
    if (f["fitted"].get<bool>()) {
      out << "lambda " << Shortest(f["lambda_ops_per_s"].get<double>() / 1e6) << " Mops/s, sigma "
          << Fixed(f["sigma"].get<double>(), 4) << ", kappa " << Shortest(f["kappa"].get<double>())
          << ", peak "
          << (f["peak_threads"].is_null() ? std::string("none")
                                          : Fixed(f["peak_threads"].get<double>(), 1) + " threads")
          << ", R^2 " << Fixed(f["r2"].get<double>(), 3) << " (" << f["points"].get<int>()
          << " points)";
    } else {
      out << "no fit: " << f["why_not"].get<std::string>();
    }
    if (f["oversubscribed_left_out"].get<int>() > 0) {
      out << "; "
          << CountedNoun(f["oversubscribed_left_out"].get<size_t>(), "oversubscribed run",
                         "oversubscribed runs")
          << " left out";
      left_out = true;
    }
    out << "\n";
  }
  if (left_out) {
    out << "  Runs with more threads than the "
        << CountedNoun(fits[0]["processors"].get<size_t>(), "processor", "processors")
        << " are left out of the fits: an oversubscribed machine measures the "
           "scheduler's time slices, not the lock.\n";
  }
  return out.str();
}

}  // namespace lockbench
