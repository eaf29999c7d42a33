#include "lockimpls/srwlock.h"

#include "lockimpls/internal/spin_setting.h"

namespace lockbench {
namespace {

constinit internal::SpinSetting srw_lock_spins{1024};

}  // namespace

std::uint32_t SrwLockSpinCount() { return srw_lock_spins.Get(); }
void SetSrwLockSpinCount(std::uint32_t spins) { srw_lock_spins.Set(spins); }

}  // namespace lockbench
