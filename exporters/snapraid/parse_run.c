/* parse_run.c: the log of one scheduled SnapRAID run (sync, scrub, diff, fix, check) to its outcome */
#include "exporters/snapraid/parse.h"
#include "exporters/snapraid/parse_util.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"

struct run_acc {
	struct sr_run *run;
	char *inferred;     /* command guessed from the progress text */
	bool everything_ok; /* "Everything OK" */
	bool nothing_to_do; /* "Nothing to do" */
	bool diff_verdict;  /* "No differences" / "There are differences!" */
	bool errors_found;  /* "WARNING! There are errors!", "DANGER! There are unrecoverable errors!" */
	double text_soft, text_io, text_data; /* the human "N file/io/data errors" summary */
};

static void run_count(struct run_acc *a, const char *s)
{
	static const struct {
		const char *pat;
		size_t off;
	} counts[] = {
		{ "# errors", offsetof(struct sr_run, errors) },
		{ "# recovered errors", offsetof(struct sr_run, recovered) },
		{ "# unrecoverable errors", offsetof(struct sr_run, unrecoverable) },
		{ "# equal", offsetof(struct sr_run, equal) },
		{ "# added", offsetof(struct sr_run, added) },
		{ "# removed", offsetof(struct sr_run, removed) },
		{ "# updated", offsetof(struct sr_run, updated) },
		{ "# moved", offsetof(struct sr_run, moved) },
		{ "# copied", offsetof(struct sr_run, copied) },
		{ "# relocated", offsetof(struct sr_run, relocated) },
		{ "# restored", offsetof(struct sr_run, restored) },
	};
	double v;

	if (sr_match(s, "# file errors", &v, 1)) {
		a->text_soft = v;
		return;
	}
	if (sr_match(s, "# io errors", &v, 1)) {
		a->text_io = v;
		return;
	}
	if (sr_match(s, "# data errors", &v, 1)) {
		a->text_data = v;
		return;
	}
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (sr_match(s, counts[i].pat, &v, 1)) {
			double *dst = (double *)((char *)a->run + counts[i].off);
			/* the summary:* tag, when present, came first and wins */
			if (isnan(*dst))
				*dst = v;
			return;
		}
	}
}

/* Human text, either a line of captured output or the text of a msg:status/msg:progress tag. */
static void run_text(struct run_acc *a, const char *line)
{
	const char *s = sr_skip_ws(line);
	static const struct {
		const char *text;
		const char *command;
	} progress[] = {
		{ "Syncing...", "sync" },
		{ "Scrubbing...", "scrub" },
		{ "Comparing...", "diff" },
		{ "Fixing...", "fix" },
		{ "Checking...", "check" },
	};

	if (!*s)
		return;
	for (size_t i = 0; i < sizeof(progress) / sizeof(progress[0]); i++) {
		if (strcmp(s, progress[i].text) == 0) {
			if (!a->inferred)
				a->inferred = xstrdup(progress[i].command);
			return;
		}
	}
	if (strcmp(s, "Everything OK") == 0)
		a->everything_ok = true;
	else if (strcmp(s, "Nothing to do") == 0)
		a->nothing_to_do = true;
	else if (strcmp(s, "No differences") == 0 || strcmp(s, "There are differences!") == 0)
		a->diff_verdict = true;
	else if (strcmp(s, "WARNING! There are errors!") == 0 ||
		 strcmp(s, "DANGER! There are unrecoverable errors!") == 0)
		a->errors_found = true;
	else if (strstr(s, "SnapRAID is already in use!"))
		a->run->busy = true;
	else
		run_count(a, s);
}

static void run_fatal(struct run_acc *a, const char *msg)
{
	msg = sr_skip_ws(msg);
	if (strstr(msg, "SnapRAID is already in use!") || strstr(msg, "is already locked!")) {
		a->run->busy = true;
		return;
	}
	/* warnings go through log_fatal() too, sometimes split in pieces (", 'd2'") */
	if (!*msg || sr_starts(msg, "WARNING!", NULL) || sr_starts(msg, ",", NULL) || sr_starts(msg, ".", NULL))
		return;
	if (!a->run->fatal)
		a->run->fatal = xstrdup(msg);
}

static void run_summary(struct run_acc *a, const char *rest)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "error_soft:", offsetof(struct sr_run, errors_soft) },
		{ "error_file:", offsetof(struct sr_run, errors_soft) },
		{ "error_io:", offsetof(struct sr_run, errors_io) },
		{ "error_data:", offsetof(struct sr_run, errors_data) },
		{ "error:", offsetof(struct sr_run, errors) },
		{ "error_recovered:", offsetof(struct sr_run, recovered) },
		{ "error_unrecoverable:", offsetof(struct sr_run, unrecoverable) },
		{ "equal:", offsetof(struct sr_run, equal) },
		{ "added:", offsetof(struct sr_run, added) },
		{ "removed:", offsetof(struct sr_run, removed) },
		{ "updated:", offsetof(struct sr_run, updated) },
		{ "moved:", offsetof(struct sr_run, moved) },
		{ "copied:", offsetof(struct sr_run, copied) },
		{ "relocated:", offsetof(struct sr_run, relocated) },
		{ "restored:", offsetof(struct sr_run, restored) },
	};
	const char *val;
	double v;

	if (sr_starts(rest, "exit:", &val)) {
		if (!a->run->exit_status)
			a->run->exit_status = xstrdup(val);
		return;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (sr_starts(rest, fields[i].key, &val)) {
			if (sr_parse_int(val, &v) && v >= 0)
				*(double *)((char *)a->run + fields[i].off) = v;
			return;
		}
	}
}

static void run_tag(struct run_acc *a, const char *line)
{
	const char *rest;
	double v;

	if (sr_tag_is(line, "summary", &rest)) {
		run_summary(a, rest);
	} else if (sr_tag_is(line, "command", &rest)) {
		if (!a->run->command && *rest)
			a->run->command = xstrdup(rest);
	} else if (sr_tag_is(line, "unixtime", &rest)) {
		if (isnan(a->run->unixtime) && sr_parse_int(rest, &v))
			a->run->unixtime = v;
	} else if (sr_tag_is(line, "msg", &rest)) {
		if (sr_starts(rest, "fatal:", &rest))
			run_fatal(a, rest);
		else if (sr_starts(rest, "status:", &rest) || sr_starts(rest, "progress:", &rest))
			run_text(a, rest);
	}
}

static bool run_exit_ok(const char *status)
{
	static const char *const ok[] = { "ok", "equal", "diff", "recovered" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(status, ok[i]) == 0)
			return true;
	return false;
}

static struct sr_run *run_new(void)
{
	struct sr_run *r = xcalloc(1, sizeof(*r));

	r->unixtime = NAN;
	r->errors_soft = r->errors_io = r->errors_data = NAN;
	r->errors = r->recovered = r->unrecoverable = NAN;
	r->equal = r->added = r->removed = r->updated = NAN;
	r->moved = r->copied = r->relocated = r->restored = NAN;
	return r;
}

struct sr_run *sr_run_parse(const char *buf, size_t len)
{
	struct run_acc a;
	struct sr_run *r = run_new();
	struct line_reader it;
	const char *line;

	memset(&a, 0, sizeof(a));
	a.run = r;
	a.text_soft = a.text_io = a.text_data = NAN;

	line_reader_init(&it, buf, len, LINES_STRIP_CR);
	while ((line = line_reader_next(&it))) {
		if (sr_tag(line, NULL))
			run_tag(&a, line);
		else
			run_text(&a, line);
	}
	line_reader_release(&it);

	if (!r->command && a.inferred) {
		r->command = a.inferred;
		a.inferred = NULL;
	}
	if (isnan(r->errors_soft))
		r->errors_soft = a.text_soft;
	if (isnan(r->errors_io))
		r->errors_io = a.text_io;
	if (isnan(r->errors_data))
		r->errors_data = a.text_data;
	/* sync/scrub print "Everything OK" (or "Nothing to do") only when no error was counted;
	 * fix/check print it after their own "N errors" summary, about repairs, not these counts */
	if ((a.everything_ok || a.nothing_to_do) && isnan(r->errors)) {
		if (isnan(r->errors_soft))
			r->errors_soft = 0;
		if (isnan(r->errors_io))
			r->errors_io = 0;
		if (isnan(r->errors_data))
			r->errors_data = 0;
	}

	if (r->exit_status)
		r->outcome = run_exit_ok(r->exit_status) ? SR_RUN_SUCCESS : SR_RUN_FAILED;
	else if (r->busy || a.errors_found || r->errors_soft > 0 || r->errors_io > 0 || r->errors_data > 0 ||
		 r->unrecoverable > 0)
		r->outcome = SR_RUN_FAILED;
	else if (a.everything_ok || a.nothing_to_do || a.diff_verdict)
		r->outcome = SR_RUN_SUCCESS;
	else if (r->fatal)
		r->outcome = SR_RUN_FAILED;
	else
		r->outcome = SR_RUN_INCOMPLETE;

	free(a.inferred);
	return r;
}

void sr_run_free(struct sr_run *run)
{
	if (!run)
		return;
	free(run->command);
	free(run->exit_status);
	free(run->fatal);
	free(run);
}

void sr_run_peek(const char *buf, size_t len, char **command, double *unixtime)
{
	struct line_reader it;
	const char *line, *rest;
	double v;
	int n = 0;

	*command = NULL;
	*unixtime = NAN;
	line_reader_init(&it, buf, len, LINES_STRIP_CR);
	/* both tags are among the first lines SnapRAID writes */
	while ((line = line_reader_next(&it)) && n++ < 64 && (!*command || isnan(*unixtime))) {
		if (!*command && sr_tag_is(line, "command", &rest) && *rest)
			*command = xstrdup(rest);
		else if (isnan(*unixtime) && sr_tag_is(line, "unixtime", &rest) && sr_parse_int(rest, &v))
			*unixtime = v;
	}
	line_reader_release(&it);
}
