/* The lock plugin ABI: how a shared object hands lockbench its own locks, in plain C.
 *
 * A plugin exports one function, lockbench_plugin_entry, returning a table of lock
 * descriptors. lockbench calls it once after dlopen, checks the table (ABI version, names, sizes,
 * required functions) and then places lock objects of `size` bytes aligned to `align` in its own
 * memory, calling init before first use and destroy after last. The table and every string it
 * points to must stay valid while the plugin is loaded (static storage is the simple way).
 *
 * A lock without a shared mode (has_shared == 0) leaves the shared functions NULL; lockbench
 * then serves shared requests in exclusive mode and says so in its reports.
 *
 * Compatibility: the version is bumped whenever a field is added, removed or changes meaning;
 * lockbench refuses a table whose abi_version it does not know.
 */
#ifndef LOCKBENCH_LOCKIMPLS_PLUGIN_LOCKBENCH_PLUGIN_H_
#define LOCKBENCH_LOCKIMPLS_PLUGIN_LOCKBENCH_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LOCKBENCH_PLUGIN_ABI_VERSION 1u
#define LOCKBENCH_PLUGIN_ENTRY "lockbench_plugin_entry"

/* Which re-acquisitions by a thread that already holds the lock are allowed. */
enum lockbench_recursion {
  LOCKBENCH_RECURSION_NONE = 0,        /* any re-acquisition may deadlock */
  LOCKBENCH_RECURSION_SHARED_ONLY = 1, /* shared while holding shared works */
  LOCKBENCH_RECURSION_FULL = 2         /* every re-acquisition works */
};

struct lockbench_lock_v1 {
  const char* name;        /* registry name: 1-48 of [a-z0-9_], unique among all locks */
  const char* description; /* one line */
  const char* fairness;    /* the grant policy, in words */
  size_t size;             /* bytes of one lock object: 1 to 1 MiB */
  size_t align;            /* its alignment: a power of two, at most 4096 */
  int recursion;           /* enum lockbench_recursion; SHARED_ONLY needs has_shared */
  int has_shared;          /* nonzero: the three shared functions are given */
  /* REQUIRED. Every function gets the lock object; try functions return nonzero when they
   * acquired, and never block. */
  void (*init)(void* lock);
  void (*destroy)(void* lock); /* may be NULL: nothing to release */
  void (*lock)(void* lock);
  void (*unlock)(void* lock);
  int (*try_lock)(void* lock);
  /* REQUIRED when has_shared, else ignored. */
  void (*lock_shared)(void* lock);
  void (*unlock_shared)(void* lock);
  int (*try_lock_shared)(void* lock);
};

struct lockbench_plugin_v1 {
  uint32_t abi_version; /* LOCKBENCH_PLUGIN_ABI_VERSION */
  uint32_t lock_count;  /* 1 to 64 */
  const struct lockbench_lock_v1* locks;
};

/* The one symbol a plugin exports. */
typedef const struct lockbench_plugin_v1* (*lockbench_plugin_entry_fn)(void);
const struct lockbench_plugin_v1* lockbench_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* LOCKBENCH_LOCKIMPLS_PLUGIN_LOCKBENCH_PLUGIN_H_ */
