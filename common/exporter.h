/* exporter.h: the main loop every exporter shares: flags, background collection, snapshot, HTTP, --once */
#ifndef HOMEOPS_EXPORTER_H
#define HOMEOPS_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>

struct flagset;
struct metric_set;
struct collect_report;

/*
 * An exporter's main.c fills this and calls exporter_main(). Everything DESIGN.md asks of
 * every exporter is done here: the shared flags, logging setup, the web config, the HTTP
 * server with /metrics, /-/healthy, /-/ready and the landing page, background collection every
 * *interval seconds (or on exporter_trigger()), the snapshot swap, --once/--output, graceful
 * shutdown on SIGTERM/SIGINT, and the standard metrics:
 *   <prefix>_up, <prefix>_collect_duration_seconds, <prefix>_last_collect_timestamp_seconds,
 *   <prefix>_collect_errors_total{reason}, <prefix>_build_info{version,revision}, process_*.
 * With target_label set (an exporter watching several targets), the first four carry that label,
 * one series per target reported by collect_report_target().
 */
struct exporter {
	const char *name;              /* "snapraid_exporter" */
	const char *prefix;            /* "snapraid" */
	const char *summary;           /* one line for --help and the landing page */
	const char *default_listen;    /* ":9761" */
	const char *target_label;      /* NULL, or e.g. "target" */
	/* Reasons pre-initialised to 0 in <prefix>_collect_errors_total (NULL-terminated), so rate() works from the start. */
	const char *const *error_reasons;
	void *arg;

	/* Registers the exporter's own flags (--<prefix>.*). */
	void (*register_flags)(struct flagset *fs, void *arg);
	/* After flags are parsed and logging is set up: validate flag values, allocate state.
	 * Returns 0, or -1 after logging why (exit 1). Must not fail because the watched source
	 * is missing: that is a failed collection, not a refusal to start. */
	int (*init)(void *arg);
	/* Collects into ms (on the collection thread; never concurrently with itself). Returns 0,
	 * or -1 after collect_report_fail(); metrics added before a failure are still served. */
	int (*collect)(void *arg, struct metric_set *ms, struct collect_report *rep);
	/* Optional: called once before exit. */
	void (*release)(void *arg);
	/* Optional: a thread of the exporter's own that watches for changes (an event stream);
	 * it calls exporter_trigger() and returns when exporter_stopping() becomes true. */
	void *(*watch)(void *arg);
	/* Seconds between collections (points at the parsed --<prefix>.interval flag). */
	const double *interval;
};

/* Marks the collection failed with reason (a short label value: "timeout", "exec", "parse"...). */
void collect_report_fail(struct collect_report *rep, const char *reason);
/* For exporters with target_label: the outcome of one target. duration in seconds. */
void collect_report_target(struct collect_report *rep, const char *target, bool ok,
			   const char *reason, double duration);

/* Runs the exporter; returns the process exit status. */
int exporter_main(const struct exporter *e, int argc, char **argv);
/* Requests a collection as soon as possible (coalesced; safe from any thread, async-signal-safe). */
void exporter_trigger(void);
/* True once shutdown has begun. */
bool exporter_stopping(void);
/*
 * A descriptor that becomes readable (and stays so) when shutdown begins, for
 * subprocess.cancel_fd or a poll() in a collector, so that SIGTERM does not wait for a long
 * external call. -1 outside exporter_main() (e.g. in unit tests).
 */
int exporter_cancel_fd(void);

#endif
