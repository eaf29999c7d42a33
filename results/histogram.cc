#include "results/histogram.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string_view>

#include "lockimpls/internal/check.h"

namespace lockbench {
namespace {

constexpr std::string_view kComponent = "Histogram";

// Just enough 256-bit arithmetic to form n * sum(v^2) - (sum v)^2 exactly: the variance
// numerator cancels catastrophically in floating point when the spread is small next to the mean.
struct U256 {
  unsigned __int128 hi;
  unsigned __int128 lo;
};

U256 Multiply(unsigned __int128 a, unsigned __int128 b) {
  const unsigned __int128 kLow = ~uint64_t{0};
  const unsigned __int128 a0 = a & kLow, a1 = a >> 64, b0 = b & kLow, b1 = b >> 64;
  const unsigned __int128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const unsigned __int128 mid = (p00 >> 64) + (p01 & kLow) + (p10 & kLow);  // < 3 * 2^64
  return U256{p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64), (mid << 64) | (p00 & kLow)};
}

U256 Subtract(const U256& x, const U256& y) {
  return U256{x.hi - y.hi - (x.lo < y.lo ? 1 : 0), x.lo - y.lo};
}

long double ToLongDouble(const U256& x) {
  return std::ldexp(static_cast<long double>(x.hi), 128) + static_cast<long double>(x.lo);
}

// floor(log10(2^bits)): the significant digits HdrHistogram would quote for this layout.
int SignificantDigits(int sub_bucket_bits) {
  int digits = 0;
  for (uint64_t x = uint64_t{1} << sub_bucket_bits; x >= 10; x /= 10) ++digits;
  return digits;
}

}  // namespace

Histogram::Histogram(const HistogramOptions& options)
    : sub_bucket_bits_(options.sub_bucket_bits), sub_bucket_half_(0), highest_(0) {
  LOCKBENCH_CHECK(
      sub_bucket_bits_ >= kMinSubBucketBits && sub_bucket_bits_ <= kMaxSubBucketBits,
      kComponent, "sub_bucket_bits out of range");
  LOCKBENCH_CHECK(options.highest_trackable_value <= kMaxTrackableValue, kComponent,
                  "highest_trackable_value above kMaxTrackableValue");
  sub_bucket_half_ = uint64_t{1} << sub_bucket_bits_;
  // At least the exact range [0, 2^(S+1)) is always covered.
  const uint64_t floor_value = (uint64_t{1} << (sub_bucket_bits_ + 1)) - 1;
  const int bits = std::bit_width(std::max(options.highest_trackable_value, floor_value));
  highest_ = (uint64_t{1} << bits) - 1;
  counts_.assign(static_cast<std::size_t>(bits + 1 - sub_bucket_bits_) << sub_bucket_bits_, 0);
  LOCKBENCH_CHECK(IndexOf(highest_) + 1 == counts_.size(), kComponent, "layout mismatch");
}

void Histogram::Merge(const Histogram& other) {
  LOCKBENCH_CHECK(SameLayout(other), kComponent, "Merge of histograms with different layouts");
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  overflow_ += other.overflow_;
  sum_ += other.sum_;
  sum_sq_ += other.sum_sq_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void Histogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
  overflow_ = 0;
  min_ = std::numeric_limits<uint64_t>::max();
  max_ = 0;
  sum_ = 0;
  sum_sq_ = 0;
}

double Histogram::Mean() const {
  if (total_ == 0) return 0.0;
  return static_cast<double>(static_cast<long double>(sum_) / total_);
}

double Histogram::StdDev() const {
  if (total_ == 0) return 0.0;
  // Population variance = (n * sum(v^2) - (sum v)^2) / n^2; the numerator is >= 0 exactly.
  const U256 numerator = Subtract(Multiply(total_, sum_sq_), Multiply(sum_, sum_));
  return static_cast<double>(std::sqrt(ToLongDouble(numerator)) / total_);
}

uint64_t Histogram::ValueAtPercentile(double p) const {
  if (total_ == 0) return 0;
  if (!(p > 0.0)) return Min();
  if (p >= 100.0) return max_;
  // Nearest rank, ceil(p/100 * n). A decimal p such as 99.9 is stored a hair too high, which
  // would push an exact integer rank up by one; shaving the double's own rounding error off
  // first gives the rank the decimal means.
  const long double want = static_cast<long double>(p) * total_ / 100.0L;
  uint64_t rank = static_cast<uint64_t>(std::ceil(want - want * 0x1p-52L));
  rank = std::clamp<uint64_t>(rank, 1, total_);
  uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(BucketHigh(i), max_);
  }
  return max_;  // unreachable: the counts sum to total_
}

int Histogram::HdrBucketCount() const { return std::bit_width(highest_) - sub_bucket_bits_; }

void WriteHgrm(const Histogram& h, std::ostream& out, const HgrmOptions& options) {
  LOCKBENCH_CHECK(options.ticks_per_half_distance >= 1, kComponent,
                  "ticks_per_half_distance must be >= 1");
  LOCKBENCH_CHECK(options.value_unit_ratio > 0.0, kComponent, "value_unit_ratio must be > 0");
  const int decimals =
      options.value_decimals >= 0 ? options.value_decimals : SignificantDigits(h.SubBucketBits());
  const double ratio = options.value_unit_ratio;
  const uint64_t total = h.TotalCount();
  const uint64_t max = h.Max();
  char line[256];

  std::snprintf(line, sizeof(line), "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
                "1/(1-Percentile)");
  out << line;

  auto row = [&](uint64_t value, double percentile, uint64_t count) {
    const double fraction = percentile / 100.0;
    std::snprintf(line, sizeof(line), "%12.*f %2.12f %10" PRIu64 " %14.2f\n", decimals,
                  static_cast<double>(value) / ratio, fraction, count, 1.0 / (1.0 - fraction));
    out << line;
  };

  if (total != 0) {
    uint64_t last_high = 0;  // top of the last non-empty bucket
    h.ForEachBucket([&](const HistogramBucket& b) { last_high = b.high; });
    // Percentile ticks: a fixed number of equal steps in each half of the remaining distance to
    // 100% (0..50, 50..75, 75..87.5, ...), so the rows thicken toward the tail.
    double level = 0.0;
    auto next_level = [&] {
      const double halvings = std::floor(std::log2(100.0 / (100.0 - level)));
      const double ticks = options.ticks_per_half_distance * std::exp2(halvings + 1.0);
      level += 100.0 / ticks;
    };
    uint64_t seen = 0;
    h.ForEachBucket([&](const HistogramBucket& b) {
      seen += b.count;
      const uint64_t value = std::min(b.high, max);
      if (b.high == last_high) {
        // The last bucket reaches every remaining tick at once; one row stands for them.
        if (level < 100.0) row(value, level, seen);
        std::snprintf(line, sizeof(line), "%12.*f %2.12f %10" PRIu64 "\n", decimals,
                      static_cast<double>(value) / ratio, 1.0, seen);
        out << line;
        return;
      }
      while (level < 100.0 &&
             100.0 * static_cast<double>(seen) / static_cast<double>(total) >= level) {
        row(value, level, seen);
        next_level();
      }
    });
  }

  std::snprintf(line, sizeof(line), "#[Mean    = %12.*f, StdDeviation   = %12.*f]\n", decimals,
                h.Mean() / ratio, decimals, h.StdDev() / ratio);
  out << line;
  std::snprintf(line, sizeof(line), "#[Max     = %12.*f, Total count    = %12" PRIu64 "]\n",
                decimals, static_cast<double>(max) / ratio, total);
  out << line;
  std::snprintf(line, sizeof(line), "#[Buckets = %12d, SubBuckets     = %12d]\n",
                h.HdrBucketCount(), h.HdrSubBucketCount());
  out << line;
}

}  // namespace lockbench
