#include "lockimpls/internal/lock_observer.h"

namespace lockbench::internal {

constinit std::atomic<LockObserver*> installed_lock_observer{nullptr};

void ReportLockEvent(LockObserver* observer, LockEvent event, const void* lock, const void* node) {
  observer->OnEvent({.event = event, .lock = lock, .node = node});
}

void ReportWaiterEvent(LockObserver* observer, LockEvent event, const void* lock, bool exclusive,
                       std::uintptr_t thread, std::uintptr_t share_count) {
  observer->OnEvent({.event = event, .lock = lock, .waiter = {exclusive, thread, share_count}});
}

}  // namespace lockbench::internal
