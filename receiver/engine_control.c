/* engine_control.c: operator controls: pause, enable/disable a playbook, manual runs */
#include "receiver/engine.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "receiver/engine_internal.h"

/* ---- operator controls ---- */

struct setting_op {
	const char *key;
	const char *value;
};

static int engine_setting_apply(struct store *st, void *arg)
{
	struct setting_op *s = arg;
	return store_w_setting(st, s->key, s->value);
}

int engine_set_paused(struct engine *e, bool paused, char **err)
{
	struct setting_op s = { "paused", paused ? "1" : "0" };
	if (store_exec(e->store, engine_setting_apply, &s) != 0) {
		*err = xstrdup("cannot store the setting");
		return -1;
	}
	pthread_mutex_lock(&e->lock);
	e->paused = paused;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	log_warn("engine", paused ? "remediation paused by the operator" : "remediation resumed by the operator");
	return 0;
}

int engine_set_enabled(struct engine *e, const char *playbook, bool enabled, char **err)
{
	struct rcv_config *cfg = engine_config(e);
	bool known = config_playbook(cfg, playbook) != NULL;
	config_unref(cfg);
	if (!known) {
		*err = xasprintf("unknown playbook \"%s\"", playbook);
		return -1;
	}
	char *key = xasprintf("playbook.%s.enabled", playbook);
	struct setting_op s = { key, enabled ? "1" : "0" };
	int rc = store_exec(e->store, engine_setting_apply, &s);
	free(key);
	if (rc != 0) {
		*err = xstrdup("cannot store the setting");
		return -1;
	}
	pthread_mutex_lock(&e->lock);
	size_t i;
	for (i = 0; i < e->noverrides; i++)
		if (strcmp(e->overrides[i].playbook, playbook) == 0)
			break;
	if (i == e->noverrides) {
		e->overrides = xrealloc(e->overrides, (e->noverrides + 1) * sizeof(*e->overrides));
		e->overrides[i].playbook = xstrdup(playbook);
		e->noverrides++;
	}
	e->overrides[i].enabled = enabled;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	log_warn("engine", enabled ? "playbook enabled by the operator" : "playbook disabled by the operator", "playbook",
		 playbook);
	return 0;
}

struct manual_op {
	struct engine *e;
	struct store_alert *a;
	const char *playbook;
	const char *notify;
	bool dry_run;
	long long id;
};

static int engine_manual_apply(struct store *st, void *arg)
{
	struct manual_op *m = arg;
	struct store_run_in r = { .alert_id = m->a->id, .playbook = m->playbook, .fingerprint = m->a->fingerprint,
				  .starts_at = m->a->starts_at, .alert_status = m->a->status, .trigger = "manual",
				  .state = m->dry_run ? "dry_run" : "queued", .notify = m->notify, .attempt = 0,
				  .result = m->dry_run ? "dry run: not executed" : "", .created_at = clock_real() };
	m->id = store_w_run(st, &r);
	if (m->id < 0)
		return -1;
	if (!m->dry_run)
		gate_manual_start(m->e->gate, m->playbook, m->a->fingerprint);
	return 0;
}

/* The stored alert's JSON parsed back into a one-alert payload (0), for its labels. */
static int engine_stored_alert_parse(const struct store_alert *a, struct wh_payload *p)
{
	struct strbuf body = STRBUF_INIT;
	char *err = NULL;
	int ret = -1;

	strbuf_addstr(&body, "{\"version\":\"4\",\"alerts\":[");
	strbuf_addstr(&body, a->json);
	strbuf_addstr(&body, "]}");
	if (wh_parse(body.buf, body.len, p, &err) == 0) {
		if (p->nalerts == 1)
			ret = 0;
		else
			wh_payload_release(p);
	}
	free(err);
	strbuf_release(&body);
	return ret;
}

/* Notifiers for a manual run: those of the routes that send this alert to this playbook, else global.notify. */
static char *engine_manual_notify(const struct rcv_config *cfg, const struct store_alert *a, const char *playbook)
{
	struct strbuf sb = STRBUF_INIT;
	struct wh_payload p;
	size_t idx[ENGINE_MAX_ROUTES_PER_ALERT], n = 0;

	if (engine_stored_alert_parse(a, &p) == 0) {
		n = route_select(cfg->routes, cfg->nroutes, a->receiver, &p.alerts[0].labels, idx, ENGINE_MAX_ROUTES_PER_ALERT);
		wh_payload_release(&p);
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cfg->routes[idx[i]].playbook, playbook) != 0)
			continue;
		if (sb.len)
			strbuf_addch(&sb, ',');
		engine_join_notify(&cfg->routes[idx[i]], &sb);
	}
	for (size_t i = 0; sb.len == 0 && i < cfg->default_notify.n; i++) {
		if (i)
			strbuf_addch(&sb, ',');
		strbuf_addstr(&sb, cfg->default_notify.items[i]);
	}
	return strbuf_detach(&sb, NULL);
}

long long engine_run_manual(struct engine *e, long long alert_id, const char *playbook, char **err)
{
	struct store_alert a;
	struct rcv_config *cfg = engine_config(e);
	long long id = -1;
	char *notify = NULL;
	int found;

	memset(&a, 0, sizeof(a));
	if (!config_playbook(cfg, playbook)) {
		*err = xasprintf("unknown playbook \"%s\"", playbook);
		goto out;
	}
	found = store_get_alert(e->store, alert_id, &a);
	if (found != 0) {
		*err = found > 0 ? xasprintf("no stored alert %lld", alert_id) : xstrdup("store error");
		goto out;
	}
	struct wh_payload p;
	if (cfg->host && engine_stored_alert_parse(&a, &p) == 0) {
		const char *host = engine_foreign_host(cfg, &p.alerts[0].labels);
		char *refused = host ? xasprintf("refused: alert for host \"%s\", this receiver acts for \"%s\"",
						 host, cfg->host) : NULL;
		wh_payload_release(&p);
		if (refused) {
			*err = refused;
			goto out;
		}
	}
	pthread_mutex_lock(&e->lock);
	bool accepting = e->accepting;
	pthread_mutex_unlock(&e->lock);
	if (!accepting) {
		*err = xstrdup("shutting down");
		goto out;
	}
	if (!e->dry_run && !engine_reserve(e)) {
		*err = xstrdup("run queue full");
		goto out;
	}
	notify = engine_manual_notify(cfg, &a, playbook);
	struct manual_op m = { .e = e, .a = &a, .playbook = playbook, .notify = notify, .dry_run = e->dry_run };
	if (store_exec(e->store, engine_manual_apply, &m) != 0) {
		if (!e->dry_run)
			engine_unreserve(e, 1);
		*err = xstrdup("cannot store the run");
		goto out;
	}
	if (!e->dry_run) {
		struct job *j = engine_job_new(m.id, playbook, a.fingerprint, a.starts_at, strcmp(a.status, "firing") == 0,
					       "manual", notify, a.json, strlen(a.json), 0, clock_real());
		pthread_mutex_lock(&e->lock);
		e->reserved--;
		engine_enqueue_locked(e, j);
		pthread_cond_broadcast(&e->cond);
		pthread_mutex_unlock(&e->lock);
	}
	id = m.id;
	char ids[32];
	snprintf(ids, sizeof(ids), "%lld", id);
	log_info("engine", "manual run queued", "run", ids, "playbook", playbook);
out:
	free(notify);
	store_alert_release(&a);
	config_unref(cfg);
	return id;
}
