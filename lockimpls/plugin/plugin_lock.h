// Lock plugins on the C++ side: loading one (dlopen, the entry point, the ABI version, every
// descriptor checked), the lock types it brings, and PluginLock, the one C++ type through which
// the engine and the checks drive any plugin lock.
//
// A built-in lock is a type, and the hot loop is instantiated for it; a plugin lock is data, so
// the loop is instantiated once, for PluginLock, whose calls go through the descriptor's
// function pointers. That indirect call (and the plugin's own code, which cannot be inlined) is
// the price of the boundary; docs/plugins.md gives its measured size. Built-in locks do
// not pay it: their loop is unchanged.
//
// Plugins are never unloaded: a run that stalled leaves threads inside plugin code.
#ifndef LOCKBENCH_LOCKIMPLS_PLUGIN_PLUGIN_LOCK_H_
#define LOCKBENCH_LOCKIMPLS_PLUGIN_PLUGIN_LOCK_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "lockimpls/lock_concept.h"
#include "lockimpls/plugin/lockbench_plugin.h"

namespace lockbench {

// What is wrong with a plugin, in words that follow "<path>: ", one line.
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Limits on a descriptor (lockbench_plugin.h states them to plugin authors).
inline constexpr std::size_t kPluginMaxLockSize = std::size_t{1} << 20;
inline constexpr std::size_t kPluginMaxAlign = 4096;
inline constexpr std::uint32_t kPluginMaxLocks = 64;
inline constexpr std::size_t kPluginMaxNameLength = 48;

// One lock a plugin brings, checked. Lives at a fixed address (traits views its strings).
struct PluginLockType {
  std::string name;
  std::string description;  // the plugin's, plus the note on shared mode if it has none
  std::string fairness;
  LockTraits traits;
  lockbench_lock_v1 desc;  // a copy of the plugin's descriptor
  bool has_shared = false;
  std::size_t object_offset = 0;  // where the plugin's object starts within a PluginLock
  std::size_t size = 0;           // bytes of a PluginLock with the plugin's object after it
  std::size_t align = 0;          // alignment of a PluginLock of this type
};

struct LoadedPlugin {
  std::string path;
  std::string content_hash;  // "fnv1a64:" and 16 hex digits, of the file's bytes
  std::uint32_t abi_version = 0;
  std::vector<std::unique_ptr<const PluginLockType>> locks;
};

// Loads the plugin at `path` and checks its table; throws PluginError naming the problem.
LoadedPlugin LoadPlugin(const std::string& path);

// The 64-bit FNV-1a hash of `bytes`.
std::uint64_t Fnv1a64(std::string_view bytes);

// A plugin lock in memory: this header (the descriptor's functions; on a cache line of its own,
// only read after construction), then the plugin's object at the type's object_offset. Shared
// requests of a lock without a shared mode go to its exclusive functions.
class PluginLock {
 public:
  // Builds a PluginLock of `type` at p (type.size bytes, aligned to type.align) and inits it.
  static void Construct(void* p, const PluginLockType& type);
  // Destroys the plugin's object (its destroy function, if it has one).
  static void Destroy(void* p);

  PluginLock(const PluginLock&) = delete;
  PluginLock& operator=(const PluginLock&) = delete;

  void lock() { lock_(object()); }
  void unlock() { unlock_(object()); }
  bool try_lock() { return try_lock_(object()) != 0; }
  void lock_shared() { lock_shared_(object()); }
  void unlock_shared() { unlock_shared_(object()); }
  bool try_lock_shared() { return try_lock_shared_(object()) != 0; }

 private:
  explicit PluginLock(const PluginLockType& type);
  void* object() { return reinterpret_cast<std::byte*>(this) + offset_; }

  void (*lock_)(void*);
  void (*unlock_)(void*);
  int (*try_lock_)(void*);
  void (*lock_shared_)(void*);
  void (*unlock_shared_)(void*);
  int (*try_lock_shared_)(void*);
  void (*destroy_)(void*);
  std::size_t offset_;
};

// A PluginLock of its own on the heap, for the checks.
class OwnedPluginLock {
 public:
  explicit OwnedPluginLock(const PluginLockType& type);
  ~OwnedPluginLock();
  OwnedPluginLock(const OwnedPluginLock&) = delete;
  OwnedPluginLock& operator=(const OwnedPluginLock&) = delete;
  PluginLock& get() { return *lock_; }

 private:
  std::size_t align_;
  PluginLock* lock_;
};

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_PLUGIN_PLUGIN_LOCK_H_
