/* metrics.c: remediation_* counters (common counter_vec) and the run duration histogram, kept in memory */
#include "receiver/metrics.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/metrics.h"
#include "common/xalloc.h"

enum rm_family {
	RM_WEBHOOKS,
	RM_ALERTS,
	RM_DECISIONS,
	RM_RUNS,
	RM_NOTIFICATIONS,
	RM_REFUSED,
	RM_COUNT,
};

static const struct {
	const char *name;
	const char *help;
	const char *labels[3];
} rm_families[RM_COUNT] = {
	[RM_WEBHOOKS] = { "remediation_webhooks_received_total", "Webhook requests received, by HTTP status code answered.",
			  { "code", NULL } },
	[RM_ALERTS] = { "remediation_alerts_received_total", "Alerts accepted and stored, by alert status.",
			{ "status", NULL } },
	[RM_DECISIONS] = { "remediation_gate_decisions_total",
			   "Routing decisions for alerts: run, duplicate, cooldown, gave_up, paused, disabled.",
			   { "playbook", "decision", NULL } },
	[RM_RUNS] = { "remediation_runs_total", "Playbook runs finished, by playbook and result.",
		      { "playbook", "result", NULL } },
	[RM_NOTIFICATIONS] = { "remediation_notifications_total",
			       "Notification delivery attempts, by notifier and result (sent, retry, failed).",
			       { "notifier", "result", NULL } },
	[RM_REFUSED] = { "remediation_alerts_refused_total",
			 "Alerts stored but not acted on, by reason (foreign_host: its host label names another host).",
			 { "reason", NULL } },
};

static const double rm_bounds[] = { 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600 };
#define RM_NBOUNDS (sizeof(rm_bounds) / sizeof(rm_bounds[0]))

struct rm_hist {
	struct rm_hist *next;
	char *playbook;
	uint64_t counts[RM_NBOUNDS];
	uint64_t count;
	double sum;
};

static pthread_mutex_t rm_lock = PTHREAD_MUTEX_INITIALIZER;
/* The counters (common's counter_vec, thread-safe on its own), made on first use. */
static struct counter_vec *rm_counters[RM_COUNT];
static struct rm_hist *rm_hists;
static double rm_reload_ok = 1, rm_reload_ts;

/* Makes the counters once (under rm_lock). */
static void rm_init_locked(void)
{
	for (int i = 0; i < RM_COUNT; i++)
		if (!rm_counters[i])
			rm_counters[i] = counter_vec_new(rm_families[i].name, rm_families[i].help, rm_families[i].labels);
}

static void rm_add(enum rm_family fam, const char *v1, const char *v2, double inc)
{
	pthread_mutex_lock(&rm_lock);
	rm_init_locked();
	pthread_mutex_unlock(&rm_lock);
	if (v2)
		counter_vec_add(rm_counters[fam], inc, v1, v2, (const char *)NULL);
	else
		counter_vec_add(rm_counters[fam], inc, v1, (const char *)NULL);
}

void rmetrics_reset(void)
{
	pthread_mutex_lock(&rm_lock);
	rm_init_locked();
	for (int i = 0; i < RM_COUNT; i++)
		counter_vec_reset(rm_counters[i]);
	while (rm_hists) {
		struct rm_hist *h = rm_hists;
		rm_hists = h->next;
		free(h->playbook);
		free(h);
	}
	pthread_mutex_unlock(&rm_lock);
	static const char *const codes[] = { "200", "400", "401", "503" };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		rm_add(RM_WEBHOOKS, codes[i], NULL, 0);
	rm_add(RM_ALERTS, "firing", NULL, 0);
	rm_add(RM_ALERTS, "resolved", NULL, 0);
	rm_add(RM_REFUSED, "foreign_host", NULL, 0);
}

void rmetrics_webhook(unsigned code)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "%u", code);
	rm_add(RM_WEBHOOKS, buf, NULL, 1);
}

void rmetrics_alerts(const char *status, unsigned n)
{
	rm_add(RM_ALERTS, status, NULL, n);
}

void rmetrics_refused(const char *reason)
{
	rm_add(RM_REFUSED, reason, NULL, 1);
}

void rmetrics_decision(const char *playbook, const char *decision)
{
	rm_add(RM_DECISIONS, playbook, decision, 1);
}

void rmetrics_run(const char *playbook, const char *result, double seconds)
{
	struct rm_hist *h;
	rm_add(RM_RUNS, playbook, result, 1);
	if (seconds < 0)
		return;
	pthread_mutex_lock(&rm_lock);
	for (h = rm_hists; h; h = h->next)
		if (strcmp(h->playbook, playbook) == 0)
			break;
	if (!h) {
		h = xcalloc(1, sizeof(*h));
		h->playbook = xstrdup(playbook);
		h->next = rm_hists;
		rm_hists = h;
	}
	for (size_t i = 0; i < RM_NBOUNDS; i++)
		if (seconds <= rm_bounds[i])
			h->counts[i]++;
	h->count++;
	h->sum += seconds;
	pthread_mutex_unlock(&rm_lock);
}

void rmetrics_notification(const char *notifier, const char *result)
{
	rm_add(RM_NOTIFICATIONS, notifier, result, 1);
}

void rmetrics_reload(bool ok, double now)
{
	pthread_mutex_lock(&rm_lock);
	rm_reload_ok = ok;
	if (ok)
		rm_reload_ts = now;
	pthread_mutex_unlock(&rm_lock);
}

void rmetrics_render(struct metric_set *ms)
{
	struct metric_family *hist = metric_family(ms, "remediation_run_duration_seconds", METRIC_HISTOGRAM,
						   "Duration of finished playbook runs.");
	pthread_mutex_lock(&rm_lock);
	rm_init_locked();
	for (int i = 0; i < RM_COUNT; i++)
		counter_vec_render(rm_counters[i], ms);
	for (struct rm_hist *h = rm_hists; h; h = h->next) {
		struct metric_label l = { "playbook", h->playbook };
		metric_add_histogram(hist, rm_bounds, h->counts, RM_NBOUNDS, h->count, h->sum, &l, 1);
	}
	metric_gauge(ms, "remediation_config_last_reload_successful", "Whether the last configuration reload succeeded.",
		     rm_reload_ok, (const char *)NULL);
	metric_gauge(ms, "remediation_config_last_reload_success_timestamp_seconds",
		     "When the configuration was last loaded successfully.", rm_reload_ts, (const char *)NULL);
	pthread_mutex_unlock(&rm_lock);
}
