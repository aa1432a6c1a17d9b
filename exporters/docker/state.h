/* state.h: what docker_health_exporter's watch thread and its collections share */
#ifndef DOCKER_STATE_H
#define DOCKER_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "common/strlist.h"
#include "exporters/docker/client.h"
#include "exporters/docker/table.h"

struct exporter_ctx;
struct counter_vec;
struct metric_set;
struct collect_report;

/* The event stream, as the watch thread last left it. */
enum dk_stream {
	DK_STREAM_NONE = 0,  /* no watch thread (--once), or not connected yet: every collection resyncs */
	DK_STREAM_DOWN,      /* disconnected: reconnecting with backoff; collections fail with "events" */
	DK_STREAM_UP,        /* subscribed (or subscribing, with since= covering the gap) */
};

struct dk_config {
	char *host;                 /* --docker.host (flag-owned) */
	struct strlist labels;      /* --docker.label keys (flag-owned) */
	double resync_interval;     /* --docker.resync-interval, seconds */
	double timeout;             /* --docker.timeout, seconds */
	char *fstab;                /* --docker.fstab ("" = mountinfo only) */
};

struct dk_exporter {
	struct dk_config cfg;
	const struct exporter_ctx *ctx;
	char *socket;               /* from cfg.host: unix socket path or NULL */
	char *base;                 /* "http://localhost" or "http://host:port" */

	pthread_mutex_t mu;         /* guards table */
	struct dk_table *table;
	struct counter_vec *events; /* docker_events_total{action}; thread-safe itself */
	atomic_int stream;          /* enum dk_stream */
	atomic_bool resync;         /* a full list + inspect is wanted (set on (re)connect) */

	/* the collection thread's own */
	struct dk_client cc;
	double last_full;           /* monotonic time of the last full resync; 0 = never */
	double last_full_real;      /* its wall-clock time, for docker_last_resync_timestamp_seconds */
};

/* Sets up st after flags: parses the host, creates the table and counters. Returns 0, or -1
 * after printing why (a flag error). */
int dk_state_init(struct dk_exporter *st, const struct exporter_ctx *ctx);
void dk_state_release(struct dk_exporter *st);

/* One collection (collect.c): a full resync when due, else inspects of the containers events
 * marked; then the table is rendered. 0, or -1 after collect_report_fail_msg(). */
int dk_collect(struct dk_exporter *st, struct metric_set *ms, struct collect_report *rep);

/* The exporter's watch thread (watch.c): arg is the dk_state. */
void *dk_watch(void *arg);

/* Reasons pre-initialised in docker_collect_errors_total. */
extern const char *const dk_error_reasons[];

#endif
