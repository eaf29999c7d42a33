#include "lockimpls/internal/spin_setting.h"

#include <thread>

namespace lockbench::internal {

std::uint32_t SpinSetting::ResolveDefault() {
  // Counts the machine's CPUs, not this thread's affinity: benchmark threads are pinned to one
  // CPU each, yet the owner they wait for runs on another.
  const std::uint32_t spins = std::thread::hardware_concurrency() > 1 ? multi_cpu_default_ : 0;
  std::uint32_t expected = kUnset;
  value_.compare_exchange_strong(expected, spins, std::memory_order_relaxed);
  return value_.load(std::memory_order_relaxed);
}

}  // namespace lockbench::internal
