/* render.c: Pi-hole results to metric families; names follow eko/pihole-exporter where the meaning is the same */
#include "exporters/pihole/render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "common/metrics.h"
#include "common/strbuf.h"

#define H "hostname"

/* A gauge with the hostname label (and one more pair or NULL), unless the value is unknown. */
static void ph_gauge(struct metric_set *ms, const char *name, const char *help, double v, const char *host,
		     const char *k, const char *kv)
{
	if (isnan(v))
		return;
	if (k)
		metric_gauge(ms, name, help, v, H, host, k, kv, (const char *)NULL);
	else
		metric_gauge(ms, name, help, v, H, host, (const char *)NULL);
}

static void ph_render_summary(struct metric_set *ms, const char *host, const struct ph_stats *st)
{
	const struct ph_summary *s = &st->summary;
	double types_total = 0;

	ph_gauge(ms, "pihole_domains_being_blocked", "Domains on the gravity blocklist.", s->gravity_domains, host,
		 NULL, NULL);
	ph_gauge(ms, "pihole_dns_queries_today", "DNS queries in the last 24 hours (v5: since midnight).",
		 s->queries_total, host, NULL, NULL);
	ph_gauge(ms, "pihole_ads_blocked_today", "Blocked queries in the last 24 hours (v5: since midnight).",
		 s->queries_blocked, host, NULL, NULL);
	ph_gauge(ms, "pihole_ads_percentage_today", "Percentage of the queries that were blocked.",
		 s->percent_blocked, host, NULL, NULL);
	ph_gauge(ms, "pihole_unique_domains", "Distinct domains queried.", s->unique_domains, host, NULL, NULL);
	ph_gauge(ms, "pihole_queries_forwarded", "Queries forwarded to an upstream server.", s->queries_forwarded,
		 host, NULL, NULL);
	ph_gauge(ms, "pihole_queries_cached", "Queries answered from the cache.", s->queries_cached, host, NULL,
		 NULL);
	ph_gauge(ms, "pihole_unique_clients", "Clients active in the period.", s->clients_active, host, NULL, NULL);
	ph_gauge(ms, "pihole_clients_ever_seen", "Clients ever seen.", s->clients_total, host, NULL, NULL);
	ph_gauge(ms, "pihole_query_frequency", "Queries per second (v6).", s->query_frequency, host, NULL, NULL);
	ph_gauge(ms, "pihole_gravity_last_update_timestamp_seconds", "Unix time of the last gravity update.",
		 s->gravity_last_update, host, NULL, NULL);
	for (size_t i = 0; i < s->replies.n; i++)
		ph_gauge(ms, "pihole_reply", "Replies by type.", s->replies.items[i].value, host, "type",
			 s->replies.items[i].name);
	/* pihole_querytypes keeps v5's meaning (percent); v6 gives counts, shared out here */
	for (size_t i = 0; i < s->types.n; i++)
		types_total += s->types.items[i].value;
	for (size_t i = 0; i < s->types.n; i++)
		ph_gauge(ms, "pihole_querytypes", "Percentage of the queries by query type.",
			 types_total > 0 ? 100.0 * s->types.items[i].value / types_total : 0, host, "type",
			 s->types.items[i].name);
	for (size_t i = 0; i < st->querytypes_percent.n; i++)
		ph_gauge(ms, "pihole_querytypes", "Percentage of the queries by query type.",
			 st->querytypes_percent.items[i].value, host, "type", st->querytypes_percent.items[i].name);
	for (size_t i = 0; i < s->statuses.n; i++)
		ph_gauge(ms, "pihole_query_status", "Queries by status (v6: FORWARDED, CACHE, GRAVITY...).",
			 s->statuses.items[i].value, host, "status", s->statuses.items[i].name);
}

static void ph_render_upstreams(struct metric_set *ms, const char *host, const struct ph_stats *st)
{
	const struct ph_upstreams *u = &st->upstreams;
	double total = u->total_queries;

	for (size_t i = 0; i < st->forward_percent.n; i++)
		ph_gauge(ms, "pihole_forward_destinations", "Percentage of the queries by destination (upstream, cache, blocklist).",
			 st->forward_percent.items[i].value, host, "destination", st->forward_percent.items[i].name);
	for (size_t i = 0; i < u->n; i++) {
		const struct ph_upstream *up = &u->items[i];
		struct strbuf d = STRBUF_INIT;
		/* v5's "name|ip" form; a real upstream's port when not 53 */
		strbuf_addf(&d, "%s|%s", *up->name ? up->name : up->ip, up->ip);
		if (up->port > 0 && up->port != 53)
			strbuf_addf(&d, "#%ld", up->port);
		if (!isnan(total) && total > 0)
			ph_gauge(ms, "pihole_forward_destinations",
				 "Percentage of the queries by destination (upstream, cache, blocklist).",
				 100.0 * up->count / total, host, "destination", d.buf);
		ph_gauge(ms, "pihole_forward_destination_queries", "Queries by destination (v6).", up->count, host,
			 "destination", d.buf);
		if (up->port >= 0)
			ph_gauge(ms, "pihole_upstream_response_seconds", "Mean response time of the upstream (v6).",
				 up->response, host, "destination", d.buf);
		strbuf_release(&d);
	}
}

static void ph_render_ftl(struct metric_set *ms, const char *host, const struct ph_ftl_info *f)
{
	static const char help[] = "Entries of the allow/deny lists by list and kind.";
	static const char help_en[] = "Enabled entries of the allow/deny lists by list and kind (v6.3+).";
	const struct { const char *list, *kind; double total, enabled; } rows[] = {
		{ "allow", "exact", f->domains_allowed, f->domains_allowed_enabled },
		{ "deny", "exact", f->domains_denied, f->domains_denied_enabled },
		{ "allow", "regex", f->regex_allowed, f->regex_allowed_enabled },
		{ "deny", "regex", f->regex_denied, f->regex_denied_enabled },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!isnan(rows[i].total))
			metric_gauge(ms, "pihole_domain_list_entries", help, rows[i].total, H, host, "list",
				     rows[i].list, "kind", rows[i].kind, (const char *)NULL);
		if (!isnan(rows[i].enabled))
			metric_gauge(ms, "pihole_domain_list_entries_enabled", help_en, rows[i].enabled, H, host,
				     "list", rows[i].list, "kind", rows[i].kind, (const char *)NULL);
	}
	ph_gauge(ms, "pihole_ftl_uptime_seconds", "Seconds since pihole-FTL started.", f->uptime_seconds, host, NULL,
		 NULL);
	ph_gauge(ms, "pihole_privacy_level", "FTL's privacy level (0 shows everything, 3 anonymous).",
		 f->privacy_level, host, NULL, NULL);
}

static void ph_render_top(struct metric_set *ms, const char *host, const struct ph_stats *st)
{
	for (size_t i = 0; i < st->top_domains.n; i++)
		ph_gauge(ms, "pihole_top_queries", "Queries of the most queried permitted domains.",
			 st->top_domains.items[i].value, host, "domain", st->top_domains.items[i].name);
	for (size_t i = 0; i < st->top_blocked.n; i++)
		ph_gauge(ms, "pihole_top_ads", "Queries of the most queried blocked domains.",
			 st->top_blocked.items[i].value, host, "domain", st->top_blocked.items[i].name);
	for (size_t i = 0; i < st->top_clients.n; i++)
		ph_gauge(ms, "pihole_top_sources", "Queries of the most active clients (name|ip).",
			 st->top_clients.items[i].value, host, "source", st->top_clients.items[i].name);
}

void ph_render_target(struct metric_set *ms, const struct ph_target_cfg *cfg, const struct ph_target_result *r)
{
	const char *host = cfg->name;
	const struct ph_stats *st = &r->stats;
	enum ph_blocking b = PH_BLOCKING_UNKNOWN;

	if (r->has_stats) {
		ph_render_summary(ms, host, st);
		ph_render_upstreams(ms, host, st);
		if (st->has_ftl)
			ph_render_ftl(ms, host, &st->ftl);
		if (st->has_top)
			ph_render_top(ms, host, st);
		b = st->has_blocking ? st->blocking.state : st->summary.status;
		if (b != PH_BLOCKING_UNKNOWN) {
			metric_gauge(ms, "pihole_status", "1 when blocking is enabled (eko/pihole-exporter's name).",
				     b == PH_BLOCKING_ENABLED ? 1 : 0, H, host, (const char *)NULL);
			metric_gauge(ms, "pihole_blocking_enabled", "1 when blocking is enabled, 0 when disabled or failed.",
				     b == PH_BLOCKING_ENABLED ? 1 : 0, H, host, (const char *)NULL);
		}
		if (st->has_blocking)
			ph_gauge(ms, "pihole_blocking_timer_seconds",
				 "Seconds until blocking is switched back (a temporary disable).", st->blocking.timer, host,
				 NULL, NULL);
		metric_gauge(ms, "pihole_api_info", "The API in use and the Pi-hole core version.", 1, H, host, "api",
			     ph_api_name(st->api), "version", st->version.core ? st->version.core : "",
			     (const char *)NULL);
	}
	if (r->probed) {
		metric_gauge(ms, "pihole_dns_probe_success",
			     "1 when the probe name resolved (NOERROR with an address) within the timeout.",
			     r->probe.success ? 1 : 0, H, host, (const char *)NULL);
		metric_gauge(ms, "pihole_dns_probe_duration_seconds", "Time until the probe's answer or failure.",
			     r->probe.duration, H, host, (const char *)NULL);
		if (r->probe.answered)
			metric_gauge(ms, "pihole_dns_probe_rcode", "The DNS response code of the probe's answer.",
				     r->probe.rcode, H, host, (const char *)NULL);
		metric_gauge(ms, "pihole_dns_probe_result", "1 for the probe's outcome (ok, timeout, refused, nxdomain, ...).",
			     1, H, host, "result", r->probe.reason, (const char *)NULL);
	}
	metric_gauge(ms, "pihole_login_failing",
		     "1 while the last login attempt failed (wrong password, 2FA, seats exceeded, rate limited); logins back off.",
		     r->login_failing ? 1 : 0, H, host, (const char *)NULL);
}
