/* A plugin with one mistake, chosen by a -D flag (BUILD.bazel, BAD_PLUGINS): the loader must
 * refuse each with one line. Without a flag it is a valid plugin of one exclusive spin lock. */
#include <stdatomic.h>

#include "lockimpls/plugin/lockbench_plugin.h"

static void spin_init(void* p) { atomic_init((atomic_int*)p, 0); }
static int spin_try_lock(void* p) {
  int expected = 0;
  return atomic_compare_exchange_strong((atomic_int*)p, &expected, 1);
}
static void spin_lock(void* p) {
  while (!spin_try_lock(p)) {
  }
}
static void spin_unlock(void* p) { atomic_store((atomic_int*)p, 0); }

#if defined(BAD_CLASH_BUILTIN)
#define NAME "push_lock"
#elif defined(BAD_CLASH_TICKET)
#define NAME "ticket_lock"
#elif defined(BAD_NAME)
#define NAME "Spin Lock"
#else
#define NAME "bad_spin"
#endif

#define LOCK(lock_name)                                                              \
  {                                                                              \
    .name = lock_name, .description = "a spin lock", .fairness = "not fair",          \
    .size = sizeof(atomic_int), .align = _Alignof(atomic_int), .recursion = 0,   \
    .has_shared = 0, .init = spin_init, .lock = spin_lock, .unlock = spin_unlock, \
    .try_lock = spin_try_lock,                                                   \
  }

static struct lockbench_lock_v1 locks[] = {LOCK(NAME), LOCK("bad_spin_2")};

static struct lockbench_plugin_v1 plugin = {
    .abi_version = LOCKBENCH_PLUGIN_ABI_VERSION,
    .lock_count = 1,
    .locks = locks,
};

#if defined(BAD_NO_ENTRY)
const struct lockbench_plugin_v1* lockbench_plugin_entry_v0(void) { return &plugin; }
#else
const struct lockbench_plugin_v1* lockbench_plugin_entry(void) {
#if defined(BAD_NULL_TABLE)
  return 0;
#endif
#if defined(BAD_ABI)
  plugin.abi_version = 99;
#elif defined(BAD_NO_LOCKS)
  plugin.lock_count = 0;
#elif defined(BAD_NULL_UNLOCK)
  locks[0].unlock = 0;
#elif defined(BAD_NULL_SHARED)
  locks[0].has_shared = 1;
#elif defined(BAD_SIZE_0)
  locks[0].size = 0;
#elif defined(BAD_SIZE_HUGE)
  locks[0].size = 2u << 20;
#elif defined(BAD_ALIGN_3)
  locks[0].align = 3;
#elif defined(BAD_ALIGN_HUGE)
  locks[0].align = 8192;
#elif defined(BAD_RECURSION)
  locks[0].recursion = 7;
#elif defined(BAD_SHARED_RECURSION)
  locks[0].recursion = LOCKBENCH_RECURSION_SHARED_ONLY;
#elif defined(BAD_TWICE_INSIDE)
  plugin.lock_count = 2;
  locks[1].name = NAME;
#endif
  return &plugin;
}
#endif
