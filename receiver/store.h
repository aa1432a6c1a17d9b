/* store.h: the receiver's durable state in SQLite (WAL): alerts, runs, outbox, settings; group commit writer */
#ifndef HOMEOPS_RECEIVER_STORE_H
#define HOMEOPS_RECEIVER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One database file, <dir>/receiver.db, in WAL mode with synchronous=FULL: a commit is on disk
 * when it returns. Every write goes through one writer thread that commits in groups: it takes
 * every operation waiting at that moment, applies each inside its own savepoint of one
 * transaction, commits once (one WAL fsync), then calls each operation's done callback. A
 * separate checkpointer thread copies the WAL back into the database without blocking writes.
 * Reads (status page, API, outbox workers) use a second connection under a mutex; WAL readers
 * never wait for the writer.
 *
 * Schema version: PRAGMA user_version, upgraded by numbered migrations at open; a database
 * from a newer version is refused rather than touched.
 */
#define STORE_SCHEMA_VERSION 3

struct store;

struct store_options {
	const char *dir;           /* created (0700) when missing */
	size_t max_pending;        /* operations waiting for the writer before submit refuses; 0 = 20000 */
	bool no_sync;              /* synchronous=NORMAL (tests of other things only; never in production) */
};

/* Opens (creating and migrating as needed). Returns NULL with *err (caller frees). */
struct store *store_open(const struct store_options *opt, char **err);
/* Stops the writer and checkpointer (after draining submitted operations) and closes. */
void store_close(struct store *st);
int store_schema_version(struct store *st);
const char *store_path(const struct store *st);

/* ---- writer ---- */

struct store_op {
	/* In the writer thread, inside the batch transaction (and its own savepoint). Return 0, or
	 * -1 to roll back just this operation's changes. Use only the store_w_* functions. */
	int (*apply)(struct store *st, void *arg);
	/* In the writer thread after the batch: status 0 when the operation's changes are committed,
	 * -1 when apply failed or the commit failed. May free the op; may submit new ops; must not wait. */
	void (*done)(void *arg, int status);
	void *arg;
	/* private */
	struct store_op *next;
	int status;
};

/* Starts the writer and checkpointer threads. Returns 0 or -1. */
int store_start(struct store *st);
/*
 * Queues op. Returns 0, or -1 (done is not called) when the writer is stopped or max_pending
 * operations are already waiting: the caller answers 503.
 */
int store_submit(struct store *st, struct store_op *op);
/* Submits apply(arg) and waits for its commit. Returns its status (-1 also when not accepted). */
int store_exec(struct store *st, int (*apply)(struct store *st, void *arg), void *arg);
/* Called in the writer thread after a batch failed to commit (so in-memory state can be rebuilt). */
void store_set_rollback_hook(struct store *st, void (*hook)(void *arg), void *arg);
size_t store_pending(struct store *st);

/* Why a store write failed, from SQLite's result code (remediation_store_errors_total{reason}). */
enum store_error_reason {
	STORE_ERR_DISK_FULL,       /* SQLITE_FULL: the filesystem (or a quota) has no room */
	STORE_ERR_READ_ONLY,       /* SQLITE_READONLY: the filesystem or the file went read-only */
	STORE_ERR_IO,              /* SQLITE_IOERR: a read, write or fsync failed */
	STORE_ERR_BUSY,            /* SQLITE_BUSY or SQLITE_LOCKED: another process holds the database */
	STORE_ERR_CORRUPT,         /* SQLITE_CORRUPT or SQLITE_NOTADB */
	STORE_ERR_OTHER,
	STORE_ERR_COUNT,
};
/* The reason of an SQLite (extended) result code. Pure. */
enum store_error_reason store_error_reason(int sqlite_rc);
/* Its label value: disk_full, read_only, io, busy, corrupt, other. */
const char *store_error_reason_name(enum store_error_reason r);

struct store_stats {
	uint64_t commits;          /* batches committed */
	uint64_t ops;              /* operations committed */
	uint64_t failed_commits;
	uint64_t errors[STORE_ERR_COUNT];  /* failed commits and failed operations, by reason */
	bool last_commit_ok;       /* the last batch committed (true before the first) */
	uint64_t checkpoints;
	double commit_seconds_sum;
	uint64_t commit_buckets[12];  /* cumulative counts for STORE_COMMIT_BOUNDS */
	size_t last_batch;
	size_t max_batch;
};
extern const double STORE_COMMIT_BOUNDS[12];
void store_get_stats(struct store *st, struct store_stats *out);

/* ---- writer-thread statements (call from apply only) ---- */

struct store_notification_in {
	double received_at;
	const char *receiver;       /* configured receiver name */
	const char *remote;
	const char *am_receiver;
	const char *status;
	const char *group_key;
	const char *external_url;
	long nalerts;
	long long truncated_alerts;
};
/* Returns the new row id, or -1. */
long long store_w_notification(struct store *st, const struct store_notification_in *n);

struct store_alert_in {
	long long notification_id;
	double received_at;
	const char *fingerprint;
	const char *status;
	const char *alertname;
	const char *starts_at;      /* normalized key form */
	const char *ends_at;
	const char *json;
	size_t json_len;
	const char *decision;
};
long long store_w_alert(struct store *st, const struct store_alert_in *a);

struct store_run_in {
	long long alert_id;          /* 0 = none */
	const char *playbook;
	const char *fingerprint;
	const char *starts_at;
	const char *alert_status;
	const char *trigger;         /* alert | manual | retry | escalation */
	const char *state;           /* queued | dry_run | gave_up | ... */
	const char *notify;          /* comma-separated notifier names */
	const char *argv;            /* JSON array or "" */
	const char *result;
	int attempt;
	double created_at;
	double ended_at;             /* 0 = NULL */
};
long long store_w_run(struct store *st, const struct store_run_in *r);
/* queued -> running. Returns 0, 1 when the run is not queued any more (cancelled), -1 on error. */
int store_w_run_start(struct store *st, long long id, double started_at, const char *argv);

struct store_run_end {
	const char *state;           /* succeeded | failed | cancelled | interrupted */
	const char *result;          /* "exit 0", "timeout", "signal 9", ... */
	bool has_exit;
	int exit_code;
	int signal;                  /* 0 = none */
	const char *output;
	size_t output_len;
	bool output_truncated;
	double ended_at;
};
int store_w_run_end(struct store *st, long long id, const struct store_run_end *e);
/* Sets state/result/ended_at of a run that is queued (cancelled before it started) or running. */
int store_w_run_state(struct store *st, long long id, const char *state, const char *result, double ended_at);

long long store_w_outbox(struct store *st, const char *notifier, const char *event, long long run_id,
			 const char *facts_json, double now);
/* Records a delivery attempt: sent, or pending again at next_at, or failed for good. */
int store_w_outbox_result(struct store *st, long long id, bool sent, bool give_up, double next_at,
			  const char *error, double now);
int store_w_setting(struct store *st, const char *key, const char *value);   /* value NULL deletes */

/*
 * Deletes what is older than before: notifications and alerts, finished runs, and sent or
 * failed outbox rows; marks pending outbox rows older than before as failed ("expired").
 * At most chunk rows per table per call. Returns rows deleted, or -1.
 */
long long store_w_retention(struct store *st, double before, int chunk);
/* The retention statements (for tests that check their query plans use the time indexes). */
const char *const *store_retention_statements(size_t *n);

/* ---- reads (any thread) ---- */

struct store_alert {
	long long id;
	long long notification_id;
	double received_at;
	char *receiver;
	char *fingerprint;
	char *status;
	char *alertname;
	char *starts_at;
	char *ends_at;
	char *json;
	char *decision;
};
void store_alert_release(struct store_alert *a);

struct store_run {
	long long id;
	long long alert_id;
	char *playbook;
	char *fingerprint;
	char *starts_at;
	char *alert_status;
	char *trigger;
	char *state;
	char *notify;
	char *argv;
	char *result;
	char *output;
	char *alertname;            /* from the alert, "" when none */
	int attempt;
	double created_at;
	double started_at;          /* 0 = not started */
	double ended_at;
	bool has_exit;
	int exit_code;
	int signal;
	bool output_truncated;
};
void store_run_release(struct store_run *r);

struct store_outbox {
	long long id;
	char *notifier;
	char *event;
	long long run_id;
	char *facts;
	char *state;
	int attempts;
	double created_at;
	double next_at;
	double sent_at;
	char *last_error;
};
void store_outbox_release(struct store_outbox *o);

/* Returns 0 found, 1 not found, -1 error. */
int store_get_alert(struct store *st, long long id, struct store_alert *out);
int store_get_run(struct store *st, long long id, struct store_run *out);
/* Newest first; before_id 0 = from the newest. *out is a new array (free each with _release, then the array). */
int store_list_alerts(struct store *st, long long before_id, size_t limit, struct store_alert **out, size_t *n);
/* state NULL = all. */
int store_list_runs(struct store *st, const char *state, long long before_id, size_t limit, struct store_run **out,
		    size_t *n);
int store_list_outbox(struct store *st, long long before_id, size_t limit, struct store_outbox **out, size_t *n);
/* Every outbox row about run_id (notifications sent or pending), oldest first. */
int store_list_outbox_for_run(struct store *st, long long run_id, struct store_outbox **out, size_t *n);
/* The newest alert with this fingerprint (whatever its receiver). 0 found, 1 none, -1 error. */
int store_latest_alert(struct store *st, const char *fingerprint, struct store_alert *out);
/* The oldest pending outbox row of notifier that is due at now. 0 found, 1 none, -1 error. */
int store_outbox_due(struct store *st, const char *notifier, double now, struct store_outbox *out);
/* Earliest next_at of notifier's pending rows, or 0 when none. */
double store_outbox_next_at(struct store *st, const char *notifier);
/* created_at of the oldest pending outbox row, or 0. */
double store_outbox_oldest_pending(struct store *st);
/* Counts rows of a table ("notifications", "alerts", "runs", "outbox"), or -1. */
long long store_count(struct store *st, const char *table);
/* Runs by state (queued, running) in id order: for recovery at startup. */
int store_active_runs(struct store *st, struct store_run **out, size_t *n);
/*
 * Calls fn for every run created at or after since, oldest first (playbook, fingerprint,
 * starts_at, alert_status, trigger, state, created_at): to rebuild the gate.
 */
int store_replay_runs(struct store *st, double since,
		      void (*fn)(void *arg, const char *playbook, const char *fingerprint, const char *starts_at,
				 const char *alert_status, const char *trigger, const char *state, double created_at),
		      void *arg);
/* *value is a new string or NULL when unset. Returns 0 or -1. */
int store_get_setting(struct store *st, const char *key, char **value);
/* Every setting whose key starts with prefix: fn(arg, key, value). */
int store_list_settings(struct store *st, const char *prefix,
			void (*fn)(void *arg, const char *key, const char *value), void *arg);

#endif
