/* collect.c: one collection of snapraid_exporter: source -> parse -> render, with the busy cache */
#include "exporters/snapraid/collect.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include "common/clock.h"
#include "common/duration.h"
#include "common/exporter.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/strlist.h"
#include "common/xalloc.h"
#include "exporters/snapraid/parse.h"
#include "exporters/snapraid/render.h"
#include "exporters/snapraid/source.h"

#define SR_MOD "snapraid"
#define SR_LOGS_MAX 4096               /* newest files considered by --snapraid.log-glob */
#define SR_LOG_PEEK (4u << 10)         /* command: and unixtime: are in the first lines */
#define SR_LOG_HEAD (64u << 10)
#define SR_LOG_TAIL (256u << 10)

const char *const sr_error_reasons[] = { "config", "exec", "timeout", "fatal", "exit", "parse", "io", NULL };

/* What a log file's first lines said, remembered while the file is unchanged. */
struct sr_peek {
	char *path;
	struct timespec mtime;
	off_t size;
	dev_t dev;
	ino_t ino;
	char *command;
	double unixtime;
};

struct sr_collector {
	const struct sr_config *cfg;

	struct sr_status *status; /* last successful status */
	double status_time;

	struct sr_smart *smart;   /* last successful smart report */
	double smart_time;
	bool smart_up;
	bool smart_ran;
	double smart_next;        /* monotonic */

	struct sr_peek *peeks;
	size_t npeeks;

	char *status_msg;             /* why the last status failed (sr_collect_message) */
	struct log_once busy_log;
	struct log_once probe_log;
	struct log_once smart_log;
	struct log_once logs_log;
};

struct sr_collector *sr_collector_new(const struct sr_config *cfg)
{
	struct sr_collector *c = xcalloc(1, sizeof(*c));

	c->cfg = cfg;
	return c;
}

static void collect_peeks_free(struct sr_peek *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].path);
		free(p[i].command);
	}
	free(p);
}

void sr_collector_free(struct sr_collector *c)
{
	if (!c)
		return;
	sr_status_free(c->status);
	sr_smart_free(c->smart);
	collect_peeks_free(c->peeks, c->npeeks);
	free(c->status_msg);
	free(c->busy_log.last);
	free(c->probe_log.last);
	free(c->smart_log.last);
	free(c->logs_log.last);
	free(c);
}

static int collect_cancel_fd(const struct sr_config *cfg)
{
	return cfg->ctx ? cfg->ctx->cancel_fd : -1;
}

/* Logs a failure at error level the first time it is seen (then at debug) and returns reason. */
static const char *collect_fail(struct log_once *lo, const char *what, const char *reason, const char *message)
{
	char *key = xasprintf("%s: %s", reason, message);

	if (log_once_new(lo, key))
		log_error(SR_MOD, what, "reason", reason, "err", message);
	else
		log_debug(SR_MOD, what, "reason", reason, "err", message);
	free(key);
	return reason;
}

/* A failed status is the collection's failure: common/exporter logs it once (with msg), so it is
 * only kept here for sr_collect_message(). Returns reason. */
static const char *collect_status_fail(struct sr_collector *c, const char *reason, const char *msg)
{
	free(c->status_msg);
	c->status_msg = xstrdup(msg);
	return reason;
}

static void collect_ok(struct log_once *lo, const char *what)
{
	if (lo->last)
		log_info(SR_MOD, what);
	log_once_clear(lo);
}

/* Why a run that ended without a usable report failed: reason and message for the log. */
static const char *collect_exec_failure(const struct sr_exec *ex, const char *command, double timeout,
					const struct sr_error *perr, char *msg, size_t n)
{
	if (ex->timed_out) {
		char d[32];
		duration_format(timeout, d, sizeof(d));
		snprintf(msg, n, "'snapraid %s' did not finish within %s (--snapraid.timeout); killed", command, d);
		return "timeout";
	}
	if (perr && perr->kind && strcmp(perr->kind, "parse") != 0) {
		snprintf(msg, n, "%s", perr->message ? perr->message : perr->kind);
		return strcmp(perr->kind, "config") == 0 ? "config" : "fatal";
	}
	if (ex->signaled) {
		snprintf(msg, n, "'snapraid %s' was killed by signal %d", command, ex->term_signal);
		return "exit";
	}
	if (ex->exited && ex->exit_code != 0) {
		snprintf(msg, n, "'snapraid %s' exited with status %d: %s", command, ex->exit_code,
			 perr && perr->message ? perr->message : "no message");
		return "exit";
	}
	snprintf(msg, n, "%s", perr && perr->message ? perr->message : "unrecognised output");
	return "parse";
}

/* Runs and parses `snapraid status`. Returns NULL (fresh status cached, or *busy), or a reason. */
static const char *collect_status(struct sr_collector *c, bool *busy)
{
	const struct sr_config *cfg = c->cfg;
	struct strlist content = STRLIST_INIT;
	struct sr_exec ex;
	struct sr_error perr = { NULL, NULL };
	struct sr_status *st = NULL;
	const char *reason = NULL;
	char msg[512];
	int held;

	memset(&ex, 0, sizeof(ex));
	*busy = false;
	if (sr_source_read_conf(cfg->config, &content) < 0) {
		snprintf(msg, sizeof(msg), "cannot read the SnapRAID configuration '%s': %s", cfg->config,
			 strerror(errno));
		reason = collect_status_fail(c, "config", msg);
		goto out;
	}

	held = sr_source_lock_held(&content);
	if (held == 1) {
		*busy = true;
		goto out;
	}
	if (held < 0) {
		/* status itself will tell "already in use" if it is; say once why we could not look */
		snprintf(msg, sizeof(msg), "cannot probe the SnapRAID lock: %s", strerror(errno));
		if (log_once_new(&c->probe_log, msg))
			log_warn(SR_MOD, "lock probe failed", "err", msg);
	} else {
		log_once_clear(&c->probe_log);
	}

	if (sr_source_exec(cfg->snapraid, cfg->config, "status", cfg->timeout, collect_cancel_fd(cfg), &ex) < 0) {
		reason = collect_status_fail(c, ex.spawn_errno ? "exec" : "io", ex.error);
		goto out;
	}
	if (ex.timed_out) {
		collect_exec_failure(&ex, "status", cfg->timeout, NULL, msg, sizeof(msg));
		reason = collect_status_fail(c, "timeout", msg);
		goto out;
	}
	switch (sr_status_parse(ex.log.buf, ex.log.len, ex.out.buf, ex.out.len, &st, &perr)) {
	case SR_OK:
		sr_status_free(c->status);
		c->status = st;
		c->status_time = isnan(st->unixtime) ? clock_real() : st->unixtime;
		st = NULL;
		break;
	case SR_BUSY:
		*busy = true;
		break;
	case SR_ERROR:
		reason = collect_exec_failure(&ex, "status", cfg->timeout, &perr, msg, sizeof(msg));
		reason = collect_status_fail(c, reason, msg);
		break;
	}
	if (ex.error[0])
		log_debug(SR_MOD, "status log unreadable", "err", ex.error);
out:
	if (*busy) {
		char ts[32] = "never";
		if (c->status)
			snprintf(ts, sizeof(ts), "%.0f", c->status_time);
		if (log_once_new(&c->busy_log, "busy"))
			log_info(SR_MOD, "array busy: another snapraid holds the lock; serving the last status",
				 "status_timestamp", ts);
	} else {
		log_once_clear(&c->busy_log);
	}
	sr_error_release(&perr);
	sr_status_free(st);
	sr_exec_release(&ex);
	strlist_clear(&content);
	return reason;
}

/* `snapraid smart` on its own interval; its failure is snapraid_smart_up 0, not a failed collection. */
static void collect_smart(struct sr_collector *c)
{
	const struct sr_config *cfg = c->cfg;
	struct sr_exec ex;
	struct sr_error perr = { NULL, NULL };
	struct sr_smart *sm = NULL;
	double now = clock_mono();
	char msg[512];
	const char *reason = NULL;

	if (c->smart_ran && now < c->smart_next)
		return;
	c->smart_ran = true;
	c->smart_next = now + cfg->smart_interval;

	if (sr_source_exec(cfg->snapraid, cfg->config, "smart", cfg->timeout, collect_cancel_fd(cfg), &ex) < 0) {
		reason = collect_fail(&c->smart_log, "smart failed", ex.spawn_errno ? "exec" : "io", ex.error);
		goto out;
	}
	if (ex.timed_out) {
		collect_exec_failure(&ex, "smart", cfg->timeout, NULL, msg, sizeof(msg));
		reason = collect_fail(&c->smart_log, "smart failed", "timeout", msg);
		goto out;
	}
	/* smart exits 1 when a disk is FAILING: the report is still complete and is what matters */
	switch (sr_smart_parse(ex.log.buf, ex.log.len, ex.out.buf, ex.out.len, &sm, &perr)) {
	case SR_OK:
		sr_smart_free(c->smart);
		c->smart = sm;
		c->smart_time = isnan(sm->unixtime) ? clock_real() : sm->unixtime;
		sm = NULL;
		collect_ok(&c->smart_log, "smart recovered");
		break;
	case SR_BUSY:
		reason = collect_fail(&c->smart_log, "smart failed", "busy", "SnapRAID is already in use");
		break;
	case SR_ERROR:
		if (perr.kind && strcmp(perr.kind, "unsupported") == 0) {
			reason = collect_fail(&c->smart_log, "smart failed", "unsupported", perr.message);
		} else {
			reason = collect_exec_failure(&ex, "smart", cfg->timeout, &perr, msg, sizeof(msg));
			reason = collect_fail(&c->smart_log, "smart failed", reason, msg);
		}
		break;
	}
out:
	c->smart_up = reason == NULL;
	if (reason) {
		/* values that could not be read are left out, not served stale */
		sr_smart_free(c->smart);
		c->smart = NULL;
	}
	sr_error_release(&perr);
	sr_smart_free(sm);
	sr_exec_release(&ex);
}

static const struct sr_peek *collect_peek(struct sr_collector *c, const struct sr_log_file *f, struct sr_peek *out)
{
	struct strbuf sb = STRBUF_INIT;

	memset(out, 0, sizeof(*out));
	out->path = xstrdup(f->path);
	out->mtime = f->mtime;
	out->size = f->size;
	out->dev = f->dev;
	out->ino = f->ino;
	out->unixtime = NAN;
	for (size_t i = 0; i < c->npeeks; i++) {
		struct sr_peek *p = &c->peeks[i];
		if (strcmp(p->path, f->path) == 0 && p->size == f->size && p->dev == f->dev && p->ino == f->ino &&
		    p->mtime.tv_sec == f->mtime.tv_sec && p->mtime.tv_nsec == f->mtime.tv_nsec) {
			out->command = p->command ? xstrdup(p->command) : NULL;
			out->unixtime = p->unixtime;
			return out;
		}
	}
	if (sr_source_read_log(f->path, SR_LOG_PEEK, 0, &sb) == 0)
		sr_run_peek(sb.buf, sb.len, &out->command, &out->unixtime);
	strbuf_release(&sb);
	return out;
}

/* --snapraid.log-glob: the newest finished log of each command. */
static void collect_logs(struct sr_collector *c, struct metric_set *ms, bool busy)
{
	struct sr_log_file *files = NULL;
	size_t nfiles = 0;
	struct sr_peek *peeks = NULL;
	struct strlist done = STRLIST_INIT;
	char msg[512];

	if (sr_source_list_logs(c->cfg->log_glob, SR_LOGS_MAX, &files, &nfiles) < 0) {
		snprintf(msg, sizeof(msg), "cannot expand --snapraid.log-glob '%s': %s", c->cfg->log_glob,
			 strerror(errno));
		if (log_once_new(&c->logs_log, msg))
			log_warn(SR_MOD, "run logs unreadable", "err", msg);
		goto out;
	}
	log_once_clear(&c->logs_log);
	peeks = xcalloc(nfiles ? nfiles : 1, sizeof(*peeks));

	for (size_t i = 0; i < nfiles; i++) {
		const struct sr_peek *p = collect_peek(c, &files[i], &peeks[i]);
		struct strbuf sb = STRBUF_INIT;
		struct sr_run *run;
		bool seen = false;

		if (!p->command)
			continue; /* not a SnapRAID -l log */
		for (size_t j = 0; j < done.n; j++)
			seen |= strcmp(done.items[j], p->command) == 0;
		if (seen)
			continue;
		if (sr_source_read_log(files[i].path, SR_LOG_HEAD, SR_LOG_TAIL, &sb) < 0) {
			log_debug(SR_MOD, "cannot read run log", "path", files[i].path, "err", strerror(errno));
			strbuf_release(&sb);
			continue;
		}
		run = sr_run_parse(sb.buf, sb.len);
		strbuf_release(&sb);
		/* a log without its end while the array is locked is the run holding the lock: report
		 * the one before it; without the lock it was interrupted, a failed run */
		if (run->outcome == SR_RUN_INCOMPLETE && busy) {
			sr_run_free(run);
			continue;
		}
		if (!run->command)
			run->command = xstrdup(p->command);
		sr_render_run(ms, run,
			      isnan(run->unixtime) ? (double)files[i].mtime.tv_sec : run->unixtime,
			      run->outcome == SR_RUN_SUCCESS);
		strlist_push(&done, p->command);
		sr_run_free(run);
	}
out:
	collect_peeks_free(c->peeks, c->npeeks);
	c->peeks = peeks;
	c->npeeks = peeks ? nfiles : 0;
	sr_log_files_free(files, nfiles);
	strlist_clear(&done);
}

const char *sr_collect(struct sr_collector *c, struct metric_set *ms)
{
	bool busy = false;
	const char *reason;

	free(c->status_msg);
	c->status_msg = NULL;
	reason = collect_status(c, &busy);

	sr_render_busy(ms, busy);
	if (!reason && c->status)
		sr_render_status(ms, c->status, c->status_time);
	if (c->cfg->smart) {
		collect_smart(c);
		sr_render_smart(ms, c->smart_up, c->smart, c->smart_time);
	}
	if (c->cfg->log_glob && *c->cfg->log_glob)
		collect_logs(c, ms, busy);
#ifdef __GLIBC__
	/* give the transient buffers of this collection (outputs, logs) back to the system */
	malloc_trim(0);
#endif
	return reason;
}

const char *sr_collect_message(const struct sr_collector *c)
{
	return c->status_msg;
}
