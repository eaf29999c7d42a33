// Cost of Histogram's hot path (Record) and of the per-run reads (percentile, merge).
//
// Record runs on a precomputed stream so the random number generator is not measured; the stream
// (64 Ki values, 512 KiB) fits in L2 next to the 34 KiB counts array, as a worker's own
// histogram would. Each benchmark checks what it recorded and aborts on a mismatch, so the smoke
// test of this binary also proves the loops did their work.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string_view>
#include <vector>

#include "lockimpls/internal/check.h"
#include "results/histogram.h"

namespace lockbench {
namespace {

constexpr std::string_view kName = "histogram_benchmark";  // in a failed check's message
constexpr std::size_t kStreamSize = std::size_t{1} << 16;

// Lock latencies: log-normal around 1 us, spanning tens of ns to tens of ms.
const std::vector<uint64_t>& LatencyStream() {
  static const std::vector<uint64_t> stream = [] {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(std::log(1000.0), 2.0);
    std::vector<uint64_t> values(kStreamSize);
    for (auto& v : values) v = static_cast<uint64_t>(dist(rng));
    return values;
  }();
  return stream;
}

void BM_Record(benchmark::State& state) {
  const std::vector<uint64_t>& stream = LatencyStream();
  Histogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.Record(stream[i++ & (kStreamSize - 1)]);
  }
  LOCKBENCH_CHECK(h.TotalCount() == static_cast<uint64_t>(state.iterations()), kName,
                  "Record lost counts");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Record);

// Every record hits one counter: the store-to-load chain through it is the worst case.
void BM_RecordSameValue(benchmark::State& state) {
  Histogram h;
  volatile uint64_t v = 1234;  // read afresh each time, so the index is not computed once
  for (auto _ : state) {
    h.Record(v);
  }
  LOCKBENCH_CHECK(h.TotalCount() == static_cast<uint64_t>(state.iterations()) && h.Max() == 1234,
                  kName, "Record lost counts");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordSameValue);

Histogram FilledHistogram() {
  Histogram h;
  for (uint64_t v : LatencyStream()) h.Record(v);
  return h;
}

void BM_ValueAtPercentile(benchmark::State& state) {
  const Histogram h = FilledHistogram();
  uint64_t last = 0;
  for (auto _ : state) {
    // The const form of DoNotOptimize: with libbenchmark 1.7 and GCC -O1 (the asan config) the
    // read-write form left the variable unset after the loop.
    const uint64_t value = h.ValueAtPercentile(99.9);
    benchmark::DoNotOptimize(value);
    last = value;
  }
  LOCKBENCH_CHECK(last >= h.ValueAtPercentile(50) && last <= h.Max(), kName,
                  "percentile out of order");
}
BENCHMARK(BM_ValueAtPercentile);

void BM_Merge(benchmark::State& state) {
  const Histogram part = FilledHistogram();
  Histogram total;
  for (auto _ : state) {
    total.Merge(part);
  }
  LOCKBENCH_CHECK(
      total.TotalCount() == part.TotalCount() * static_cast<uint64_t>(state.iterations()), kName,
      "Merge lost counts");
}
BENCHMARK(BM_Merge);

void BM_WriteHgrm(benchmark::State& state) {
  const Histogram h = FilledHistogram();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::ostringstream out;
    WriteHgrm(h, out, HgrmOptions{.value_unit_ratio = 1000.0});
    const std::size_t size = out.str().size();
    benchmark::DoNotOptimize(size);
    bytes = size;
  }
  LOCKBENCH_CHECK(bytes > 0, kName, "empty .hgrm");
}
BENCHMARK(BM_WriteHgrm);

}  // namespace
}  // namespace lockbench
