/* run.h: one playbook run: environment from the alert, argv only, stdin JSON, timeout, bounded redacted output */
#ifndef HOMEOPS_RECEIVER_RUN_H
#define HOMEOPS_RECEIVER_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include "common/strbuf.h"
#include "common/strlist.h"
#include "receiver/config.h"

/*
 * The environment of a playbook, first definition wins:
 *   HOMEOPS_ALERTNAME, HOMEOPS_STATUS, HOMEOPS_FINGERPRINT, HOMEOPS_STARTS_AT, HOMEOPS_ENDS_AT,
 *   HOMEOPS_GENERATOR_URL, HOMEOPS_RUN_ID, HOMEOPS_PLAYBOOK, HOMEOPS_ATTEMPT, HOMEOPS_TRIGGER,
 *   HOMEOPS_DRY_RUN (only with --dry-run... never set: dry runs do not execute),
 *   HOMEOPS_LABEL_<NAME> for every label, HOMEOPS_ANNOTATION_<NAME> for every annotation, where
 *   NAME is the name upper-cased with every byte outside A-Z0-9_ replaced by '_',
 *   then the playbook's env:, then PATH (the receiver's, or a safe default), HOME, LANG, TZ.
 * Left out (the JSON on stdin has them all): every label or annotation whose variable name is also
 * another's ("a.b", "a-b", "a_b": all three, none shadows another), a value over
 * RUN_ENV_MAX_VALUE bytes, and what would pass RUN_ENV_MAX_VARS variables or RUN_ENV_MAX_BYTES
 * bytes (in bytewise name order). Then HOMEOPS_ENV_OMITTED lists the names left out (comma
 * separated, annotations as "annotation:<name>", at most about 4 KiB then ",...") and ctx->note
 * receives a line saying so, for the run's recorded output. Built in O(n log n).
 * Values are passed byte for byte; nothing is ever given to a shell.
 */
#define RUN_ENV_MAX_VARS 256u
#define RUN_ENV_MAX_VALUE (16u * 1024)
#define RUN_ENV_MAX_BYTES (256u * 1024)
#define RUN_ENV_MAX_OMITTED_LIST 4096u
struct run_context {
	long long run_id;
	const char *playbook;
	int attempt;
	const char *trigger;            /* alert | manual | retry */
	const struct strlist *extra;    /* the playbook's env ("K=V"), may be NULL */
	struct strbuf *note;            /* may be NULL: receives what was left out of the environment */
};

/* Maps a label or annotation name to its environment suffix ("instance" -> "INSTANCE"). */
void run_env_name(const char *name, struct strbuf *out);

/*
 * Builds the environment for the alert JSON (one alert object as the receiver stored it).
 * Returns 0, or -1 with *err (caller frees) when the JSON is not an alert object.
 */
int run_build_env(const char *alert_json, size_t len, const struct run_context *ctx, struct strlist *env,
		  char **err);

/* argv of a playbook as a JSON array (for the store). Caller frees. */
char *run_argv_json(const struct playbook *pb);

struct run_outcome {
	const char *state;              /* succeeded | failed | cancelled | interrupted */
	char result[160];               /* "exit 0", "exit 3", "timeout", "signal 9", "exec: ..." */
	bool has_exit;
	int exit_code;
	int signal;
	bool timed_out;
	struct strbuf output;           /* redacted tail (stdout and stderr merged), NUL bytes as U+FFFD */
	bool output_truncated;
	double duration;
};

/*
 * Runs pb for the alert: fork/exec of pb->command with env, the alert JSON (plus a newline) on
 * stdin, in its own process group, killed (whole group) at pb->timeout, as pb->user when set.
 * cancel_fd >= 0 ends the run early when it becomes readable; *cancel_reason (may be NULL)
 * then says whether it was "interrupted" (shutdown) or "cancelled" (resolved).
 * Returns 0 when an outcome was produced (even a failed exec), -1 when the process could
 * not be started at all (out->result says why).
 */
int run_execute(const struct playbook *pb, const char *alert_json, size_t len, const struct strlist *env,
		int cancel_fd, const char *const *cancel_reason, struct run_outcome *out);
void run_outcome_release(struct run_outcome *o);

/* Applies pb's redact patterns, replaces NUL bytes and keeps the last limit bytes (pure). */
void run_tail_output(const struct playbook *pb, const char *raw, size_t len, bool truncated_already,
		     struct strbuf *out, bool *truncated);

#endif
