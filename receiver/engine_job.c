/* engine_job.c: jobs (runs in memory), their notification facts, outbox rows and escalation */
#include "receiver/engine.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "receiver/engine_internal.h"

/* ---- jobs ---- */

void engine_job_free(struct job *j)
{
	if (!j)
		return;
	free(j->playbook);
	free(j->fingerprint);
	free(j->starts_at);
	free(j->trigger);
	free(j->notify);
	free(j->alert_json);
	free(j->alertname);
	free(j->alert_status);
	free(j->severity);
	free(j->summary);
	free(j->instance);
	free(j);
}

static char *engine_json_dup(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return xstrdup(json_is_string(v) ? json_string_value(v) : "");
}

/* Fills the notification facts of a job from its alert JSON. */
static void engine_job_facts(struct job *j)
{
	json_t *a = json_loadb(j->alert_json, j->alert_json_len, 0, NULL);
	json_t *labels = json_object_get(a, "labels"), *ann = json_object_get(a, "annotations");
	j->alertname = engine_json_dup(labels, "alertname");
	j->severity = engine_json_dup(labels, "severity");
	j->instance = engine_json_dup(labels, "instance");
	j->summary = engine_json_dup(ann, "summary");
	if (!*j->summary) {
		free(j->summary);
		j->summary = engine_json_dup(ann, "description");
	}
	j->alert_status = engine_json_dup(a, "status");
	json_decref(a);
}

struct job *engine_job_new(long long run_id, const char *playbook, const char *fingerprint, const char *starts_at,
			   bool firing, const char *trigger, const char *notify, const char *json, size_t json_len,
				  int attempt, double created_at)
{
	struct job *j = xcalloc(1, sizeof(*j));
	j->run_id = run_id;
	j->playbook = xstrdup(playbook);
	j->fingerprint = xstrdup(fingerprint);
	j->starts_at = xstrdup(starts_at);
	j->firing = firing;
	j->trigger = xstrdup(trigger);
	j->manual = strcmp(trigger, "manual") == 0;
	j->notify = xstrdup(notify ? notify : "");
	j->alert_json = xstrndup(json, json_len);
	j->alert_json_len = json_len;
	j->attempt = attempt;
	j->created_at = created_at;
	j->cancel_pipe[0] = j->cancel_pipe[1] = -1;
	engine_job_facts(j);
	return j;
}

/* ---- helpers ---- */

bool engine_enabled_locked(struct engine *e, const struct playbook *pb)
{
	for (size_t i = 0; i < e->noverrides; i++)
		if (strcmp(e->overrides[i].playbook, pb->name) == 0)
			return e->overrides[i].enabled;
	return pb->enabled;
}

struct gate_policy engine_policy(struct engine *e, const struct playbook *pb)
{
	struct gate_policy p;
	pthread_mutex_lock(&e->lock);
	p.cooldown = pb->cooldown;
	p.window = pb->window;
	p.max_attempts = pb->max_attempts;
	p.enabled = engine_enabled_locked(e, pb);
	p.paused = e->paused;
	pthread_mutex_unlock(&e->lock);
	return p;
}

void engine_kick_outbox(struct engine *e)
{
	if (e->outbox_kick)
		e->outbox_kick(e->outbox_arg);
}

void engine_join_notify(const struct route *r, struct strbuf *sb)
{
	for (size_t i = 0; i < r->notify.n; i++) {
		if (i)
			strbuf_addch(sb, ',');
		strbuf_addstr(sb, r->notify.items[i]);
	}
}

/* Adds one outbox row per notifier of the comma list that wants this event. Writer thread only. */
int engine_notify(struct engine *e, const struct rcv_config *cfg, const char *notify,
			 const struct notify_facts *f, double now)
{
	struct strbuf json = STRBUF_INIT;
	char *list = xstrdup(notify ? notify : ""), *save = NULL;
	int ret = 0;

	facts_encode(f, &json);
	for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		const struct notifier *n = config_notifier(cfg, name);
		if (!n || !(n->events & (1u << f->event)))
			continue;
		if (store_w_outbox(e->store, name, facts_event_name(f->event), f->run_id, json.buf, now) < 0)
			ret = -1;
	}
	free(list);
	strbuf_release(&json);
	return ret;
}

void engine_job_facts_into(struct engine *e, const struct rcv_config *cfg, const struct job *j,
				  enum notify_event ev, struct notify_facts *f)
{
	const struct playbook *pb = config_playbook(cfg, j->playbook);
	memset(f, 0, sizeof(*f));
	f->event = ev;
	f->alertname = j->alertname;
	f->alert_status = j->alert_status;
	f->fingerprint = j->fingerprint;
	f->severity = j->severity;
	f->summary = j->summary;
	f->instance = j->instance;
	f->playbook = j->playbook;
	f->run_id = (long)j->run_id;
	f->attempt = j->attempt;
	f->max_attempts = pb ? (int)pb->max_attempts : 0;
	f->hostname = e->hostname;
	f->external_url = cfg->external_url;
}

/* Records that the receiver gives up on (playbook, fingerprint): a gave_up row and its notifications. */
int engine_escalate(struct engine *e, const struct rcv_config *cfg, const struct job *j, long long alert_id,
			   double now)
{
	const struct playbook *pb = config_playbook(cfg, j->playbook);
	char result[96];
	snprintf(result, sizeof(result), "gave up after %ld attempts", pb ? pb->max_attempts : 0L);
	struct store_run_in r = { .alert_id = alert_id, .playbook = j->playbook, .fingerprint = j->fingerprint,
				  .starts_at = j->starts_at, .alert_status = j->alert_status, .trigger = "escalation",
				  .state = "gave_up", .notify = j->notify, .result = result, .attempt = j->attempt,
				  .created_at = now, .ended_at = now };
	long long id = store_w_run(e->store, &r);
	if (id < 0)
		return -1;
	struct notify_facts f;
	engine_job_facts_into(e, cfg, j, NOTIFY_GAVE_UP, &f);
	f.run_id = (long)id;
	f.result = result;
	log_warn("engine", "giving up", "playbook", j->playbook, "fingerprint", j->fingerprint, "alertname",
		 j->alertname);
	return engine_notify(e, cfg, j->notify, &f, now);
}
