#include "lockimpls/cache_aware_push_lock.h"

#include <sched.h>

#include <atomic>
#include <new>
#include <string>

#include "lockimpls/cache_aware_push_lock_impl.h"
#include "lockimpls/internal/check.h"

namespace lockbench::internal {
namespace {

void* DefaultAllocate(std::size_t bytes, std::size_t alignment) {
  return ::operator new(bytes, std::align_val_t(alignment), std::nothrow);
}
void DefaultDeallocate(void* p, std::size_t alignment) {
  ::operator delete(p, std::align_val_t(alignment));
}

std::atomic<SlotAllocator> slot_allocate{&DefaultAllocate};
std::atomic<SlotDeallocator> slot_deallocate{&DefaultDeallocate};

thread_local int cpu_for_test = -1;

}  // namespace

void SetSlotAllocatorForTest(SlotAllocator allocate, SlotDeallocator deallocate) {
  slot_allocate.store(allocate != nullptr ? allocate : &DefaultAllocate);
  slot_deallocate.store(deallocate != nullptr ? deallocate : &DefaultDeallocate);
}

void SetCpuForTest(int cpu) { cpu_for_test = cpu; }

void* AllocateSlotMemory(std::size_t bytes, std::size_t alignment) noexcept {
  return slot_allocate.load()(bytes, alignment);
}

void FreeSlotMemory(void* p, std::size_t alignment) noexcept {
  slot_deallocate.load()(p, alignment);
}

unsigned CacheAwareCurrentCpu() noexcept {
  const int cpu = cpu_for_test >= 0 ? cpu_for_test : sched_getcpu();
  return cpu < 0 ? 0u : static_cast<unsigned>(cpu);
}

namespace cache_aware_detail {

thread_local SharedHoldTable shared_holds;

void RememberSharedHold(const void* lock, std::uint32_t slot) {
  SharedHoldTable& t = shared_holds;
  LOCKBENCH_CHECK(t.size < CacheAwarePushLock::kMaxSharedHolds, "CacheAwarePushLock",
                  "a thread holds more than " +
                      std::to_string(CacheAwarePushLock::kMaxSharedHolds) +
                      " cache-aware push locks shared at once");
  t.holds[t.size++] = {lock, slot};
}

}  // namespace cache_aware_detail

template class BasicCacheAwarePushLock<RealAtoms>;

}  // namespace lockbench::internal
