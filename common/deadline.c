/* deadline.c: deadline workers: one detached thread per call, a round deadline, stuck items never called twice */
#include "common/deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"

#define DEADLINE_DEFAULT_THREADS 256
#define DEADLINE_DEFAULT_STACK (256 * 1024)
/* A waiting round looks at cfg.stopping() at least this often. */
#define DEADLINE_POLL_SECONDS 0.25

struct dl_entry {
	char *key;
	void *item;
	int refs;                     /* registry + in-flight worker; under the pool lock */
	bool registered;
	bool busy;                    /* a call is in flight */
	bool late;                    /* ... and it missed its round's deadline */
	unsigned long round;          /* round that started the call in flight */
	enum deadline_state state;    /* what the last round decided */
	void *result;
	bool has_result;
	double duration;
	double started;
	unsigned long calls;
};

struct deadline_pool {
	pthread_mutex_t lock;
	pthread_cond_t done;
	int refs;                     /* owner + in-flight workers */
	struct deadline_config cfg;
	unsigned long round;
	struct dl_entry **ents;
	size_t n;
	size_t in_flight;
};

struct dl_job {
	struct deadline_pool *p;
	struct dl_entry *e;
};

const char *deadline_state_name(enum deadline_state s)
{
	switch (s) {
	case DEADLINE_IDLE: return "idle";
	case DEADLINE_DONE: return "ok";
	case DEADLINE_TIMEOUT: return "timeout";
	case DEADLINE_STUCK: return "stuck";
	case DEADLINE_DEFERRED: return "deferred";
	case DEADLINE_FAILED: return "thread";
	}
	return "unknown";
}

/* Frees x with the caller's function, or free() when it gave none. */
static void dl_release(void (*fn)(void *), void *x)
{
	if (!x)
		return;
	if (fn)
		fn(x);
	else
		free(x);
}

static void dl_free_item(const struct deadline_config *cfg, void *item)
{
	dl_release(cfg->item_free, item);
}

static void dl_free_result(const struct deadline_config *cfg, void *result)
{
	dl_release(cfg->result_free, result);
}

static void dl_entry_free(const struct deadline_config *cfg, struct dl_entry *e)
{
	dl_free_result(cfg, e->result);
	dl_free_item(cfg, e->item);
	free(e->key);
	free(e);
}

static void dl_destroy(struct deadline_pool *p)
{
	free(p->ents);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Drops one reference on e (if given) and one on p, under p->lock; frees what reaches zero.
 * Returns true when p was freed (its lock is then unlocked and gone). */
static bool dl_unref_locked(struct deadline_pool *p, struct dl_entry *e)
{
	if (e && --e->refs == 0)
		dl_entry_free(&p->cfg, e);
	if (--p->refs == 0) {
		pthread_mutex_unlock(&p->lock);
		dl_destroy(p);
		return true;
	}
	return false;
}

struct deadline_pool *deadline_pool_new(const struct deadline_config *cfg)
{
	struct deadline_pool *p = xcalloc(1, sizeof(*p));
	pthread_condattr_t ca;

	p->cfg = *cfg;
	if (!p->cfg.max_threads)
		p->cfg.max_threads = DEADLINE_DEFAULT_THREADS;
	if (!p->cfg.stack_size)
		p->cfg.stack_size = DEADLINE_DEFAULT_STACK;
	p->refs = 1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->done, &ca);
	pthread_condattr_destroy(&ca);
	return p;
}

/* Takes an entry out of the registry; under p->lock. */
static void dl_unregister_locked(struct deadline_pool *p, struct dl_entry *e)
{
	e->registered = false;
	if (--e->refs == 0)
		dl_entry_free(&p->cfg, e);
}

void deadline_pool_free(struct deadline_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->n; i++)
		dl_unregister_locked(p, p->ents[i]);
	p->n = 0;
	if (!dl_unref_locked(p, NULL))
		pthread_mutex_unlock(&p->lock);
}

/*
 * Gives back the pages of this worker's stack below the current frame. glibc keeps the stacks
 * of finished threads for reuse (up to 40 MiB), with every page the call touched still private:
 * with 19 disks that was 19 x 24 KiB held between collections for nothing. The caller's frame
 * and everything above it (the thread's descriptor and TLS) stay; a page of margin stays too.
 */
static void dl_drop_stack_pages(void)
{
	pthread_attr_t a;
	void *lo = NULL;
	size_t size = 0;
	volatile char here = 0;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return;
	if (pthread_attr_getstack(&a, &lo, &size) == 0 && lo) {
		uintptr_t start = ((uintptr_t)lo + page - 1) & ~(page - 1);
		uintptr_t end = ((uintptr_t)&here & ~(page - 1)) - page;
		if (end > start && end - start < size)
			madvise((void *)start, end - start, MADV_DONTNEED);
	}
	pthread_attr_destroy(&a);
}

static void *dl_worker(void *arg)
{
	struct dl_job *job = arg;
	struct deadline_pool *p = job->p;
	struct dl_entry *e = job->e;
	double t0 = clock_mono();
	void *result;

	free(job);
	/* key and item stay valid: the entry holds a reference for this call. */
	result = p->cfg.call(e->key, e->item, p->cfg.arg);

	pthread_mutex_lock(&p->lock);
	e->busy = false;
	e->duration = clock_mono() - t0;
	dl_free_result(&p->cfg, e->result);
	e->result = result;
	e->has_result = true;
	if (e->registered && p->cfg.returned)
		p->cfg.returned(e->key, e->item, result, e->late, p->cfg.arg);
	e->late = false;
	p->in_flight--;
	pthread_cond_broadcast(&p->done);
	if (!dl_unref_locked(p, e))
		pthread_mutex_unlock(&p->lock);
	dl_drop_stack_pages();
	return NULL;
}

/* Starts a detached worker for e; under p->lock. Returns false when no thread could be made. */
static bool dl_start_locked(struct deadline_pool *p, struct dl_entry *e, double now)
{
	struct dl_job *job = xcalloc(1, sizeof(*job));
	pthread_attr_t attr;
	pthread_t th;
	int rc;

	job->p = p;
	job->e = e;
	e->busy = true;
	e->late = false;
	e->round = p->round;
	e->started = now;
	e->calls++;
	e->refs++;
	p->refs++;
	p->in_flight++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, p->cfg.stack_size);
	rc = pthread_create(&th, &attr, dl_worker, job);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		log_error("deadline", "cannot start a worker thread", "key", e->key, "err", strerror(rc));
		free(job);
		e->busy = false;
		e->calls--;
		e->refs--;
		p->refs--;
		p->in_flight--;
		return false;
	}
	return true;
}

static struct dl_entry *dl_take(struct dl_entry **v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && strcmp(v[i]->key, key) == 0) {
			struct dl_entry *e = v[i];
			v[i] = NULL;
			return e;
		}
	return NULL;
}

/* Makes the registry follow items, taking ownership of every item; under p->lock. */
static void dl_sync_locked(struct deadline_pool *p, const struct deadline_item *items, size_t n)
{
	struct dl_entry **next = xcalloc(n ? n : 1, sizeof(*next));
	size_t nnext = 0;

	for (size_t i = 0; i < n; i++) {
		const char *key = items[i].key ? items[i].key : "";
		struct dl_entry *e;
		bool dup = false;

		for (size_t j = 0; j < nnext && !dup; j++)
			dup = strcmp(next[j]->key, key) == 0;
		if (dup) {
			dl_free_item(&p->cfg, items[i].item);
			continue;
		}
		e = dl_take(p->ents, p->n, key);
		if (e) {
			dl_free_item(&p->cfg, items[i].item);
		} else {
			e = xcalloc(1, sizeof(*e));
			e->key = xstrdup(key);
			e->item = items[i].item;
			e->refs = 1;
			e->registered = true;
			e->state = DEADLINE_IDLE;
		}
		next[nnext++] = e;
	}
	for (size_t j = 0; j < p->n; j++)
		if (p->ents[j])
			dl_unregister_locked(p, p->ents[j]);
	free(p->ents);
	p->ents = next;
	p->n = nnext;
}

static void dl_status(const struct dl_entry *e, struct deadline_status *st)
{
	memset(st, 0, sizeof(*st));
	st->key = e->key;
	st->item = e->item;
	st->state = e->state;
	st->result = e->result;
	st->has_result = e->has_result;
	st->duration = e->duration;
	st->started = e->started;
	st->stuck_since = e->busy ? e->started : 0;
}

static bool dl_round_pending_locked(const struct deadline_pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->ents[i]->busy && p->ents[i]->round == p->round)
			return true;
	return false;
}

size_t deadline_pool_run(struct deadline_pool *p, const struct deadline_item *items, size_t n, double timeout,
			 deadline_want_fn want, void *want_arg)
{
	struct timespec ts;
	double now, end;
	size_t missed = 0;

	pthread_mutex_lock(&p->lock);
	p->round++;
	dl_sync_locked(p, items, n);
	now = clock_mono();
	for (size_t i = 0; i < p->n; i++) {
		struct dl_entry *e = p->ents[i];
		if (e->busy) {
			/* Still blocked since an earlier round: never a second thread on it. */
			e->state = DEADLINE_STUCK;
			continue;
		}
		if (want) {
			struct deadline_status prev;
			dl_status(e, &prev);
			if (!want(&prev, want_arg)) {
				e->state = DEADLINE_IDLE;
				continue;
			}
		}
		if (p->in_flight >= p->cfg.max_threads) {
			e->state = DEADLINE_DEFERRED;
			continue;
		}
		e->state = dl_start_locked(p, e, now) ? DEADLINE_DONE : DEADLINE_FAILED;
	}

	end = now + (timeout > 0 ? timeout : 0);
	while (dl_round_pending_locked(p)) {
		double until = clock_mono() + DEADLINE_POLL_SECONDS;
		if (until > end)
			until = end;
		ts.tv_sec = (time_t)until;
		ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
		if (pthread_cond_timedwait(&p->done, &p->lock, &ts) == ETIMEDOUT && clock_mono() >= end)
			break;
		if (p->cfg.stopping && p->cfg.stopping(p->cfg.stop_arg))
			break;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct dl_entry *e = p->ents[i];
		if (e->busy && e->round == p->round) {
			e->state = DEADLINE_TIMEOUT;
			e->late = true;
			missed++;
		} else if (e->state == DEADLINE_STUCK && !e->busy) {
			/* The stuck call came back during this round: its result is the item's news. */
			e->state = DEADLINE_IDLE;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return missed;
}

void deadline_pool_foreach(struct deadline_pool *p, void (*fn)(const struct deadline_status *st, void *arg),
			   void *arg)
{
	struct deadline_status st;

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->n; i++) {
		dl_status(p->ents[i], &st);
		fn(&st, arg);
	}
	pthread_mutex_unlock(&p->lock);
}

/* The registered entry called key, or NULL; under p->lock. */
static const struct dl_entry *dl_find_locked(const struct deadline_pool *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->ents[i]->key, key) == 0)
			return p->ents[i];
	return NULL;
}

bool deadline_pool_stuck(struct deadline_pool *p, const char *key)
{
	const struct dl_entry *e;
	bool stuck;

	pthread_mutex_lock(&p->lock);
	e = dl_find_locked(p, key);
	stuck = e && e->busy && e->late;
	pthread_mutex_unlock(&p->lock);
	return stuck;
}

size_t deadline_pool_in_flight(struct deadline_pool *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->in_flight;
	pthread_mutex_unlock(&p->lock);
	return n;
}

unsigned long deadline_pool_calls(struct deadline_pool *p, const char *key)
{
	const struct dl_entry *e;
	unsigned long calls;

	pthread_mutex_lock(&p->lock);
	e = dl_find_locked(p, key);
	calls = e ? e->calls : 0;
	pthread_mutex_unlock(&p->lock);
	return calls;
}
