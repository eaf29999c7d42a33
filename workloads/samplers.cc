#include "workloads/samplers.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "lockimpls/internal/check.h"

namespace lockbench {
namespace {

constexpr std::string_view kComponent = "samplers";

}  // namespace

EmpiricalSampler::EmpiricalSampler(std::span<const uint64_t> quantiles, double scale) {
  LOCKBENCH_CHECK(!quantiles.empty() && scale > 0, kComponent, "no quantiles, or a bad scale");
  LOCKBENCH_CHECK(std::is_sorted(quantiles.begin(), quantiles.end()), kComponent,
                  "quantiles decrease");
  const size_t k = quantiles.size() - 1;
  auto table = std::make_shared<double[]>(k + 2);
  for (size_t i = 0; i <= k; ++i) table[i] = static_cast<double>(quantiles[i]) * scale;
  table[k + 1] = table[k];
  table_ = std::move(table);
  step_ = std::ldexp(static_cast<double>(k), -53);
}

double EmpiricalMean(std::span<const uint64_t> quantiles) {
  LOCKBENCH_CHECK(!quantiles.empty(), kComponent, "no quantiles");
  if (quantiles.size() == 1) return static_cast<double>(quantiles[0]);
  double sum = 0;
  for (size_t i = 0; i + 1 < quantiles.size(); ++i) {
    sum += (static_cast<double>(quantiles[i]) + static_cast<double>(quantiles[i + 1])) / 2;
  }
  return sum / static_cast<double>(quantiles.size() - 1);
}

WeightedChoice::WeightedChoice(std::span<const double> weights) {
  const size_t n = weights.size();
  LOCKBENCH_CHECK(n > 0 && n <= (size_t{1} << 31), kComponent, "no weights, or too many");
  double total = 0;
  for (double w : weights) {
    LOCKBENCH_CHECK(std::isfinite(w) && w >= 0, kComponent, "a weight is negative or not finite");
    total += w;
  }
  LOCKBENCH_CHECK(total > 0, kComponent, "every weight is 0");
  // Each slot holds kSlot units of mass; the masses sum to n slots exactly, so the pairing below
  // ends with every slot full (integers: no leftover from rounding can give a weight of 0 a slot).
  constexpr uint64_t kSlot = uint64_t{1} << 32;
  std::vector<uint64_t> mass(n);
  uint64_t assigned = 0;
  size_t heaviest = 0;
  for (size_t i = 0; i < n; ++i) {
    mass[i] = static_cast<uint64_t>(std::floor(weights[i] / total * static_cast<double>(n) *
                                               static_cast<double>(kSlot)));
    assigned += mass[i];
    if (weights[i] > weights[heaviest]) heaviest = i;
  }
  // What flooring left over (or, after rounding up in the division, took too much) goes to the
  // heaviest, which has n * kSlot / n = kSlot at least: the correction cannot make it negative.
  const uint64_t target = n * kSlot;
  mass[heaviest] = mass[heaviest] + target - assigned;

  auto slots = std::make_shared<Slot[]>(n);
  std::vector<uint32_t> light, heavy;  // below one slot of mass; one slot or more
  for (size_t i = 0; i < n; ++i) {
    (mass[i] < kSlot ? light : heavy).push_back(static_cast<uint32_t>(i));
  }
  while (!light.empty() && !heavy.empty()) {
    const uint32_t l = light.back();
    light.pop_back();
    const uint32_t h = heavy.back();
    slots[l] = {static_cast<uint32_t>(mass[l]), h};
    mass[h] -= kSlot - mass[l];
    if (mass[h] < kSlot) {
      heavy.pop_back();
      light.push_back(h);
    }
  }
  // The masses still sum to one slot each, so whatever is left holds exactly one slot.
  for (const std::vector<uint32_t>* rest : {&light, &heavy}) {
    for (uint32_t i : *rest) {
      LOCKBENCH_CHECK(mass[i] == kSlot, kComponent, "alias table does not balance");
      slots[i] = {UINT32_MAX, i};
    }
  }
  slots_ = std::move(slots);
  n_ = n;
}

}  // namespace lockbench
