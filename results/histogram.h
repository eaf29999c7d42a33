// Histogram: a log-linear latency histogram in the style of HdrHistogram, and its export in
// HdrHistogram's plain-text percentile-distribution format (.hgrm).
//
// Each worker thread records every operation's latency into its own Histogram, so Record must be
// cheap enough not to disturb what it measures: it is O(1), allocates nothing and touches one
// counter in the array plus a few scalars. The run engine merges the per-thread histograms after
// the run; the result writer reads percentiles, summary statistics and the non-empty buckets.
//
// Layout. Values are uint64 nanoseconds. Below 2^(S+1) every value has its own bucket (exact);
// from there on each power of two [2^k, 2^(k+1)) is split into 2^S equal sub-buckets, so a bucket
// is at most 1/2^S of its lowest value wide. S is `sub_bucket_bits` (default 7: 128 sub-buckets
// per power of two, relative error < 2^-7 = 0.78%, the precision HdrHistogram calls "2
// significant digits"). The bucket index comes from one countl_zero and two shifts.
//
// Memory: 8 bytes per bucket, (k + 1 - S) * 2^S buckets for a range of [0, 2^k). With the defaults
// (S = 7, k = 40, i.e. up to 2^40 - 1 ns ~ 18.3 minutes) that is 4352 buckets = 34,816 bytes,
// plus the 112-byte object on x86-64: 34,928 bytes per histogram (MemoryBytes()).
//
// Cost: Record is ~2.2 ns of CPU in a tight loop on a shared 2-core x86-64 VM, about 1.4 ns of it
// the bucket increment and 0.8 ns the exact statistics (histogram_benchmark).
//
// Values above the highest trackable value are clamped to it: they land in the top bucket, count
// in OverflowCount(), and enter min/max/mean/stddev as the clamped value, so every statistic the
// histogram reports describes the same data.
//
// Copyable (a copy allocates one counts array) and movable. Not thread-safe: one writer, and read
// only after the writer is done (the engine joins its threads before merging).
#ifndef LOCKBENCH_RESULTS_HISTOGRAM_H_
#define LOCKBENCH_RESULTS_HISTOGRAM_H_

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <vector>

namespace lockbench {

struct HistogramOptions {
  // log2 of the number of linear sub-buckets per power of two. Relative error < 2^-bits.
  // REQUIRES: kMinSubBucketBits <= sub_bucket_bits <= kMaxSubBucketBits.
  int sub_bucket_bits = 7;
  // Values up to this one are tracked; it is rounded up to the next 2^k - 1.
  // REQUIRES: highest_trackable_value <= Histogram::kMaxTrackableValue.
  uint64_t highest_trackable_value = (uint64_t{1} << 40) - 1;
};

// One bucket: the values in [low, high] (inclusive) were recorded `count` times.
struct HistogramBucket {
  uint64_t low;
  uint64_t high;
  uint64_t count;

  friend bool operator==(const HistogramBucket&, const HistogramBucket&) = default;
};

class Histogram {
 public:
  static constexpr int kMinSubBucketBits = 1;
  static constexpr int kMaxSubBucketBits = 14;
  // 2^48 ns is ~78 hours. The cap keeps the exact 128-bit sums safe: the sum of squares holds
  // 2^32 records of the highest value before it could wrap.
  static constexpr uint64_t kMaxTrackableValue = (uint64_t{1} << 48) - 1;

  // Allocates the counts array, the only allocation in the histogram's life.
  // Invalid options abort with a message (they come from code, not from users).
  explicit Histogram(const HistogramOptions& options = {});

  // Records one value. O(1); allocates nothing.
  void Record(uint64_t value) { RecordN(value, 1); }

  // Records `value` n times, as n calls of Record would. O(1); allocates nothing.
  void RecordN(uint64_t value, uint64_t n) {
    if (value > highest_) [[unlikely]] {
      overflow_ += n;
      value = highest_;
    }
    counts_[IndexOf(value)] += n;
    total_ += n;
    sum_ += static_cast<unsigned __int128>(value) * n;
    sum_sq_ += static_cast<unsigned __int128>(value) * value * n;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }

  // Adds every record of `other`. Statistics and counts end as if both streams had been recorded
  // into this histogram. REQUIRES: SameLayout(other) (aborts with a message otherwise).
  void Merge(const Histogram& other);

  // Forgets every record; keeps the counts array.
  void Reset();

  // True when both histograms have the same sub_bucket_bits and highest trackable value, so their
  // buckets line up and Merge is allowed.
  bool SameLayout(const Histogram& other) const {
    return sub_bucket_bits_ == other.sub_bucket_bits_ && highest_ == other.highest_;
  }

  uint64_t TotalCount() const { return total_; }
  // Records whose value exceeded HighestTrackableValue() and were clamped to it.
  uint64_t OverflowCount() const { return overflow_; }
  // Exact smallest and largest recorded values; 0 when empty.
  uint64_t Min() const { return total_ == 0 ? 0 : min_; }
  uint64_t Max() const { return max_; }
  // Mean and population standard deviation from exact integer sums; 0 when empty.
  double Mean() const;
  double StdDev() const;

  // The value at percentile p (0..100; values outside are clamped), with the nearest-rank
  // definition: the smallest recorded value v such that at least p% of the records are <= v.
  // Returns the highest value equivalent to v (the top of v's bucket, as HdrHistogram does), capped
  // at Max(); so the result r satisfies v <= r and r - v < v * RelativeError(). p = 0 returns
  // Min() and p = 100 returns Max(), both exact. Returns 0 when the histogram is empty.
  // O(number of buckets); allocates nothing.
  uint64_t ValueAtPercentile(double p) const;

  // Calls f(const HistogramBucket&) for each non-empty bucket in increasing value order.
  template <class F>
  void ForEachBucket(F&& f) const {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] != 0) f(HistogramBucket{BucketLow(i), BucketHigh(i), counts_[i]});
    }
  }

  // Upper bound of (reported - true) / true for any percentile: 2^-sub_bucket_bits.
  double RelativeError() const {
    return 1.0 / static_cast<double>(uint64_t{1} << sub_bucket_bits_);
  }
  int SubBucketBits() const { return sub_bucket_bits_; }
  // The highest value recorded without clamping (the option rounded up to 2^k - 1).
  uint64_t HighestTrackableValue() const { return highest_; }
  // HdrHistogram's names for the layout, as printed in the .hgrm footer: the number of
  // power-of-two buckets and the sub-bucket count per bucket (2^(S+1), half of them overlapping).
  int HdrBucketCount() const;
  int HdrSubBucketCount() const { return 1 << (sub_bucket_bits_ + 1); }
  // Number of counters and the bytes the histogram occupies, counters included.
  std::size_t BucketCount() const { return counts_.size(); }
  std::size_t MemoryBytes() const { return sizeof(*this) + counts_.capacity() * sizeof(uint64_t); }

 private:
  // Values below 2^(S+1) map to themselves; above, each power of two adds 2^S indexes.
  std::size_t IndexOf(uint64_t value) const {
    const int shift = 63 - sub_bucket_bits_ - std::countl_zero(value | sub_bucket_half_);
    return (static_cast<std::size_t>(shift) << sub_bucket_bits_) + (value >> shift);
  }
  int ShiftOf(std::size_t index) const {
    return std::max(0, static_cast<int>(index >> sub_bucket_bits_) - 1);
  }
  uint64_t BucketLow(std::size_t index) const {
    const int shift = ShiftOf(index);
    return (index - (static_cast<std::size_t>(shift) << sub_bucket_bits_)) << shift;
  }
  uint64_t BucketHigh(std::size_t index) const {
    return BucketLow(index) + (uint64_t{1} << ShiftOf(index)) - 1;
  }

  int sub_bucket_bits_;
  uint64_t sub_bucket_half_;  // 2^S
  uint64_t highest_;
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t overflow_ = 0;
  uint64_t min_ = std::numeric_limits<uint64_t>::max();
  uint64_t max_ = 0;
  unsigned __int128 sum_ = 0;
  unsigned __int128 sum_sq_ = 0;
};

struct HgrmOptions {
  // Values are divided by this before printing: 1000 prints nanoseconds as microseconds.
  double value_unit_ratio = 1.0;
  // Rows per halving of the distance to 100%: 5 gives 0, 10, ..., 50, 55, ..., 75, 77.5, ...
  // REQUIRES: >= 1.
  int ticks_per_half_distance = 5;
  // Decimals of the Value column and footer; negative means HdrHistogram's choice, the number of
  // significant digits of the layout (2 for the default sub_bucket_bits = 7).
  int value_decimals = -1;
};

// Writes `h` as HdrHistogram's outputPercentileDistribution does: the header line
// "Value Percentile TotalCount 1/(1-Percentile)", one row per percentile tick (value = the top of
// the bucket where the tick is reached, capped at Max()), a last row at percentile 1.0, then the
// "#[Mean ...]", "#[Max ...]" and "#[Buckets ...]" footer. An empty histogram gives the header and
// the footer only. Numbers use the C locale's decimal point.
void WriteHgrm(const Histogram& h, std::ostream& out, const HgrmOptions& options = {});

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_HISTOGRAM_H_
