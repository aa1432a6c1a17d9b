/* exporter.c: the shared exporter main: flags, collection thread, snapshot publishing, HTTP, --once */
#include "common/exporter.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/duration.h"
#include "common/fileutil.h"
#include "common/flags.h"
#include "common/http.h"
#include "common/http_guard.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/procmetrics.h"
#include "common/snapshot.h"
#include "common/strbuf.h"
#include "common/version.h"
#include "common/webconfig.h"
#include "common/xalloc.h"

/* process_* are refreshed when a scrape finds them older than this (no work while nobody scrapes). */
#define EXPORTER_SELF_REFRESH_SECONDS 5.0

struct collect_target {
	char *target;
	bool ok;
	char *reason;
	double duration;
};

struct collect_report {
	bool failed;
	char *reason;                 /* heap: a label value is never truncated */
	char *message;                /* heap or NULL: detail for the log line */
	struct collect_target *targets;
	size_t ntargets;
	size_t alloc;
};

static struct {
	const struct exporter *e;
	struct common_flags cf;
	struct exporter_ctx ctx;
	struct webconfig *web;
	struct snapshot_holder snap;
	int pipe[2];
	int stop_pipe[2];             /* written once at shutdown, never read: stays readable */
	int stopping;
	int ready;
	int refresh_pending;
	int trigger_pending;          /* exporter_trigger() since the last triggered collection began */
	long long last_publish_ms;    /* monotonic */
	struct counter_vec *errs;     /* <prefix>_collect_errors_total{[target,]reason} */
	struct strbuf body;           /* a collection's exposition until it is published, then empty */
	size_t coll_off;              /* where the collection starts in the current snapshot's body */
	struct log_once fail_log;
	char *landing;
	size_t landing_len;
} X = { .pipe = { -1, -1 }, .stop_pipe = { -1, -1 } };

void collect_report_fail_msg(struct collect_report *rep, const char *reason, const char *message)
{
	if (rep->failed)
		return;   /* the first reason is the cause */
	rep->failed = true;
	rep->reason = xstrdup(reason && *reason ? reason : "unknown");
	rep->message = message && *message ? xstrdup(message) : NULL;
}

void collect_report_fail(struct collect_report *rep, const char *reason)
{
	collect_report_fail_msg(rep, reason, NULL);
}

void collect_report_target(struct collect_report *rep, const char *target, bool ok, const char *reason,
			   double duration)
{
	XGROW(rep->targets, rep->ntargets + 1, rep->alloc);
	struct collect_target *t = &rep->targets[rep->ntargets++];
	t->target = xstrdup(target ? target : "");
	t->ok = ok;
	t->reason = ok ? NULL : xstrdup(reason && *reason ? reason : "unknown");
	t->duration = duration;
}

static void collect_report_release(struct collect_report *rep)
{
	for (size_t i = 0; i < rep->ntargets; i++) {
		free(rep->targets[i].target);
		free(rep->targets[i].reason);
	}
	free(rep->targets);
	free(rep->reason);
	free(rep->message);
}

bool exporter_stopping(void)
{
	return __atomic_load_n(&X.stopping, __ATOMIC_ACQUIRE) != 0;
}

static bool exporter_ctx_stopping(void *unused)
{
	(void)unused;
	return exporter_stopping();
}

static void exporter_wake(char c)
{
	if (X.pipe[1] >= 0) {
		ssize_t r = write(X.pipe[1], &c, 1);
		(void)r;   /* a full pipe already holds a wake-up */
	}
}

int exporter_cancel_fd(void)
{
	return X.stop_pipe[0];
}

void exporter_trigger(void)
{
	/* Only the first trigger of a burst writes: the collector thread holds the rest back. */
	if (__atomic_exchange_n(&X.trigger_pending, 1, __ATOMIC_ACQ_REL) == 0)
		exporter_wake('c');
}

/* Counts a failed collection (add 0: pre-initialises the series). target is NULL without target_label. */
static void exporter_count_error(const char *target, const char *reason, double add)
{
	if (target)
		counter_vec_add(X.errs, add, target, reason, (const char *)NULL);
	else
		counter_vec_add(X.errs, add, reason, (const char *)NULL);
}

static char *exporter_name(const char *suffix)
{
	return xasprintf("%s_%s", X.e->prefix, suffix);
}

static void exporter_add_standard(struct metric_set *ms, const struct collect_report *rep, double duration,
				  double now)
{
	const struct exporter *e = X.e;
	char *up = exporter_name("up");
	char *dur = exporter_name("collect_duration_seconds");
	char *ts = exporter_name("last_collect_timestamp_seconds");
	char *build = exporter_name("build_info");

	if (e->target_label) {
		struct metric_family *fu = metric_family(ms, up, METRIC_GAUGE, "Whether the last collection of the target succeeded (1) or not (0).");
		struct metric_family *fd = metric_family(ms, dur, METRIC_GAUGE, "Duration of the last collection of the target in seconds.");
		struct metric_family *ft = metric_family(ms, ts, METRIC_GAUGE, "Unix time of the last collection of the target.");
		for (size_t i = 0; i < rep->ntargets; i++) {
			const struct collect_target *t = &rep->targets[i];
			metric_add(fu, t->ok ? 1 : 0, e->target_label, t->target, NULL);
			metric_add(fd, t->duration, e->target_label, t->target, NULL);
			metric_add(ft, now, e->target_label, t->target, NULL);
		}
	} else {
		metric_gauge(ms, up, "Whether the last collection succeeded (1) or not (0).", rep->failed ? 0 : 1, NULL);
		metric_gauge(ms, dur, "Duration of the last collection in seconds.", duration, NULL);
		metric_gauge(ms, ts, "Unix time of the last collection.", now, NULL);
	}
	counter_vec_render(X.errs, ms);
	metric_gauge(ms, build, "A metric with a constant '1' value labeled by version and revision of the build.", 1,
		     "version", HOMEOPS_VERSION, "revision", HOMEOPS_REVISION, NULL);
	free(up);
	free(dur);
	free(ts);
	free(build);
}

/*
 * Builds the served body: a fresh process_* block followed by the collection, which is X.body
 * right after a collection and otherwise the current snapshot's (only this thread publishes,
 * so that snapshot stays alive meanwhile). The collection is thus kept once, in the snapshot,
 * not a second time between collections: 240 KB for smart_exporter with 19 disks.
 */
static char *exporter_body(size_t *len)
{
	struct metric_set *self = metric_set_new();
	struct strbuf out = STRBUF_INIT;
	const char *coll = strbuf_cstr(&X.body);
	size_t coll_len = X.body.len;

	if (!coll_len && X.snap.cur) {
		size_t blen;
		const char *b = snapshot_body(X.snap.cur, &blen);
		coll = b + X.coll_off;
		coll_len = blen - X.coll_off;
	}
	procmetrics_collect(self, X.cf.procfs);
	strbuf_grow(&out, coll_len + 4096);
	metric_set_render(self, &out);
	X.coll_off = out.len;
	strbuf_add(&out, coll, coll_len);
	metric_set_free(self);
	return strbuf_detach(&out, len);
}

static void exporter_publish(void)
{
	size_t len;
	size_t prev_off = X.coll_off;
	char *body = exporter_body(&len);
	struct snapshot *s = snapshot_new(body, len);
	if (!s) {
		/* snapshot_new() has freed body already; the current snapshot stays, with its offset. */
		X.coll_off = prev_off;
		log_error("exporter", "cannot build the HTTP response for the snapshot");
		return;
	}
	snapshot_publish(&X.snap, s);
	strbuf_release(&X.body);
	__atomic_store_n(&X.last_publish_ms, (long long)(clock_mono() * 1000), __ATOMIC_RELEASE);
	__atomic_store_n(&X.ready, 1, __ATOMIC_RELEASE);
	/* The collection's or the refresh's temporaries (the metric set, libatasmart's regexes,
	 * zlib's ~270 KiB of deflate state) are free now: give their pages back rather than keep
	 * them until the next collection. */
	malloc_trim(0);
}

/* One collection: the exporter's metrics, the standard ones, rendered into X.body. */
static void exporter_collect(void)
{
	const struct exporter *e = X.e;
	struct metric_set *ms = metric_set_new();
	struct collect_report rep;
	memset(&rep, 0, sizeof(rep));

	double t0 = clock_mono();
	int rc = e->collect(e->arg, ms, &rep);
	double duration = clock_mono() - t0;
	if (rc < 0 && !rep.failed)
		collect_report_fail(&rep, "unknown");

	if (e->target_label) {
		for (size_t i = 0; i < rep.ntargets; i++) {
			const struct collect_target *t = &rep.targets[i];
			for (const char *const *r = e->error_reasons; r && *r; r++)
				exporter_count_error(t->target, *r, 0);
			if (!t->ok)
				exporter_count_error(t->target, t->reason, 1);
		}
	} else if (rep.failed) {
		exporter_count_error(NULL, rep.reason, 1);
	}
	if (rep.failed) {
		char dur[32];
		snprintf(dur, sizeof(dur), "%.3f", duration);
		/* One line per distinct failure (reason and detail), then debug while it repeats. */
		char *key = xasprintf("%s\n%s", rep.reason, rep.message ? rep.message : "");
		enum log_level lvl = log_once_new(&X.fail_log, key) ? HLOG_WARN : HLOG_DEBUG;
		const char *what = lvl == HLOG_WARN ? "collection failed" : "collection failed again";
		if (rep.message)
			log_msg(lvl, e->prefix, what, "reason", rep.reason, "err", rep.message, "duration_seconds", dur,
				(const char *)NULL);
		else
			log_msg(lvl, e->prefix, what, "reason", rep.reason, "duration_seconds", dur, (const char *)NULL);
		free(key);
	} else {
		if (X.fail_log.last)
			log_info(e->prefix, "collection recovered");
		log_once_clear(&X.fail_log);
	}

	exporter_add_standard(ms, &rep, duration, clock_real());
	strbuf_reset(&X.body);
	metric_set_render(ms, &X.body);
	metric_set_free(ms);
	collect_report_release(&rep);
}

/* The minimum spacing between triggered collections (exporter.trigger_spacing). */
static double exporter_trigger_spacing(void)
{
	return X.e->trigger_spacing > 0 ? X.e->trigger_spacing : 0.5;
}

/*
 * Collections happen every interval and soon after exporter_trigger(). A burst of triggers
 * becomes one collection at once and then at most one per trigger_spacing: a trigger that
 * arrives during the spacing (or during a collection) is held until the spacing has passed
 * and then collected, so the last event of a storm is always rendered, a spacing later at most.
 */
static void *exporter_collector_thread(void *unused)
{
	double next = clock_mono();          /* next interval collection */
	double trig_due = -1;                /* when a held trigger is collected; -1 = none held */
	double last_trig = -1e18;            /* when the last triggered collection began */
	double spacing = exporter_trigger_spacing();

	(void)unused;
	while (!exporter_stopping()) {
		double now = clock_mono();
		if ((trig_due >= 0 && now >= trig_due) || now >= next) {
			if (trig_due >= 0 && now >= trig_due) {
				/* Cleared before collecting: triggers from now on are seen by this or a later round. */
				__atomic_store_n(&X.trigger_pending, 0, __ATOMIC_RELEASE);
				trig_due = -1;
				last_trig = now;
			}
			exporter_collect();
			exporter_publish();
			double interval = X.ctx.interval;
			next += interval;
			if (next <= clock_mono())
				next = clock_mono() + interval;   /* a slow collection does not cause a burst */
			continue;
		}
		struct pollfd pfd = { X.pipe[0], POLLIN, 0 };
		double until = trig_due >= 0 && trig_due < next ? trig_due : next;
		double wait = until - now;
		int r = poll(&pfd, 1, wait > 3600 ? 3600 * 1000 : (int)(wait * 1000) + 1);
		if (r > 0) {
			char buf[64];
			bool refresh = false;
			ssize_t n;
			while ((n = read(X.pipe[0], buf, sizeof(buf))) > 0)
				for (ssize_t i = 0; i < n; i++)
					refresh |= buf[i] == 'p';
			if (refresh && !exporter_stopping())
				exporter_publish();
			__atomic_store_n(&X.refresh_pending, 0, __ATOMIC_RELEASE);
		}
		if (trig_due < 0 && __atomic_load_n(&X.trigger_pending, __ATOMIC_ACQUIRE)) {
			now = clock_mono();
			trig_due = last_trig + spacing > now ? last_trig + spacing : now;
		}
	}
	return NULL;
}

static int exporter_metrics_handler(struct http_request *req, void *arg)
{
	(void)arg;
	double last = (double)__atomic_load_n(&X.last_publish_ms, __ATOMIC_ACQUIRE) / 1000;
	if (clock_mono() - last > EXPORTER_SELF_REFRESH_SECONDS &&
	    __atomic_exchange_n(&X.refresh_pending, 1, __ATOMIC_ACQ_REL) == 0)
		exporter_wake('p');
	return http_respond_snapshot(req, &X.snap);
}

static int exporter_healthy_handler(struct http_request *req, void *arg)
{
	(void)arg;
	char *msg = xasprintf("%s is Healthy.\n", X.e->name);
	int r = http_respond(req, 200, HTTP_CONTENT_TYPE_TEXT, msg, strlen(msg));
	free(msg);
	return r;
}

static int exporter_ready_handler(struct http_request *req, void *arg)
{
	(void)arg;
	bool ready = __atomic_load_n(&X.ready, __ATOMIC_ACQUIRE);
	char *msg = ready ? xasprintf("%s is Ready.\n", X.e->name)
			  : xasprintf("%s is not ready: no collection has finished yet.\n", X.e->name);
	int r = http_respond(req, ready ? 200 : 503, HTTP_CONTENT_TYPE_TEXT, msg, strlen(msg));
	free(msg);
	return r;
}

static int exporter_landing_handler(struct http_request *req, void *arg)
{
	(void)arg;
	return http_respond(req, 200, HTTP_CONTENT_TYPE_HTML, X.landing, X.landing_len);
}

static void exporter_build_landing(void)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	strbuf_add_html(&sb, X.e->name);
	strbuf_addstr(&sb, "</title><style>body{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}"
			   "code{background:#eee;padding:0 .2em}</style></head><body>\n<h1>");
	strbuf_add_html(&sb, X.e->name);
	strbuf_addstr(&sb, "</h1>\n<p>");
	strbuf_add_html(&sb, X.e->summary ? X.e->summary : "");
	strbuf_addstr(&sb, "</p>\n<p>Version <code>" HOMEOPS_VERSION "</code>, revision <code>" HOMEOPS_REVISION
			   "</code></p>\n<ul>\n<li><a href=\"");
	strbuf_add_html(&sb, X.cf.telemetry_path);
	strbuf_addstr(&sb, "\">Metrics</a></li>\n<li><a href=\"/-/healthy\">Health</a></li>\n"
			   "<li><a href=\"/-/ready\">Readiness</a></li>\n</ul>\n</body></html>\n");
	X.landing = strbuf_detach(&sb, &X.landing_len);
}

static int exporter_once(void)
{
	size_t len;
	exporter_collect();
	char *body = exporter_body(&len);
	int rc = 0;
	if (X.cf.output && *X.cf.output) {
		if (file_write_atomic(X.cf.output, body, len, 0644) < 0) {
			log_error(X.e->prefix, "cannot write output", "path", X.cf.output, "err", strerror(errno));
			rc = 1;
		}
	} else {
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(STDOUT_FILENO, body + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = 1;
				break;
			}
			off += (size_t)w;
		}
	}
	free(body);
	return rc;
}

/* Registers --<prefix>.interval with the exporter's default. */
static void exporter_register_interval(struct flagset *fs, const struct exporter *e)
{
	char def[32];
	char *name = xasprintf("%s.interval", e->prefix);

	duration_format(e->default_interval > 0 ? e->default_interval : 60, def, sizeof(def));
	flag_duration(fs, name, &X.ctx.interval, def,
		      e->interval_help ? e->interval_help : "How often to collect in the background.");
	free(name);
}

int exporter_main(const struct exporter *e, int argc, char **argv)
{
	struct flagset *fs = flagset_new(e->name, e->summary);
	struct http_server *srv = NULL;
	pthread_t collector, watcher;
	bool collector_started = false, watcher_started = false;
	bool init_called = false;
	sigset_t sigs;
	int rc = 1;

	X.e = e;
	/* One malloc arena for every thread: each thread that mallocs would otherwise get an arena
	 * of its own (up to 8 per core) whose touched pages stay; an exporter's threads rarely
	 * allocate at the same time, so contention is not what limits it. */
	mallopt(M_ARENA_MAX, 1);
	__atomic_store_n(&X.stopping, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&X.ready, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&X.trigger_pending, 0, __ATOMIC_RELEASE);
	common_flags_register(fs, &X.cf, e->default_listen);
	exporter_register_interval(fs, e);
	if (e->register_flags)
		e->register_flags(fs, e->arg);
	int pr = flagset_parse(fs, argc, argv);
	if (pr != 0) {
		rc = pr > 0 ? 0 : 2;
		goto out_flags;
	}
	if (common_flags_apply(&X.cf, e->name) < 0) {
		rc = 2;
		goto out_flags;
	}
	if (!(X.ctx.interval > 0)) {
		fprintf(stderr, "%s: flag '--%s.interval' must be greater than 0\n", e->name, e->prefix);
		rc = 2;
		goto out_flags;
	}

	struct sigaction ign;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, NULL);

	/* Both pipes exist before init(), so that sources can keep the cancel descriptor (also with --once). */
	if (pipe2(X.pipe, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2(X.stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_error(e->prefix, "cannot create the wake-up pipe", "err", strerror(errno));
		goto out_flags;
	}
	{
		const char *labels[] = { e->target_label ? e->target_label : "reason", "reason", NULL };
		char *name = exporter_name("collect_errors_total");
		X.errs = counter_vec_new(name, "Failed collections by reason.", e->target_label ? labels : labels + 1);
		free(name);
	}
	X.ctx.procfs = X.cf.procfs;
	X.ctx.cancel_fd = X.stop_pipe[0];
	X.ctx.stopping = exporter_ctx_stopping;
	X.ctx.stop_arg = NULL;

	init_called = true;
	if (e->init && e->init(e->arg, &X.ctx) < 0)
		goto out_release;
	if (!e->target_label)
		for (const char *const *r = e->error_reasons; r && *r; r++)
			exporter_count_error(NULL, *r, 0);

	if (X.cf.once) {
		rc = exporter_once();
		goto out_release;
	}

	if (*X.cf.web_config) {
		char *err = NULL;
		X.web = webconfig_load(X.cf.web_config, &err);
		if (!X.web) {
			log_error(e->prefix, "invalid --web.config.file", "err", err);
			free(err);
			goto out_release;
		}
	}
	{
		/* the security headers of every common/http response, then the web config's own */
		const char *const *sec = http_guard_security_headers(false);
		size_t nsec = 0, nweb = X.web ? X.web->nheaders : 0;
		while (sec[nsec])
			nsec++;
		const char **pairs = xcalloc(nsec + nweb * 2 + 1, sizeof(char *));
		memcpy(pairs, sec, nsec * sizeof(char *));
		for (size_t i = 0; i < nweb; i++) {
			pairs[nsec + 2 * i] = X.web->headers[i].name;
			pairs[nsec + 2 * i + 1] = X.web->headers[i].value;
		}
		snapshot_set_extra_headers(pairs);
		free(pairs);
	}

	/* Signals go to this thread only (sigwait below); every thread created after this inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	snapshot_holder_init(&X.snap);
	exporter_build_landing();

	struct http_route routes[] = {
		{ .path = X.cf.telemetry_path, .methods = HTTP_GET, .handler = exporter_metrics_handler },
		{ .path = "/-/healthy", .methods = HTTP_GET, .auth = HTTP_AUTH_NONE, .handler = exporter_healthy_handler },
		{ .path = "/-/ready", .methods = HTTP_GET, .auth = HTTP_AUTH_NONE, .handler = exporter_ready_handler },
		{ .path = "/", .methods = HTTP_GET, .handler = exporter_landing_handler },
	};
	struct http_server_options opt = {
		.listen = &X.cf.listen,
		.web = X.web,
		.max_connections = (unsigned)X.cf.max_connections,
		.max_connections_per_ip = (unsigned)X.cf.max_connections_per_ip,
		.max_requests = (unsigned)X.cf.max_requests,
		.request_timeout = X.cf.request_timeout,
		.allowed_hosts = &X.cf.allowed_hosts,
		.connection_timeout = 30,
		.max_body = 0,
		.server_name = e->name,
	};
	log_info(e->prefix, "starting", "name", e->name, "version", HOMEOPS_VERSION, "revision", HOMEOPS_REVISION);
	char *err = NULL;
	srv = http_server_start(&opt, routes, sizeof(routes) / sizeof(routes[0]), &err);
	if (!srv) {
		log_error(e->prefix, "cannot start the HTTP server", "err", err);
		free(err);
		goto out_snap;
	}
	for (size_t i = 0; i < X.cf.listen.n; i++) {
		char port[16];
		snprintf(port, sizeof(port), "%u", http_server_port(srv, i));
		log_info(e->prefix, "serving", "address", X.cf.listen.items[i], "port", port, "path", X.cf.telemetry_path);
	}

	if (pthread_create(&collector, NULL, exporter_collector_thread, NULL) != 0) {
		log_error(e->prefix, "cannot start the collection thread");
		goto out_http;
	}
	collector_started = true;
	if (e->watch) {
		if (pthread_create(&watcher, NULL, e->watch, e->arg) != 0)
			log_error(e->prefix, "cannot start the watch thread; collecting on the interval only");
		else
			watcher_started = true;
	}

	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info(e->prefix, "SIGHUP: collecting now");
			exporter_trigger();
			continue;
		}
		log_info(e->prefix, "shutting down", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	}
	rc = 0;

	__atomic_store_n(&X.stopping, 1, __ATOMIC_RELEASE);
	exporter_wake('s');
	if (write(X.stop_pipe[1], "s", 1) < 0)
		log_debug(e->prefix, "cannot signal the stop descriptor");
	http_server_quiesce(srv);
out_http:
	if (collector_started)
		pthread_join(collector, NULL);
	if (watcher_started)
		pthread_join(watcher, NULL);
	http_server_stop(srv);
out_snap:
	snapshot_holder_release(&X.snap);
	free(X.landing);
out_release:
	if (init_called && e->release)
		e->release(e->arg);
	webconfig_free(X.web);
	counter_vec_free(X.errs);
	X.errs = NULL;
	strbuf_release(&X.body);
	log_once_clear(&X.fail_log);
out_flags:
	/* One place releases whatever was set: a failing second pipe2() leaves the first to close here. */
	for (int i = 0; i < 2; i++) {
		if (X.pipe[i] >= 0)
			close(X.pipe[i]);
		if (X.stop_pipe[i] >= 0)
			close(X.stop_pipe[i]);
		X.pipe[i] = X.stop_pipe[i] = -1;
	}
	strlist_clear(&X.cf.listen);
	flagset_free(fs);
	return rc;
}
