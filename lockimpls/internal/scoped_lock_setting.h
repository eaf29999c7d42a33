// Sets one of a lock's process-wide settings (its kSettings, e.g. the push lock's spin count) for
// a scope and puts the old value back when the scope ends, also when an assertion ends a test
// early. Built from the lock's own getter and setter, so a test names the setting, not the
// functions: `ScopedLockSetting spins(SettingOf<PushLock>("spin_count"), 0);`.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_SCOPED_LOCK_SETTING_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_SCOPED_LOCK_SETTING_H_

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lockimpls/lock_concept.h"

namespace lockbench::internal {

// L's setting called `name`; aborts when L has none (a test naming a setting that is not there).
template <class L>
const LockSetting& SettingOf(std::string_view name) {
  for (const LockSetting& s : SettingsOf<L>()) {
    if (s.name == name) return s;
  }
  std::abort();
}

class ScopedLockSetting {
 public:
  ScopedLockSetting(const LockSetting& setting, std::uint32_t value)
      : setting_(setting), saved_(setting.get()) {
    setting_.set(value);
  }
  ~ScopedLockSetting() { setting_.set(saved_); }
  ScopedLockSetting(const ScopedLockSetting&) = delete;
  ScopedLockSetting& operator=(const ScopedLockSetting&) = delete;

 private:
  const LockSetting& setting_;
  std::uint32_t saved_;
};

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_SCOPED_LOCK_SETTING_H_
