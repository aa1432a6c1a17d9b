/* engine_internal.h: the engine's private state (jobs, queue, settings), shared by the engine_*.c files */
#ifndef HOMEOPS_RECEIVER_ENGINE_INTERNAL_H
#define HOMEOPS_RECEIVER_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include "common/strbuf.h"
#include "receiver/engine.h"
#include "receiver/facts.h"
#include "receiver/route.h"

#define ENGINE_MAX_ROUTES_PER_ALERT 64

/* One run in memory: queued (engine.queue_head) or running (engine.running). */
struct job {
	struct job *next;
	long long run_id;
	char *playbook;
	char *fingerprint;
	char *starts_at;
	char *trigger;
	char *notify;            /* comma-separated notifier names */
	char *alert_json;
	size_t alert_json_len;
	char *alertname;
	char *alert_status;
	char *severity;
	char *summary;
	char *instance;
	bool firing;
	bool manual;
	int attempt;
	double created_at;
	/* while running */
	int cancel_pipe[2];
	const char *cancel_reason;
};

struct setting_override {
	char *playbook;
	bool enabled;
};

struct engine {
	struct store *store;
	long max_concurrent;
	size_t queue_size;
	bool dry_run;
	double retention;
	char *hostname;

	pthread_mutex_t lock;          /* everything below */
	pthread_cond_t cond;           /* workers: queue changed, state changed */
	pthread_cond_t idle;           /* shutdown: a run finished */
	struct rcv_config *cfg;
	struct gate *gate;
	struct job *queue_head, *queue_tail;
	size_t queued;
	size_t reserved;               /* runs being committed as queued, not on the queue yet: count toward queue_size */
	struct job *running;           /* singly linked through next */
	size_t nrunning;
	bool paused;
	struct setting_override *overrides;
	size_t noverrides;
	bool accepting;
	bool stop_workers;
	bool stop_retention;
	pthread_t *workers;
	long nworkers;
	pthread_t retention_thread;
	bool retention_started;
	void (*outbox_kick)(void *arg);
	void *outbox_arg;
};

/* ---- jobs and their notifications (engine_job.c) ---- */

/* A new job with copies of every string; the facts are read from the alert JSON. Free with engine_job_free. */
struct job *engine_job_new(long long run_id, const char *playbook, const char *fingerprint, const char *starts_at,
			   bool firing, const char *trigger, const char *notify, const char *json, size_t json_len,
			   int attempt, double created_at);
void engine_job_free(struct job *j);   /* NULL is fine */
/* Whether pb is enabled, after operator overrides. Under e->lock. */
bool engine_enabled_locked(struct engine *e, const struct playbook *pb);
/* The gate policy of pb now (takes e->lock). */
struct gate_policy engine_policy(struct engine *e, const struct playbook *pb);
void engine_kick_outbox(struct engine *e);
/* Appends the notifier names of route r, comma-separated, to sb. */
void engine_join_notify(const struct route *r, struct strbuf *sb);
/* The alert's host label when global.host is set and the label names another host, else NULL. */
const char *engine_foreign_host(const struct rcv_config *cfg, const struct wh_set *labels);
/* Adds one outbox row per notifier of the comma list notify that wants f's event. Writer thread. 0 or -1. */
int engine_notify(struct engine *e, const struct rcv_config *cfg, const char *notify, const struct notify_facts *f,
		  double now);
/* Fills f (borrowing j's strings) for event ev. */
void engine_job_facts_into(struct engine *e, const struct rcv_config *cfg, const struct job *j,
			   enum notify_event ev, struct notify_facts *f);
/* Records that the receiver gives up on (playbook, fingerprint): a gave_up row and its notifications. Writer thread. */
int engine_escalate(struct engine *e, const struct rcv_config *cfg, const struct job *j, long long alert_id,
		    double now);

/* ---- the run queue ---- */

/*
 * Takes a place in the run queue for a run about to be committed as queued. Returns false when
 * queued + reserved runs already reach --run.queue-size. engine_enqueue_locked() of the run, or
 * engine_unreserve() when it is not queued after all, gives the place back.
 */
bool engine_reserve(struct engine *e);
void engine_unreserve(struct engine *e, size_t n);
/* Appends j to the run queue. Under e->lock (the caller wakes the workers and drops a reservation). */
void engine_enqueue_locked(struct engine *e, struct job *j);
/* Drops queued runs and stops running ones of (playbook, fingerprint): the alert resolved. Writer thread, never waits. */
void engine_cancel(struct engine *e, const char *playbook, const char *fingerprint);
/* A worker thread (engine_worker.c): takes runs from the queue until e->stop_workers. */
void *engine_worker(void *arg);

/* ---- recovery (engine_recover.c) ---- */

/*
 * Before the store's writer starts: loads operator settings, marks runs left 'running' by a
 * crash interrupted (re-queued when the playbook says retry_interrupted), queues runs left
 * 'queued', and rebuilds the gate from the stored runs. Returns 0 or -1 (logged).
 */
int engine_recover(struct engine *e);
/* Rollback hook of the store: rebuilds the gate from committed runs. */
void engine_rebuild_gate(void *arg);

#endif
