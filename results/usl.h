// The Universal Scalability Law (Gunther) fitted to a thread sweep: throughput at N threads
//
//   X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1))
//
// lambda is the throughput of one thread, sigma the share serialised (contention: the lock held),
// kappa the cost of keeping data coherent between every pair of threads (the lock's line bouncing),
// which bends the curve down past its peak N* = sqrt((1 - sigma) / kappa).
//
// The fit is least squares on throughput with sigma in [0, 1] and kappa >= 0. For given sigma and
// kappa the best lambda has a closed form, so only (sigma, kappa) is searched: a grid (sigma
// linear, kappa logarithmic from 1e-9 and 0), then a compass search from the best grid point
// with halving steps, which stays inside the bounds. Deterministic: the same points, the same fit.
//
// Points measured with more threads than free processors are left out unless asked for: an
// oversubscribed machine measures the scheduler's time slices, not the lock.
#ifndef LOCKBENCH_RESULTS_USL_H_
#define LOCKBENCH_RESULTS_USL_H_

#include <span>
#include <string>

namespace lockbench {

struct UslPoint {
  double threads = 0;
  double throughput = 0;  // ops/s
  bool oversubscribed = false;
};

struct UslFit {
  bool fitted = false;
  std::string why_not;  // when !fitted, e.g. "too few points: 2 thread counts, a fit needs 4"
  double lambda = 0;    // ops/s of one thread
  double sigma = 0;
  double kappa = 0;
  double peak_threads = 0;  // N*; 0 when kappa is 0 (no peak: the curve flattens out)
  double r2 = 0;            // 1 - residual / total sum of squares, over the points used
  int points = 0;           // used in the fit
  int thread_counts = 0;    // distinct thread counts among them
  int left_out = 0;         // oversubscribed points not used
};

// Fewer distinct thread counts cannot tell three parameters apart from noise.
inline constexpr int kUslMinThreadCounts = 4;

// Fits every point (repetitions as separate points) with threads >= 1 and throughput > 0.
UslFit FitUsl(std::span<const UslPoint> points, bool include_oversubscribed = false);

// The law itself, for plots and tests.
double UslThroughput(double lambda, double sigma, double kappa, double threads);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_USL_H_
