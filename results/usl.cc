#include "results/usl.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

namespace lockbench {
namespace {

struct Fitter {
  std::vector<UslPoint> used;

  // The scale-free shape N / (1 + sigma (N - 1) + kappa N (N - 1)).
  static double Shape(double sigma, double kappa, double n) {
    return n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
  }

  // The best lambda for (sigma, kappa): sum X g / sum g^2, and the squared error it leaves.
  double Error(double sigma, double kappa, double* lambda) const {
    double xg = 0, gg = 0;
    for (const UslPoint& p : used) {
      const double g = Shape(sigma, kappa, p.threads);
      xg += p.throughput * g;
      gg += g * g;
    }
    *lambda = gg > 0 ? xg / gg : 0;
    double sse = 0;
    for (const UslPoint& p : used) {
      const double r = p.throughput - *lambda * Shape(sigma, kappa, p.threads);
      sse += r * r;
    }
    return sse;
  }
};

}  // namespace

double UslThroughput(double lambda, double sigma, double kappa, double threads) {
  return lambda * threads / (1 + sigma * (threads - 1) + kappa * threads * (threads - 1));
}

UslFit FitUsl(std::span<const UslPoint> points, bool include_oversubscribed) {
  UslFit fit;
  Fitter f;
  std::set<double> counts;
  for (const UslPoint& p : points) {
    if (!(p.threads >= 1) || !(p.throughput > 0) || !std::isfinite(p.throughput)) continue;
    if (p.oversubscribed && !include_oversubscribed) {
      ++fit.left_out;
      continue;
    }
    f.used.push_back(p);
    counts.insert(p.threads);
  }
  fit.points = static_cast<int>(f.used.size());
  fit.thread_counts = static_cast<int>(counts.size());
  if (fit.thread_counts < kUslMinThreadCounts) {
    fit.why_not = "too few points: " + std::to_string(fit.thread_counts) + " thread count" +
                  (fit.thread_counts == 1 ? "" : "s") +
                  (fit.left_out > 0 ? " not oversubscribed" : "") + ", a fit needs " +
                  std::to_string(kUslMinThreadCounts);
    return fit;
  }

  // Grid: sigma in 0, 0.02, ..., 1; kappa 0 and 1e-9 .. 1 at 8 steps a decade.
  std::vector<double> kappas = {0};
  for (int i = 0; i <= 72; ++i) kappas.push_back(std::pow(10.0, -9 + i / 8.0));
  double best_sigma = 0, best_kappa = 0, lambda = 0;
  double best = f.Error(0, 0, &lambda);
  for (int i = 0; i <= 50; ++i) {
    const double sigma = i / 50.0;
    for (double kappa : kappas) {
      const double e = f.Error(sigma, kappa, &lambda);
      if (e < best) {
        best = e;
        best_sigma = sigma;
        best_kappa = kappa;
      }
    }
  }
  // Compass search: sigma steps absolute, kappa steps relative (it spans decades), halving
  // both whenever no neighbour improves, until the steps are far below what noise can resolve.
  double sigma_step = 0.02, kappa_factor = std::pow(10.0, 1 / 8.0);
  for (int round = 0; round < 200 && sigma_step > 1e-7; ++round) {
    bool improved = false;
    const double kappa_up = best_kappa == 0 ? 1e-9 : best_kappa * kappa_factor;
    const double kappa_down = best_kappa / kappa_factor < 1e-12 ? 0 : best_kappa / kappa_factor;
    const double candidates[4][2] = {{std::min(1.0, best_sigma + sigma_step), best_kappa},
                                     {std::max(0.0, best_sigma - sigma_step), best_kappa},
                                     {best_sigma, kappa_up},
                                     {best_sigma, kappa_down}};
    for (const auto& c : candidates) {
      const double e = f.Error(c[0], c[1], &lambda);
      if (e < best) {
        best = e;
        best_sigma = c[0];
        best_kappa = c[1];
        improved = true;
      }
    }
    if (!improved) {
      sigma_step /= 2;
      kappa_factor = std::sqrt(kappa_factor);
    }
  }
  f.Error(best_sigma, best_kappa, &lambda);
  double mean = 0;
  for (const UslPoint& p : f.used) mean += p.throughput;
  mean /= static_cast<double>(f.used.size());
  double total = 0;
  for (const UslPoint& p : f.used) total += (p.throughput - mean) * (p.throughput - mean);
  fit.fitted = true;
  fit.lambda = lambda;
  fit.sigma = best_sigma;
  fit.kappa = best_kappa;
  fit.peak_threads = best_kappa > 0 ? std::sqrt((1 - best_sigma) / best_kappa) : 0;
  fit.r2 = total > 0 ? 1 - best / total : 1;
  return fit;
}

}  // namespace lockbench
