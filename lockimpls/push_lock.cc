#include "lockimpls/push_lock.h"

#include "lockimpls/internal/spin_setting.h"

namespace lockbench {
namespace {

constinit internal::SpinSetting push_lock_spins{1024};

}  // namespace

std::uint32_t PushLockSpinCount() { return push_lock_spins.Get(); }
void SetPushLockSpinCount(std::uint32_t spins) { push_lock_spins.Set(spins); }

}  // namespace lockbench
