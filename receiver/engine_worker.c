/* engine_worker.c: the worker threads: pick a run, commit its start, run the playbook, commit its end */
#include "receiver/engine.h"

#include <errno.h>
#include <fcntl.h>
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
#include "receiver/metrics.h"
#include "receiver/run.h"

/* ---- running a job (worker threads) ---- */

struct start_op {
	struct engine *e;
	struct job *j;
	const char *argv;
	double now;
	int result;       /* 0 started, 1 not queued any more */
};

static int engine_start_apply(struct store *st, void *arg)
{
	struct start_op *s = arg;
	int rc = store_w_run_start(st, s->j->run_id, s->now, s->argv);
	if (rc < 0)
		return -1;
	s->result = rc;
	if (rc == 0) {
		struct rcv_config *cfg = engine_config(s->e);
		struct notify_facts f;
		engine_job_facts_into(s->e, cfg, s->j, NOTIFY_STARTED, &f);
		f.started_at = s->now;
		rc = engine_notify(s->e, cfg, s->j->notify, &f, s->now);
		config_unref(cfg);
		if (rc)
			return -1;
	}
	return 0;
}

struct finish_op {
	struct engine *e;
	struct job *j;
	struct run_outcome *out;
	double started_at;
	double now;
	bool escalated;
};

static int engine_finish_apply(struct store *st, void *arg)
{
	struct finish_op *s = arg;
	struct run_outcome *o = s->out;
	struct rcv_config *cfg = engine_config(s->e);
	const struct playbook *pb = config_playbook(cfg, s->j->playbook);
	struct store_run_end end = { .state = o->state, .result = o->result, .has_exit = o->has_exit,
				     .exit_code = o->exit_code, .signal = o->signal, .output = o->output.buf,
				     .output_len = o->output.len, .output_truncated = o->output_truncated,
				     .ended_at = s->now };
	int ret = -1;

	if (store_w_run_end(st, s->j->run_id, &end))
		goto out;
	bool success = strcmp(o->state, "succeeded") == 0;
	bool cancelled = strcmp(o->state, "cancelled") == 0;
	if (pb && !s->j->manual) {
		struct gate_policy pol = engine_policy(s->e, pb);
		/* a cancelled run (the alert resolved) is not a failure to escalate */
		s->escalated = gate_finished(s->e->gate, pb->name, s->j->fingerprint, s->j->firing, success || cancelled,
					     &pol, s->now);
	} else if (s->j->manual) {
		struct gate_policy pol = { .window = 1 };
		gate_finished(s->e->gate, s->j->playbook, s->j->fingerprint, false, true, &pol, s->now);
	}
	if (!cancelled) {
		struct notify_facts f;
		enum notify_event ev = success ? NOTIFY_SUCCEEDED
				       : strcmp(o->state, "interrupted") == 0 ? NOTIFY_INTERRUPTED
									      : NOTIFY_FAILED;
		engine_job_facts_into(s->e, cfg, s->j, ev, &f);
		f.result = o->result;
		f.output_tail = o->output.buf ? o->output.buf : "";
		f.started_at = s->started_at;
		f.ended_at = s->now;
		if (engine_notify(s->e, cfg, s->j->notify, &f, s->now))
			goto out;
	}
	if (s->escalated && engine_escalate(s->e, cfg, s->j, 0, s->now))
		goto out;
	ret = 0;
out:
	config_unref(cfg);
	return ret;
}

/*
 * Commits apply(arg) as store_exec() does, but while the store fails (disk full, read-only, I/O
 * errors) retries every 0.25 s, doubling up to 5 s, instead of forgetting the run: its start or
 * its end is recorded, and the next run started, as soon as the store is writable again, without
 * a restart. Gives up (-1) at shutdown: at once for a start (the run stays queued in the store
 * for the next start), after the grace period for an end (the next start marks it interrupted).
 */
static int engine_exec_retrying(struct engine *e, struct job *j, bool is_end, int (*apply)(struct store *st, void *arg),
				void *arg, const char *what)
{
	char idbuf[32];
	double wait = 0.25;

	snprintf(idbuf, sizeof(idbuf), "%lld", j->run_id);
	for (int attempt = 0;; attempt++) {
		if (store_exec(e->store, apply, arg) == 0) {
			if (attempt)
				log_info("engine", "store writable again: recorded", "what", what, "run", idbuf);
			return 0;
		}
		pthread_mutex_lock(&e->lock);
		bool give_up = e->stop_workers && (!is_end || j->cancel_reason);
		if (!give_up) {
			struct timespec ts = clock_real_after(wait);
			pthread_cond_timedwait(&e->cond, &e->lock, &ts);
		}
		pthread_mutex_unlock(&e->lock);
		if (give_up)
			return -1;
		if (attempt == 0)
			log_warn("engine", "cannot record a run: retrying until the store is writable", "what", what, "run",
				 idbuf);
		wait = wait * 2 < 5 ? wait * 2 : 5;
	}
}

static void engine_fail_job(struct engine *e, struct job *j, const char *result)
{
	struct run_outcome o;
	memset(&o, 0, sizeof(o));
	o.state = "failed";
	snprintf(o.result, sizeof(o.result), "%s", result);
	struct finish_op f = { .e = e, .j = j, .out = &o, .now = clock_real() };
	if (engine_exec_retrying(e, j, true, engine_finish_apply, &f, "failure") != 0)
		log_error("engine", "cannot record a failed run", "playbook", j->playbook);
	rmetrics_run(j->playbook, "failed", 0);
	engine_kick_outbox(e);
}

static void engine_process(struct engine *e, struct job *j)
{
	struct rcv_config *cfg = engine_config(e);
	const struct playbook *pb = config_playbook(cfg, j->playbook);
	struct strlist env = STRLIST_INIT;
	struct strbuf note = STRBUF_INIT;   /* what the environment left out, first in the recorded output */
	struct run_outcome out;
	char *argv = NULL, *err = NULL, idbuf[32];
	int pipefd[2] = { -1, -1 };

	memset(&out, 0, sizeof(out));
	snprintf(idbuf, sizeof(idbuf), "%lld", j->run_id);
	if (!pb) {
		engine_fail_job(e, j, "playbook is not configured any more");
		goto out;
	}
	struct run_context ctx = { .run_id = j->run_id, .playbook = pb->name, .attempt = j->attempt,
				   .trigger = j->trigger, .extra = &pb->env, .note = &note };
	if (run_build_env(j->alert_json, j->alert_json_len, &ctx, &env, &err)) {
		engine_fail_job(e, j, err);
		goto out;
	}
	argv = run_argv_json(pb);
	struct start_op so = { .e = e, .j = j, .argv = argv, .now = clock_real() };
	if (engine_exec_retrying(e, j, false, engine_start_apply, &so, "start") != 0) {
		log_error("engine", "cannot record the start of a run; it stays queued for the next start", "run", idbuf);
		goto out;
	}
	if (so.result != 0)
		goto out; /* cancelled while queued */
	engine_kick_outbox(e);
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		pipefd[0] = pipefd[1] = -1;
		log_warn("engine", "no cancel pipe for this run", "reason", strerror(errno));
	}
	pthread_mutex_lock(&e->lock);
	j->cancel_pipe[0] = pipefd[0];
	j->cancel_pipe[1] = pipefd[1];
	/* a shutdown past its grace, or the alert resolving, may have been decided while we were
	 * committing the start */
	if (j->cancel_reason && pipefd[1] >= 0 && write(pipefd[1], "c", 1) < 0)
		log_warn("engine", "cannot signal a run to stop", "reason", strerror(errno));
	pthread_mutex_unlock(&e->lock);
	log_info("engine", "run started", "run", idbuf, "playbook", pb->name, "alertname", j->alertname, "fingerprint",
		 j->fingerprint);
	run_execute(pb, j->alert_json, j->alert_json_len, &env, pipefd[0], &j->cancel_reason, &out);
	if (note.len) {
		strbuf_add(&note, out.output.buf ? out.output.buf : "", out.output.len);
		struct strbuf tmp = out.output;
		out.output = note;
		note = tmp;
	}
	pthread_mutex_lock(&e->lock);
	j->cancel_pipe[0] = j->cancel_pipe[1] = -1;
	pthread_mutex_unlock(&e->lock);
	log_info("engine", "run finished", "run", idbuf, "playbook", pb->name, "state", out.state, "result", out.result);
	struct finish_op fo = { .e = e, .j = j, .out = &out, .started_at = so.now, .now = clock_real() };
	if (engine_exec_retrying(e, j, true, engine_finish_apply, &fo, "end") != 0)
		log_error("engine", "cannot record the end of a run; the next start marks it interrupted", "run", idbuf);
	rmetrics_run(pb->name, out.state, out.duration);
	engine_kick_outbox(e);
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	run_outcome_release(&out);
	strbuf_release(&note);
	strlist_clear(&env);
	free(argv);
	free(err);
	config_unref(cfg);
}

/* The first queued job that may start now (pause, enable, per-playbook max_concurrent), or NULL. */
static struct job *engine_pick_locked(struct engine *e)
{
	struct job *prev = NULL;
	for (struct job *j = e->queue_head; j; prev = j, j = j->next) {
		const struct playbook *pb = config_playbook(e->cfg, j->playbook);
		if (pb) {
			if (!j->manual && (e->paused || !engine_enabled_locked(e, pb)))
				continue;
			long n = 0;
			for (struct job *r = e->running; r; r = r->next)
				n += strcmp(r->playbook, j->playbook) == 0;
			if (n >= pb->max_concurrent)
				continue;
		}
		if (prev)
			prev->next = j->next;
		else
			e->queue_head = j->next;
		if (e->queue_tail == j)
			e->queue_tail = prev;
		e->queued--;
		j->next = e->running;
		e->running = j;
		e->nrunning++;
		return j;
	}
	return NULL;
}

void *engine_worker(void *arg)
{
	struct engine *e = arg;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		struct job *j = NULL;
		while (!e->stop_workers && !(j = engine_pick_locked(e)))
			pthread_cond_wait(&e->cond, &e->lock);
		if (!j)
			break;
		pthread_mutex_unlock(&e->lock);
		engine_process(e, j);
		pthread_mutex_lock(&e->lock);
		for (struct job **pp = &e->running; *pp; pp = &(*pp)->next) {
			if (*pp == j) {
				*pp = j->next;
				break;
			}
		}
		e->nrunning--;
		engine_job_free(j);
		pthread_cond_broadcast(&e->cond);
		pthread_cond_broadcast(&e->idle);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}
