// LockObserver: the one test hook of the locks' slow paths. Scenario tests install an observer
// to count what a lock did (queued a waiter, woke one) and to stop a thread at a chosen point
// (a contender before it decides to wait, an acquirer between its swap and its link, a woken
// waiter before it competes again), which is how they stage races without sleeping on hope.
// Every lock family reports the same events through the same interface; internal/test_support.h
// has the recording observer the tests use.
//
// Cost: the locks consult the observer on contended paths only, with one load of a global
// (InstalledLockObserver); uncontended paths never look. With none installed nothing else runs.
// A lock reports through ReportLockEvent or ReportWaiterEvent:
//
//   if (LockObserver* o = InstalledLockObserver()) ReportLockEvent(o, LockEvent::kWoken, this);
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_LOCK_OBSERVER_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_LOCK_OBSERVER_H_

#include <atomic>
#include <cstdint>

namespace lockbench::internal {

// What a lock reports. Each names the locks that report it; blocking in the observer holds the
// reporting thread at that point.
enum class LockEvent {
  // An acquire found the lock held and is about to decide how to wait (gate mutex: before it
  // reads the count, so a release may free the mutex under it).
  kContended,
  // A waiter joined the lock's queue: its wait block is linked (wait-block word, after the
  // link), it counted itself a waiter and is about to sleep on the gate (gate mutex), or it
  // swapped its node in as the tail and is about to link it behind its predecessor (queued
  // spin lock, called by the acquirer).
  kQueued,
  // A release found a successor swapped in but not linked, and is about to wait for the link
  // (queued spin lock, called by the releaser).
  kAwaitingLink,
  // A release is about to let one waiter go: clear its wait block's flag (wait-block word, once
  // per waiter, in wake order), signal the gate (gate mutex) or the event (CRITICAL_SECTION).
  kWakeIssued,
  // A woken waiter is about to compete for the lock again (wait-block word, gate mutex,
  // CRITICAL_SECTION; called by that waiter).
  kWoken,
};
inline constexpr int kLockEventCount = 5;

// A queued waiter of the wait-block word (push lock, SRWLOCK), as tests see it.
struct WaiterInfo {
  bool exclusive;
  std::uintptr_t thread;  // pthread_self() of the waiting thread
  // The share count the block took over as the first waiter behind shared owners (then
  // counted down by their releases; MultipleShared is set only if it started above 1), else 0.
  std::uintptr_t share_count;
};

// One report.
struct LockEventInfo {
  LockEvent event;
  // The lock object; for the cache-aware push lock, the slot's word.
  const void* lock;
  // Queued spin lock: the acquirer's node (kQueued) or the releaser's (kAwaitingLink); else null.
  const void* node = nullptr;
  // Wait-block word: the waiter concerned (kQueued, kWakeIssued; kWoken without the share count);
  // all zero for the other locks, which keep no record of their waiters.
  WaiterInfo waiter{false, 0, 0};
};

// Calls arrive on the locks' threads, concurrently.
class LockObserver {
 public:
  virtual ~LockObserver() = default;
  virtual void OnEvent(const LockEventInfo& event) = 0;
};

// The installed observer; defined in lock_observer.cc. Read it through InstalledLockObserver.
extern constinit std::atomic<LockObserver*> installed_lock_observer;

// The observer every lock in the process reports to, or nullptr.
inline LockObserver* InstalledLockObserver() {
  return installed_lock_observer.load(std::memory_order_acquire);
}

// Report `event` to `observer`, for the queued spin lock's `node` where it has one, or for the
// wait-block word's waiter. Out of line, so a lock's slow path holds the load of
// InstalledLockObserver, a test and a call with the arguments in registers, and builds a report
// only when an observer is installed.
void ReportLockEvent(LockObserver* observer, LockEvent event, const void* lock,
                     const void* node = nullptr);
void ReportWaiterEvent(LockObserver* observer, LockEvent event, const void* lock, bool exclusive,
                       std::uintptr_t thread, std::uintptr_t share_count);

// Installs `observer`, or none with nullptr. REQUIRES: no lock is on a slow path while the
// observer changes, and it outlives its installation.
inline void SetLockObserver(LockObserver* observer) {
  installed_lock_observer.store(observer, std::memory_order_release);
}

// Installs an observer for the current scope.
class ScopedObserver {
 public:
  explicit ScopedObserver(LockObserver* observer) { SetLockObserver(observer); }
  ~ScopedObserver() { SetLockObserver(nullptr); }
  ScopedObserver(const ScopedObserver&) = delete;
  ScopedObserver& operator=(const ScopedObserver&) = delete;
};

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_LOCK_OBSERVER_H_
