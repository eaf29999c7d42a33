// Fairness and summary statistics over what a run produced: per-thread operation counts, the
// order in which a lock was granted, and repeated measurements compared by a rank test.
//
// Everything here is a pure function of its input; nothing keeps state. The result writer calls
// SummarizeFairness and SummarizeGrantRuns once per run, and the regression gate calls
// MannWhitneyU on the repetitions of two builds, so clarity beats speed.
//
// Degenerate inputs have defined answers rather than NaN, so a JSON record never holds one: a run
// with no threads, or in which no thread completed an operation, counts as perfectly even
// (nothing was handed out unequally): Jain index 1, min/max ratio 1, CV 0, not starved, equal
// shares.
#ifndef LOCKBENCH_RESULTS_STATS_H_
#define LOCKBENCH_RESULTS_STATS_H_

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string_view>
#include <vector>

namespace lockbench {

// ---- Per-thread operation counts ------------------------------------------------------------

// Each thread's fraction of all operations; they sum to 1 (equal shares when all are zero).
std::vector<double> Shares(std::span<const uint64_t> ops);

// Jain's fairness index (sum x)^2 / (n * sum x^2): 1 when all threads did the same, 1/n when one
// thread did everything. Scale-free; k equally busy threads out of n give k/n.
double JainFairnessIndex(std::span<const uint64_t> ops);

// Fewest operations over most: 1 when equal, 0 when some thread did nothing.
double MinMaxRatio(std::span<const uint64_t> ops);

// Population standard deviation over the mean (lockhammer's stddev/mean of per-thread lock
// acquires): 0 when equal.
double CoefficientOfVariation(std::span<const uint64_t> ops);

// True when some thread made fewer than half the operations of the busiest one (2 * min < max),
// the imbalance Linux locktorture flags with "???". locktorture tests max / 2 > min in integer
// arithmetic; this is the exact comparison, which differs only for odd max (3 vs 1 is starved
// here).
bool IsStarved(std::span<const uint64_t> ops);

// Distribution of per-thread share relative to the fair share, r = share / (1/n) = x * n / sum x.
// Bin i < 8 holds the threads with r in [i/4, (i+1)/4); bin 8 holds r >= 2. Bin edges are exact
// (integer arithmetic). All-zero counts put every thread at r = 1, bin 4.
inline constexpr int kFairShareBins = 9;
using FairShareHistogram = std::array<uint64_t, kFairShareBins>;
FairShareHistogram FairShareDistribution(std::span<const uint64_t> ops);
// "[0,0.25)", "[0.25,0.5)", ..., "[1.75,2)", "[2,inf)". REQUIRES: 0 <= bin < kFairShareBins.
std::string_view FairShareBinLabel(int bin);

struct FairnessSummary {
  uint64_t threads = 0;
  uint64_t total = 0;
  uint64_t min = 0;
  uint64_t max = 0;
  double mean = 0.0;
  double jain_index = 1.0;
  double min_max_ratio = 1.0;
  double coefficient_of_variation = 0.0;
  bool starved = false;
  FairShareHistogram fair_share{};
};

// All of the above in one pass over the counts (shares excepted: they are per thread).
FairnessSummary SummarizeFairness(std::span<const uint64_t> ops);

// ---- Grant order ----------------------------------------------------------------------------

struct GrantRunSummary {
  uint64_t grants = 0;      // length of the sequence
  uint64_t reacquires = 0;  // grants that went to the holder of the grant before
  // reacquires / (grants - 1): how often the releasing thread took the lock straight back
  // (barging). A strict FIFO lock under full contention gives 0; 0 when grants < 2.
  double reacquire_rate = 0.0;
  // Runs are maximal stretches of consecutive grants to one thread.
  uint64_t runs = 0;
  uint64_t longest_run = 0;
  double mean_run = 0.0;                     // grants / runs
  std::map<uint64_t, uint64_t> run_lengths;  // run length -> number of such runs
};

// Summarizes a lock's grant sequence: thread ids in the order the lock was granted.
// O(grants log distinct-run-lengths).
GrantRunSummary SummarizeGrantRuns(std::span<const uint32_t> grant_order);

// Short-term fairness: Jain's index over every window of `multiple` x n consecutive grants, n
// the threads that took grants in the whole sequence, summarised by its p10 and p50 (nearest
// rank). A lock that hands off in turn reads 1 at multiple 2; one that lets a thread re-take it
// 2n times in a row reads 1 / n there, however even the whole run is. windows = 0 (p10 = p50 =
// 0) when the sequence is shorter than one window or fewer than 2 threads took grants.
// O(grants + highest thread index) time and memory.
// The two window sizes a run reports, in multiples of the threads that took grants.
inline constexpr uint64_t kShortTermSmall = 2;
inline constexpr uint64_t kShortTermLarge = 10;

struct WindowedFairness {
  uint64_t threads = 0;  // n
  uint64_t window = 0;   // multiple x n
  uint64_t windows = 0;  // window positions: grants - window + 1
  double p10 = 0.0;
  double p50 = 0.0;
};
WindowedFairness SummarizeWindowedFairness(std::span<const uint32_t> grant_order,
                                           uint64_t multiple);

// ---- Comparing two sets of measurements -----------------------------------------------------

// Median (mean of the middle two for even sizes); 0 for an empty input. REQUIRES: no NaN.
double Median(std::span<const double> values);
double Median(std::span<const uint64_t> values);

enum class MannWhitneyMethod {
  kAuto,    // exact when the smaller sample has <= 8 values (and the exact count is cheap)
  kExact,   // exact whenever the exact count is cheap, normal otherwise
  kNormal,  // normal approximation with tie and continuity correction
};

struct MannWhitneyResult {
  // U of sample a: the pairs (a_i, b_j) with a_i > b_j, ties counting 1/2. Ranges 0..n_a*n_b.
  double u = 0.0;
  // u / (n_a * n_b): the chance a random a exceeds a random b (ties half). 0.5 when equal.
  double effect = 0.5;
  // Two-sided p-value of "both samples come from one distribution".
  double p_value = 1.0;
  // Normal score after continuity correction; 0 when the exact distribution was used.
  double z = 0.0;
  bool exact = false;
};

// Two-sided Mann-Whitney U (Wilcoxon rank-sum) test. Ties take mid-ranks. The exact method
// enumerates the permutation distribution of the rank sum given the observed ranks (so it is
// exact with ties too) and doubles the smaller tail. The normal method uses
// sigma^2 = n_a n_b / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1))) and |U - n_a n_b / 2| - 1/2.
// The exact count is "cheap" when N * min(n_a, n_b) * (2 N min(n_a, n_b)) <= 10^8.
// An empty sample gives p = 1. REQUIRES: no NaN.
MannWhitneyResult MannWhitneyU(std::span<const double> a, std::span<const double> b,
                               MannWhitneyMethod method = MannWhitneyMethod::kAuto);

// ---- Many comparisons and what they could detect --------------------------------------------

enum class Correction {
  kNone,
  kHolm,               // Holm's step-down: controls the chance of any false regression
  kBenjaminiHochberg,  // step-up: controls the expected fraction of false findings
};

// The p-values adjusted for being one family of tests, in input order, each capped at 1: compare
// an adjusted p with alpha as if it were the only test. kNone returns them unchanged.
std::vector<double> AdjustPValues(std::span<const double> p_values, Correction correction);

// The standard normal quantile function (inverse CDF). REQUIRES: 0 < p < 1.
double NormalQuantile(double p);

// The sample standard deviation of both samples around their own means, pooled (n - 1
// weighting); 0 when there are fewer than 3 values in all.
double PooledStandardDeviation(std::span<const double> a, std::span<const double> b);

// The smallest two-sided p-value the exact rank test can give for samples of these sizes,
// 2 / C(n_a + n_b, n_a) capped at 1 (1 when a side is empty): whether alpha is reachable at all.
double SmallestPossiblePValue(std::size_t n_a, std::size_t n_b);

// The smallest shift between the centres of two samples of these sizes, with this pooled
// standard deviation, that a two-sided rank test at `alpha` finds with probability `power`:
// (z(1 - alpha/2) + z(power)) * sd * sqrt(1/n_a + 1/n_b) * sqrt(pi/3). The last factor is the
// rank test's price against a t test on normal data (asymptotic relative efficiency 3/pi).
// Infinite when a side is empty, or when no outcome of the exact rank test on samples this
// small reaches alpha (2 / C(n_a + n_b, n_a) >= alpha).
double MinimumDetectableShift(double pooled_sd, std::size_t n_a, std::size_t n_b, double alpha,
                              double power);

// The fewest samples per side, at most max_n, whose MinimumDetectableShift is within `shift`;
// 0 when even max_n is not enough.
std::size_t SamplesNeeded(double pooled_sd, double shift, double alpha, double power,
                          std::size_t max_n);

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_STATS_H_
