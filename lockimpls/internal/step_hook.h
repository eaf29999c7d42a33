// Step hooks: a lock instantiated with HookedAtoms (instead of RealAtoms, internal/atoms.h) calls
// the calling thread's hook before each of its atomic operations and futex calls, so torture
// mode (workloads/internal/torture.h) can stretch the gaps between an acquisition's steps, where
// lost wake-ups and double grants hide. Only the hooked instantiations pay for the hook (one
// thread-local load per step); the locks a plain run measures are the RealAtoms ones.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_STEP_HOOK_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_STEP_HOOK_H_

#include <atomic>
#include <cstdint>

#include "lockimpls/internal/atoms.h"

namespace lockbench::internal {

using StepHook = void (*)(void* arg);

struct ThreadStepHook {
  StepHook hook = nullptr;
  void* arg = nullptr;
};

inline thread_local ThreadStepHook tls_step_hook;

// Installs `hook(arg)` for the calling thread's hooked-lock steps; nullptr removes it.
inline void SetThreadStepHook(StepHook hook, void* arg) { tls_step_hook = {hook, arg}; }

inline void RunStepHook() {
  const ThreadStepHook h = tls_step_hook;
  if (h.hook != nullptr) h.hook(h.arg);
}

// std::atomic's interface, running the thread's step hook before each operation.
template <class T>
class HookedAtomic {
 public:
  constexpr HookedAtomic() noexcept : value_{} {}
  constexpr HookedAtomic(T value) noexcept : value_{value} {}  // NOLINT: as std::atomic
  HookedAtomic(const HookedAtomic&) = delete;
  HookedAtomic& operator=(const HookedAtomic&) = delete;

  T load(std::memory_order order = std::memory_order_seq_cst) const {
    RunStepHook();
    return value_.load(order);
  }
  void store(T value, std::memory_order order = std::memory_order_seq_cst) {
    RunStepHook();
    value_.store(value, order);
  }
  T exchange(T value, std::memory_order order = std::memory_order_seq_cst) {
    RunStepHook();
    return value_.exchange(value, order);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure) {
    RunStepHook();
    return value_.compare_exchange_strong(expected, desired, success, failure);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure) {
    RunStepHook();
    return value_.compare_exchange_weak(expected, desired, success, failure);
  }
  T fetch_add(T delta, std::memory_order order = std::memory_order_seq_cst) {
    RunStepHook();
    return value_.fetch_add(delta, order);
  }
  T fetch_sub(T delta, std::memory_order order = std::memory_order_seq_cst) {
    RunStepHook();
    return value_.fetch_sub(delta, order);
  }
  T fetch_or(T bits, std::memory_order order = std::memory_order_seq_cst) {
    RunStepHook();
    return value_.fetch_or(bits, order);
  }

  std::atomic<T>* Raw() { return &value_; }

 private:
  std::atomic<T> value_;
};

struct HookedAtoms {
  template <class T>
  using Atomic = HookedAtomic<T>;
  template <class T>
  using Local = RealAtoms::Local<T>;

  static constexpr PlantedBug kPlanted = PlantedBug::kNone;

  static int FutexWait(HookedAtomic<std::uint32_t>* word, std::uint32_t expected) {
    RunStepHook();
    return RealAtoms::FutexWait(word->Raw(), expected);
  }
  static void FutexWake(HookedAtomic<std::uint32_t>* word, int count) {
    RunStepHook();
    RealAtoms::FutexWake(word->Raw(), count);
  }
  static void Relax() { RealAtoms::Relax(); }
  static void Yield() { RealAtoms::Yield(); }
};

static_assert(sizeof(HookedAtomic<std::uintptr_t>) == sizeof(std::uintptr_t));

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_STEP_HOOK_H_
