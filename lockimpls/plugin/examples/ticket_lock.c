/* A ticket lock as a lockbench plugin: exclusive only, strictly FIFO.
 *
 * Each acquirer takes a ticket (one fetch-add) and spins until `serving` reaches it; unlock
 * advances `serving`. Fair: grants go in ticket order, so no thread is passed. It has no shared
 * mode, so lockbench serves shared requests in exclusive mode. Cost: one atomic read-modify-write
 * per uncontended acquire, a plain release store per release, 8 bytes. Waiters yield the CPU
 * after a short spin, so that a machine with fewer cores than threads still makes progress.
 *
 * Build: cc -shared -fPIC -O2 -I. -o ticket_lock.so lockimpls/plugin/examples/ticket_lock.c
 */
#include <sched.h>
#include <stdatomic.h>

#include "lockimpls/plugin/lockbench_plugin.h"

struct ticket_lock {
  atomic_uint next;
  atomic_uint serving;
};

static void relax(unsigned* spins) {
  if (++*spins < 128) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  } else {
    sched_yield();
  }
}

static void ticket_init(void* p) {
  struct ticket_lock* l = p;
  atomic_init(&l->next, 0);
  atomic_init(&l->serving, 0);
}

static void ticket_lock(void* p) {
  struct ticket_lock* l = p;
  const unsigned mine = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
  unsigned spins = 0;
  while (atomic_load_explicit(&l->serving, memory_order_acquire) != mine) relax(&spins);
}

static void ticket_unlock(void* p) {
  struct ticket_lock* l = p;
  /* Only the holder writes `serving`. */
  const unsigned now = atomic_load_explicit(&l->serving, memory_order_relaxed);
  atomic_store_explicit(&l->serving, now + 1, memory_order_release);
}

/* Free means nobody holds or waits: next == serving; taking that ticket acquires at once. */
static int ticket_try_lock(void* p) {
  struct ticket_lock* l = p;
  unsigned expected = atomic_load_explicit(&l->serving, memory_order_acquire);
  return atomic_compare_exchange_strong_explicit(&l->next, &expected, expected + 1,
                                                 memory_order_acquire, memory_order_relaxed);
}

static const struct lockbench_lock_v1 kLocks[] = {{
    .name = "ticket_lock",
    .description = "ticket spin lock (plugin example): FIFO, exclusive only",
    .fairness = "fair: strict FIFO by ticket; nobody is passed",
    .size = sizeof(struct ticket_lock),
    .align = _Alignof(struct ticket_lock),
    .recursion = LOCKBENCH_RECURSION_NONE,
    .has_shared = 0,
    .init = ticket_init,
    .destroy = NULL,
    .lock = ticket_lock,
    .unlock = ticket_unlock,
    .try_lock = ticket_try_lock,
}};

static const struct lockbench_plugin_v1 kPlugin = {
    .abi_version = LOCKBENCH_PLUGIN_ABI_VERSION,
    .lock_count = sizeof kLocks / sizeof kLocks[0],
    .locks = kLocks,
};

const struct lockbench_plugin_v1* lockbench_plugin_entry(void) { return &kPlugin; }
