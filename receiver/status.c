/* status.c: status page HTML (no JavaScript, phone-readable) and the operator API's JSON from store and engine */
#include "receiver/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/clock.h"
#include "common/xalloc.h"

#define STATUS_RECENT 50

/* ---- helpers ---- */

static void st_time(struct strbuf *sb, double t)
{
	char buf[32];
	struct tm tm;
	time_t s = (time_t)t;
	if (t <= 0) {
		strbuf_addstr(sb, "-");
		return;
	}
	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%SZ", &tm);
	strbuf_addstr(sb, buf);
}

static void st_duration(struct strbuf *sb, double d)
{
	if (d < 0)
		d = 0;
	if (d < 10)
		strbuf_addf(sb, "%.2fs", d);
	else if (d < 120)
		strbuf_addf(sb, "%.0fs", d);
	else if (d < 7200)
		strbuf_addf(sb, "%.0fm", d / 60);
	else
		strbuf_addf(sb, "%.1fh", d / 3600);
}

static void st_json_str(struct strbuf *sb, const char *key, const char *v, bool comma)
{
	strbuf_addf(sb, "%s\"%s\":", comma ? "," : "", key);
	strbuf_add_json_string(sb, v ? v : "", v ? strlen(v) : 0);
}

static void st_json_num(struct strbuf *sb, const char *key, double v)
{
	strbuf_addf(sb, ",\"%s\":%.17g", key, v);
}

/* The state word gets a class so the page can colour it. */
static const char *st_state_class(const char *state)
{
	if (strcmp(state, "succeeded") == 0)
		return "ok";
	if (strcmp(state, "failed") == 0 || strcmp(state, "gave_up") == 0 || strcmp(state, "interrupted") == 0)
		return "bad";
	if (strcmp(state, "running") == 0 || strcmp(state, "queued") == 0)
		return "busy";
	return "meh";
}

static const char st_css[] =
	"body{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:.5rem;line-height:1.35;color:#222}"
	"h1{font-size:1.3rem;margin:.3rem 0}h2{font-size:1.1rem;margin:1.2rem 0 .4rem;border-bottom:1px solid #ccc}"
	".wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}"
	"th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #eee;vertical-align:top}"
	"td.fp,code{font-family:ui-monospace,monospace;font-size:.8rem;word-break:break-all}"
	".ok{color:#0a6b0a;font-weight:600}.bad{color:#b00020;font-weight:600}.busy{color:#8a5a00;font-weight:600}"
	".meh{color:#555}.banner{padding:.5rem;margin:.5rem 0;border-radius:.3rem}"
	".paused{background:#fff3cd;border:1px solid #e0c36b}.live{background:#e8f5e9;border:1px solid #9ccc9c}"
	"form{display:inline;margin:0}button{font-size:.85rem;padding:.3rem .6rem;margin:.1rem}"
	"pre{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:.5rem;font-size:.8rem}"
	"select{font-size:.85rem;max-width:10rem}";

static void st_head(struct strbuf *sb, const char *title)
{
	strbuf_addstr(sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			  "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
			  "<meta http-equiv=\"refresh\" content=\"30\"><title>");
	strbuf_add_html(sb, title);
	strbuf_addstr(sb, "</title><style>");
	strbuf_addstr(sb, st_css);
	strbuf_addstr(sb, "</style></head><body>\n");
}

static void st_button(struct strbuf *sb, const char *action, const char *label)
{
	strbuf_addstr(sb, "<form method=\"post\" action=\"");
	strbuf_add_html(sb, action);
	strbuf_addstr(sb, "\"><button type=\"submit\">");
	strbuf_add_html(sb, label);
	strbuf_addstr(sb, "</button></form>");
}

/* ---- HTML ---- */

void status_page(struct engine *e, const char *version, struct strbuf *out)
{
	struct engine_status es;
	struct gate_entry *ge = NULL;
	struct store_run *runs = NULL;
	struct store_alert *alerts = NULL;
	size_t nruns = 0, nalerts = 0, nge;
	struct rcv_config *cfg = engine_config(e);
	double now = clock_real();

	engine_get_status(e, &es);
	nge = engine_gate_list(e, &ge, 200);
	store_list_runs(engine_store(e), NULL, 0, STATUS_RECENT, &runs, &nruns);
	store_list_alerts(engine_store(e), 0, STATUS_RECENT, &alerts, &nalerts);

	st_head(out, "homeops remediation");
	strbuf_addstr(out, "<h1>homeops remediation</h1>\n");
	strbuf_addf(out, "<div class=\"banner %s\"><strong>%s</strong>", es.paused ? "paused" : "live",
		    es.paused ? "Paused: alerts are stored, nothing runs." : "Active: playbooks run on matching alerts.");
	if (es.dry_run)
		strbuf_addstr(out, " <strong>Dry run:</strong> runs are recorded, never executed.");
	strbuf_addf(out, " Queued: %zu. Running: %zu. ", es.queued, es.running);
	st_button(out, es.paused ? "/ui/resume" : "/ui/pause", es.paused ? "Resume" : "Pause all");
	strbuf_addstr(out, "</div>\n");

	strbuf_addstr(out, "<h2>Playbooks</h2><div class=\"wrap\"><table><tr><th>Playbook</th><th>State</th>"
			   "<th>Running</th><th>Queued</th><th></th></tr>\n");
	for (size_t i = 0; i < es.nplaybooks; i++) {
		struct engine_playbook_state *p = &es.playbooks[i];
		char action[200];
		strbuf_addstr(out, "<tr><td>");
		strbuf_add_html(out, p->name);
		strbuf_addf(out, "</td><td class=\"%s\">%s</td><td>%zu</td><td>%zu</td><td>", p->enabled ? "ok" : "bad",
			    p->enabled ? "enabled" : "disabled", p->running, p->queued);
		snprintf(action, sizeof(action), "/ui/playbooks/%s/%s", p->name, p->enabled ? "disable" : "enable");
		st_button(out, action, p->enabled ? "Disable" : "Enable");
		strbuf_addstr(out, "</td></tr>\n");
	}
	strbuf_addstr(out, "</table></div>\n");

	strbuf_addstr(out, "<h2>Needs attention</h2>");
	if (nge == 0) {
		strbuf_addstr(out, "<p class=\"meh\">Nothing in cooldown, running or given up.</p>\n");
	} else {
		strbuf_addstr(out, "<div class=\"wrap\"><table><tr><th>Playbook</th><th>Fingerprint</th><th>State</th>"
				   "<th>Attempts in window</th><th>Last run</th></tr>\n");
		for (size_t i = 0; i < nge; i++) {
			strbuf_addstr(out, "<tr><td>");
			strbuf_add_html(out, ge[i].playbook);
			strbuf_addstr(out, "</td><td class=\"fp\">");
			strbuf_add_html(out, ge[i].fingerprint);
			strbuf_addstr(out, "</td><td>");
			if (ge[i].gave_up)
				strbuf_addstr(out, "<span class=\"bad\">gave up</span> ");
			if (ge[i].active)
				strbuf_addf(out, "<span class=\"busy\">%d active</span> ", ge[i].active);
			if (ge[i].cooldown_until > now) {
				strbuf_addstr(out, "<span class=\"meh\">cooldown ");
				st_duration(out, ge[i].cooldown_until - now);
				strbuf_addstr(out, " left</span>");
			}
			strbuf_addf(out, "</td><td>%d</td><td>", ge[i].attempts);
			st_time(out, ge[i].last_run_at);
			strbuf_addstr(out, "</td></tr>\n");
		}
		strbuf_addstr(out, "</table></div>\n");
	}

	strbuf_addstr(out, "<h2>Recent runs</h2>");
	if (nruns == 0)
		strbuf_addstr(out, "<p class=\"meh\">No runs yet.</p>\n");
	else
		strbuf_addstr(out, "<div class=\"wrap\"><table><tr><th>#</th><th>Created</th><th>Playbook</th><th>Alert</th>"
				   "<th>State</th><th>Result</th><th>Took</th></tr>\n");
	for (size_t i = 0; i < nruns; i++) {
		struct store_run *r = &runs[i];
		strbuf_addf(out, "<tr><td><a href=\"/ui/runs/%lld\">%lld</a></td><td>", r->id, r->id);
		st_time(out, r->created_at);
		strbuf_addstr(out, "</td><td>");
		strbuf_add_html(out, r->playbook);
		strbuf_addstr(out, "</td><td>");
		strbuf_add_html(out, r->alertname);
		strbuf_addstr(out, " <span class=\"meh\">(");
		strbuf_add_html(out, r->alert_status);
		strbuf_addf(out, ")</span></td><td class=\"%s\">", st_state_class(r->state));
		strbuf_add_html(out, r->state);
		strbuf_addstr(out, "</td><td>");
		strbuf_add_html(out, r->result);
		strbuf_addstr(out, "</td><td>");
		if (r->started_at > 0 && r->ended_at > 0)
			st_duration(out, r->ended_at - r->started_at);
		strbuf_addstr(out, "</td></tr>\n");
	}
	if (nruns)
		strbuf_addstr(out, "</table></div>\n");

	strbuf_addstr(out, "<h2>Recent alerts</h2>");
	if (nalerts == 0)
		strbuf_addstr(out, "<p class=\"meh\">No alerts received yet.</p>\n");
	else
		strbuf_addstr(out, "<div class=\"wrap\"><table><tr><th>#</th><th>Received</th><th>Alert</th><th>Status</th>"
				   "<th>Fingerprint</th><th>Decision</th><th>Run by hand</th></tr>\n");
	for (size_t i = 0; i < nalerts; i++) {
		struct store_alert *a = &alerts[i];
		strbuf_addf(out, "<tr><td>%lld</td><td>", a->id);
		st_time(out, a->received_at);
		strbuf_addstr(out, "</td><td>");
		strbuf_add_html(out, a->alertname);
		strbuf_addf(out, "</td><td class=\"%s\">", strcmp(a->status, "firing") == 0 ? "bad" : "ok");
		strbuf_add_html(out, a->status);
		strbuf_addstr(out, "</td><td class=\"fp\">");
		strbuf_add_html(out, a->fingerprint);
		strbuf_addstr(out, "</td><td>");
		strbuf_add_html(out, a->decision);
		strbuf_addstr(out, "</td><td>");
		if (cfg->nplaybooks) {
			strbuf_addf(out, "<form method=\"post\" action=\"/ui/runs\"><input type=\"hidden\" name=\"alert_id\""
					 " value=\"%lld\"><select name=\"playbook\" aria-label=\"playbook\">", a->id);
			for (size_t k = 0; k < cfg->nplaybooks; k++) {
				strbuf_addstr(out, "<option>");
				strbuf_add_html(out, cfg->playbooks[k].name);
				strbuf_addstr(out, "</option>");
			}
			strbuf_addstr(out, "</select><button type=\"submit\">Run</button></form>");
		}
		strbuf_addstr(out, "</td></tr>\n");
	}
	if (nalerts)
		strbuf_addstr(out, "</table></div>\n");
	strbuf_addstr(out, "<p class=\"meh\">remediation_receiver ");
	strbuf_add_html(out, version);
	strbuf_addstr(out, " &middot; <a href=\"/metrics\">metrics</a> &middot; <a href=\"/api/v1/status\">API</a> "
			   "&middot; page generated ");
	st_time(out, now);
	strbuf_addstr(out, "</p>\n</body></html>\n");

	for (size_t i = 0; i < nruns; i++)
		store_run_release(&runs[i]);
	free(runs);
	for (size_t i = 0; i < nalerts; i++)
		store_alert_release(&alerts[i]);
	free(alerts);
	free(ge);
	free(es.playbooks);
	config_unref(cfg);
}

int status_run_page(struct engine *e, long long id, struct strbuf *out)
{
	struct store_run r;
	char title[64];
	if (store_get_run(engine_store(e), id, &r) != 0)
		return 1;
	snprintf(title, sizeof(title), "run %lld", id);
	st_head(out, title);
	strbuf_addf(out, "<h1>Run %lld: ", id);
	strbuf_add_html(out, r.playbook);
	strbuf_addf(out, " <span class=\"%s\">", st_state_class(r.state));
	strbuf_add_html(out, r.state);
	strbuf_addstr(out, "</span></h1><p><a href=\"/\">&larr; status</a></p><div class=\"wrap\"><table>");
	strbuf_addstr(out, "<tr><th>Alert</th><td>");
	strbuf_add_html(out, r.alertname);
	strbuf_addstr(out, " (");
	strbuf_add_html(out, r.alert_status);
	strbuf_addf(out, ", alert #%lld)</td></tr><tr><th>Fingerprint</th><td class=\"fp\">", r.alert_id);
	strbuf_add_html(out, r.fingerprint);
	strbuf_addstr(out, "</td></tr><tr><th>Trigger</th><td>");
	strbuf_add_html(out, r.trigger);
	strbuf_addf(out, " (attempt %d)</td></tr><tr><th>Command</th><td><code>", r.attempt);
	strbuf_add_html(out, r.argv);
	strbuf_addstr(out, "</code></td></tr><tr><th>Created</th><td>");
	st_time(out, r.created_at);
	strbuf_addstr(out, "</td></tr><tr><th>Started</th><td>");
	st_time(out, r.started_at);
	strbuf_addstr(out, "</td></tr><tr><th>Ended</th><td>");
	st_time(out, r.ended_at);
	strbuf_addstr(out, "</td></tr><tr><th>Result</th><td>");
	strbuf_add_html(out, r.result);
	strbuf_addstr(out, "</td></tr><tr><th>Notify</th><td>");
	strbuf_add_html(out, r.notify);
	strbuf_addstr(out, "</td></tr></table></div><h2>Output");
	if (r.output_truncated)
		strbuf_addstr(out, " (tail)");
	strbuf_addstr(out, "</h2><pre>");
	strbuf_add_html(out, r.output);
	strbuf_addstr(out, "</pre></body></html>\n");
	store_run_release(&r);
	return 0;
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
