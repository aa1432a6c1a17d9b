/* facts.c: notification facts to and from JSON for the durable outbox (pure) */
#include "receiver/facts.h"

#include <jansson.h>
#include <string.h>

static const char *const facts_events[NOTIFY_EVENT_COUNT] = { "started", "succeeded", "failed", "gave_up",
							       "interrupted" };

const char *facts_event_name(enum notify_event e)
{
	return (unsigned)e < NOTIFY_EVENT_COUNT ? facts_events[e] : "unknown";
}

int facts_event_parse(const char *s, enum notify_event *out)
{
	for (int i = 0; i < NOTIFY_EVENT_COUNT; i++) {
		if (strcmp(facts_events[i], s) == 0) {
			*out = (enum notify_event)i;
			return 0;
		}
	}
	return -1;
}

static void facts_str(struct strbuf *sb, bool *first, const char *key, const char *v)
{
	if (!v)
		return;
	strbuf_addstr(sb, *first ? "\"" : ",\"");
	strbuf_addstr(sb, key);
	strbuf_addstr(sb, "\":");
	strbuf_add_json_string(sb, v, strlen(v));
	*first = false;
}

static void facts_num(struct strbuf *sb, bool *first, const char *key, double v)
{
	strbuf_addf(sb, "%s\"%s\":%.17g", *first ? "" : ",", key, v);
	*first = false;
}

void facts_encode(const struct notify_facts *f, struct strbuf *out)
{
	bool first = true;
	strbuf_addch(out, '{');
	facts_str(out, &first, "event", facts_event_name(f->event));
	facts_str(out, &first, "alertname", f->alertname);
	facts_str(out, &first, "alert_status", f->alert_status);
	facts_str(out, &first, "fingerprint", f->fingerprint);
	facts_str(out, &first, "severity", f->severity);
	facts_str(out, &first, "summary", f->summary);
	facts_str(out, &first, "instance", f->instance);
	facts_str(out, &first, "playbook", f->playbook);
	facts_str(out, &first, "result", f->result);
	facts_str(out, &first, "output_tail", f->output_tail);
	facts_str(out, &first, "hostname", f->hostname);
	facts_str(out, &first, "external_url", f->external_url);
	facts_num(out, &first, "run_id", (double)f->run_id);
	facts_num(out, &first, "attempt", f->attempt);
	facts_num(out, &first, "max_attempts", f->max_attempts);
	facts_num(out, &first, "started_at", f->started_at);
	facts_num(out, &first, "ended_at", f->ended_at);
	strbuf_addch(out, '}');
}

static const char *facts_get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static double facts_get_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : 0;
}

int facts_decode(const char *json, struct facts *out)
{
	json_t *o = json_loads(json, 0, NULL);
	const char *ev;

	memset(out, 0, sizeof(*out));
	if (!o || !json_is_object(o) || !(ev = facts_get_str(o, "event")) || facts_event_parse(ev, &out->f.event)) {
		json_decref(o);
		return -1;
	}
	out->root = o;
	out->f.alertname = facts_get_str(o, "alertname");
	out->f.alert_status = facts_get_str(o, "alert_status");
	out->f.fingerprint = facts_get_str(o, "fingerprint");
	out->f.severity = facts_get_str(o, "severity");
	out->f.summary = facts_get_str(o, "summary");
	out->f.instance = facts_get_str(o, "instance");
	out->f.playbook = facts_get_str(o, "playbook");
	out->f.result = facts_get_str(o, "result");
	out->f.output_tail = facts_get_str(o, "output_tail");
	out->f.hostname = facts_get_str(o, "hostname");
	out->f.external_url = facts_get_str(o, "external_url");
	out->f.run_id = (long)facts_get_num(o, "run_id");
	out->f.attempt = (int)facts_get_num(o, "attempt");
	out->f.max_attempts = (int)facts_get_num(o, "max_attempts");
	out->f.started_at = facts_get_num(o, "started_at");
	out->f.ended_at = facts_get_num(o, "ended_at");
	return 0;
}

void facts_release(struct facts *fx)
{
	json_decref(fx->root);
	memset(fx, 0, sizeof(*fx));
}
