/*
 * lockuser: a self-checking program that exercises every pthread lock call.
 * It is the workload for testing an LD_PRELOAD library that interposes
 * pthread_mutex_*, pthread_rwlock_* and pthread_cond_*, whether the library
 * only observes those calls or substitutes its own locks behind them.  The
 * checks are the ones POSIX guarantees, so the program passes on plain glibc.
 *
 * Build: gcc -std=gnu11 -O1 -pthread -Wall -Wextra -o lockuser lockuser.c
 * Usage: lockuser [--quick] [--no-fork] [--exclusive-rwlocks]
 *   --quick    divide the large iteration counts by 10
 *   --no-fork  skip the fork section (its busy and child_only lines vanish)
 *   --exclusive-rwlocks  skip the checks that two readers hold an rwlock at once, for a lock
 *                        that serves read locks exclusive
 *
 * Output contract.  On success stdout holds exactly these lines, flushed
 * at the end, and the exit status is 0:
 *   lock NAME 0xADDRESS KIND EXCL SHARED   one per lock object used
 *   lockuser: ok                           last
 * NAME is a fixed identifier; ADDRESS is the object's address as %p prints
 * it; KIND is normal, recursive, errorcheck, robust, pshared, pi or rwlock.
 * EXCL counts successful exclusive acquisitions made by this program's own
 * calls (mutex lock/trylock/timedlock/clocklock, rwlock wrlock/trywrlock/
 * timedwrlock/clockwrlock), SHARED successful shared ones (rwlock rdlock/
 * tryrdlock/timedrdlock/clockrdlock).  Every successful call counts, each
 * level of a recursive lock included; the re-acquisition done inside
 * pthread_cond_wait/timedwait/clockwait does not.  -1 marks a count that is
 * not deterministic.
 * On a failed check: "lockuser: FAIL <what>" on stderr, nothing on stdout,
 * exit status 1.  alarm(60) turns a hang (a lost wake-up, say) into death
 * by SIGALRM.
 *
 * Threads coordinate only through semaphores, atomics and pthread_join, so
 * the pthread lock objects the program touches are exactly those listed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- failure reporting ---- */

static _Noreturn void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("lockuser: FAIL ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	/* _exit: other threads may be stuck holding locks that exit-time
	 * handlers (ours or a preloaded library's) would want. */
	_exit(1);
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EBUSY: return "EBUSY";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EDEADLK: return "EDEADLK";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case EAGAIN: return "EAGAIN";
	case ENOTSUP: return "ENOTSUP";
	case EOWNERDEAD: return "EOWNERDEAD";
	case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
	default: return "other";
	}
}

static void want(int rc, int expect, const char *name, const char *op)
{
	if (rc != expect)
		fail("%s: %s returned %d (%s), want %d (%s)", name, op,
		     rc, errname(rc), expect, errname(expect));
}

/* ---- time ---- */

static long long now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct timespec after_ms(clockid_t c, long ms)
{
	long long ns = now_ns(c) + (long long)ms * 1000000LL;
	struct timespec t = { .tv_sec = ns / 1000000000LL,
			      .tv_nsec = ns % 1000000000LL };
	return t;
}

static void sleep_ms(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* Timed operations must time out, and not early: 45 ms of slack on 50. */
static void want_timeout(int rc, long long t0, const char *name,
			 const char *op)
{
	long long ms;

	want(rc, ETIMEDOUT, name, op);
	ms = (now_ns(CLOCK_MONOTONIC) - t0) / 1000000LL;
	if (ms < 45)
		fail("%s: %s timed out after %lld ms, want >= 45", name, op,
		     ms);
}

/* ---- coordination without pthread locks ---- */

static void sem_wait_ms(sem_t *s, long ms, const char *what)
{
	struct timespec dl = after_ms(CLOCK_MONOTONIC, ms);

	for (;;) {
		if (sem_clockwait(s, CLOCK_MONOTONIC, &dl) == 0)
			return;
		if (errno == EINTR)
			continue;
		if (errno == ETIMEDOUT)
			fail("%s: did not happen within %ld ms", what, ms);
		fail("%s: sem_clockwait errno %d", what, errno);
	}
}

static pthread_t spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, fn, arg);

	if (rc != 0)
		fail("pthread_create returned %d", rc);
	return t;
}

static void join(pthread_t t)
{
	int rc = pthread_join(t, NULL);

	if (rc != 0)
		fail("pthread_join returned %d", rc);
}

/* ---- the lock objects and their tallies ---- */

static pthread_mutex_t static_counter_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t recursive_attr_mx;
static pthread_mutex_t recursive_static_mx =
	PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t errorcheck_mx;
static pthread_mutex_t cond_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full;		/* pthread_cond_init, CLOCK_MONOTONIC */
static pthread_mutex_t timeouts_mx;
static pthread_cond_t fresh_cv;		/* pthread_cond_init, default clock */
static pthread_rwlock_t rwlock_static = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t rwlock_attr;
static pthread_mutex_t robust_mx;
static pthread_mutex_t pshared_mx;
static pthread_mutex_t pi_mx;
static pthread_mutex_t busy_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t child_only_mx = PTHREAD_MUTEX_INITIALIZER;

struct lockrec {
	const char *name;
	const char *kind;
	void *obj;
	atomic_long excl, shared;
	bool excl_nondet;
	bool used;		/* section ran (pi may be skipped, fork too) */
};

enum {
	R_STATIC_COUNTER, R_RECURSIVE_ATTR, R_RECURSIVE_STATIC, R_ERRORCHECK,
	R_COND_MUTEX, R_TIMEOUTS, R_RWLOCK_STATIC, R_RWLOCK_ATTR, R_ROBUST,
	R_PSHARED, R_PI, R_BUSY, R_CHILD_ONLY, R_DESTROY_REUSE_1,
	R_DESTROY_REUSE_2, R_COUNT
};

/* Static storage zero-initialises the atomic tallies. */
static struct lockrec recs[R_COUNT] = {
	[R_STATIC_COUNTER] = { "static_counter", "normal", &static_counter_mx },
	[R_RECURSIVE_ATTR] = { "recursive_attr", "recursive", &recursive_attr_mx },
	[R_RECURSIVE_STATIC] = { "recursive_static", "recursive",
				 &recursive_static_mx },
	[R_ERRORCHECK] = { "errorcheck", "errorcheck", &errorcheck_mx },
	/* The consumers' lock count depends on the schedule as far as the
	 * contract is concerned, so it is reported as -1. */
	[R_COND_MUTEX] = { "cond_mutex", "normal", &cond_mx,
			   .excl_nondet = true },
	[R_TIMEOUTS] = { "timeouts", "normal", &timeouts_mx },
	[R_RWLOCK_STATIC] = { "rwlock_static", "rwlock", &rwlock_static },
	[R_RWLOCK_ATTR] = { "rwlock_attr", "rwlock", &rwlock_attr },
	[R_ROBUST] = { "robust", "robust", &robust_mx },
	[R_PSHARED] = { "pshared", "pshared", &pshared_mx },
	[R_PI] = { "pi", "pi", &pi_mx },
	/* busy runs until told to stop: its count depends on timing. */
	[R_BUSY] = { "busy", "normal", &busy_mx, .excl_nondet = true },
	[R_CHILD_ONLY] = { "child_only", "normal", &child_only_mx },
	[R_DESTROY_REUSE_1] = { "destroy_reuse_1", "normal", NULL },
	[R_DESTROY_REUSE_2] = { "destroy_reuse_2", "normal", NULL },
};

#define MX(r) ((pthread_mutex_t *)(r)->obj)
#define RW(r) ((pthread_rwlock_t *)(r)->obj)

static int tally_excl(struct lockrec *r, int rc)
{
	if (rc == 0)
		atomic_fetch_add_explicit(&r->excl, 1, memory_order_relaxed);
	return rc;
}

static int tally_shared(struct lockrec *r, int rc)
{
	if (rc == 0)
		atomic_fetch_add_explicit(&r->shared, 1, memory_order_relaxed);
	return rc;
}

/* Every acquisition the program makes goes through one of these. */
static int m_lock(struct lockrec *r)
{
	return tally_excl(r, pthread_mutex_lock(MX(r)));
}

static int m_trylock(struct lockrec *r)
{
	return tally_excl(r, pthread_mutex_trylock(MX(r)));
}

static int m_timedlock(struct lockrec *r, const struct timespec *dl)
{
	return tally_excl(r, pthread_mutex_timedlock(MX(r), dl));
}

static int m_clocklock(struct lockrec *r, clockid_t c,
		       const struct timespec *dl)
{
	return tally_excl(r, pthread_mutex_clocklock(MX(r), c, dl));
}

static void m_unlock(struct lockrec *r)
{
	want(pthread_mutex_unlock(MX(r)), 0, r->name, "pthread_mutex_unlock");
}

static int rw_rdlock(struct lockrec *r)
{
	return tally_shared(r, pthread_rwlock_rdlock(RW(r)));
}

static int rw_tryrdlock(struct lockrec *r)
{
	return tally_shared(r, pthread_rwlock_tryrdlock(RW(r)));
}

static int rw_timedrdlock(struct lockrec *r, const struct timespec *dl)
{
	return tally_shared(r, pthread_rwlock_timedrdlock(RW(r), dl));
}

static int rw_clockrdlock(struct lockrec *r, clockid_t c,
			  const struct timespec *dl)
{
	return tally_shared(r, pthread_rwlock_clockrdlock(RW(r), c, dl));
}

static int rw_wrlock(struct lockrec *r)
{
	return tally_excl(r, pthread_rwlock_wrlock(RW(r)));
}

static int rw_trywrlock(struct lockrec *r)
{
	return tally_excl(r, pthread_rwlock_trywrlock(RW(r)));
}

static int rw_timedwrlock(struct lockrec *r, const struct timespec *dl)
{
	return tally_excl(r, pthread_rwlock_timedwrlock(RW(r), dl));
}

static int rw_clockwrlock(struct lockrec *r, clockid_t c,
			  const struct timespec *dl)
{
	return tally_excl(r, pthread_rwlock_clockwrlock(RW(r), c, dl));
}

static void rw_unlock(struct lockrec *r)
{
	want(pthread_rwlock_unlock(RW(r)), 0, r->name, "pthread_rwlock_unlock");
}

static void lock_unlock_n(struct lockrec *r, int n)
{
	for (int i = 0; i < n; i++) {
		want(m_lock(r), 0, r->name, "pthread_mutex_lock");
		m_unlock(r);
	}
}

static bool exclusive_rwlocks;	/* --exclusive-rwlocks: readers need not share */
static int scale = 1;		/* 10 under --quick */

/* ---- 1. static initializer, mutual exclusion ---- */

#define COUNTER_THREADS 4
static long counter_iters;
static long counter_plain;	/* deliberately not atomic: the mutex guards it */

static void *counter_worker(void *arg)
{
	struct lockrec *r = &recs[R_STATIC_COUNTER];

	(void)arg;
	for (long i = 0; i < counter_iters; i++) {
		want(m_lock(r), 0, r->name, "pthread_mutex_lock");
		counter_plain++;
		m_unlock(r);
	}
	return NULL;
}

static void test_static_counter(void)
{
	pthread_t t[COUNTER_THREADS];

	recs[R_STATIC_COUNTER].used = true;
	counter_iters = 25000 / scale;
	for (int i = 0; i < COUNTER_THREADS; i++)
		t[i] = spawn(counter_worker, NULL);
	for (int i = 0; i < COUNTER_THREADS; i++)
		join(t[i]);
	if (counter_plain != COUNTER_THREADS * counter_iters)
		fail("static_counter: counter is %ld, want %ld (lost updates)",
		     counter_plain, COUNTER_THREADS * counter_iters);
}

/* ---- 2. recursive mutexes ---- */

static sem_t rec_probed, rec_released;

static void *recursive_peer(void *arg)
{
	struct lockrec *r = &recs[R_RECURSIVE_ATTR];
	struct timespec dl;

	(void)arg;
	/* Main holds it 4 deep: recursion is per owner, not for us. */
	want(m_trylock(r), EBUSY, r->name, "pthread_mutex_trylock by non-owner");
	dl = after_ms(CLOCK_REALTIME, 30);
	want(m_timedlock(r, &dl), ETIMEDOUT, r->name,
	     "pthread_mutex_timedlock by non-owner");
	sem_post(&rec_probed);
	sem_wait_ms(&rec_released, 10000, "recursive_attr: release by main");
	/* All 4 levels were unlocked, so the mutex is free now. */
	want(m_lock(r), 0, r->name, "pthread_mutex_lock after full release");
	m_unlock(r);
	return NULL;
}

static void test_recursive(void)
{
	struct lockrec *r = &recs[R_RECURSIVE_ATTR];
	struct lockrec *s = &recs[R_RECURSIVE_STATIC];
	pthread_mutexattr_t a;
	pthread_t t;

	r->used = true;
	want(pthread_mutexattr_init(&a), 0, r->name, "pthread_mutexattr_init");
	want(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE), 0,
	     r->name, "pthread_mutexattr_settype(RECURSIVE)");
	want(pthread_mutex_init(MX(r), &a), 0, r->name, "pthread_mutex_init");
	want(pthread_mutexattr_destroy(&a), 0, r->name,
	     "pthread_mutexattr_destroy");

	for (int i = 0; i < 3; i++)
		want(m_lock(r), 0, r->name, "recursive pthread_mutex_lock");
	want(m_trylock(r), 0, r->name, "recursive pthread_mutex_trylock");
	t = spawn(recursive_peer, NULL);
	sem_wait_ms(&rec_probed, 10000, "recursive_attr: peer probes");
	for (int i = 0; i < 4; i++)
		m_unlock(r);
	sem_post(&rec_released);
	join(t);
	/* POSIX: unlocking a recursive mutex one does not hold is an error. */
	want(pthread_mutex_unlock(MX(r)), EPERM, r->name,
	     "pthread_mutex_unlock of unlocked recursive mutex");
	want(pthread_mutex_destroy(MX(r)), 0, r->name, "pthread_mutex_destroy");

	s->used = true;
	for (int i = 0; i < 100; i++) {
		want(m_lock(s), 0, s->name, "pthread_mutex_lock (level 1)");
		want(m_lock(s), 0, s->name, "pthread_mutex_lock (level 2)");
		m_unlock(s);
		m_unlock(s);
	}
}

/* ---- 3. error-checking mutex ---- */

static void *errorcheck_intruder(void *arg)
{
	struct lockrec *r = &recs[R_ERRORCHECK];

	(void)arg;
	want(pthread_mutex_unlock(MX(r)), EPERM, r->name,
	     "pthread_mutex_unlock by non-owner");
	return NULL;
}

static void test_errorcheck(void)
{
	struct lockrec *r = &recs[R_ERRORCHECK];
	pthread_mutexattr_t a;

	r->used = true;
	want(pthread_mutexattr_init(&a), 0, r->name, "pthread_mutexattr_init");
	want(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK), 0,
	     r->name, "pthread_mutexattr_settype(ERRORCHECK)");
	want(pthread_mutex_init(MX(r), &a), 0, r->name, "pthread_mutex_init");
	want(pthread_mutexattr_destroy(&a), 0, r->name,
	     "pthread_mutexattr_destroy");

	want(m_lock(r), 0, r->name, "pthread_mutex_lock");
	/* A blocking re-request by the owner must report, not deadlock. */
	want(m_lock(r), EDEADLK, r->name, "pthread_mutex_lock by owner");
	want(m_trylock(r), EBUSY, r->name, "pthread_mutex_trylock by owner");
	join(spawn(errorcheck_intruder, NULL));
	m_unlock(r);
	want(pthread_mutex_unlock(MX(r)), EPERM, r->name,
	     "pthread_mutex_unlock of unlocked mutex");
	/* The failed calls must have left it usable. */
	want(m_lock(r), 0, r->name, "pthread_mutex_lock after errors");
	m_unlock(r);
	want(pthread_mutex_destroy(MX(r)), 0, r->name, "pthread_mutex_destroy");
}

/* ---- 4. bounded queue on condition variables ---- */

#define QCAP 4
static long queue[QCAP];
static int q_head, q_len;
static bool q_done;
static long n_items;
static atomic_uchar *seen;

static void *producer(void *arg)
{
	struct lockrec *r = &recs[R_COND_MUTEX];

	(void)arg;
	for (long v = 1; v <= n_items; v++) {
		want(m_lock(r), 0, r->name, "pthread_mutex_lock (producer)");
		while (q_len == QCAP)
			want(pthread_cond_wait(&not_full, &cond_mx), 0,
			     r->name, "pthread_cond_wait(not_full)");
		queue[(q_head + q_len) % QCAP] = v;
		q_len++;
		want(pthread_cond_signal(&not_empty), 0, r->name,
		     "pthread_cond_signal(not_empty)");
		m_unlock(r);
	}
	want(m_lock(r), 0, r->name, "pthread_mutex_lock (producer, done)");
	q_done = true;
	/* Every consumer may be asleep; each must see done and leave. */
	want(pthread_cond_broadcast(&not_empty), 0, r->name,
	     "pthread_cond_broadcast(not_empty)");
	m_unlock(r);
	return NULL;
}

static void *consumer(void *arg)
{
	struct lockrec *r = &recs[R_COND_MUTEX];
	long long *sum = arg;

	for (;;) {
		long v;

		want(m_lock(r), 0, r->name, "pthread_mutex_lock (consumer)");
		while (q_len == 0 && !q_done)
			want(pthread_cond_wait(&not_empty, &cond_mx), 0,
			     r->name, "pthread_cond_wait(not_empty)");
		if (q_len == 0) {
			m_unlock(r);
			return NULL;
		}
		v = queue[q_head];
		q_head = (q_head + 1) % QCAP;
		q_len--;
		want(pthread_cond_signal(&not_full), 0, r->name,
		     "pthread_cond_signal(not_full)");
		m_unlock(r);
		if (v < 1 || v > n_items)
			fail("cond_mutex: took item %ld, outside 1..%ld", v,
			     n_items);
		if (atomic_fetch_add(&seen[v], 1) != 0)
			fail("cond_mutex: item %ld taken twice", v);
		*sum += v;
	}
}

static void test_cond(void)
{
	struct lockrec *r = &recs[R_COND_MUTEX];
	pthread_condattr_t ca;
	long long sums[2] = { 0, 0 }, want_sum;
	pthread_t p, c[2];

	r->used = true;
	want(pthread_condattr_init(&ca), 0, r->name, "pthread_condattr_init");
	want(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC), 0, r->name,
	     "pthread_condattr_setclock(CLOCK_MONOTONIC)");
	want(pthread_cond_init(&not_full, &ca), 0, r->name,
	     "pthread_cond_init(not_full)");
	want(pthread_condattr_destroy(&ca), 0, r->name,
	     "pthread_condattr_destroy");

	n_items = 20000 / scale;
	seen = calloc((size_t)n_items + 1, sizeof *seen);
	if (!seen)
		fail("cond_mutex: out of memory");
	c[0] = spawn(consumer, &sums[0]);
	c[1] = spawn(consumer, &sums[1]);
	p = spawn(producer, NULL);
	join(p);
	join(c[0]);
	join(c[1]);

	want_sum = (long long)n_items * (n_items + 1) / 2;
	if (sums[0] + sums[1] != want_sum)
		fail("cond_mutex: consumers summed %lld, want %lld",
		     sums[0] + sums[1], want_sum);
	for (long v = 1; v <= n_items; v++)
		if (atomic_load(&seen[v]) != 1)
			fail("cond_mutex: item %ld taken %d times", v,
			     (int)atomic_load(&seen[v]));
	if (q_len != 0)
		fail("cond_mutex: %d items left in the queue", q_len);
	free(seen);
	seen = NULL;
	/* not_full lives on: section 5 times out on its monotonic clock. */
}

/* ---- 5. timeouts ---- */

static sem_t tmo_held, tmo_release;

static void *timeouts_holder(void *arg)
{
	struct lockrec *r = &recs[R_TIMEOUTS];

	(void)arg;
	want(m_lock(r), 0, r->name, "pthread_mutex_lock (holder)");
	sem_post(&tmo_held);
	sleep_ms(300);
	/* Also wait for main, so a slow machine cannot let its timed
	 * attempts succeed by outlasting the 300 ms. */
	sem_wait_ms(&tmo_release, 10000, "timeouts: release by main");
	m_unlock(r);
	return NULL;
}

static void *timeouts_trylock(void *arg)
{
	struct lockrec *r = &recs[R_TIMEOUTS];
	int rc = m_trylock(r);

	*(int *)arg = rc;
	if (rc == 0)
		m_unlock(r);
	return NULL;
}

enum { VIA_TIMEDWAIT_RT, VIA_CLOCKWAIT_MONO, VIA_TIMEDWAIT_MONO };

static void cond_timeout_case(pthread_cond_t *cv, int via, const char *op)
{
	struct lockrec *r = &recs[R_TIMEOUTS];
	struct timespec dl;
	long long t0;
	int rc, peer_rc;

	want(m_lock(r), 0, r->name, "pthread_mutex_lock");
	t0 = now_ns(CLOCK_MONOTONIC);
	dl = after_ms(via == VIA_TIMEDWAIT_RT ? CLOCK_REALTIME
					      : CLOCK_MONOTONIC, 50);
	/* Nobody signals, but spurious wake-ups are allowed: wait again. */
	do {
		if (via == VIA_CLOCKWAIT_MONO)
			rc = pthread_cond_clockwait(cv, MX(r),
						    CLOCK_MONOTONIC, &dl);
		else
			rc = pthread_cond_timedwait(cv, MX(r), &dl);
	} while (rc == 0);
	want_timeout(rc, t0, r->name, op);
	/* A timed-out wait still returns with the mutex re-acquired. */
	join(spawn(timeouts_trylock, &peer_rc));
	want(peer_rc, EBUSY, r->name, "pthread_mutex_trylock by peer after "
	     "timed-out cond wait");
	m_unlock(r);
}

static void test_timeouts(void)
{
	struct lockrec *r = &recs[R_TIMEOUTS];
	pthread_mutexattr_t a;
	struct timespec dl;
	long long t0;
	pthread_t t;

	r->used = true;
	want(pthread_mutexattr_init(&a), 0, r->name, "pthread_mutexattr_init");
	want(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_NORMAL), 0, r->name,
	     "pthread_mutexattr_settype(NORMAL)");
	want(pthread_mutex_init(MX(r), &a), 0, r->name, "pthread_mutex_init");
	want(pthread_mutexattr_destroy(&a), 0, r->name,
	     "pthread_mutexattr_destroy");

	t = spawn(timeouts_holder, NULL);
	sem_wait_ms(&tmo_held, 10000, "timeouts: holder locks");
	t0 = now_ns(CLOCK_MONOTONIC);
	dl = after_ms(CLOCK_REALTIME, 50);
	want_timeout(m_timedlock(r, &dl), t0, r->name,
		     "pthread_mutex_timedlock(REALTIME +50ms)");
	t0 = now_ns(CLOCK_MONOTONIC);
	dl = after_ms(CLOCK_MONOTONIC, 50);
	want_timeout(m_clocklock(r, CLOCK_MONOTONIC, &dl), t0, r->name,
		     "pthread_mutex_clocklock(MONOTONIC +50ms)");
	sem_post(&tmo_release);
	join(t);

	want(pthread_cond_init(&fresh_cv, NULL), 0, r->name,
	     "pthread_cond_init(NULL attr)");
	cond_timeout_case(&fresh_cv, VIA_TIMEDWAIT_RT,
			  "pthread_cond_timedwait(REALTIME +50ms)");
	cond_timeout_case(&fresh_cv, VIA_CLOCKWAIT_MONO,
			  "pthread_cond_clockwait(MONOTONIC +50ms)");
	cond_timeout_case(&not_full, VIA_TIMEDWAIT_MONO,
			  "pthread_cond_timedwait on MONOTONIC cond (+50ms)");
	want(pthread_cond_destroy(&fresh_cv), 0, r->name,
	     "pthread_cond_destroy(fresh)");
	want(pthread_cond_destroy(&not_full), 0, "cond_mutex",
	     "pthread_cond_destroy(not_full)");
	want(pthread_mutex_destroy(MX(r)), 0, r->name, "pthread_mutex_destroy");
}

/* ---- 6. reader-writer locks ---- */

static sem_t rd_a_held, rd_a_release, rd_c_got, wr_held, wr_release;

static void *rw_reader_a(void *arg)
{
	struct lockrec *r = &recs[R_RWLOCK_STATIC];

	(void)arg;
	want(rw_rdlock(r), 0, r->name, "pthread_rwlock_rdlock (reader A)");
	sem_post(&rd_a_held);
	sem_wait_ms(&rd_a_release, 10000, "rwlock_static: release of reader A");
	rw_unlock(r);
	return NULL;
}

static void *rw_reader_b(void *arg)
{
	struct lockrec *r = &recs[R_RWLOCK_STATIC];

	(void)arg;
	/* Success here is what makes the read lock shared. */
	want(rw_tryrdlock(r), 0, r->name,
	     "pthread_rwlock_tryrdlock while another reader holds");
	rw_unlock(r);
	return NULL;
}

static void *rw_reader_c(void *arg)
{
	struct lockrec *r = &recs[R_RWLOCK_STATIC];

	(void)arg;
	want(rw_rdlock(r), 0, r->name, "pthread_rwlock_rdlock (reader C)");
	sem_post(&rd_c_got);
	rw_unlock(r);
	return NULL;
}

static void *rw_writer(void *arg)
{
	struct lockrec *r = &recs[R_RWLOCK_STATIC];

	(void)arg;
	want(rw_wrlock(r), 0, r->name, "pthread_rwlock_wrlock (writer)");
	sem_post(&wr_held);
	sem_wait_ms(&wr_release, 10000, "rwlock_static: release of writer");
	rw_unlock(r);
	return NULL;
}

static void test_rwlock_static(void)
{
	struct lockrec *r = &recs[R_RWLOCK_STATIC];
	struct timespec dl;
	long long t0;
	pthread_t a, c, w;

	r->used = true;
	a = spawn(rw_reader_a, NULL);
	sem_wait_ms(&rd_a_held, 10000, "rwlock_static: reader A locks");
	if (!exclusive_rwlocks) {
		join(spawn(rw_reader_b, NULL));
		c = spawn(rw_reader_c, NULL);
		sem_wait_ms(&rd_c_got, 2000,
			    "rwlock_static: blocking rdlock beside reader A");
		join(c);
	}

	/* Main holds nothing, so these are a third party's write requests. */
	want(rw_trywrlock(r), EBUSY, r->name,
	     "pthread_rwlock_trywrlock while read-locked");
	t0 = now_ns(CLOCK_MONOTONIC);
	dl = after_ms(CLOCK_REALTIME, 50);
	want_timeout(rw_timedwrlock(r, &dl), t0, r->name,
		     "pthread_rwlock_timedwrlock(REALTIME +50ms) while read-locked");
	t0 = now_ns(CLOCK_MONOTONIC);
	dl = after_ms(CLOCK_MONOTONIC, 50);
	want_timeout(rw_clockwrlock(r, CLOCK_MONOTONIC, &dl), t0, r->name,
		     "pthread_rwlock_clockwrlock(MONOTONIC +50ms) while read-locked");
	sem_post(&rd_a_release);
	join(a);

	w = spawn(rw_writer, NULL);
	sem_wait_ms(&wr_held, 10000, "rwlock_static: writer locks");
	want(rw_tryrdlock(r), EBUSY, r->name,
	     "pthread_rwlock_tryrdlock while write-locked");
	t0 = now_ns(CLOCK_MONOTONIC);
	dl = after_ms(CLOCK_REALTIME, 50);
	want_timeout(rw_timedrdlock(r, &dl), t0, r->name,
		     "pthread_rwlock_timedrdlock(REALTIME +50ms) while write-locked");
	t0 = now_ns(CLOCK_MONOTONIC);
	dl = after_ms(CLOCK_MONOTONIC, 50);
	want_timeout(rw_clockrdlock(r, CLOCK_MONOTONIC, &dl), t0, r->name,
		     "pthread_rwlock_clockrdlock(MONOTONIC +50ms) while write-locked");
	sem_post(&wr_release);
	join(w);

	/* Both modes must be available again once everyone has left. */
	want(rw_wrlock(r), 0, r->name, "pthread_rwlock_wrlock when free");
	rw_unlock(r);
	want(rw_rdlock(r), 0, r->name, "pthread_rwlock_rdlock when free");
	rw_unlock(r);
}

#define RW_THREADS 3
static long rw_reads;		/* per thread; one write after every 10th */
static volatile int rw_a, rw_b;	/* volatile: keep the two steps apart */

static void *rw_worker(void *arg)
{
	struct lockrec *r = &recs[R_RWLOCK_ATTR];

	(void)arg;
	for (long i = 0; i < rw_reads; i++) {
		int a, b;

		want(rw_rdlock(r), 0, r->name, "pthread_rwlock_rdlock");
		a = rw_a;
		b = rw_b;
		rw_unlock(r);
		if (a != b)
			fail("rwlock_attr: reader saw a=%d b=%d (writer not "
			     "exclusive)", a, b);
		if ((i + 1) % 10 == 0) {
			want(rw_wrlock(r), 0, r->name, "pthread_rwlock_wrlock");
			rw_a = rw_a + 1;
			rw_b = rw_b + 1;
			rw_unlock(r);
		}
	}
	return NULL;
}

static void test_rwlock_attr(void)
{
	struct lockrec *r = &recs[R_RWLOCK_ATTR];
	pthread_t t[RW_THREADS];
	long writes;

	r->used = true;
	want(pthread_rwlock_init(RW(r), NULL), 0, r->name,
	     "pthread_rwlock_init(NULL attr)");
	rw_reads = 20000 / scale;
	for (int i = 0; i < RW_THREADS; i++)
		t[i] = spawn(rw_worker, NULL);
	for (int i = 0; i < RW_THREADS; i++)
		join(t[i]);
	writes = RW_THREADS * (rw_reads / 10);
	if (rw_a != writes || rw_b != writes)
		fail("rwlock_attr: a=%d b=%d after %ld writes", rw_a, rw_b,
		     writes);
	want(pthread_rwlock_destroy(RW(r)), 0, r->name,
	     "pthread_rwlock_destroy");
}

/* ---- 7. kinds a substituting library must leave to glibc ---- */

static void test_kinds(void)
{
	struct lockrec *r;
	pthread_mutexattr_t a;
	int rc;

	r = &recs[R_ROBUST];
	r->used = true;
	want(pthread_mutexattr_init(&a), 0, r->name, "pthread_mutexattr_init");
	want(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST), 0, r->name,
	     "pthread_mutexattr_setrobust(ROBUST)");
	want(pthread_mutex_init(MX(r), &a), 0, r->name, "pthread_mutex_init");
	want(pthread_mutexattr_destroy(&a), 0, r->name,
	     "pthread_mutexattr_destroy");
	lock_unlock_n(r, 10);
	want(pthread_mutex_destroy(MX(r)), 0, r->name, "pthread_mutex_destroy");

	r = &recs[R_PSHARED];
	r->used = true;
	want(pthread_mutexattr_init(&a), 0, r->name, "pthread_mutexattr_init");
	want(pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED), 0,
	     r->name, "pthread_mutexattr_setpshared(PROCESS_SHARED)");
	want(pthread_mutex_init(MX(r), &a), 0, r->name, "pthread_mutex_init");
	want(pthread_mutexattr_destroy(&a), 0, r->name,
	     "pthread_mutexattr_destroy");
	lock_unlock_n(r, 10);
	want(pthread_mutex_destroy(MX(r)), 0, r->name, "pthread_mutex_destroy");

	/* Priority inheritance needs kernel PI futexes; where the attribute
	 * or the init is refused, skip the object and print no line. */
	r = &recs[R_PI];
	want(pthread_mutexattr_init(&a), 0, r->name, "pthread_mutexattr_init");
	rc = pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	if (rc == 0) {
		rc = pthread_mutex_init(MX(r), &a);
		if (rc != 0 && rc != ENOTSUP)
			want(rc, 0, r->name, "pthread_mutex_init");
	}
	want(pthread_mutexattr_destroy(&a), 0, r->name,
	     "pthread_mutexattr_destroy");
	if (rc == 0) {
		r->used = true;
		lock_unlock_n(r, 10);
		want(pthread_mutex_destroy(MX(r)), 0, r->name,
		     "pthread_mutex_destroy");
	}
}

/* ---- 8. fork while another thread hammers a mutex ---- */

#define CHILD_ITERS 100
static atomic_bool busy_stop;
static atomic_long busy_rounds;
static long busy_plain;

static void *busy_worker(void *arg)
{
	struct lockrec *r = &recs[R_BUSY];

	(void)arg;
	while (!atomic_load(&busy_stop)) {
		want(m_lock(r), 0, r->name, "pthread_mutex_lock");
		busy_plain++;
		m_unlock(r);
		atomic_fetch_add(&busy_rounds, 1);
	}
	return NULL;
}

static _Noreturn void child_fail(void)
{
	static const char msg[] =
		"lockuser: FAIL child_only: lock/unlock in forked child\n";
	ssize_t n = write(2, msg, sizeof msg - 1);

	(void)n;
	_exit(1);
}

static void test_fork(void)
{
	struct lockrec *b = &recs[R_BUSY];
	struct lockrec *c = &recs[R_CHILD_ONLY];
	long long give_up;
	pthread_t t;
	pid_t pid;
	int status;

	b->used = true;
	c->used = true;
	t = spawn(busy_worker, NULL);
	/* Fork mid-hammering, not before the worker has even started. */
	give_up = now_ns(CLOCK_MONOTONIC) + 5000000000LL;
	while (atomic_load(&busy_rounds) < 1000) {
		if (now_ns(CLOCK_MONOTONIC) > give_up)
			fail("busy: worker made no progress");
		sleep_ms(1);
	}

	pid = fork();
	if (pid < 0)
		fail("fork: errno %d", errno);
	if (pid == 0) {
		/* The child has only this thread, and busy may have been
		 * copied in the locked state, so it is not touched here.
		 * No stdio either: write() and _exit() only. */
		for (int i = 0; i < CHILD_ITERS; i++) {
			if (pthread_mutex_lock(&child_only_mx) != 0)
				child_fail();
			if (pthread_mutex_unlock(&child_only_mx) != 0)
				child_fail();
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fail("waitpid: errno %d", errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("child_only: child ended with status 0x%x", status);
	/* The parent never locks child_only_mx; its line reports the child's
	 * CHILD_ITERS acquisitions, which happened in the child process. */
	atomic_store(&c->excl, CHILD_ITERS);

	atomic_store(&busy_stop, true);
	join(t);
	if (busy_plain != atomic_load(&b->excl))
		fail("busy: counter %ld after %ld acquisitions", busy_plain,
		     atomic_load(&b->excl));
}

/* ---- 9. destroy and re-init at the same address ---- */

static pthread_mutex_t *reuse_mx;

static void test_destroy_reuse(void)
{
	struct lockrec *r1 = &recs[R_DESTROY_REUSE_1];
	struct lockrec *r2 = &recs[R_DESTROY_REUSE_2];

	reuse_mx = malloc(sizeof *reuse_mx);
	if (!reuse_mx)
		fail("destroy_reuse: out of memory");
	r1->obj = r2->obj = reuse_mx;
	r1->used = r2->used = true;

	want(pthread_mutex_init(reuse_mx, NULL), 0, r1->name,
	     "pthread_mutex_init");
	lock_unlock_n(r1, 5);
	want(pthread_mutex_destroy(reuse_mx), 0, r1->name,
	     "pthread_mutex_destroy");
	/* Same memory, new mutex: nothing may carry over from the first. */
	want(pthread_mutex_init(reuse_mx, NULL), 0, r2->name,
	     "pthread_mutex_init at the same address");
	lock_unlock_n(r2, 7);
	want(pthread_mutex_destroy(reuse_mx), 0, r2->name,
	     "pthread_mutex_destroy");
}

/* ---- main ---- */

static void print_report(void)
{
	for (int i = 0; i < R_COUNT; i++) {
		struct lockrec *r = &recs[i];

		if (!r->used)
			continue;
		printf("lock %s %p %s %ld %ld\n", r->name, r->obj, r->kind,
		       r->excl_nondet ? -1L : atomic_load(&r->excl),
		       atomic_load(&r->shared));
	}
	printf("lockuser: ok\n");
	if (fflush(stdout) != 0)
		fail("stdout: flush failed");
}

int main(int argc, char **argv)
{
	sem_t *sems[] = { &rec_probed, &rec_released, &tmo_held, &tmo_release,
			  &rd_a_held, &rd_a_release, &rd_c_got, &wr_held,
			  &wr_release };
	bool no_fork = false;

	alarm(60);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			scale = 10;
		} else if (strcmp(argv[i], "--no-fork") == 0) {
			no_fork = true;
		} else if (strcmp(argv[i], "--exclusive-rwlocks") == 0) {
			exclusive_rwlocks = true;
		} else {
			fprintf(stderr, "usage: %s [--quick] [--no-fork] [--exclusive-rwlocks]\n",
				argv[0]);
			return 2;
		}
	}
	for (size_t i = 0; i < sizeof sems / sizeof sems[0]; i++)
		if (sem_init(sems[i], 0, 0) != 0)
			fail("sem_init: errno %d", errno);

	test_static_counter();
	test_recursive();
	test_errorcheck();
	test_cond();
	test_timeouts();
	test_rwlock_static();
	test_rwlock_attr();
	test_kinds();
	if (!no_fork)
		test_fork();
	test_destroy_reuse();

	print_report();
	free(reuse_mx);
	/* Return rather than _exit, so a preloaded library's exit-time
	 * hooks run as they would in any program. */
	return 0;
}
