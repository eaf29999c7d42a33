/* A reader/writer spin lock as a lockbench plugin: one word, readers preferred.
 *
 * The word holds a writer bit (bit 0) and the reader count (the bits above). A writer swaps 0
 * for the writer bit; a reader adds one reader while the writer bit is clear. Not fair: readers
 * keep coming in while any reader holds, so a steady stream of them can starve a writer, and
 * newcomers race the waiters. Since readers never wait for a waiting writer, a reader may take
 * the lock shared again while holding it shared (recursion: shared only). Cost: one
 * compare-and-swap per uncontended acquire, one atomic per release, 8 bytes. Waiters yield the
 * CPU after a short spin.
 *
 * Build: cc -shared -fPIC -O2 -I. -o rw_spin.so lockimpls/plugin/examples/rw_spin.c
 *
 * With -DRW_SPIN_PLANTED_BUG it becomes buggy_rw, for trying `lockbench check`: DO NOT USE. Its
 * readers add themselves without looking at the writer bit, so they walk in on a writer, and
 * `lockbench check` must fail it (exit 3), naming the exclusion checks:
 *   cc -shared -fPIC -O2 -I. -DRW_SPIN_PLANTED_BUG -o buggy_rw.so lockimpls/plugin/examples/rw_spin.c
 */
#include <sched.h>
#include <stdatomic.h>

#include "lockimpls/plugin/lockbench_plugin.h"

enum { kWriter = 1, kReader = 2 };

struct rw_spin {
  atomic_ulong word;
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

static void rw_init(void* p) {
  struct rw_spin* l = p;
  atomic_init(&l->word, 0);
}

static int rw_try_lock(void* p) {
  struct rw_spin* l = p;
  unsigned long expected = 0;
  return atomic_compare_exchange_strong_explicit(&l->word, &expected, kWriter,
                                                 memory_order_acquire, memory_order_relaxed);
}

static void rw_lock(void* p) {
  unsigned spins = 0;
  while (!rw_try_lock(p)) relax(&spins);
}

static void rw_unlock(void* p) {
  struct rw_spin* l = p;
  atomic_fetch_sub_explicit(&l->word, kWriter, memory_order_release);
}

static int rw_try_lock_shared(void* p) {
  struct rw_spin* l = p;
#ifdef RW_SPIN_PLANTED_BUG
  /* THE BUG: a reader may only come in while the writer bit is clear. */
  atomic_fetch_add_explicit(&l->word, kReader, memory_order_acquire);
  return 1;
#endif
  unsigned long seen = atomic_load_explicit(&l->word, memory_order_relaxed);
  while ((seen & kWriter) == 0) {
    if (atomic_compare_exchange_weak_explicit(&l->word, &seen, seen + kReader,
                                              memory_order_acquire, memory_order_relaxed)) {
      return 1;
    }
  }
  return 0;
}

static void rw_lock_shared(void* p) {
  unsigned spins = 0;
  while (!rw_try_lock_shared(p)) relax(&spins);
}

static void rw_unlock_shared(void* p) {
  struct rw_spin* l = p;
  atomic_fetch_sub_explicit(&l->word, kReader, memory_order_release);
}

static const struct lockbench_lock_v1 kLocks[] = {{
#ifdef RW_SPIN_PLANTED_BUG
    .name = "buggy_rw",
    .description = "reader/writer spin lock with a planted bug: readers ignore the writer",
#else
    .name = "rw_spin",
    .description = "reader/writer spin lock (plugin example): one word, readers preferred",
#endif
    .fairness = "not fair: readers pass a waiting writer and may starve it",
    .size = sizeof(struct rw_spin),
    .align = _Alignof(struct rw_spin),
    .recursion = LOCKBENCH_RECURSION_SHARED_ONLY,
    .has_shared = 1,
    .init = rw_init,
    .destroy = NULL,
    .lock = rw_lock,
    .unlock = rw_unlock,
    .try_lock = rw_try_lock,
    .lock_shared = rw_lock_shared,
    .unlock_shared = rw_unlock_shared,
    .try_lock_shared = rw_try_lock_shared,
}};

static const struct lockbench_plugin_v1 kPlugin = {
    .abi_version = LOCKBENCH_PLUGIN_ABI_VERSION,
    .lock_count = sizeof kLocks / sizeof kLocks[0],
    .locks = kLocks,
};

const struct lockbench_plugin_v1* lockbench_plugin_entry(void) { return &kPlugin; }
