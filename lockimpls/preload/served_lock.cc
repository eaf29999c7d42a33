#include "lockimpls/preload/served_lock.h"

#include <memory>
#include <new>

#include "lockimpls/plugin/plugin_lock.h"
#include "lockimpls/registry.h"

namespace lockbench {
namespace {

template <BenchLock L>
ServedLock ServedOf() {
  ServedLock s;
  s.name = L::kTraits.name;
  s.size = sizeof(L);
  s.align = alignof(L);
  s.shared_mode = L::kTraits.shared_mode;
  s.recursion = L::kTraits.recursion;
  s.construct = [](void* p, const void*) { new (p) L(); };
  s.destroy = [](void* p) { static_cast<L*>(p)->~L(); };
  s.lock = [](void* p) { static_cast<L*>(p)->lock(); };
  s.unlock = [](void* p) { static_cast<L*>(p)->unlock(); };
  s.try_lock = [](void* p) -> bool { return static_cast<L*>(p)->try_lock(); };
  s.lock_shared = [](void* p) { static_cast<L*>(p)->lock_shared(); };
  s.unlock_shared = [](void* p) { static_cast<L*>(p)->unlock_shared(); };
  s.try_lock_shared = [](void* p) -> bool { return static_cast<L*>(p)->try_lock_shared(); };
  return s;
}

ServedLock ServedOfPlugin(const PluginLockType& type) {
  ServedLock s;
  s.name = type.name;
  s.size = type.size;
  s.align = type.align;
  s.shared_mode = type.has_shared;
  s.recursion = type.traits.recursion;
  s.context = &type;
  s.construct = [](void* p, const void* context) {
    PluginLock::Construct(p, *static_cast<const PluginLockType*>(context));
  };
  s.destroy = [](void* p) { PluginLock::Destroy(p); };
  s.lock = [](void* p) { static_cast<PluginLock*>(p)->lock(); };
  s.unlock = [](void* p) { static_cast<PluginLock*>(p)->unlock(); };
  s.try_lock = [](void* p) -> bool { return static_cast<PluginLock*>(p)->try_lock(); };
  s.lock_shared = [](void* p) { static_cast<PluginLock*>(p)->lock_shared(); };
  s.unlock_shared = [](void* p) { static_cast<PluginLock*>(p)->unlock_shared(); };
  s.try_lock_shared = [](void* p) -> bool {
    return static_cast<PluginLock*>(p)->try_lock_shared();
  };
  return s;
}

}  // namespace

const std::vector<ServedLock>& BuiltinServedLocks() {
  static const std::vector<ServedLock> locks = [] {
    std::vector<ServedLock> v;
    AllLocks::ForEach([&v]<BenchLock L>() { v.push_back(ServedOf<L>()); });
    return v;
  }();
  return locks;
}

bool FindServedLock(std::string_view name, const std::vector<std::string>& plugin_paths,
                    ServedLock* out, std::string* error) {
  for (const ServedLock& s : BuiltinServedLocks()) {
    if (s.name == name) {
      *out = s;
      return true;
    }
  }
  for (const std::string& path : plugin_paths) {
    try {
      // Kept for the life of the process: the program's locks run plugin code until it ends.
      auto* plugin = new LoadedPlugin(LoadPlugin(path));
      for (const auto& type : plugin->locks) {
        if (type->name == name) {
          *out = ServedOfPlugin(*type);
          return true;
        }
      }
    } catch (const PluginError& e) {
      *error = path + ": " + e.what();
      return false;
    }
  }
  *error = "no lock named '" + std::string(name) + "'";
  return false;
}

}  // namespace lockbench
