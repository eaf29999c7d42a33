// ServedLock: one lockbench lock, built-in or from a plugin, as a table of functions on raw
// memory, so the preload library can put a program's pthread objects on any lock chosen at run
// time. Each program lock gets an object of `size` bytes aligned to `align` of its own.
//
// A built-in lock's functions call the typed lock directly (one indirect call per operation); a
// plugin lock's go through PluginLock, as in the run engine.
#ifndef LOCKBENCH_LOCKIMPLS_PRELOAD_SERVED_LOCK_H_
#define LOCKBENCH_LOCKIMPLS_PRELOAD_SERVED_LOCK_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lockimpls/lock_concept.h"

namespace lockbench {

struct ServedLock {
  std::string_view name;
  std::size_t size = 0;
  std::size_t align = 0;
  bool shared_mode = true;  // false: shared requests take the lock exclusive
  Recursion recursion = Recursion::kNone;
  const void* context = nullptr;  // the plugin lock type, for construct
  void (*construct)(void* p, const void* context) = nullptr;
  void (*destroy)(void* p) = nullptr;
  void (*lock)(void* p) = nullptr;
  void (*unlock)(void* p) = nullptr;
  bool (*try_lock)(void* p) = nullptr;
  void (*lock_shared)(void* p) = nullptr;
  void (*unlock_shared)(void* p) = nullptr;
  bool (*try_lock_shared)(void* p) = nullptr;
};

// Every built-in lock, in registry order.
const std::vector<ServedLock>& BuiltinServedLocks();

// The lock called `name`: a built-in one, or one of the plugins at `plugin_paths` (loaded here
// and kept loaded). Returns false and sets *error to one line when there is none or a plugin
// does not load.
bool FindServedLock(std::string_view name, const std::vector<std::string>& plugin_paths,
                    ServedLock* out, std::string* error);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_PRELOAD_SERVED_LOCK_H_
