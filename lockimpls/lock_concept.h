// The contract every lock in lockbench meets, and the traits each one declares.
//
// The contract uses the standard names (lock, unlock, lock_shared, unlock_shared, try_lock,
// try_lock_shared), so std::shared_mutex and library locks fit with at most a thin adapter.
// Traits are static data: the measurement loop is a template over the lock type, and only the
// runner level (name -> factory) erases types.
#ifndef LOCKBENCH_LOCKIMPLS_LOCK_CONCEPT_H_
#define LOCKBENCH_LOCKIMPLS_LOCK_CONCEPT_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace lockbench {

// Which re-acquisitions by a thread that already holds the lock are allowed.
enum class Recursion {
  kNone,        // any re-acquisition may deadlock
  kSharedOnly,  // shared while holding shared works (may still deadlock behind a writer)
  kFull,        // exclusive->exclusive, exclusive->shared and shared->shared are counted
};

std::string_view RecursionName(Recursion r);

// What a lock demands of the code that holds it (lockimpls/SEMANTICS.md, "Holder constraints"):
// the level its holder runs at, and with it whether the holder may block (wait on something
// else, or take a page fault on pageable memory) while it holds the lock.
enum class HolderLevel {
  kUnknown,   // not declared (a plugin)
  kUserMode,  // a user-mode lock: no IRQL; the holder may block
  kPassive,   // kernel, PASSIVE_LEVEL, in a critical region; the holder may block
  kApc,       // kernel, APC_LEVEL or a guarded region (all APCs off); the holder may still block
  kDispatch,  // kernel, DISPATCH_LEVEL: the holder may not block nor touch pageable memory
};

// How a waiter waits: burning its processor, or asleep.
enum class WaitKind {
  kUnknown,        // not declared (a plugin)
  kSleep,          // sleeps at once (futex, gate, event)
  kSpinThenSleep,  // polls a while (a spin count), then sleeps
  kSpin,           // spins until granted, never sleeps: each waiter keeps a processor busy
};

std::string_view HolderLevelName(HolderLevel level);
std::string_view WaitKindName(WaitKind kind);

struct LockTraits {
  std::string_view name;         // registry name, e.g. "push_lock"
  std::string_view description;  // one line
  std::size_t size_bytes;        // sizeof the lock object
  Recursion recursion;
  std::string_view fairness;     // the grant policy, in words
  bool owner_query;              // can the lock report its owner
  // False for an exclusive-only lock (a mutex): its lock_shared/try_lock_shared/unlock_shared
  // take and release it exclusive, so "shared" holders exclude each other. Reports say so.
  bool shared_mode = true;
  // Bytes a lock allocates beyond size_bytes (the cache-aware push lock's slots); reports add it.
  std::size_t heap_bytes = 0;
  // A lock spread over several padded push locks (the cache-aware push lock): how many, and the
  // bytes each takes with its padding; 0 for a lock that is one object. `list` and the result's
  // config.lock_geometry record them.
  std::uint32_t slots = 0;
  std::uint32_t slot_bytes = 0;
  HolderLevel holder_level = HolderLevel::kUnknown;
  WaitKind waiters = WaitKind::kUnknown;
};

// False only where the holder runs at DISPATCH_LEVEL: a workload whose holder may block
// (WorkloadSpec::holder_may_block) cannot use such a lock.
constexpr bool HolderMayBlock(const LockTraits& t) { return t.holder_level != HolderLevel::kDispatch; }

// A process-wide tunable of one lock type, shared by every instance (the push lock's spin count).
// A lock that has any declares `static constexpr LockSetting kSettings[]`; the tool sets and
// records them through the registry (LockList::Settings) without knowing lock names.
struct LockSetting {
  std::string_view name;  // "spin_count"; the `run` flag is --spin-count
  std::string_view help;  // one line, for the flag
  std::uint32_t max;      // the largest value a user may set
  std::uint32_t (*get)();
  void (*set)(std::uint32_t value);
};

// L's settings; none unless L declares kSettings.
template <class L>
constexpr std::span<const LockSetting> SettingsOf() {
  if constexpr (requires { L::kSettings; }) {
    return L::kSettings;
  } else {
    return {};
  }
}

template <class L>
concept SharedLockable = requires(L& l) {
  l.lock();
  l.unlock();
  l.lock_shared();
  l.unlock_shared();
  { l.try_lock() } -> std::convertible_to<bool>;
  { l.try_lock_shared() } -> std::convertible_to<bool>;
};

// A lock lockbench can measure: the contract plus `static constexpr LockTraits kTraits`.
template <class L>
concept BenchLock = SharedLockable<L> && std::default_initializable<L> && requires {
  { L::kTraits } -> std::convertible_to<const LockTraits&>;
};

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_LOCK_CONCEPT_H_
