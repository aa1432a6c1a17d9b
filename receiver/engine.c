/* engine.c: the engine's lifecycle (start, shutdown, reload), the retention thread, and status */
#include "receiver/engine.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "receiver/engine_internal.h"

#define ENGINE_RETENTION_CHUNK 5000

/* ---- lifecycle ---- */

struct rcv_config *engine_config(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	struct rcv_config *c = config_ref(e->cfg);
	pthread_mutex_unlock(&e->lock);
	return c;
}

struct retention_op {
	double before;
	long long *deleted;
};

static int engine_retention_apply(struct store *st, void *arg)
{
	struct retention_op *r = arg;
	*r->deleted = store_w_retention(st, r->before, ENGINE_RETENTION_CHUNK);
	return *r->deleted < 0 ? -1 : 0;
}

static void *engine_retention_main(void *arg)
{
	struct engine *e = arg;
	pthread_mutex_lock(&e->lock);
	while (!e->stop_retention) {
		pthread_mutex_unlock(&e->lock);
		double before = clock_real() - e->retention;
		for (int i = 0; i < 1000; i++) {
			long long deleted = -1;
			struct retention_op r = { before, &deleted };
			if (store_exec(e->store, engine_retention_apply, &r) != 0 || deleted < ENGINE_RETENTION_CHUNK)
				break;
		}
		/* in steps, under our lock only for each step (it keeps a rebuild from freeing the gate
		 * under us, and the writer and every webhook take it too) */
		size_t cursor = 0, pruned = 0;
		bool more;
		do {
			pthread_mutex_lock(&e->lock);
			more = gate_prune_step(e->gate, before, &cursor, GATE_STEP_BUCKETS, &pruned) && !e->stop_retention;
			pthread_mutex_unlock(&e->lock);
		} while (more);
		struct timespec ts = clock_real_after(60);
		pthread_mutex_lock(&e->lock);
		if (!e->stop_retention)
			pthread_cond_timedwait(&e->idle, &e->lock, &ts);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

int engine_start(struct engine *e)
{
	if (engine_recover(e) != 0)
		return -1;
	store_set_rollback_hook(e->store, engine_rebuild_gate, e);
	if (store_start(e->store) != 0) {
		log_error("engine", "cannot start the store writer");
		return -1;
	}
	e->workers = xcalloc((size_t)e->max_concurrent, sizeof(*e->workers));
	for (long i = 0; i < e->max_concurrent; i++) {
		if (pthread_create(&e->workers[i], NULL, engine_worker, e) != 0) {
			log_error("engine", "cannot start a worker thread");
			break;
		}
		e->nworkers++;
	}
	if (e->nworkers == 0)
		return -1;
	if (pthread_create(&e->retention_thread, NULL, engine_retention_main, e) == 0)
		e->retention_started = true;
	pthread_mutex_lock(&e->lock);
	e->accepting = true;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	return 0;
}

struct engine *engine_new(const struct engine_options *o)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	e->store = o->store;
	e->cfg = config_ref(o->cfg);
	e->max_concurrent = o->max_concurrent > 0 ? o->max_concurrent : 4;
	e->queue_size = o->queue_size ? o->queue_size : 1000;
	e->dry_run = o->dry_run;
	e->retention = o->retention > 0 ? o->retention : 30 * 86400.0;
	e->hostname = xstrdup(o->hostname ? o->hostname : "");
	e->gate = gate_new();
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	pthread_cond_init(&e->idle, NULL);
	return e;
}

void engine_shutdown(struct engine *e, double grace)
{
	double deadline = clock_mono() + grace;

	pthread_mutex_lock(&e->lock);
	e->accepting = false;
	e->stop_workers = true; /* no new runs start; queued runs stay queued in the store */
	e->stop_retention = true;
	pthread_cond_broadcast(&e->cond);
	pthread_cond_broadcast(&e->idle);
	if (e->nrunning) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%zu", e->nrunning);
		log_info("engine", "waiting for running playbooks", "running", buf);
	}
	while (e->nrunning > 0 && clock_mono() < deadline) {
		struct timespec ts = clock_real_after(0.1);
		pthread_cond_timedwait(&e->idle, &e->lock, &ts);
	}
	for (struct job *j = e->running; j; j = j->next) {
		if (!j->cancel_reason) {
			j->cancel_reason = "interrupted";
			if (j->cancel_pipe[1] >= 0 && write(j->cancel_pipe[1], "i", 1) < 0)
				log_warn("engine", "cannot signal a run to stop", "reason", strerror(errno));
			log_warn("engine", "grace period over: interrupting run", "playbook", j->playbook);
		}
	}
	pthread_mutex_unlock(&e->lock);
	for (long i = 0; i < e->nworkers; i++)
		pthread_join(e->workers[i], NULL);
	e->nworkers = 0;
	if (e->retention_started) {
		pthread_join(e->retention_thread, NULL);
		e->retention_started = false;
	}
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	while (e->queue_head) {
		struct job *j = e->queue_head;
		e->queue_head = j->next;
		engine_job_free(j);
	}
	for (size_t i = 0; i < e->noverrides; i++)
		free(e->overrides[i].playbook);
	free(e->overrides);
	free(e->workers);
	gate_free(e->gate);
	config_unref(e->cfg);
	free(e->hostname);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->cond);
	pthread_cond_destroy(&e->idle);
	free(e);
}

void engine_reload(struct engine *e, struct rcv_config *cfg)
{
	pthread_mutex_lock(&e->lock);
	struct rcv_config *old = e->cfg;
	e->cfg = config_ref(cfg);
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	config_unref(old);
}

/* ---- status ---- */

void engine_get_status(struct engine *e, struct engine_status *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&e->lock);
	out->paused = e->paused;
	out->dry_run = e->dry_run;
	out->accepting = e->accepting;
	out->queued = e->queued;
	out->running = e->nrunning;
	if (e->queue_head)
		out->oldest_queued = e->queue_head->created_at;
	for (struct job *j = e->queue_head; j; j = j->next)
		if (j->created_at < out->oldest_queued)
			out->oldest_queued = j->created_at;
	out->nplaybooks = e->cfg->nplaybooks;
	out->playbooks = xcalloc(out->nplaybooks + 1, sizeof(*out->playbooks));
	for (size_t i = 0; i < e->cfg->nplaybooks; i++) {
		const struct playbook *pb = &e->cfg->playbooks[i];
		struct engine_playbook_state *s = &out->playbooks[i];
		snprintf(s->name, sizeof(s->name), "%s", pb->name);
		s->enabled = engine_enabled_locked(e, pb);
		for (struct job *j = e->queue_head; j; j = j->next)
			s->queued += strcmp(j->playbook, pb->name) == 0;
		for (struct job *j = e->running; j; j = j->next)
			s->running += strcmp(j->playbook, pb->name) == 0;
	}
	pthread_mutex_unlock(&e->lock);
}

bool engine_paused(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	bool p = e->paused;
	pthread_mutex_unlock(&e->lock);
	return p;
}

size_t engine_queue_depth(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	size_t n = e->queued;
	pthread_mutex_unlock(&e->lock);
	return n;
}

struct policy_ctx {
	struct rcv_config *cfg;
	struct gate_policy pol;
};

static const struct gate_policy *engine_policy_of(void *arg, const char *playbook)
{
	struct policy_ctx *c = arg;
	const struct playbook *pb = config_playbook(c->cfg, playbook);
	if (!pb)
		return NULL;
	c->pol.cooldown = pb->cooldown;
	c->pol.window = pb->window;
	c->pol.max_attempts = pb->max_attempts;
	c->pol.enabled = true;
	return &c->pol;
}

size_t engine_gate_list(struct engine *e, struct gate_entry **out, size_t max)
{
	struct policy_ctx c = { .cfg = engine_config(e) };
	size_t n = 0, alloc = 0, cursor = 0;
	double now = clock_real();
	bool more;
	*out = NULL;
	do {
		/* the gate has its own lock; holding ours keeps a rebuild from freeing it under us. In
		 * steps: a status page must not hold up webhooks for a scan of every key. */
		pthread_mutex_lock(&e->lock);
		more = gate_list_step(e->gate, now, engine_policy_of, &c, out, &n, &alloc, max, &cursor,
				      GATE_STEP_BUCKETS);
		pthread_mutex_unlock(&e->lock);
	} while (more);
	config_unref(c.cfg);
	return n;
}

struct store *engine_store(struct engine *e)
{
	return e->store;
}

void engine_set_outbox_kick(struct engine *e, void (*kick)(void *arg), void *arg)
{
	e->outbox_kick = kick;
	e->outbox_arg = arg;
}
