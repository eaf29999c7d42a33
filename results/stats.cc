#include "results/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "lockimpls/internal/check.h"

namespace lockbench {
namespace {

using u128 = unsigned __int128;

u128 Sum(std::span<const uint64_t> ops) {
  u128 total = 0;
  for (uint64_t x : ops) total += x;
  return total;
}

bool AllZero(std::span<const uint64_t> ops) {
  return std::all_of(ops.begin(), ops.end(), [](uint64_t x) { return x == 0; });
}

// floor(4 * x * n / total), capped at the last bin. Exact: 4 * x * n < 2^(2 + 64 + 64).
int FairShareBin(uint64_t x, std::size_t n, u128 total) {
  if (total == 0) return 4;  // everyone at the fair share
  const u128 scaled = static_cast<u128>(x) * n;
  // scaled < 2^128 / 4 whenever n < 2^62, which any thread count is.
  const u128 bin = (scaled * 4) / total;
  return bin >= kFairShareBins - 1 ? kFairShareBins - 1 : static_cast<int>(bin);
}

struct RankedSamples {
  std::vector<uint64_t> doubled_ranks_a;  // 2 * mid-rank, an integer even with ties
  std::vector<uint64_t> doubled_ranks_b;
  long double tie_term = 0;  // sum over tie groups of t^3 - t
};

RankedSamples Rank(std::span<const double> a, std::span<const double> b) {
  struct Item {
    double value;
    bool from_a;
  };
  std::vector<Item> items;
  items.reserve(a.size() + b.size());
  for (double v : a) items.push_back({v, true});
  for (double v : b) items.push_back({v, false});
  std::sort(items.begin(), items.end(),
            [](const Item& x, const Item& y) { return x.value < y.value; });
  RankedSamples ranked;
  for (std::size_t i = 0; i < items.size();) {
    std::size_t j = i;
    while (j < items.size() && items[j].value == items[i].value) ++j;
    // Positions i..j-1 hold ranks i+1..j; their mid-rank doubled is i + j + 1.
    const uint64_t doubled = i + j + 1;
    for (std::size_t k = i; k < j; ++k) {
      (items[k].from_a ? ranked.doubled_ranks_a : ranked.doubled_ranks_b).push_back(doubled);
    }
    const long double t = static_cast<long double>(j - i);
    ranked.tie_term += t * t * t - t;
    i = j;
  }
  return ranked;
}

constexpr double kExactWorkLimit = 1e8;

double ExactWork(std::size_t n, std::size_t k) {
  const double nk = static_cast<double>(n) * static_cast<double>(k);
  return nk * 2.0 * nk;
}

// Two-sided exact p-value of the doubled rank sum `observed` of a k-subset, under the
// permutation distribution over all k-subsets of `all_ranks`.
double ExactPValue(const std::vector<uint64_t>& all_ranks, std::size_t k, uint64_t observed) {
  std::vector<uint64_t> sorted = all_ranks;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  uint64_t max_sum = 0;
  for (std::size_t i = 0; i < k; ++i) max_sum += sorted[i];
  // ways[j][s]: number of j-subsets of the ranks seen so far with doubled sum s. Counts are
  // doubles: only their ratios matter, and within the work limit they stay far below 1e308.
  const std::size_t width = max_sum + 1;
  std::vector<double> ways((k + 1) * width, 0.0);
  ways[0] = 1.0;
  std::size_t seen = 0;
  for (uint64_t r : all_ranks) {
    ++seen;
    for (std::size_t j = std::min(seen, k); j >= 1; --j) {
      double* to = &ways[j * width];
      const double* from = &ways[(j - 1) * width];
      // Doubled ranks are >= 2, so s >= r stops before s wraps.
      for (std::size_t s = max_sum; s >= r; --s) to[s] += from[s - r];
    }
  }
  const double* dist = &ways[k * width];
  double total = 0, lower = 0, upper = 0;
  for (std::size_t s = 0; s <= max_sum; ++s) {
    total += dist[s];
    if (s <= observed) lower += dist[s];
    if (s >= observed) upper += dist[s];
  }
  return std::min(1.0, 2.0 * std::min(lower, upper) / total);
}

}  // namespace

std::vector<double> Shares(std::span<const uint64_t> ops) {
  std::vector<double> shares(ops.size());
  const u128 total = Sum(ops);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    shares[i] = total == 0 ? 1.0 / static_cast<double>(ops.size())
                           : static_cast<double>(static_cast<long double>(ops[i]) /
                                                 static_cast<long double>(total));
  }
  return shares;
}

double JainFairnessIndex(std::span<const uint64_t> ops) {
  if (ops.empty() || AllZero(ops)) return 1.0;
  long double sum = 0, sum_sq = 0;
  for (uint64_t x : ops) {
    const long double v = x;
    sum += v;
    sum_sq += v * v;
  }
  return static_cast<double>(sum * sum / (static_cast<long double>(ops.size()) * sum_sq));
}

double MinMaxRatio(std::span<const uint64_t> ops) {
  if (ops.empty() || AllZero(ops)) return 1.0;
  const auto [min, max] = std::minmax_element(ops.begin(), ops.end());
  return static_cast<double>(static_cast<long double>(*min) / *max);
}

double CoefficientOfVariation(std::span<const uint64_t> ops) {
  if (ops.empty() || AllZero(ops)) return 0.0;
  const long double n = ops.size();
  const long double mean = static_cast<long double>(Sum(ops)) / n;
  long double squares = 0;
  for (uint64_t x : ops) {
    const long double d = x - mean;
    squares += d * d;
  }
  return static_cast<double>(std::sqrt(squares / n) / mean);
}

bool IsStarved(std::span<const uint64_t> ops) {
  if (ops.empty()) return false;
  const auto [min, max] = std::minmax_element(ops.begin(), ops.end());
  return 2 * static_cast<u128>(*min) < *max;
}

FairShareHistogram FairShareDistribution(std::span<const uint64_t> ops) {
  FairShareHistogram bins{};
  const u128 total = Sum(ops);
  for (uint64_t x : ops) ++bins[FairShareBin(x, ops.size(), total)];
  return bins;
}

std::string_view FairShareBinLabel(int bin) {
  static constexpr std::string_view kLabels[kFairShareBins] = {
      "[0,0.25)",   "[0.25,0.5)", "[0.5,0.75)", "[0.75,1)", "[1,1.25)",
      "[1.25,1.5)", "[1.5,1.75)", "[1.75,2)",   "[2,inf)"};
  LOCKBENCH_CHECK(bin >= 0 && bin < kFairShareBins, "stats",
                  "FairShareBinLabel(" + std::to_string(bin) + "): no such bin");
  return kLabels[bin];
}

FairnessSummary SummarizeFairness(std::span<const uint64_t> ops) {
  FairnessSummary s;
  s.threads = ops.size();
  if (ops.empty()) return s;
  const u128 total = Sum(ops);
  s.total = total > ~uint64_t{0} ? ~uint64_t{0} : static_cast<uint64_t>(total);
  const auto [min, max] = std::minmax_element(ops.begin(), ops.end());
  s.min = *min;
  s.max = *max;
  s.mean = static_cast<double>(static_cast<long double>(total) / ops.size());
  s.jain_index = JainFairnessIndex(ops);
  s.min_max_ratio = MinMaxRatio(ops);
  s.coefficient_of_variation = CoefficientOfVariation(ops);
  s.starved = IsStarved(ops);
  s.fair_share = FairShareDistribution(ops);
  return s;
}

GrantRunSummary SummarizeGrantRuns(std::span<const uint32_t> grant_order) {
  GrantRunSummary s;
  s.grants = grant_order.size();
  if (grant_order.empty()) return s;
  uint64_t run = 1;
  auto end_run = [&] {
    ++s.run_lengths[run];
    ++s.runs;
    s.longest_run = std::max(s.longest_run, run);
  };
  for (std::size_t i = 1; i < grant_order.size(); ++i) {
    if (grant_order[i] == grant_order[i - 1]) {
      ++s.reacquires;
      ++run;
    } else {
      end_run();
      run = 1;
    }
  }
  end_run();
  if (s.grants >= 2) {
    s.reacquire_rate = static_cast<double>(s.reacquires) / static_cast<double>(s.grants - 1);
  }
  s.mean_run = static_cast<double>(s.grants) / static_cast<double>(s.runs);
  return s;
}

WindowedFairness SummarizeWindowedFairness(std::span<const uint32_t> grant_order,
                                           uint64_t multiple) {
  WindowedFairness w;
  uint32_t top = 0;
  for (uint32_t t : grant_order) top = std::max(top, t);
  std::vector<uint64_t> in_window(static_cast<std::size_t>(top) + 1, 0);
  for (uint32_t t : grant_order) w.threads += in_window[t]++ == 0;
  std::fill(in_window.begin(), in_window.end(), 0);
  const uint64_t threads = w.threads;
  const uint64_t window = multiple * threads;
  w.window = window;
  if (threads < 2 || window == 0 || grant_order.size() < window) return w;
  // Jain = (sum x)^2 / (n sum x^2) with sum x = window; sum x^2 kept as the window slides.
  uint64_t squares = 0;
  auto add = [&](uint32_t t) { squares += 2 * in_window[t]++ + 1; };
  auto remove = [&](uint32_t t) { squares -= 2 * --in_window[t] + 1; };
  std::vector<double> index;
  index.reserve(grant_order.size() - window + 1);
  const double scale = static_cast<double>(window) * static_cast<double>(window) /
                       static_cast<double>(threads);
  for (std::size_t i = 0; i < grant_order.size(); ++i) {
    add(grant_order[i]);
    if (i >= window) remove(grant_order[i - window]);
    if (i + 1 >= window) index.push_back(scale / static_cast<double>(squares));
  }
  w.windows = index.size();
  auto nearest_rank = [&](double p) {
    const double n = static_cast<double>(index.size());
    const auto nearest = static_cast<std::size_t>(std::ceil(p / 100 * n));
    const std::size_t rank = std::max<std::size_t>(nearest, 1) - 1;
    std::nth_element(index.begin(), index.begin() + static_cast<std::ptrdiff_t>(rank), index.end());
    return index[rank];
  };
  w.p10 = nearest_rank(10);
  w.p50 = nearest_rank(50);
  return w;
}

double Median(std::span<const double> values) {
  if (values.empty()) return 0.0;
  std::vector<double> v(values.begin(), values.end());
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  if (v.size() % 2 == 1) return v[mid];
  const double below = *std::max_element(v.begin(), v.begin() + mid);
  return below + (v[mid] - below) / 2.0;
}

double Median(std::span<const uint64_t> values) {
  if (values.empty()) return 0.0;
  std::vector<uint64_t> v(values.begin(), values.end());
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  if (v.size() % 2 == 1) return static_cast<double>(v[mid]);
  const uint64_t below = *std::max_element(v.begin(), v.begin() + mid);
  return static_cast<double>((static_cast<long double>(below) + v[mid]) / 2.0L);
}

MannWhitneyResult MannWhitneyU(std::span<const double> a, std::span<const double> b,
                               MannWhitneyMethod method) {
  MannWhitneyResult result;
  if (a.empty() || b.empty()) return result;
  const double n_a = a.size(), n_b = b.size(), n = n_a + n_b;
  const RankedSamples ranked = Rank(a, b);
  uint64_t doubled_sum_a = 0;
  for (uint64_t r : ranked.doubled_ranks_a) doubled_sum_a += r;
  result.u = doubled_sum_a / 2.0 - n_a * (n_a + 1) / 2.0;
  result.effect = result.u / (n_a * n_b);

  const bool a_smaller = a.size() <= b.size();
  const std::size_t k = a_smaller ? a.size() : b.size();
  const bool cheap = ExactWork(a.size() + b.size(), k) <= kExactWorkLimit;
  const bool exact = cheap && (method == MannWhitneyMethod::kExact ||
                               (method == MannWhitneyMethod::kAuto && k <= 8));
  if (exact) {
    std::vector<uint64_t> all = ranked.doubled_ranks_a;
    all.insert(all.end(), ranked.doubled_ranks_b.begin(), ranked.doubled_ranks_b.end());
    uint64_t observed = doubled_sum_a;
    if (!a_smaller) {
      observed = 0;
      for (uint64_t r : ranked.doubled_ranks_b) observed += r;
    }
    result.exact = true;
    result.p_value = ExactPValue(all, k, observed);
    return result;
  }

  const double mean = n_a * n_b / 2.0;
  const double variance =
      n_a * n_b / 12.0 * ((n + 1.0) - static_cast<double>(ranked.tie_term) / (n * (n - 1.0)));
  if (!(variance > 0.0)) return result;  // every value tied: no evidence either way
  const double deviation = result.u - mean;
  const double corrected = std::max(0.0, std::fabs(deviation) - 0.5);
  result.z = std::copysign(corrected / std::sqrt(variance), deviation);
  result.p_value = std::min(1.0, std::erfc(std::fabs(result.z) / std::sqrt(2.0)));
  return result;
}

std::vector<double> AdjustPValues(std::span<const double> p_values, Correction correction) {
  const std::size_t m = p_values.size();
  std::vector<double> adjusted(p_values.begin(), p_values.end());
  if (correction == Correction::kNone || m == 0) return adjusted;
  std::vector<std::size_t> order(m);
  for (std::size_t i = 0; i < m; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
  const double md = static_cast<double>(m);
  if (correction == Correction::kHolm) {
    // The i-th smallest (from 0) times m - i, never below the one before it.
    double running = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
      running = std::max(running, std::min(1.0, (md - static_cast<double>(i)) * p_values[order[i]]));
      adjusted[order[i]] = running;
    }
  } else {
    // The i-th smallest (from 1) times m / i, never above the one after it.
    double running = 1.0;
    for (std::size_t i = m; i-- > 0;) {
      running = std::min(running, md / static_cast<double>(i + 1) * p_values[order[i]]);
      adjusted[order[i]] = std::min(1.0, running);
    }
  }
  return adjusted;
}

double NormalQuantile(double p) {
  // Bisection on the CDF, 0.5 erfc(-x / sqrt 2): slow next to a rational approximation, but
  // plainly right to double precision, and the gate calls it a few times per comparison.
  double lo = -40.0, hi = 40.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

double PooledStandardDeviation(std::span<const double> a, std::span<const double> b) {
  const auto squares = [](std::span<const double> x) {
    if (x.empty()) return 0.0;
    double mean = 0.0;
    for (double v : x) mean += v;
    mean /= static_cast<double>(x.size());
    double ss = 0.0;
    for (double v : x) ss += (v - mean) * (v - mean);
    return ss;
  };
  const std::size_t dof = (a.empty() ? 0 : a.size() - 1) + (b.empty() ? 0 : b.size() - 1);
  if (a.size() + b.size() < 3 || dof == 0) return 0.0;
  return std::sqrt((squares(a) + squares(b)) / static_cast<double>(dof));
}

double SmallestPossiblePValue(std::size_t n_a, std::size_t n_b) {
  if (n_a == 0 || n_b == 0) return 1.0;
  // C(n_a + n_b, k) with k = min: the number of equally likely rank assignments.
  const std::size_t k = std::min(n_a, n_b), n = n_a + n_b;
  double ways = 1.0;
  for (std::size_t i = 1; i <= k; ++i)
    ways = ways * static_cast<double>(n - k + i) / static_cast<double>(i);
  return std::min(1.0, 2.0 / ways);
}

namespace {

// The detectable shift for a given z(1 - alpha/2) + z(power); see MinimumDetectableShift.
double DetectableShift(double z, double pooled_sd, std::size_t n_a, std::size_t n_b) {
  return z * pooled_sd *
         std::sqrt(1.0 / static_cast<double>(n_a) + 1.0 / static_cast<double>(n_b)) *
         std::sqrt(std::numbers::pi / 3.0);
}

}  // namespace

double MinimumDetectableShift(double pooled_sd, std::size_t n_a, std::size_t n_b, double alpha,
                              double power) {
  if (n_a == 0 || n_b == 0 || SmallestPossiblePValue(n_a, n_b) >= alpha) {
    return std::numeric_limits<double>::infinity();
  }
  const double z = NormalQuantile(1.0 - alpha / 2.0) + NormalQuantile(power);
  return DetectableShift(z, pooled_sd, n_a, n_b);
}

std::size_t SamplesNeeded(double pooled_sd, double shift, double alpha, double power,
                          std::size_t max_n) {
  const double z = NormalQuantile(1.0 - alpha / 2.0) + NormalQuantile(power);
  for (std::size_t n = 2; n <= max_n; ++n) {
    if (SmallestPossiblePValue(n, n) < alpha && DetectableShift(z, pooled_sd, n, n) <= shift) {
      return n;
    }
  }
  return 0;
}

}  // namespace lockbench
