#include "lockimpls/critical_section.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "lockimpls/critical_section_impl.h"
#include "lockimpls/internal/check.h"
#include "lockimpls/internal/spin_setting.h"

namespace lockbench {
namespace {

constinit internal::SpinSetting critical_section_spins{4000};
constinit std::atomic<std::uint32_t> spin_past_sleepers{1};

}  // namespace

std::uint32_t CriticalSectionDefaultSpinCount() { return critical_section_spins.Get(); }
void SetCriticalSectionDefaultSpinCount(std::uint32_t spins) { critical_section_spins.Set(spins); }
std::uint32_t CriticalSectionSpinPastSleepers() {
  return spin_past_sleepers.load(std::memory_order_relaxed);
}
void SetCriticalSectionSpinPastSleepers(std::uint32_t value) {
  spin_past_sleepers.store(value != 0 ? 1 : 0, std::memory_order_relaxed);
}

namespace internal {

std::uintptr_t CurrentThreadId() {
  static thread_local const std::uintptr_t id = static_cast<std::uintptr_t>(syscall(SYS_gettid));
  return id;
}

bool CriticalSectionOnOneCpu() { return std::thread::hardware_concurrency() <= 1; }

void CriticalSectionLeftByNonOwner(const void* cs, std::uintptr_t owner) {
  Fatal("CriticalSection",
        "LeaveCriticalSection by thread " + std::to_string(CurrentThreadId()) +
            ", which does not own the section (owner: " +
            (owner == 0 ? std::string("none") : std::to_string(owner)) +
            "; undefined on Windows)");
}

template class BasicCriticalSection<RealAtoms, true>;
template class BasicCriticalSection<RealAtoms, false>;

}  // namespace internal
}  // namespace lockbench
