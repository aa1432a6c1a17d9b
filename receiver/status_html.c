/* status_html.c: the operator's pages (no JavaScript, phone-readable): which alert, why, what was done, what next */
#include "receiver/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/clock.h"
#include "common/xalloc.h"
#include "receiver/alert_view.h"
#include "receiver/route.h"

#define STATUS_RECENT 50
#define IDENT_WIDTH 90       /* characters of identifying labels in a table cell */
#define LAST_LINE_WIDTH 160  /* characters of a failed run's last output line */

/* ---- small pieces ---- */

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
	else if (d < 172800)
		strbuf_addf(sb, "%.1fh", d / 3600);
	else
		strbuf_addf(sb, "%.1fd", d / 86400);
}

/* "2026-12-02 13:20:05Z <span class="meh">(3m ago)</span>": when, and how old it is now. */
static void st_when(struct strbuf *sb, double t, double now)
{
	st_time(sb, t);
	if (t <= 0)
		return;
	strbuf_addstr(sb, " <span class=\"meh\">(");
	if (t > now + 1) {
		strbuf_addstr(sb, "in ");
		st_duration(sb, t - now);
	} else {
		st_duration(sb, now - t);
		strbuf_addstr(sb, " ago");
	}
	strbuf_addstr(sb, ")</span>");
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

static bool st_run_failed(const char *state)
{
	return strcmp(state, "failed") == 0 || strcmp(state, "gave_up") == 0 || strcmp(state, "interrupted") == 0;
}

/* Inline <style> is allowed by the pages' Content-Security-Policy; there is no script at all. */
static const char st_css[] =
	"body{font-family:system-ui,sans-serif;margin:0 auto;max-width:80rem;padding:.5rem;line-height:1.35;color:#222}"
	"h1{font-size:1.3rem;margin:.3rem 0}h2{font-size:1.1rem;margin:1.2rem 0 .4rem;border-bottom:1px solid #ccc}"
	"h3{font-size:1rem;margin:.8rem 0 .3rem}"
	".wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}table{border-collapse:collapse;width:100%;font-size:.9rem}"
	"th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #eee;vertical-align:top}"
	"td.fp,code{font-family:ui-monospace,monospace;font-size:.8rem;word-break:break-all}"
	".ok{color:#0a6b0a;font-weight:600}.bad{color:#b00020;font-weight:600}.busy{color:#8a5a00;font-weight:600}"
	".meh{color:#555}.banner{padding:.5rem;margin:.5rem 0;border-radius:.3rem}"
	".paused{background:#fff3cd;border:1px solid #e0c36b}.live{background:#e8f5e9;border:1px solid #9ccc9c}"
	".ident{font-size:.8rem;color:#333;word-break:break-word}.sum{font-size:.85rem;color:#444}"
	".last{font-family:ui-monospace,monospace;font-size:.78rem;color:#7a0015;word-break:break-word}"
	".att{font-size:.8rem;color:#555}"
	"form{display:inline;margin:0}button{font-size:.85rem;padding:.3rem .6rem;margin:.1rem}"
	"pre{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:.5rem;font-size:.8rem}"
	"select{font-size:.85rem;max-width:14rem}dl{margin:.2rem 0}dt{font-weight:600}dd{margin:0 0 .3rem 1rem}"
	"@media (max-width:40rem){body{padding:.3rem}table{font-size:.8rem}th,td{padding:.2rem .25rem}"
	"td.fp{display:none}th.fp{display:none}select{max-width:9rem}}";

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

static void st_foot(struct strbuf *sb, const char *version, double now)
{
	strbuf_addstr(sb, "<p class=\"meh\">remediation_receiver ");
	strbuf_add_html(sb, version ? version : "");
	strbuf_addstr(sb, " &middot; <a href=\"/metrics\">metrics</a> &middot; <a href=\"/api/v1/status\">API</a> "
			  "&middot; page generated <span id=\"generated\">");
	st_time(sb, now);
	strbuf_addstr(sb, "</span>, refreshes itself every 30 s</p>\n</body></html>\n");
}

static void st_button(struct strbuf *sb, const char *action, const char *label)
{
	strbuf_addstr(sb, "<form method=\"post\" action=\"");
	strbuf_add_html(sb, action);
	strbuf_addstr(sb, "\"><button type=\"submit\">");
	strbuf_add_html(sb, label);
	strbuf_addstr(sb, "</button></form>");
}

/* A runbook link when the URL is http(s), else the text, inert. */
static void st_runbook(struct strbuf *sb, const char *url)
{
	if (!url || !*url)
		return;
	if (alert_view_link_ok(url)) {
		strbuf_addstr(sb, "<a class=\"runbook\" rel=\"noopener noreferrer\" href=\"");
		strbuf_add_html(sb, url);
		strbuf_addstr(sb, "\">runbook</a>");
	} else {
		strbuf_addstr(sb, "<span class=\"runbook-text meh\">runbook (not a web link): ");
		strbuf_add_html(sb, url);
		strbuf_addstr(sb, "</span>");
	}
}

/* Alert name, the labels that tell it apart, and (with detail) its summary and runbook. */
static void st_alert_cell(struct strbuf *sb, const char *alertname, const struct alert_view *v, bool detail)
{
	struct strbuf ident = STRBUF_INIT;
	strbuf_addstr(sb, "<strong class=\"alertname\">");
	strbuf_add_html(sb, *v->alertname ? v->alertname : alertname);
	strbuf_addstr(sb, "</strong>");
	alert_view_ident_text(v, IDENT_WIDTH, &ident);
	if (ident.len) {
		strbuf_addstr(sb, "<div class=\"ident\">");
		strbuf_add_html(sb, strbuf_cstr(&ident));
		strbuf_addstr(sb, "</div>");
	}
	strbuf_release(&ident);
	if (detail && v->summary && *v->summary) {
		strbuf_addstr(sb, "<div class=\"sum\">");
		strbuf_add_html(sb, v->summary);
		strbuf_addstr(sb, "</div>");
	}
	if (detail && v->runbook_url) {
		strbuf_addstr(sb, "<div>");
		st_runbook(sb, v->runbook_url);
		strbuf_addstr(sb, "</div>");
	}
}

/* The last non-empty line of a run's output, cut to a width. */
static void st_last_line(struct strbuf *sb, const char *output)
{
	const char *end, *start;
	size_t len;

	if (!output)
		return;
	end = output + strlen(output);
	while (end > output && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (end == output)
		return;
	start = end;
	while (start > output && start[-1] != '\n')
		start--;
	len = (size_t)(end - start);
	char *line = xstrndup(start, len > LAST_LINE_WIDTH ? LAST_LINE_WIDTH : len);
	strbuf_addstr(sb, "<div class=\"last\">");
	strbuf_add_html(sb, line);
	if (len > LAST_LINE_WIDTH)
		strbuf_addstr(sb, "\xE2\x80\xA6");
	strbuf_addstr(sb, "</div>");
	free(line);
}

static const struct playbook *st_playbook(const struct rcv_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nplaybooks; i++)
		if (strcmp(cfg->playbooks[i].name, name) == 0)
			return &cfg->playbooks[i];
	return NULL;
}

static const struct gate_entry *st_gate(const struct gate_entry *ge, size_t nge, const char *playbook,
					const char *fingerprint)
{
	for (size_t i = 0; i < nge; i++)
		if (strcmp(ge[i].playbook, playbook) == 0 && strcmp(ge[i].fingerprint, fingerprint) == 0)
			return &ge[i];
	return NULL;
}

/* "attempt 1 of 2, next after cooldown at ...": where the repair stands and what happens next. */
static void st_attempt(struct strbuf *sb, const struct store_run *r, const struct playbook *pb,
		       const struct gate_entry *g, double now)
{
	strbuf_addstr(sb, "<div class=\"att\">");
	if (pb && pb->max_attempts > 0)
		strbuf_addf(sb, "attempt %d of %ld", r->attempt, pb->max_attempts);
	else
		strbuf_addf(sb, "attempt %d", r->attempt);
	if (st_run_failed(r->state)) {
		if (g && g->gave_up)
			strbuf_addstr(sb, ", gave up: no more automatic attempts");
		else if (g && g->cooldown_until > now) {
			strbuf_addstr(sb, ", next after cooldown at ");
			st_time(sb, g->cooldown_until);
		} else if (pb && pb->max_attempts > 0 && r->attempt >= pb->max_attempts)
			strbuf_addstr(sb, ", no attempts left in the window");
		else
			strbuf_addstr(sb, ", next when the alert is sent again");
	}
	strbuf_addstr(sb, "</div>");
}

/* The stored alert a run or gate entry is about: by id, else the newest with its fingerprint. */
static void st_view_for(struct engine *e, long long alert_id, const char *fingerprint, struct alert_view *v,
			char *status, size_t status_len)
{
	struct store_alert a;
	int rc = alert_id > 0 ? store_get_alert(engine_store(e), alert_id, &a) : 1;

	if (rc != 0 && fingerprint)
		rc = store_latest_alert(engine_store(e), fingerprint, &a);
	if (status_len)
		status[0] = '\0';
	if (rc != 0) {
		alert_view_parse(NULL, v);
		return;
	}
	alert_view_parse(a.json, v);
	if (status_len)
		snprintf(status, status_len, "%s", a.status);
	store_alert_release(&a);
}

/* Is the alert with this fingerprint firing now (its newest notification says so)? */
static bool st_still_firing(struct engine *e, const char *fingerprint)
{
	struct store_alert a;
	bool firing = false;
	if (store_latest_alert(engine_store(e), fingerprint, &a) == 0) {
		firing = strcmp(a.status, "firing") == 0;
		store_alert_release(&a);
	}
	return firing;
}

/* ---- the status page ---- */

struct st_ctx {
	struct engine *e;
	struct rcv_config *cfg;
	struct gate_entry *ge;
	size_t nge;
	double now;
};

static void st_playbooks(struct strbuf *out, const struct engine_status *es)
{
	strbuf_addstr(out, "<h2>Playbooks</h2><div class=\"wrap\"><table><tr><th>Playbook</th><th>State</th>"
			   "<th>Running</th><th>Queued</th><th></th></tr>\n");
	for (size_t i = 0; i < es->nplaybooks; i++) {
		struct engine_playbook_state *p = &es->playbooks[i];
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
}

/*
 * Needs attention: failed runs whose alert still fires (the newest run of each playbook and
 * alert), then what is running, cooling down or has been given up.
 */
static void st_attention(struct strbuf *out, struct st_ctx *c, struct store_run *runs, size_t nruns)
{
	size_t shown = 0;

	strbuf_addstr(out, "<h2 id=\"attention\">Needs attention</h2>");
	for (size_t i = 0; i < nruns; i++) {
		struct store_run *r = &runs[i];
		bool newest = true;
		for (size_t j = 0; j < i && newest; j++)
			if (strcmp(runs[j].playbook, r->playbook) == 0 && strcmp(runs[j].fingerprint, r->fingerprint) == 0)
				newest = false;
		if (!newest || !st_run_failed(r->state) || !st_still_firing(c->e, r->fingerprint))
			continue;
		if (shown++ == 0)
			strbuf_addstr(out, "<h3>Failed repairs, alert still firing</h3><div class=\"wrap\">"
					   "<table class=\"failed-firing\"><tr><th>Run</th><th>Alert</th><th>Playbook</th>"
					   "<th>What happened</th></tr>\n");
		struct alert_view v;
		st_view_for(c->e, r->alert_id, r->fingerprint, &v, NULL, 0);
		strbuf_addf(out, "<tr class=\"attention-run\"><td><a href=\"/ui/runs/%lld\">#%lld</a></td><td>", r->id, r->id);
		st_alert_cell(out, r->alertname, &v, true);
		strbuf_addstr(out, "</td><td>");
		strbuf_add_html(out, r->playbook);
		strbuf_addf(out, "</td><td><span class=\"%s\">", st_state_class(r->state));
		strbuf_add_html(out, r->state);
		strbuf_addstr(out, "</span> ");
		strbuf_add_html(out, r->result);
		strbuf_addstr(out, " <span class=\"meh\">");
		st_when(out, r->ended_at > 0 ? r->ended_at : r->created_at, c->now);
		strbuf_addstr(out, "</span>");
		st_last_line(out, r->output);
		st_attempt(out, r, st_playbook(c->cfg, r->playbook), st_gate(c->ge, c->nge, r->playbook, r->fingerprint),
			   c->now);
		strbuf_addstr(out, "</td></tr>\n");
		alert_view_release(&v);
	}
	if (shown)
		strbuf_addstr(out, "</table></div>\n");

	if (c->nge) {
		strbuf_addstr(out, "<h3>Running, cooling down or given up</h3><div class=\"wrap\"><table class=\"gate\">"
				   "<tr><th>Playbook</th><th>Alert</th><th>State</th><th>Attempts in window</th>"
				   "<th>Last run</th></tr>\n");
		for (size_t i = 0; i < c->nge; i++) {
			const struct gate_entry *g = &c->ge[i];
			struct alert_view v;
			st_view_for(c->e, 0, g->fingerprint, &v, NULL, 0);
			strbuf_addstr(out, "<tr><td>");
			strbuf_add_html(out, g->playbook);
			strbuf_addstr(out, "</td><td>");
			st_alert_cell(out, "", &v, false);
			strbuf_addstr(out, "<div class=\"meh\"><code>");
			strbuf_add_html(out, g->fingerprint);
			strbuf_addstr(out, "</code></div></td><td>");
			if (g->gave_up)
				strbuf_addstr(out, "<span class=\"bad\">gave up</span> ");
			if (g->active)
				strbuf_addf(out, "<span class=\"busy\">%d active</span> ", g->active);
			if (g->cooldown_until > c->now) {
				strbuf_addstr(out, "<span class=\"meh\">cooldown until ");
				st_time(out, g->cooldown_until);
				strbuf_addstr(out, "</span>");
			}
			strbuf_addf(out, "</td><td>%d</td><td>", g->attempts);
			st_when(out, g->last_run_at, c->now);
			strbuf_addstr(out, "</td></tr>\n");
			alert_view_release(&v);
		}
		strbuf_addstr(out, "</table></div>\n");
	}
	if (!shown && !c->nge)
		strbuf_addstr(out, "<p class=\"meh\">Nothing: no failed repair whose alert still fires, nothing running, "
				   "cooling down or given up.</p>\n");
}

static void st_runs(struct strbuf *out, struct st_ctx *c, struct store_run *runs, size_t nruns)
{
	strbuf_addstr(out, "<h2>Recent runs</h2>");
	if (nruns == 0) {
		strbuf_addstr(out, "<p class=\"meh\">No runs yet.</p>\n");
		return;
	}
	strbuf_addstr(out, "<div class=\"wrap\"><table class=\"runs\"><tr><th>#</th><th>Created</th><th>Playbook</th>"
			   "<th>Alert</th><th>State</th><th>Result</th><th>Took</th></tr>\n");
	for (size_t i = 0; i < nruns; i++) {
		struct store_run *r = &runs[i];
		struct alert_view v;
		st_view_for(c->e, r->alert_id, r->fingerprint, &v, NULL, 0);
		strbuf_addf(out, "<tr class=\"run\"><td><a href=\"/ui/runs/%lld\">%lld</a></td><td>", r->id, r->id);
		st_when(out, r->created_at, c->now);
		strbuf_addstr(out, "</td><td>");
		strbuf_add_html(out, r->playbook);
		strbuf_addstr(out, "</td><td>");
		st_alert_cell(out, r->alertname, &v, false);
		strbuf_addstr(out, " <span class=\"meh\">(");
		strbuf_add_html(out, r->alert_status);
		strbuf_addf(out, ")</span></td><td class=\"%s\">", st_state_class(r->state));
		strbuf_add_html(out, r->state);
		strbuf_addstr(out, "</td><td>");
		strbuf_add_html(out, r->result);
		if (st_run_failed(r->state))
			st_last_line(out, r->output);
		if (strcmp(r->state, "queued") != 0)
			st_attempt(out, r, st_playbook(c->cfg, r->playbook),
				   st_gate(c->ge, c->nge, r->playbook, r->fingerprint), c->now);
		strbuf_addstr(out, "</td><td>");
		if (r->started_at > 0 && r->ended_at > 0)
			st_duration(out, r->ended_at - r->started_at);
		strbuf_addstr(out, "</td></tr>\n");
		alert_view_release(&v);
	}
	strbuf_addstr(out, "</table></div>\n");
}

/* The manual-run form: playbooks whose routes match the alert first (and said so), then the rest. */
static void st_run_form(struct strbuf *out, const struct rcv_config *cfg, const struct store_alert *a,
			const struct alert_view *v)
{
	size_t idx[64], nmatch = 0;
	bool *matched;

	if (!cfg->nplaybooks)
		return;
	matched = xcalloc(cfg->nplaybooks, sizeof(*matched));
	if (v->labels.n)
		nmatch = route_select(cfg->routes, cfg->nroutes, a->receiver, &v->labels, idx, 64);
	strbuf_addf(out, "<form method=\"post\" action=\"/ui/runs\"><input type=\"hidden\" name=\"alert_id\""
			 " value=\"%lld\"><select name=\"playbook\" aria-label=\"playbook\">", a->id);
	size_t offered = 0;
	for (size_t m = 0; m < nmatch; m++) {
		const char *name = cfg->routes[idx[m]].playbook;
		for (size_t k = 0; k < cfg->nplaybooks; k++) {
			if (matched[k] || strcmp(cfg->playbooks[k].name, name) != 0)
				continue;
			matched[k] = true;
			strbuf_addstr(out, "<option class=\"routed\" value=\"");
			strbuf_add_html(out, name);
			strbuf_addstr(out, "\">");
			strbuf_add_html(out, name);
			strbuf_addstr(out, " (its route)</option>");
			offered++;
		}
	}
	if (offered < cfg->nplaybooks) {
		if (offered)
			strbuf_addstr(out, "<optgroup label=\"other playbooks\">");
		for (size_t k = 0; k < cfg->nplaybooks; k++) {
			if (matched[k])
				continue;
			strbuf_addstr(out, "<option value=\"");
			strbuf_add_html(out, cfg->playbooks[k].name);
			strbuf_addstr(out, "\">");
			strbuf_add_html(out, cfg->playbooks[k].name);
			strbuf_addstr(out, "</option>");
		}
		if (offered)
			strbuf_addstr(out, "</optgroup>");
	}
	strbuf_addstr(out, "</select><button type=\"submit\">Run</button></form>");
	strbuf_addstr(out, offered ? "<div class=\"att routes\">first: the playbook its route runs</div>"
				   : "<div class=\"att routes\">no route matches this alert</div>");
	free(matched);
}

static void st_alerts(struct strbuf *out, struct st_ctx *c, struct store_alert *alerts, size_t nalerts)
{
	strbuf_addstr(out, "<h2>Recent alerts</h2>");
	if (nalerts == 0) {
		strbuf_addstr(out, "<p class=\"meh\">No alerts received yet.</p>\n");
		return;
	}
	strbuf_addstr(out, "<div class=\"wrap\"><table class=\"alerts\"><tr><th>#</th><th>Received</th><th>Alert</th>"
			   "<th>Status</th><th class=\"fp\">Fingerprint</th><th>Decision</th><th>Run by hand</th></tr>\n");
	for (size_t i = 0; i < nalerts; i++) {
		struct store_alert *a = &alerts[i];
		struct alert_view v;
		alert_view_parse(a->json, &v);
		strbuf_addf(out, "<tr class=\"alert\"><td>%lld</td><td>", a->id);
		st_when(out, a->received_at, c->now);
		strbuf_addstr(out, "</td><td>");
		st_alert_cell(out, a->alertname, &v, true);
		strbuf_addf(out, "</td><td class=\"%s\">", strcmp(a->status, "firing") == 0 ? "bad" : "ok");
		strbuf_add_html(out, a->status);
		strbuf_addstr(out, "</td><td class=\"fp\">");
		strbuf_add_html(out, a->fingerprint);
		strbuf_addstr(out, "</td><td>");
		strbuf_add_html(out, a->decision);
		strbuf_addstr(out, "</td><td>");
		st_run_form(out, c->cfg, a, &v);
		strbuf_addstr(out, "</td></tr>\n");
		alert_view_release(&v);
	}
	strbuf_addstr(out, "</table></div>\n");
}

void status_page(struct engine *e, const char *version, struct strbuf *out)
{
	struct engine_status es;
	struct store_run *runs = NULL;
	struct store_alert *alerts = NULL;
	size_t nruns = 0, nalerts = 0;
	struct st_ctx c = { .e = e, .cfg = engine_config(e), .now = clock_real() };

	engine_get_status(e, &es);
	c.nge = engine_gate_list(e, &c.ge, 200);
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

	st_attention(out, &c, runs, nruns);
	st_runs(out, &c, runs, nruns);
	st_alerts(out, &c, alerts, nalerts);
	st_playbooks(out, &es);
	st_foot(out, version, c.now);

	for (size_t i = 0; i < nruns; i++)
		store_run_release(&runs[i]);
	free(runs);
	for (size_t i = 0; i < nalerts; i++)
		store_alert_release(&alerts[i]);
	free(alerts);
	free(c.ge);
	free(es.playbooks);
	config_unref(c.cfg);
}

/* ---- one run ---- */

static void st_pairs(struct strbuf *out, const char *cls, const struct wh_set *s)
{
	strbuf_addf(out, "<dl class=\"%s\">", cls);
	for (size_t i = 0; i < s->n; i++) {
		strbuf_addstr(out, "<dt>");
		strbuf_add_html(out, s->items[i].name);
		strbuf_addstr(out, "</dt><dd>");
		if (strcmp(s->items[i].name, "runbook_url") == 0)
			st_runbook(out, s->items[i].value);
		else
			strbuf_add_html(out, s->items[i].value);
		strbuf_addstr(out, "</dd>");
	}
	strbuf_addstr(out, "</dl>");
}

static void st_row(struct strbuf *out, const char *th)
{
	strbuf_addstr(out, "<tr><th>");
	strbuf_addstr(out, th);
	strbuf_addstr(out, "</th><td>");
}

static void st_notifications(struct strbuf *out, struct engine *e, long long run_id, double now)
{
	struct store_outbox *ob = NULL;
	size_t n = 0;

	strbuf_addstr(out, "<h2>Notifications about this run</h2>");
	if (store_list_outbox_for_run(engine_store(e), run_id, &ob, &n) != 0 || n == 0) {
		strbuf_addstr(out, "<p class=\"meh notifications-none\">None sent (yet).</p>");
		free(ob);
		return;
	}
	strbuf_addstr(out, "<div class=\"wrap\"><table class=\"notifications\"><tr><th>Notifier</th><th>Event</th>"
			   "<th>Result</th><th>Tries</th><th>Sent</th><th>Last error</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		const char *cls = strcmp(ob[i].state, "sent") == 0 ? "ok" : strcmp(ob[i].state, "failed") == 0 ? "bad" : "busy";
		strbuf_addstr(out, "<tr class=\"notification\"><td>");
		strbuf_add_html(out, ob[i].notifier);
		strbuf_addstr(out, "</td><td>");
		strbuf_add_html(out, ob[i].event);
		strbuf_addf(out, "</td><td class=\"%s\">", cls);
		strbuf_add_html(out, ob[i].state);
		if (strcmp(ob[i].state, "pending") == 0 && ob[i].next_at > 0) {
			strbuf_addstr(out, " <span class=\"meh\">next try ");
			st_when(out, ob[i].next_at, now);
			strbuf_addstr(out, "</span>");
		}
		strbuf_addf(out, "</td><td>%d</td><td>", ob[i].attempts);
		st_when(out, ob[i].sent_at, now);
		strbuf_addstr(out, "</td><td>");
		strbuf_add_html(out, ob[i].last_error);
		strbuf_addstr(out, "</td></tr>\n");
		store_outbox_release(&ob[i]);
	}
	strbuf_addstr(out, "</table></div>\n");
	free(ob);
}

int status_run_page(struct engine *e, long long id, struct strbuf *out)
{
	struct store_run r;
	struct alert_view v;
	char title[64], alert_status[32];
	double now = clock_real();

	if (store_get_run(engine_store(e), id, &r) != 0)
		return 1;
	struct rcv_config *cfg = engine_config(e);
	struct gate_entry *ge = NULL;
	size_t nge = engine_gate_list(e, &ge, 200);
	st_view_for(e, r.alert_id, r.fingerprint, &v, alert_status, sizeof(alert_status));

	snprintf(title, sizeof(title), "run %lld", id);
	st_head(out, title);
	strbuf_addf(out, "<h1>Run %lld: ", id);
	strbuf_add_html(out, r.playbook);
	strbuf_addf(out, " <span class=\"%s\">", st_state_class(r.state));
	strbuf_add_html(out, r.state);
	strbuf_addstr(out, "</span></h1><p><a href=\"/\">&larr; status</a></p>");

	/* which alert, and why */
	strbuf_addstr(out, "<div class=\"wrap\"><table class=\"run-alert\">");
	st_row(out, "Alert");
	st_alert_cell(out, r.alertname, &v, false);
	strbuf_addstr(out, " <span class=\"meh\">(run for a ");
	strbuf_add_html(out, r.alert_status);
	strbuf_addf(out, " alert #%lld", r.alert_id);
	if (alert_status[0]) {
		strbuf_addstr(out, "; now ");
		strbuf_add_html(out, alert_status);
	}
	strbuf_addstr(out, ")</span></td></tr>");
	if (v.summary) {
		st_row(out, "Summary");
		strbuf_addstr(out, "<span class=\"summary\">");
		strbuf_add_html(out, v.summary);
		strbuf_addstr(out, "</span></td></tr>");
	}
	if (v.description) {
		st_row(out, "Description");
		strbuf_addstr(out, "<span class=\"description\">");
		strbuf_add_html(out, v.description);
		strbuf_addstr(out, "</span></td></tr>");
	}
	if (v.runbook_url) {
		st_row(out, "Runbook");
		st_runbook(out, v.runbook_url);
		strbuf_addstr(out, "</td></tr>");
	}
	st_row(out, "Labels");
	st_pairs(out, "labels", &v.labels);
	strbuf_addstr(out, "</td></tr>");
	st_row(out, "Annotations");
	st_pairs(out, "annotations", &v.annotations);
	strbuf_addstr(out, "</td></tr>");
	st_row(out, "Fingerprint");
	strbuf_addstr(out, "<code>");
	strbuf_add_html(out, r.fingerprint);
	strbuf_addstr(out, "</code></td></tr></table></div>");

	/* what was done */
	strbuf_addstr(out, "<h2>What was done</h2><div class=\"wrap\"><table class=\"run-done\">");
	st_row(out, "Trigger");
	strbuf_add_html(out, r.trigger);
	st_attempt(out, &r, st_playbook(cfg, r.playbook), st_gate(ge, nge, r.playbook, r.fingerprint), now);
	strbuf_addstr(out, "</td></tr>");
	st_row(out, "Command");
	strbuf_addstr(out, "<code>");
	strbuf_add_html(out, r.argv);
	strbuf_addstr(out, "</code></td></tr>");
	st_row(out, "Created");
	st_when(out, r.created_at, now);
	strbuf_addstr(out, "</td></tr>");
	st_row(out, "Started");
	st_when(out, r.started_at, now);
	strbuf_addstr(out, "</td></tr>");
	st_row(out, "Ended");
	st_when(out, r.ended_at, now);
	if (r.started_at > 0 && r.ended_at > 0) {
		strbuf_addstr(out, ", took ");
		st_duration(out, r.ended_at - r.started_at);
	}
	strbuf_addstr(out, "</td></tr>");
	st_row(out, "Result");
	strbuf_addf(out, "<span class=\"%s\">", st_state_class(r.state));
	strbuf_add_html(out, r.result);
	strbuf_addstr(out, "</span>");
	if (st_run_failed(r.state))
		st_last_line(out, r.output);
	strbuf_addstr(out, "</td></tr>");
	st_row(out, "Notify");
	strbuf_add_html(out, r.notify);
	strbuf_addstr(out, "</td></tr></table></div>");

	st_notifications(out, e, id, now);

	strbuf_addstr(out, "<h2>Output");
	if (r.output_truncated)
		strbuf_addstr(out, " (tail)");
	strbuf_addstr(out, "</h2><pre>");
	strbuf_add_html(out, r.output);
	strbuf_addstr(out, "</pre>");
	st_foot(out, NULL, now);

	alert_view_release(&v);
	free(ge);
	config_unref(cfg);
	store_run_release(&r);
	return 0;
}
