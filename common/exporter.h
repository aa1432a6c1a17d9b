/* exporter.h: the main loop every exporter shares: flags, background collection, snapshot, HTTP, --once */
#ifndef HOMEOPS_EXPORTER_H
#define HOMEOPS_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>

struct flagset;
struct metric_set;
struct collect_report;

/*
 * What common/ hands an exporter's init() (and through it its sources: a collector, a
 * subprocess, an HTTP client, a deadline pool), instead of globals. Valid from init() until
 * release() returns.
 */
struct exporter_ctx {
	double interval;        /* --<prefix>.interval in seconds (> 0; validated by common) */
	const char *procfs;     /* --path.procfs ("/proc" by default) */
	/* Readable (and stays so) once shutdown begins, for subprocess.cancel_fd, an HTTP client's
	 * cancel descriptor or a poll() in a source, so that SIGTERM does not wait for a long
	 * external call. With --once it never becomes readable (but stays a valid descriptor). */
	int cancel_fd;
	/* True once shutdown has begun: stopping(stop_arg). Fits deadline_config.stopping. */
	bool (*stopping)(void *stop_arg);
	void *stop_arg;
};

/*
 * An exporter's main.c fills this and calls exporter_main(). Everything DESIGN.md asks of
 * every exporter is done here: the shared flags, logging setup, the web config, the HTTP
 * server with /metrics, /-/healthy, /-/ready and the landing page, background collection every
 * --<prefix>.interval (registered and validated here, defaulting to default_interval) or soon
 * after exporter_trigger(), the shared flags incl. --path.procfs, the snapshot swap, --once/--output, graceful
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
	double default_interval;       /* seconds: default of --<prefix>.interval (e.g. 300 = "5m") */
	const char *interval_help;     /* NULL: "How often to collect in the background." */
	/* Least seconds between two collections caused by exporter_trigger() (0 = 0.5): a burst of
	 * triggers becomes a handful of collections, and the last trigger is still collected
	 * within spacing + collection time. Interval collections are not delayed by it. */
	double trigger_spacing;
	/* Reasons pre-initialised to 0 in <prefix>_collect_errors_total (NULL-terminated), so rate() works from the start. */
	const char *const *error_reasons;
	void *arg;

	/* Registers the exporter's own flags (--<prefix>.*). */
	void (*register_flags)(struct flagset *fs, void *arg);
	/* After flags are parsed and logging is set up: validate flag values, allocate state,
	 * keep ctx (valid until release() returns) for the sources. Returns 0, or -1 after logging
	 * why (exit 1; release() is still called). Must not fail because the watched source is
	 * missing: that is a failed collection, not a refusal to start. */
	int (*init)(void *arg, const struct exporter_ctx *ctx);
	/* Collects into ms (on the collection thread; never concurrently with itself). Returns 0,
	 * or -1 after collect_report_fail(); metrics added before a failure are still served.
	 * common/ logs a failed collection (once per reason, then its recovery): the exporter
	 * does not log the failure again, only details common cannot know (at debug level). */
	int (*collect)(void *arg, struct metric_set *ms, struct collect_report *rep);
	/* Optional: called once before exit. */
	void (*release)(void *arg);
	/* Optional: a thread of the exporter's own that watches for changes (an event stream);
	 * it calls exporter_trigger() and returns soon after ctx->cancel_fd becomes readable. */
	void *(*watch)(void *arg);
};

/* Marks the collection failed with reason (a short label value: "timeout", "exec", "parse"...;
 * copied whole, never truncated). The first reason of a collection wins. */
void collect_report_fail(struct collect_report *rep, const char *reason);
/* The same with a detail for the log (an error message; copied): common's one log line of the
 * failure then carries it as err=message. */
void collect_report_fail_msg(struct collect_report *rep, const char *reason, const char *message);
/* For exporters with target_label: the outcome of one target. duration in seconds. */
void collect_report_target(struct collect_report *rep, const char *target, bool ok,
			   const char *reason, double duration);

/* Runs the exporter; returns the process exit status. */
int exporter_main(const struct exporter *e, int argc, char **argv);
/*
 * Requests a collection soon (safe from any thread, async-signal-safe, never blocks): at once
 * when the last triggered collection began at least trigger_spacing ago, otherwise when that
 * spacing has passed. Triggers arriving meanwhile are coalesced into that one collection,
 * which starts after the last of them, so it sees every event. Does nothing outside
 * exporter_main().
 */
void exporter_trigger(void);
/* Deprecated for sources (use exporter_ctx): true once shutdown has begun. */
bool exporter_stopping(void);
/* Deprecated for sources (use exporter_ctx.cancel_fd); -1 outside exporter_main(). */
int exporter_cancel_fd(void);

#endif
