// A process-wide spin count setting whose default depends on the CPU count, readable from a
// lock's slow path before main() runs (constant-initialized, resolved on first read).
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_SPIN_SETTING_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_SPIN_SETTING_H_

#include <atomic>
#include <cstdint>

namespace lockbench::internal {

class SpinSetting {
 public:
  // `multi_cpu_default` applies on machines with more than one CPU; one CPU gets 0, since
  // spinning there only delays the owner.
  explicit constexpr SpinSetting(std::uint32_t multi_cpu_default)
      : multi_cpu_default_(multi_cpu_default) {}

  std::uint32_t Get() {
    std::uint32_t v = value_.load(std::memory_order_relaxed);
    return v != kUnset ? v : ResolveDefault();
  }
  void Set(std::uint32_t spins) { value_.store(spins, std::memory_order_relaxed); }

 private:
  static constexpr std::uint32_t kUnset = UINT32_MAX;
  std::uint32_t ResolveDefault();

  const std::uint32_t multi_cpu_default_;
  std::atomic<std::uint32_t> value_{kUnset};
};

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_SPIN_SETTING_H_
