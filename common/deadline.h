/* deadline.h: deadline workers: one call per item on its own thread, a round deadline, stuck items remembered */
#ifndef HOMEOPS_DEADLINE_H
#define HOMEOPS_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * For calls that can block in the kernel forever (a hung disk, a dead CIFS server, a wedged
 * socket): each item (a disk, a mount, a target) is called on a detached worker thread, and
 * a round waits for them only until its deadline. An item whose call misses the deadline is
 * reported DEADLINE_TIMEOUT; in later rounds, while that call is still blocked, it is
 * DEADLINE_STUCK and no new call is started for it, so one hung item costs exactly one thread
 * however long it hangs (node_exporter's stuckMountWatcher). When the blocked call returns,
 * its result is kept and the item is called normally again from the next round on.
 *
 * The pool keeps a registry of items keyed by a string: deadline_pool_run() makes it follow
 * the list it is given (new keys added, missing keys dropped). The key is the item's
 * identity: put in it everything that makes two items different (a disk's name and path).
 *
 * Threads: at most one call per item is ever in flight, and at most cfg.max_threads calls
 * in total (items beyond it wait for a later round: DEADLINE_DEFERRED).
 *
 * Lifetime: the pool, its items and their results are reference-counted by the workers, so
 * deadline_pool_free() and dropping an item never block on a stuck call; what a stuck call
 * still uses is freed when (if ever) it returns, on that worker thread.
 */
struct deadline_pool;

struct deadline_config {
	/*
	 * Runs on a worker thread, possibly forever. item is the caller's item (see
	 * deadline_pool_run); call may read it but must not change what the other callbacks
	 * change. Returns a heap result (or NULL), which the pool then owns.
	 */
	void *(*call)(const char *key, void *item, void *arg);
	/* Optional, under the pool's lock, when a call returns (in time or late): fold result
	 * into item (last good values, a log line once per reason). Must not block. */
	void (*returned)(const char *key, void *item, const void *result, bool late, void *arg);
	/* Frees a result (NULL: free()). Called for a replaced result and a dropped item's. */
	void (*result_free)(void *result);
	/* Frees an item (NULL: free()). Called when the item leaves the registry with no call in
	 * flight, when its stuck call returns after it left, or for an item passed with a key
	 * that is already registered. */
	void (*item_free)(void *item);
	void *arg;
	/* Optional: a round stops waiting when it returns true (shutdown); checked every 250 ms. */
	bool (*stopping)(void *stop_arg);
	void *stop_arg;
	size_t max_threads;   /* calls in flight at once, stuck ones included; 0 = 256 */
	size_t stack_size;    /* worker stack in bytes; 0 = 256 KiB */
};

/* One element of a round: key (copied) and item (ownership passes to the pool, see run). */
struct deadline_item {
	const char *key;
	void *item;
};

enum deadline_state {
	DEADLINE_IDLE,        /* not called this round (want() said no), nothing in flight */
	DEADLINE_DONE,        /* called this round and returned before the deadline */
	DEADLINE_TIMEOUT,     /* called this round, still running at the deadline */
	DEADLINE_STUCK,       /* a call of an earlier round is still running: not called again */
	DEADLINE_DEFERRED,    /* not called: max_threads calls already in flight */
	DEADLINE_FAILED,      /* not called: no thread could be created */
};

/* What a round decided for one item; stays as it is until the next round. */
struct deadline_status {
	const char *key;
	void *item;
	enum deadline_state state;
	const void *result;   /* the last returned call's result (any round), or NULL */
	bool has_result;      /* a call has returned at least once */
	double duration;      /* seconds the last returned call took */
	double started;       /* clock_mono() when the last call started; 0 = never */
	double stuck_since;   /* clock_mono() when the running call started, for TIMEOUT/STUCK */
};

/* Short label value for a state: "ok", "idle", "timeout", "stuck", "deferred", "thread". */
const char *deadline_state_name(enum deadline_state s);

/* Returns a new pool (never NULL). cfg is copied; cfg->call is required. */
struct deadline_pool *deadline_pool_new(const struct deadline_config *cfg);

/* Drops the pool and every item; never blocks (stuck calls free what they hold on return). NULL is fine. */
void deadline_pool_free(struct deadline_pool *p);

/*
 * Optional per-round filter: return false to leave an idle item uncalled this round (e.g. a
 * hotplug round that only reads new disks). prev is its status from the previous round
 * (state DEADLINE_IDLE and started 0 for a new item).
 */
typedef bool (*deadline_want_fn)(const struct deadline_status *prev, void *arg);

/*
 * One round, from one thread at a time:
 *  - the registry follows items[0..n): a new key takes its item; for a key already
 *    registered (or repeated in items) the passed item is freed with item_free at once and
 *    the registered one kept; keys not in items are dropped;
 *  - every item with no call in flight (and wanted by want, when given) is called on a worker;
 *  - waits until those calls return, or timeout seconds pass, or cfg.stopping() is true.
 * Ownership of every items[i].item passes to the pool, also when the function fails.
 * Returns the number of items called this round that missed the deadline (0 = all in time).
 */
size_t deadline_pool_run(struct deadline_pool *p, const struct deadline_item *items, size_t n, double timeout,
			 deadline_want_fn want, void *want_arg);

/*
 * Calls fn for each registered item in the order given to the last run, under the pool's
 * lock (fn must not call into the pool; the status and what it points to are valid during
 * the call only).
 */
void deadline_pool_foreach(struct deadline_pool *p, void (*fn)(const struct deadline_status *st, void *arg),
			   void *arg);

/* True when the item's call is blocked past a deadline (TIMEOUT or STUCK and still running). */
bool deadline_pool_stuck(struct deadline_pool *p, const char *key);
/* Calls in flight now, stuck ones included (= worker threads alive). */
size_t deadline_pool_in_flight(struct deadline_pool *p);
/* Calls started since the pool was made (for tests: no second call while stuck). */
unsigned long deadline_pool_calls(struct deadline_pool *p, const char *key);

#endif
