#include "lockimpls/plugin/plugin_lock.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <new>

namespace lockbench {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw PluginError("cannot be read");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string HashText(std::uint64_t h) {
  char text[32];
  std::snprintf(text, sizeof text, "fnv1a64:%016llx", static_cast<unsigned long long>(h));
  return text;
}

void CheckName(const char* name, std::uint32_t index) {
  const std::string where = "lock #" + std::to_string(index + 1);
  if (name == nullptr) throw PluginError(where + ": name is NULL");
  const std::string_view n(name);
  const bool ok = !n.empty() && n.size() <= kPluginMaxNameLength &&
                  std::all_of(n.begin(), n.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                  });
  if (!ok) {
    throw PluginError(where + ": name is not 1 to " + std::to_string(kPluginMaxNameLength) +
                      " of a-z, 0-9 and _");
  }
}

// A one-line text of the descriptor's: description or fairness.
std::string LineField(const char* text, std::string_view field, const std::string& where) {
  if (text == nullptr) throw PluginError(where + ": " + std::string(field) + " is NULL");
  const std::string_view t(text);
  if (t.size() > 200 || std::any_of(t.begin(), t.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20;
      })) {
    throw PluginError(where + ": " + std::string(field) +
                      " is not one line of at most 200 characters");
  }
  return std::string(t);
}

void CheckFunctions(const lockbench_lock_v1& d, const std::string& where) {
  const std::pair<const char*, bool> required[] = {
      {"init", d.init != nullptr},   {"lock", d.lock != nullptr},
      {"unlock", d.unlock != nullptr}, {"try_lock", d.try_lock != nullptr}};
  for (const auto& [fn, given] : required) {
    if (!given) {
      throw PluginError(where + ": " + fn +
                        " is NULL; init, lock, unlock and try_lock are required");
    }
  }
  if (d.has_shared == 0) return;
  const std::pair<const char*, bool> shared[] = {{"lock_shared", d.lock_shared != nullptr},
                                                 {"unlock_shared", d.unlock_shared != nullptr},
                                                 {"try_lock_shared", d.try_lock_shared != nullptr}};
  for (const auto& [fn, given] : shared) {
    if (!given) {
      throw PluginError(where + ": " + fn +
                        " is NULL; with has_shared, lock_shared, unlock_shared and "
                        "try_lock_shared are required");
    }
  }
}

Recursion RecursionOf(int r, const std::string& where) {
  switch (r) {
    case LOCKBENCH_RECURSION_NONE:
      return Recursion::kNone;
    case LOCKBENCH_RECURSION_SHARED_ONLY:
      return Recursion::kSharedOnly;
    case LOCKBENCH_RECURSION_FULL:
      return Recursion::kFull;
  }
  throw PluginError(where + ": recursion " + std::to_string(r) +
                    " is not 0 (none), 1 (shared only) or 2 (full)");
}

std::unique_ptr<PluginLockType> CheckLock(const lockbench_lock_v1& d, std::uint32_t index) {
  CheckName(d.name, index);
  const std::string where = "lock #" + std::to_string(index + 1) + " '" + d.name + "'";
  auto t = std::make_unique<PluginLockType>();
  t->name = d.name;
  t->description = LineField(d.description, "description", where);
  t->fairness = LineField(d.fairness, "fairness", where);
  if (d.size == 0 || d.size > kPluginMaxLockSize) {
    throw PluginError(where + ": size " + std::to_string(d.size) + " is out of range; 1 to " +
                      std::to_string(kPluginMaxLockSize) + " bytes");
  }
  if (!std::has_single_bit(d.align) || d.align > kPluginMaxAlign) {
    throw PluginError(where + ": align " + std::to_string(d.align) +
                      " is not a power of two from 1 to " + std::to_string(kPluginMaxAlign));
  }
  const Recursion recursion = RecursionOf(d.recursion, where);
  CheckFunctions(d, where);
  if (recursion == Recursion::kSharedOnly && d.has_shared == 0) {
    throw PluginError(where + ": recursion 1 (shared only) needs a shared mode (has_shared)");
  }
  t->desc = d;
  t->has_shared = d.has_shared != 0;
  if (!t->has_shared) t->description += " [no shared mode: shared requests run exclusive]";
  // The header gets a cache line of its own, so reading it never contends with the lock word.
  t->align = std::max<std::size_t>(64, d.align);
  t->object_offset = (sizeof(PluginLock) + t->align - 1) / t->align * t->align;
  t->size = t->object_offset + d.size;
  t->traits =
      LockTraits{t->name, t->description, d.size, recursion, t->fairness, false, t->has_shared};
  return t;
}

}  // namespace

std::uint64_t Fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

LoadedPlugin LoadPlugin(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) throw PluginError("no such file");
  if (!S_ISREG(st.st_mode)) throw PluginError("not a regular file");
  LoadedPlugin plugin;
  plugin.path = path;
  plugin.content_hash = HashText(Fnv1a64(ReadWhole(path)));
  // dlopen treats a name without a slash as a library to search for; this is a file.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    throw PluginError(std::string("cannot be loaded as a shared object (") + dlerror() + ")");
  }
  void* entry = dlsym(handle, LOCKBENCH_PLUGIN_ENTRY);
  if (entry == nullptr) {
    throw PluginError("exports no " LOCKBENCH_PLUGIN_ENTRY
                      " function; a plugin defines it (lockimpls/plugin/lockbench_plugin.h)");
  }
  const lockbench_plugin_v1* table = reinterpret_cast<lockbench_plugin_entry_fn>(entry)();
  if (table == nullptr) throw PluginError(LOCKBENCH_PLUGIN_ENTRY " returned NULL");
  if (table->abi_version != LOCKBENCH_PLUGIN_ABI_VERSION) {
    throw PluginError("ABI version " + std::to_string(table->abi_version) +
                      " is not supported; this lockbench supports version " +
                      std::to_string(LOCKBENCH_PLUGIN_ABI_VERSION));
  }
  plugin.abi_version = table->abi_version;
  if (table->lock_count == 0 || table->lock_count > kPluginMaxLocks || table->locks == nullptr) {
    throw PluginError("lock_count " + std::to_string(table->lock_count) +
                      " is out of range (or locks is NULL); 1 to " +
                      std::to_string(kPluginMaxLocks) + " locks");
  }
  for (std::uint32_t i = 0; i < table->lock_count; ++i) {
    plugin.locks.push_back(CheckLock(table->locks[i], i));
  }
  return plugin;  // the handle stays open for the life of the process
}

PluginLock::PluginLock(const PluginLockType& type)
    : lock_(type.desc.lock),
      unlock_(type.desc.unlock),
      try_lock_(type.desc.try_lock),
      lock_shared_(type.has_shared ? type.desc.lock_shared : type.desc.lock),
      unlock_shared_(type.has_shared ? type.desc.unlock_shared : type.desc.unlock),
      try_lock_shared_(type.has_shared ? type.desc.try_lock_shared : type.desc.try_lock),
      destroy_(type.desc.destroy),
      offset_(type.object_offset) {}

void PluginLock::Construct(void* p, const PluginLockType& type) {
  PluginLock* lock = new (p) PluginLock(type);
  type.desc.init(lock->object());
}

void PluginLock::Destroy(void* p) {
  PluginLock* lock = std::launder(static_cast<PluginLock*>(p));
  if (lock->destroy_ != nullptr) lock->destroy_(lock->object());
  lock->~PluginLock();
}

OwnedPluginLock::OwnedPluginLock(const PluginLockType& type) : align_(type.align) {
  void* p = ::operator new(type.size, std::align_val_t{align_});
  PluginLock::Construct(p, type);
  lock_ = std::launder(static_cast<PluginLock*>(p));
}

OwnedPluginLock::~OwnedPluginLock() {
  PluginLock::Destroy(lock_);
  ::operator delete(lock_, std::align_val_t{align_});
}

}  // namespace lockbench
