/* collect.h: one collection of snapraid_exporter: source -> parse -> render, with the busy cache */
#ifndef SNAPRAID_COLLECT_H
#define SNAPRAID_COLLECT_H

#include <stdbool.h>

struct metric_set;
struct exporter_ctx;

/* The exporter's settings (main.c fills them from the --snapraid.* flags). */
struct sr_config {
	char *snapraid;        /* --snapraid.path */
	char *config;          /* --snapraid.config */
	double timeout;        /* --snapraid.timeout, seconds, for every snapraid run */
	bool smart;            /* --snapraid.smart */
	double smart_interval; /* --snapraid.smart-interval, seconds */
	char *log_glob;        /* --snapraid.log-glob, "" = off */
	const struct exporter_ctx *ctx; /* its cancel_fd stops a running snapraid at shutdown; NULL = none */
};

/*
 * Failure reasons, the label values of snapraid_collect_errors_total{reason} (NULL-terminated):
 *   config   the configuration file is missing/unreadable, or SnapRAID rejected it
 *   exec     snapraid could not be started (not installed, not executable)
 *   timeout  snapraid did not finish within --snapraid.timeout (its process group was killed)
 *   fatal    snapraid stopped with a fatal error (for example a missing disk)
 *   exit     snapraid exited non-zero or by a signal without saying why
 *   parse    the output is not a complete status report
 *   io       the private temporary log file could not be made
 */
extern const char *const sr_error_reasons[];

struct sr_collector;

/* cfg must outlive the collector. */
struct sr_collector *sr_collector_new(const struct sr_config *cfg);
void sr_collector_free(struct sr_collector *c);

/*
 * One collection into ms. The status comes from a fresh `snapraid status`, unless another
 * SnapRAID holds the lock (before the run, by a lock probe, or after it, "already in use"):
 * then snapraid_busy is 1 and the last successful status is rendered again with its own
 * timestamp, and the collection still succeeds. SMART (on its own interval) and the newest
 * run logs are rendered whatever the status outcome. Returns NULL on success, or a reason
 * from sr_error_reasons for collect_report_fail_msg(), with sr_collect_message() as its detail
 * (not logged here: common/exporter logs a failed collection once).
 */
const char *sr_collect(struct sr_collector *c, struct metric_set *ms);
/* Why the last sr_collect() failed (owned by c, valid until the next sr_collect), or NULL. */
const char *sr_collect_message(const struct sr_collector *c);

#endif
