/* status.c: the operator API's JSON documents from store and engine (the HTML pages: status_html.c) */
#include "receiver/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"

/* ---- helpers ---- */

static void st_json_str(struct strbuf *sb, const char *key, const char *v, bool comma)
{
	strbuf_addf(sb, "%s\"%s\":", comma ? "," : "", key);
	strbuf_add_json_string(sb, v ? v : "", v ? strlen(v) : 0);
}

static void st_json_num(struct strbuf *sb, const char *key, double v)
{
	strbuf_addf(sb, ",\"%s\":%.17g", key, v);
}

/* ---- JSON ---- */

void status_json(struct engine *e, struct strbuf *out)
{
	struct engine_status es;
	struct gate_entry *ge = NULL;
	size_t nge;

	engine_get_status(e, &es);
	nge = engine_gate_list(e, &ge, 1000);
	strbuf_addf(out, "{\"paused\":%s,\"dry_run\":%s,\"accepting\":%s,\"queued\":%zu,\"running\":%zu",
		    es.paused ? "true" : "false", es.dry_run ? "true" : "false", es.accepting ? "true" : "false", es.queued,
		    es.running);
	strbuf_addstr(out, ",\"playbooks\":[");
	for (size_t i = 0; i < es.nplaybooks; i++) {
		strbuf_addstr(out, i ? ",{" : "{");
		st_json_str(out, "name", es.playbooks[i].name, false);
		strbuf_addf(out, ",\"enabled\":%s,\"queued\":%zu,\"running\":%zu}", es.playbooks[i].enabled ? "true" : "false",
			    es.playbooks[i].queued, es.playbooks[i].running);
	}
	strbuf_addstr(out, "],\"attention\":[");
	for (size_t i = 0; i < nge; i++) {
		strbuf_addstr(out, i ? ",{" : "{");
		st_json_str(out, "playbook", ge[i].playbook, false);
		st_json_str(out, "fingerprint", ge[i].fingerprint, true);
		strbuf_addf(out, ",\"active\":%d,\"attempts\":%d,\"gave_up\":%s", ge[i].active, ge[i].attempts,
			    ge[i].gave_up ? "true" : "false");
		st_json_num(out, "last_run_at", ge[i].last_run_at);
		st_json_num(out, "cooldown_until", ge[i].cooldown_until);
		strbuf_addch(out, '}');
	}
	strbuf_addstr(out, "]}\n");
	free(ge);
	free(es.playbooks);
}

static void st_json_run(struct strbuf *out, const struct store_run *r, bool with_output)
{
	strbuf_addf(out, "{\"id\":%lld,\"alert_id\":%lld", r->id, r->alert_id);
	st_json_str(out, "playbook", r->playbook, true);
	st_json_str(out, "alertname", r->alertname, true);
	st_json_str(out, "fingerprint", r->fingerprint, true);
	st_json_str(out, "starts_at", r->starts_at, true);
	st_json_str(out, "alert_status", r->alert_status, true);
	st_json_str(out, "trigger", r->trigger, true);
	strbuf_addf(out, ",\"attempt\":%d", r->attempt);
	st_json_str(out, "state", r->state, true);
	st_json_str(out, "result", r->result, true);
	strbuf_addstr(out, ",\"argv\":");
	strbuf_addstr(out, r->argv[0] == '[' ? r->argv : "null");
	st_json_str(out, "notify", r->notify, true);
	st_json_num(out, "created_at", r->created_at);
	st_json_num(out, "started_at", r->started_at);
	st_json_num(out, "ended_at", r->ended_at);
	if (r->has_exit)
		strbuf_addf(out, ",\"exit_code\":%d", r->exit_code);
	else
		strbuf_addstr(out, ",\"exit_code\":null");
	strbuf_addf(out, ",\"signal\":%d", r->signal);
	if (with_output) {
		st_json_str(out, "output", r->output, true);
		strbuf_addf(out, ",\"output_truncated\":%s", r->output_truncated ? "true" : "false");
	}
	strbuf_addch(out, '}');
}

int status_json_runs(struct engine *e, const char *state, long long before, size_t limit, struct strbuf *out)
{
	struct store_run *runs = NULL;
	size_t n = 0;
	if (store_list_runs(engine_store(e), state, before, limit, &runs, &n) != 0)
		return -1;
	strbuf_addstr(out, "{\"runs\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(out, ',');
		st_json_run(out, &runs[i], false);
		store_run_release(&runs[i]);
	}
	strbuf_addstr(out, "]}\n");
	free(runs);
	return 0;
}

int status_json_run(struct engine *e, long long id, struct strbuf *out)
{
	struct store_run r;
	int rc = store_get_run(engine_store(e), id, &r);
	if (rc != 0)
		return rc;
	st_json_run(out, &r, true);
	strbuf_addch(out, '\n');
	store_run_release(&r);
	return 0;
}

static void st_json_alert(struct strbuf *out, const struct store_alert *a)
{
	strbuf_addf(out, "{\"id\":%lld,\"notification_id\":%lld", a->id, a->notification_id);
	st_json_num(out, "received_at", a->received_at);
	st_json_str(out, "receiver", a->receiver, true);
	st_json_str(out, "alertname", a->alertname, true);
	st_json_str(out, "status", a->status, true);
	st_json_str(out, "fingerprint", a->fingerprint, true);
	st_json_str(out, "starts_at", a->starts_at, true);
	st_json_str(out, "ends_at", a->ends_at, true);
	st_json_str(out, "decision", a->decision, true);
	strbuf_addstr(out, ",\"alert\":");
	strbuf_addstr(out, a->json[0] == '{' ? a->json : "null");
	strbuf_addch(out, '}');
}

int status_json_alerts(struct engine *e, long long before, size_t limit, struct strbuf *out)
{
	struct store_alert *alerts = NULL;
	size_t n = 0;
	if (store_list_alerts(engine_store(e), before, limit, &alerts, &n) != 0)
		return -1;
	strbuf_addstr(out, "{\"alerts\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(out, ',');
		st_json_alert(out, &alerts[i]);
		store_alert_release(&alerts[i]);
	}
	strbuf_addstr(out, "]}\n");
	free(alerts);
	return 0;
}

int status_json_alert(struct engine *e, long long id, struct strbuf *out)
{
	struct store_alert a;
	int rc = store_get_alert(engine_store(e), id, &a);
	if (rc != 0)
		return rc;
	st_json_alert(out, &a);
	strbuf_addch(out, '\n');
	store_alert_release(&a);
	return 0;
}

int status_json_outbox(struct engine *e, long long before, size_t limit, struct strbuf *out)
{
	struct store_outbox *rows = NULL;
	size_t n = 0;
	if (store_list_outbox(engine_store(e), before, limit, &rows, &n) != 0)
		return -1;
	strbuf_addstr(out, "{\"outbox\":[");
	for (size_t i = 0; i < n; i++) {
		struct store_outbox *o = &rows[i];
		strbuf_addf(out, "%s{\"id\":%lld,\"run_id\":%lld", i ? "," : "", o->id, o->run_id);
		st_json_str(out, "notifier", o->notifier, true);
		st_json_str(out, "event", o->event, true);
		st_json_str(out, "state", o->state, true);
		strbuf_addf(out, ",\"attempts\":%d", o->attempts);
		st_json_num(out, "created_at", o->created_at);
		st_json_num(out, "next_at", o->next_at);
		st_json_num(out, "sent_at", o->sent_at);
		st_json_str(out, "last_error", o->last_error, true);
		strbuf_addch(out, '}');
		store_outbox_release(o);
	}
	strbuf_addstr(out, "]}\n");
	free(rows);
	return 0;
}
