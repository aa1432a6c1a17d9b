/* engine.h: the receiver's core: stores alerts, routes and gates them, queues and runs playbooks, recovers after a crash */
#ifndef HOMEOPS_RECEIVER_ENGINE_H
#define HOMEOPS_RECEIVER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include "receiver/config.h"
#include "receiver/gate.h"
#include "receiver/store.h"
#include "receiver/webhook.h"

/*
 * Flow: engine_ingest() hands a validated payload to the store's group-commit writer; inside
 * that transaction every alert is stored, routed (route_select), gated (gate_decide) and the
 * resulting runs inserted as 'queued'. Only after the commit is the caller told (200) and the
 * runs put on the in-memory run queue, so a queued run exists in memory only if it is durable.
 * Worker threads (--run.max-concurrent) take runs whose playbook is below its max_concurrent,
 * commit 'running' before exec, run the playbook, commit the result and the notifications.
 * At start, runs still 'running' from a crash are marked interrupted (and notified; re-queued
 * with retry_interrupted), runs still 'queued' are resumed, and the gate is rebuilt from the runs.
 */
struct engine_options {
	struct store *store;
	struct rcv_config *cfg;     /* the engine takes its own reference */
	long max_concurrent;        /* worker threads; default 4 */
	size_t queue_size;          /* queued runs at most (each run counts); default 1000 */
	bool dry_run;               /* record what would run, run nothing */
	double retention;           /* seconds; default 30 days */
	const char *hostname;       /* for notifications */
};

struct engine;

struct engine *engine_new(const struct engine_options *o);
/* Recovers (see above), loads operator settings, starts workers and retention. Returns 0 or -1 (logged). */
int engine_start(struct engine *e);
/*
 * Stops accepting, lets running playbooks finish for up to grace seconds, then interrupts the
 * rest (killed, marked interrupted, notified); queued runs stay queued for the next start.
 */
void engine_shutdown(struct engine *e, double grace);
void engine_free(struct engine *e);

/*
 * Called after a commit with 0; or ENGINE_QUEUE_FULL when every alert was stored but some runs
 * did not fit in the run queue (decision "queue_full"; answer 503: Alertmanager redelivers, the
 * gate keeps what was queued from running twice and queues the rest when there is room); or
 * another negative value when the alerts could not be stored (answer 503).
 */
typedef void (*engine_done_fn)(void *arg, int status, size_t nalerts);

enum engine_refusal {
	ENGINE_ACCEPTED = 0,
	ENGINE_QUEUE_FULL = -1,     /* run queue full (counted per run, manual runs too): 503 */
	ENGINE_UNAVAILABLE = -2,    /* shutting down or the store is overloaded: 503 */
};

/*
 * Takes ownership of *p (moved out; *p is zeroed) and queues it for storage. done is called
 * exactly once (from the store's writer thread) unless this returns a refusal.
 */
int engine_ingest(struct engine *e, struct wh_payload *p, const char *receiver, const char *remote,
		  engine_done_fn done, void *arg);

/* Operator controls: persisted in the store, effective at once. Return 0 or -1 (*err set, caller frees). */
int engine_set_paused(struct engine *e, bool paused, char **err);
int engine_set_enabled(struct engine *e, const char *playbook, bool enabled, char **err);
/*
 * Queues a manual run of playbook for stored alert alert_id. Returns the run id, or -1 with *err
 * ("run queue full" when queue_size runs are queued).
 */
long long engine_run_manual(struct engine *e, long long alert_id, const char *playbook, char **err);

/* Swaps in a new configuration (the engine takes a reference). */
void engine_reload(struct engine *e, struct rcv_config *cfg);
/* The current configuration, with a reference for the caller (config_unref it). */
struct rcv_config *engine_config(struct engine *e);

struct engine_playbook_state {
	char name[130];
	bool enabled;
	size_t queued;
	size_t running;
};

struct engine_status {
	bool paused;
	bool dry_run;
	bool accepting;
	size_t queued;
	size_t running;
	double oldest_queued;                /* created time of the oldest queued run, 0 = none */
	struct engine_playbook_state *playbooks;   /* one per configured playbook (caller frees) */
	size_t nplaybooks;
};
void engine_get_status(struct engine *e, struct engine_status *out);
bool engine_paused(struct engine *e);
size_t engine_queue_depth(struct engine *e);
/* Lists gate keys worth showing (active, cooldown, gave up); caller frees *out. */
size_t engine_gate_list(struct engine *e, struct gate_entry **out, size_t max);
struct store *engine_store(struct engine *e);

/* Called (from the writer thread) after notifications were added to the outbox. */
void engine_set_outbox_kick(struct engine *e, void (*kick)(void *arg), void *arg);

#endif
