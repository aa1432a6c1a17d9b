/* engine_recover.c: recovery at start: operator settings, interrupted and queued runs, the gate rebuilt from the store */
#include "receiver/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "receiver/engine_internal.h"

/* ---- recovery ---- */

struct recover_op {
	struct engine *e;
	struct store_run *runs;
	size_t n;
	struct job *retries;
};

static int engine_recover_apply(struct store *st, void *arg)
{
	struct recover_op *r = arg;
	struct engine *e = r->e;
	struct rcv_config *cfg = engine_config(e);
	double now = clock_real();
	int ret = -1;

	for (size_t i = 0; i < r->n; i++) {
		struct store_run *run = &r->runs[i];
		struct store_alert a;
		if (strcmp(run->state, "running") != 0)
			continue;
		if (store_w_run_state(st, run->id, "interrupted", "interrupted: the receiver stopped while it ran", now))
			goto out;
		memset(&a, 0, sizeof(a));
		int found = run->alert_id > 0 ? store_get_alert(st, run->alert_id, &a) : 1;
		const char *json = found == 0 ? a.json : "{}";
		struct job *j = engine_job_new(run->id, run->playbook, run->fingerprint, run->starts_at,
					       strcmp(run->alert_status, "firing") == 0, run->trigger, run->notify, json,
					       strlen(json), run->attempt, run->created_at);
		struct notify_facts f;
		engine_job_facts_into(e, cfg, j, NOTIFY_INTERRUPTED, &f);
		f.result = "interrupted: the receiver stopped while it ran";
		f.started_at = run->started_at;
		f.ended_at = now;
		int rc = engine_notify(e, cfg, run->notify, &f, now);
		const struct playbook *pb = config_playbook(cfg, run->playbook);
		log_warn("engine", "run was interrupted by a restart", "playbook", run->playbook, "fingerprint",
			 run->fingerprint, "retry", pb && pb->retry_interrupted ? "yes" : "no");
		if (rc == 0 && pb && pb->retry_interrupted) {
			struct store_run_in ri = { .alert_id = run->alert_id, .playbook = run->playbook,
						   .fingerprint = run->fingerprint, .starts_at = run->starts_at,
						   .alert_status = run->alert_status, .trigger = "retry", .state = "queued",
						   .notify = run->notify, .attempt = run->attempt, .created_at = now };
			long long id = store_w_run(st, &ri);
			if (id < 0)
				rc = -1;
			j->run_id = id;
			free(j->trigger);
			j->trigger = xstrdup("retry");
			j->next = r->retries;
			r->retries = j;
			j = NULL;
		}
		engine_job_free(j);
		store_alert_release(&a);
		if (rc)
			goto out;
	}
	ret = 0;
out:
	config_unref(cfg);
	return ret;
}

static void engine_replay_one(void *arg, const char *playbook, const char *fingerprint, const char *starts_at,
			      const char *alert_status, const char *trigger, const char *state, double created_at)
{
	struct engine *e = arg;
	if (!playbook || !fingerprint || !starts_at || !alert_status || !trigger || !state)
		return;
	bool manual = strcmp(trigger, "manual") == 0;
	bool gave_up = strcmp(state, "gave_up") == 0;
	/* dry runs and runs cancelled before they started count for dedupe, as they did live */
	bool active = strcmp(state, "queued") == 0 || strcmp(state, "running") == 0;
	gate_replay(e->gate, playbook, fingerprint, starts_at, strcmp(alert_status, "firing") == 0, manual, gave_up,
		    active, created_at);
}

static void engine_setting_one(void *arg, const char *key, const char *value)
{
	struct engine *e = arg;
	const char *name = key + strlen("playbook.");
	size_t nlen = strlen(name);
	if (nlen < 9 || strcmp(name + nlen - 8, ".enabled") != 0)
		return;
	e->overrides = xrealloc(e->overrides, (e->noverrides + 1) * sizeof(*e->overrides));
	e->overrides[e->noverrides].playbook = xstrndup(name, nlen - 8);
	e->overrides[e->noverrides].enabled = strcmp(value, "1") == 0;
	e->noverrides++;
}

/* Rebuilds the gate from committed runs (after a failed batch commit: memory may be ahead of the disk). */
void engine_rebuild_gate(void *arg)
{
	struct engine *e = arg;
	struct gate *g = gate_new(), *old;
	pthread_mutex_lock(&e->lock);
	old = e->gate;
	e->gate = g;
	pthread_mutex_unlock(&e->lock);
	if (store_replay_runs(e->store, 0, engine_replay_one, e) != 0)
		log_error("engine", "cannot rebuild the dedupe state from the store");
	log_warn("engine", "a store commit failed: dedupe state rebuilt from the store");
	gate_free(old);
}

int engine_recover(struct engine *e)
{
	struct recover_op rec = { .e = e };
	char *v = NULL;
	size_t nq = 0;

	/* settings */
	if (store_get_setting(e->store, "paused", &v) != 0) {
		log_error("engine", "cannot read settings from the store");
		return -1;
	}
	e->paused = v && strcmp(v, "1") == 0;
	free(v);
	store_list_settings(e->store, "playbook.", engine_setting_one, e);
	if (e->paused)
		log_warn("engine", "remediation is paused (operator setting): alerts are stored, nothing runs");

	/* runs in flight at a crash are interrupted; queued runs resume */
	if (store_active_runs(e->store, &rec.runs, &rec.n) != 0 || store_exec(e->store, engine_recover_apply, &rec) != 0) {
		log_error("engine", "recovery of unfinished runs failed");
		for (size_t i = 0; i < rec.n; i++)
			store_run_release(&rec.runs[i]);
		free(rec.runs);
		return -1;
	}
	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; i < rec.n; i++) {
		struct store_run *run = &rec.runs[i];
		if (strcmp(run->state, "queued") == 0) {
			struct store_alert a;
			int found = run->alert_id > 0 ? store_get_alert(e->store, run->alert_id, &a) : 1;
			const char *json = found == 0 ? a.json : "{}";
			struct job *j = engine_job_new(run->id, run->playbook, run->fingerprint, run->starts_at,
						       strcmp(run->alert_status, "firing") == 0, run->trigger, run->notify,
						       json, strlen(json), run->attempt, run->created_at);
			if (found == 0)
				store_alert_release(&a);
			engine_enqueue_locked(e, j);
			nq++;
		}
		store_run_release(run);
	}
	while (rec.retries) {
		struct job *j = rec.retries;
		rec.retries = j->next;
		engine_enqueue_locked(e, j);
		nq++;
	}
	pthread_mutex_unlock(&e->lock);
	free(rec.runs);
	if (nq) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%zu", nq);
		log_info("engine", "resuming queued runs", "count", buf);
	}

	/* dedupe, cooldown and attempts from the stored runs */
	if (store_replay_runs(e->store, 0, engine_replay_one, e) != 0) {
		log_error("engine", "cannot rebuild the dedupe state from the store");
		return -1;
	}
	return 0;
}
