/* metrics.h: the receiver's remediation_* counters and histograms (thread-safe), rendered into a metric_set */
#ifndef HOMEOPS_RECEIVER_METRICS_H
#define HOMEOPS_RECEIVER_METRICS_H

#include <stdbool.h>

struct metric_set;

/* Counters start at zero for the label values the receiver knows up front, so rate() works at once. */
void rmetrics_reset(void);
void rmetrics_webhook(unsigned code);                                  /* remediation_webhooks_received_total{code} */
void rmetrics_alerts(const char *status, unsigned n);                  /* remediation_alerts_received_total{status} */
void rmetrics_refused(const char *reason);                             /* remediation_alerts_refused_total{reason} */
void rmetrics_decision(const char *playbook, const char *decision);    /* remediation_gate_decisions_total */
void rmetrics_run(const char *playbook, const char *result, double seconds); /* runs_total + run_duration_seconds */
void rmetrics_notification(const char *notifier, const char *result); /* remediation_notifications_total */
void rmetrics_reload(bool ok, double now);
/* Appends every counter and histogram to ms. */
void rmetrics_render(struct metric_set *ms);

#endif
