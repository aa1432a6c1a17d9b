/* store.c: SQLite (WAL) storage with migrations, a group-commit writer thread and a background checkpointer */
#include "receiver/store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#define STORE_APP_ID 0x686f6d65 /* "home" */
#define STORE_MAX_BATCH 4096
#define STORE_CHECKPOINT_FRAMES 2000

const double STORE_COMMIT_BOUNDS[12] = { 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075,
					 0.01,	 0.025, 0.05,  0.1,   0.25,  1 };

/* Each migration takes the schema from version i to i + 1, in one transaction. */
static const char *const store_migrations[STORE_SCHEMA_VERSION] = {
	/* 1: notifications, alerts, runs, settings */
	"CREATE TABLE notifications ("
	"  id INTEGER PRIMARY KEY,"
	"  received_at REAL NOT NULL,"
	"  receiver TEXT NOT NULL,"
	"  remote TEXT NOT NULL DEFAULT '',"
	"  am_receiver TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT '',"
	"  group_key TEXT NOT NULL DEFAULT '',"
	"  external_url TEXT NOT NULL DEFAULT '',"
	"  nalerts INTEGER NOT NULL,"
	"  truncated_alerts INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX notifications_received ON notifications(received_at);"
	"CREATE TABLE alerts ("
	"  id INTEGER PRIMARY KEY,"
	"  notification_id INTEGER NOT NULL,"
	"  received_at REAL NOT NULL,"
	"  fingerprint TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  alertname TEXT NOT NULL DEFAULT '',"
	"  starts_at TEXT NOT NULL,"
	"  ends_at TEXT NOT NULL DEFAULT '',"
	"  json TEXT NOT NULL,"
	"  decision TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX alerts_received ON alerts(received_at);"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  alert_id INTEGER,"
	"  playbook TEXT NOT NULL,"
	"  fingerprint TEXT NOT NULL,"
	"  starts_at TEXT NOT NULL,"
	"  alert_status TEXT NOT NULL,"
	"  trigger TEXT NOT NULL,"
	"  attempt INTEGER NOT NULL DEFAULT 0,"
	"  state TEXT NOT NULL,"
	"  notify TEXT NOT NULL DEFAULT '',"
	"  argv TEXT NOT NULL DEFAULT '',"
	"  created_at REAL NOT NULL,"
	"  started_at REAL,"
	"  ended_at REAL,"
	"  exit_code INTEGER,"
	"  signal INTEGER,"
	"  result TEXT NOT NULL DEFAULT '',"
	"  output TEXT NOT NULL DEFAULT '',"
	"  output_truncated INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX runs_active ON runs(state) WHERE state IN ('queued', 'running');"
	"CREATE INDEX runs_created ON runs(created_at);"
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/* 2: the notification outbox */
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  created_at REAL NOT NULL,"
	"  notifier TEXT NOT NULL,"
	"  event TEXT NOT NULL,"
	"  run_id INTEGER,"
	"  facts TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_at REAL NOT NULL,"
	"  sent_at REAL,"
	"  last_error TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX outbox_pending ON outbox(notifier, next_at) WHERE state = 'pending';"
	"CREATE INDEX outbox_created ON outbox(created_at);",
};

enum store_stmt_id {
	SW_NOTIFICATION,
	SW_ALERT,
	SW_RUN,
	SW_RUN_START,
	SW_RUN_END,
	SW_RUN_STATE,
	SW_OUTBOX,
	SW_OUTBOX_SENT,
	SW_OUTBOX_RETRY,
	SW_OUTBOX_FAILED,
	SW_SETTING_SET,
	SW_SETTING_DEL,
	SW_BEGIN,
	SW_COMMIT,
	SW_SAVEPOINT,
	SW_RELEASE,
	SW_ROLLBACK_TO,
	SW_COUNT,
};

static const char *const store_wsql[SW_COUNT] = {
	[SW_NOTIFICATION] = "INSERT INTO notifications (received_at, receiver, remote, am_receiver, status, group_key,"
			    " external_url, nalerts, truncated_alerts) VALUES (?,?,?,?,?,?,?,?,?)",
	[SW_ALERT] = "INSERT INTO alerts (notification_id, received_at, fingerprint, status, alertname, starts_at,"
		     " ends_at, json, decision) VALUES (?,?,?,?,?,?,?,?,?)",
	[SW_RUN] = "INSERT INTO runs (alert_id, playbook, fingerprint, starts_at, alert_status, trigger, state, notify,"
		   " argv, result, attempt, created_at, ended_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[SW_RUN_START] = "UPDATE runs SET state = 'running', started_at = ?, argv = ? WHERE id = ? AND state = 'queued'",
	[SW_RUN_END] = "UPDATE runs SET state = ?, result = ?, exit_code = ?, signal = ?, output = ?,"
		       " output_truncated = ?, ended_at = ? WHERE id = ?",
	[SW_RUN_STATE] = "UPDATE runs SET state = ?, result = ?, ended_at = ? WHERE id = ? AND state IN ('queued', 'running')",
	[SW_OUTBOX] = "INSERT INTO outbox (created_at, notifier, event, run_id, facts, next_at) VALUES (?,?,?,?,?,?)",
	[SW_OUTBOX_SENT] = "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = ''"
			   " WHERE id = ?",
	[SW_OUTBOX_RETRY] = "UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?",
	[SW_OUTBOX_FAILED] = "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
	[SW_SETTING_SET] = "INSERT INTO settings (key, value) VALUES (?, ?)"
			   " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[SW_SETTING_DEL] = "DELETE FROM settings WHERE key = ?",
	/* transaction control, prepared once: a batch of thousands of operations parses no SQL */
	[SW_BEGIN] = "BEGIN IMMEDIATE",
	[SW_COMMIT] = "COMMIT",
	[SW_SAVEPOINT] = "SAVEPOINT op",
	[SW_RELEASE] = "RELEASE op",
	[SW_ROLLBACK_TO] = "ROLLBACK TO op",
};

struct store {
	char *dir;
	char *path;
	size_t max_pending;
	sqlite3 *w;                /* writer connection: writer thread only (and open/close) */
	sqlite3 *r;                /* reader connection, under rlock */
	sqlite3 *ck;               /* checkpointer connection */
	sqlite3_stmt *ws[SW_COUNT];
	pthread_mutex_t rlock;

	pthread_mutex_t lock;      /* queue, stats, flags */
	pthread_cond_t cond;       /* writer wakes */
	pthread_cond_t ckcond;     /* checkpointer wakes */
	struct store_op *head, *tail;
	size_t pending;
	bool started;
	bool stopping;
	bool ck_wanted;
	bool ck_finish;            /* the checkpointer left frames behind: the writer finishes between batches */
	int wal_frames;            /* writer thread: WAL frames after the last commit */
	int ck_next;               /* writer thread: WAL frames at which to ask for the next checkpoint */
	pthread_t writer;
	pthread_t checkpointer;
	struct store_stats stats;
	void (*rollback_hook)(void *arg);
	void *rollback_arg;
	int schema_version;
};

/* ---- open, migrate ---- */

static int store_exec_sql(sqlite3 *db, const char *sql, char **err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (err)
			*err = xasprintf("%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int store_pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *s = NULL;
	int ret = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		ret = 0;
	}
	sqlite3_finalize(s);
	return ret;
}

static int store_connect(const char *path, sqlite3 **db, bool sync_full, char **err)
{
	int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*err = xasprintf("cannot open \"%s\": %s", path, *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_busy_timeout(*db, 5000);
	sqlite3_extended_result_codes(*db, 1);
	char mode[16] = "";
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(*db, "PRAGMA journal_mode=WAL", -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		snprintf(mode, sizeof(mode), "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (strcmp(mode, "wal") != 0) {
		/* group commit and non-blocking readers depend on WAL: refuse rather than run slow and blocking */
		*err = xasprintf("cannot use WAL mode for \"%s\" (journal mode \"%s\"): %s", path, mode, sqlite3_errmsg(*db));
		return -1;
	}
	if (store_exec_sql(*db, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", err) ||
	    store_exec_sql(*db, "PRAGMA cache_size=-512", err) || store_exec_sql(*db, "PRAGMA temp_store=MEMORY", err))
		return -1;
	return 0;
}

/* Brings the schema up to target (tests pass a lower target to build an old database). */
static int store_migrate(sqlite3 *db, int target, int *version, char **err)
{
	int v = 0, app = 0;

	if (store_pragma_int(db, "PRAGMA user_version", &v) || store_pragma_int(db, "PRAGMA application_id", &app)) {
		*err = xasprintf("cannot read the schema version: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (v > STORE_SCHEMA_VERSION) {
		*err = xasprintf("database schema version %d is newer than this receiver's (%d): refusing to touch it",
				 v, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (v > 0 && app != STORE_APP_ID) {
		*err = xstrdup("the database was not created by remediation_receiver (application_id differs)");
		return -1;
	}
	while (v < target) {
		char *sql = xasprintf("BEGIN IMMEDIATE; %s PRAGMA user_version = %d; PRAGMA application_id = %d; COMMIT;",
				      store_migrations[v], v + 1, STORE_APP_ID);
		char *e = NULL;
		int rc = store_exec_sql(db, sql, &e);
		free(sql);
		if (rc) {
			store_exec_sql(db, "ROLLBACK", NULL);
			*err = xasprintf("migration to schema version %d failed: %s", v + 1, e);
			free(e);
			return -1;
		}
		v++;
		char vbuf[16];
		snprintf(vbuf, sizeof(vbuf), "%d", v);
		log_info("store", "schema migrated", "version", vbuf);
	}
	*version = v;
	return 0;
}

static int store_mkdir(const char *dir, char **err)
{
	struct stat sb;
	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			*err = xasprintf("storage path \"%s\" is not a directory", dir);
			return -1;
		}
		return 0;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		*err = xasprintf("cannot create storage directory \"%s\": %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static struct store *store_open_at(const struct store_options *opt, int target, char **err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int ret = -1;

	*err = NULL;
	pthread_mutex_init(&st->rlock, NULL);
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	pthread_cond_init(&st->ckcond, NULL);
	st->max_pending = opt->max_pending ? opt->max_pending : 20000;
	st->ck_next = STORE_CHECKPOINT_FRAMES;
	if (!sqlite3_threadsafe()) {
		*err = xstrdup("SQLite was built without thread support");
		goto out;
	}
	if (!opt->dir || !opt->dir[0]) {
		*err = xstrdup("storage path is empty");
		goto out;
	}
	st->dir = xstrdup(opt->dir);
	st->path = xasprintf("%s/receiver.db", opt->dir);
	if (store_mkdir(opt->dir, err) || store_connect(st->path, &st->w, !opt->no_sync, err) ||
	    store_migrate(st->w, target, &st->schema_version, err))
		goto out;
	/* Checkpoints run in their own thread, so a commit never pays for copying the WAL back. */
	if (store_exec_sql(st->w, "PRAGMA wal_autocheckpoint=0", err) ||
	    store_exec_sql(st->w, "PRAGMA journal_size_limit=67108864", err) ||
	    store_connect(st->path, &st->r, !opt->no_sync, err) || store_connect(st->path, &st->ck, !opt->no_sync, err))
		goto out;
	if (target == STORE_SCHEMA_VERSION) {
		for (int i = 0; i < SW_COUNT; i++) {
			if (sqlite3_prepare_v3(st->w, store_wsql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->ws[i], NULL) !=
			    SQLITE_OK) {
				*err = xasprintf("cannot prepare \"%s\": %s", store_wsql[i], sqlite3_errmsg(st->w));
				goto out;
			}
		}
	}
	ret = 0;
out:
	if (ret) {
		store_close(st);
		return NULL;
	}
	return st;
}

struct store *store_open(const struct store_options *opt, char **err)
{
	return store_open_at(opt, STORE_SCHEMA_VERSION, err);
}

/* For tests of the upgrade path: creates (or upgrades) a database only up to version. */
int store_test_create_version(const char *dir, int version, char **err);
int store_test_create_version(const char *dir, int version, char **err)
{
	struct store_options o = { .dir = dir };
	struct store *st = store_open_at(&o, version, err);
	if (!st)
		return -1;
	store_close(st);
	return 0;
}

int store_schema_version(struct store *st)
{
	return st->schema_version;
}

const char *store_path(const struct store *st)
{
	return st->path;
}

/* ---- writer ---- */

static void store_stat_commit(struct store *st, double secs, size_t n, bool ok)
{
	pthread_mutex_lock(&st->lock);
	if (ok) {
		st->stats.commits++;
		st->stats.ops += n;
		st->stats.commit_seconds_sum += secs;
		for (int i = 0; i < 12; i++)
			if (secs <= STORE_COMMIT_BOUNDS[i])
				st->stats.commit_buckets[i]++;
	} else {
		st->stats.failed_commits++;
	}
	st->stats.last_batch = n;
	if (n > st->stats.max_batch)
		st->stats.max_batch = n;
	pthread_mutex_unlock(&st->lock);
}

/*
 * After each commit (writer thread). A checkpoint is wanted once the WAL has grown by
 * STORE_CHECKPOINT_FRAMES since the last one was asked for, not after every commit past a
 * threshold: under a steady load a passive checkpoint rarely backfills the whole WAL (the writer
 * keeps appending), so the old rule ran one per commit, each with two fsyncs competing with the
 * commits' own (measured: 35 checkpoints/s at 10,000 alerts/s).
 */
static int store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *st = arg;
	(void)db;
	(void)name;
	if (frames < st->wal_frames)
		st->ck_next = STORE_CHECKPOINT_FRAMES;   /* the WAL restarted from its beginning */
	st->wal_frames = frames;
	if (frames >= st->ck_next) {
		st->ck_next = frames + STORE_CHECKPOINT_FRAMES;
		pthread_mutex_lock(&st->lock);
		if (!st->ck_wanted) {
			st->ck_wanted = true;
			pthread_cond_signal(&st->ckcond);
		}
		pthread_mutex_unlock(&st->lock);
	}
	return SQLITE_OK;
}

/* Runs a prepared control statement (BEGIN, COMMIT, SAVEPOINT...). Returns 0 or -1. */
static int store_ctl(struct store *st, enum store_stmt_id id)
{
	sqlite3_stmt *s = st->ws[id];
	int rc;
	if (!s)
		return store_exec_sql(st->w, store_wsql[id], NULL);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void store_run_batch(struct store *st, struct store_op *list)
{
	size_t n = 0;
	double t0 = clock_mono();
	bool ok = true;

	if (store_ctl(st, SW_BEGIN)) {
		log_error("store", "begin failed", "reason", sqlite3_errmsg(st->w));
		ok = false;
	}
	for (struct store_op *op = list; op; op = op->next) {
		n++;
		if (!ok) {
			op->status = -1;
			continue;
		}
		if (store_ctl(st, SW_SAVEPOINT)) {
			op->status = -1;
			continue;
		}
		op->status = op->apply(st, op->arg) == 0 ? 0 : -1;
		if (op->status)
			store_ctl(st, SW_ROLLBACK_TO);
		store_ctl(st, SW_RELEASE);
	}
	if (ok && store_ctl(st, SW_COMMIT)) {
		log_error("store", "commit failed", "reason", sqlite3_errmsg(st->w));
		store_exec_sql(st->w, "ROLLBACK", NULL);
		ok = false;
	}
	if (!ok) {
		for (struct store_op *op = list; op; op = op->next)
			op->status = -1;
		if (st->rollback_hook)
			st->rollback_hook(st->rollback_arg);
	}
	store_stat_commit(st, clock_mono() - t0, n, ok);
	for (struct store_op *op = list, *next; op; op = next) {
		next = op->next;
		if (op->done)
			op->done(op->arg, op->status);
	}
}

/*
 * Writer thread, between batches. A passive checkpoint in the checkpointer thread copies the bulk
 * of the WAL back, but the writer keeps appending meanwhile, so the WAL is never completely
 * backfilled and can never restart from its beginning: under a steady load it grew without bound
 * (340 MB in 8 s at about 10,000 alerts/s). Here, with no commit in progress, the frames appended
 * since are few; copying them completes the checkpoint and the next commit restarts the WAL
 * (reusing the file, no growth).
 */
static void store_finish_checkpoint(struct store *st)
{
	int logframes = 0, ckpt = 0;
	pthread_mutex_lock(&st->lock);
	bool go = st->ck_finish;
	st->ck_finish = false;
	pthread_mutex_unlock(&st->lock);
	if (go)
		sqlite3_wal_checkpoint_v2(st->w, NULL, SQLITE_CHECKPOINT_PASSIVE, &logframes, &ckpt);
}

static void *store_writer_main(void *arg)
{
	struct store *st = arg;

	for (;;) {
		struct store_op *list, *last;
		size_t n = 0;
		pthread_mutex_lock(&st->lock);
		while (!st->head && !st->stopping)
			pthread_cond_wait(&st->cond, &st->lock);
		if (!st->head) {
			pthread_mutex_unlock(&st->lock);
			break;
		}
		/* take everything waiting now (up to a bound), FIFO */
		list = last = st->head;
		for (n = 1; last->next && n < STORE_MAX_BATCH; n++)
			last = last->next;
		st->head = last->next;
		if (!st->head)
			st->tail = NULL;
		last->next = NULL;
		st->pending -= n;
		pthread_mutex_unlock(&st->lock);
		store_run_batch(st, list);
		store_finish_checkpoint(st);
	}
	return NULL;
}

static void *store_checkpointer_main(void *arg)
{
	struct store *st = arg;
	bool behind = false;

	for (;;) {
		int logframes = 0, ckpt = 0;
		bool idle = false;
		pthread_mutex_lock(&st->lock);
		while (!st->ck_wanted && !st->stopping) {
			if (!behind) {
				pthread_cond_wait(&st->ckcond, &st->lock);
				continue;
			}
			/* commits made during the last checkpoint are still only in the WAL: when the writer
			 * has gone quiet (so store_finish_checkpoint() will not run), copy them too */
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			if (pthread_cond_timedwait(&st->ckcond, &st->lock, &ts) == ETIMEDOUT) {
				idle = true;
				break;
			}
		}
		bool stop = st->stopping;
		st->ck_wanted = false;
		pthread_mutex_unlock(&st->lock);
		if (stop)
			break;
		if (sqlite3_wal_checkpoint_v2(st->ck, NULL, SQLITE_CHECKPOINT_PASSIVE, &logframes, &ckpt) == SQLITE_OK) {
			pthread_mutex_lock(&st->lock);
			st->stats.checkpoints++;
			/* logframes is the WAL as this checkpoint found it; the writer has appended since */
			st->ck_finish = !idle;
			pthread_mutex_unlock(&st->lock);
		}
		behind = !idle;
	}
	return NULL;
}

int store_start(struct store *st)
{
	sqlite3_wal_hook(st->w, store_wal_hook, st);
	if (pthread_create(&st->writer, NULL, store_writer_main, st) != 0)
		return -1;
	if (pthread_create(&st->checkpointer, NULL, store_checkpointer_main, st) != 0) {
		pthread_mutex_lock(&st->lock);
		st->stopping = true;
		pthread_cond_broadcast(&st->cond);
		pthread_mutex_unlock(&st->lock);
		pthread_join(st->writer, NULL);
		return -1;
	}
	st->started = true;
	return 0;
}

int store_submit(struct store *st, struct store_op *op)
{
	int ret = -1;
	op->next = NULL;
	op->status = 0;
	pthread_mutex_lock(&st->lock);
	if (st->started && !st->stopping && st->pending < st->max_pending) {
		if (st->tail)
			st->tail->next = op;
		else
			st->head = op;
		st->tail = op;
		st->pending++;
		pthread_cond_signal(&st->cond);
		ret = 0;
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

size_t store_pending(struct store *st)
{
	size_t n;
	pthread_mutex_lock(&st->lock);
	n = st->pending;
	pthread_mutex_unlock(&st->lock);
	return n;
}

struct store_sync {
	struct store_op op;
	int (*apply)(struct store *st, void *arg);
	void *arg;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int status;
};

static int store_sync_apply(struct store *st, void *arg)
{
	struct store_sync *s = arg;
	return s->apply(st, s->arg);
}

static void store_sync_done(void *arg, int status)
{
	struct store_sync *s = arg;
	pthread_mutex_lock(&s->lock);
	s->status = status;
	s->done = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int store_exec(struct store *st, int (*apply)(struct store *st, void *arg), void *arg)
{
	struct store_sync s;
	memset(&s, 0, sizeof(s));
	s.apply = apply;
	s.arg = arg;
	s.op.apply = store_sync_apply;
	s.op.done = store_sync_done;
	s.op.arg = &s;
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	if (!st->started) {
		/* before store_start (startup, tests): run inline as a batch of one */
		store_run_batch(st, &s.op);
	} else if (store_submit(st, &s.op) != 0) {
		s.status = -1;
		s.done = true;
	}
	pthread_mutex_lock(&s.lock);
	while (!s.done)
		pthread_cond_wait(&s.cond, &s.lock);
	pthread_mutex_unlock(&s.lock);
	pthread_mutex_destroy(&s.lock);
	pthread_cond_destroy(&s.cond);
	return s.status;
}

void store_set_rollback_hook(struct store *st, void (*hook)(void *arg), void *arg)
{
	st->rollback_hook = hook;
	st->rollback_arg = arg;
}

void store_get_stats(struct store *st, struct store_stats *out)
{
	pthread_mutex_lock(&st->lock);
	*out = st->stats;
	pthread_mutex_unlock(&st->lock);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->started) {
		pthread_mutex_lock(&st->lock);
		st->stopping = true;
		pthread_cond_broadcast(&st->cond);
		pthread_cond_broadcast(&st->ckcond);
		pthread_mutex_unlock(&st->lock);
		pthread_join(st->writer, NULL);
		pthread_join(st->checkpointer, NULL);
	}
	for (int i = 0; i < SW_COUNT; i++)
		sqlite3_finalize(st->ws[i]);
	if (st->ck) {
		sqlite3_wal_checkpoint_v2(st->ck, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		sqlite3_close(st->ck);
	}
	sqlite3_close(st->r);
	sqlite3_close(st->w);
	pthread_mutex_destroy(&st->rlock);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->cond);
	pthread_cond_destroy(&st->ckcond);
	free(st->dir);
	free(st->path);
	free(st);
}

/* ---- writer statements ---- */

static void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC);
}

static long long store_step_insert(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	long long id = rc == SQLITE_DONE ? sqlite3_last_insert_rowid(st->w) : -1;
	if (rc != SQLITE_DONE)
		log_error("store", "insert failed", "reason", sqlite3_errmsg(st->w));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return id;
}

static int store_step_update(struct store *st, sqlite3_stmt *s, int *changes)
{
	int rc = sqlite3_step(s);
	if (changes)
		*changes = rc == SQLITE_DONE ? sqlite3_changes(st->w) : 0;
	if (rc != SQLITE_DONE)
		log_error("store", "update failed", "reason", sqlite3_errmsg(st->w));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

long long store_w_notification(struct store *st, const struct store_notification_in *n)
{
	sqlite3_stmt *s = st->ws[SW_NOTIFICATION];
	sqlite3_bind_double(s, 1, n->received_at);
	store_bind_text(s, 2, n->receiver);
	store_bind_text(s, 3, n->remote);
	store_bind_text(s, 4, n->am_receiver);
	store_bind_text(s, 5, n->status);
	store_bind_text(s, 6, n->group_key);
	store_bind_text(s, 7, n->external_url);
	sqlite3_bind_int64(s, 8, n->nalerts);
	sqlite3_bind_int64(s, 9, n->truncated_alerts);
	return store_step_insert(st, s);
}

long long store_w_alert(struct store *st, const struct store_alert_in *a)
{
	sqlite3_stmt *s = st->ws[SW_ALERT];
	sqlite3_bind_int64(s, 1, a->notification_id);
	sqlite3_bind_double(s, 2, a->received_at);
	store_bind_text(s, 3, a->fingerprint);
	store_bind_text(s, 4, a->status);
	store_bind_text(s, 5, a->alertname);
	store_bind_text(s, 6, a->starts_at);
	store_bind_text(s, 7, a->ends_at);
	sqlite3_bind_text(s, 8, a->json ? a->json : "{}", a->json ? (int)a->json_len : 2, SQLITE_STATIC);
	store_bind_text(s, 9, a->decision);
	return store_step_insert(st, s);
}

long long store_w_run(struct store *st, const struct store_run_in *r)
{
	sqlite3_stmt *s = st->ws[SW_RUN];
	if (r->alert_id > 0)
		sqlite3_bind_int64(s, 1, r->alert_id);
	else
		sqlite3_bind_null(s, 1);
	store_bind_text(s, 2, r->playbook);
	store_bind_text(s, 3, r->fingerprint);
	store_bind_text(s, 4, r->starts_at);
	store_bind_text(s, 5, r->alert_status);
	store_bind_text(s, 6, r->trigger);
	store_bind_text(s, 7, r->state);
	store_bind_text(s, 8, r->notify);
	store_bind_text(s, 9, r->argv);
	store_bind_text(s, 10, r->result);
	sqlite3_bind_int(s, 11, r->attempt);
	sqlite3_bind_double(s, 12, r->created_at);
	if (r->ended_at > 0)
		sqlite3_bind_double(s, 13, r->ended_at);
	else
		sqlite3_bind_null(s, 13);
	return store_step_insert(st, s);
}

int store_w_run_start(struct store *st, long long id, double started_at, const char *argv)
{
	sqlite3_stmt *s = st->ws[SW_RUN_START];
	int changes = 0;
	sqlite3_bind_double(s, 1, started_at);
	store_bind_text(s, 2, argv);
	sqlite3_bind_int64(s, 3, id);
	if (store_step_update(st, s, &changes))
		return -1;
	return changes == 1 ? 0 : 1;
}

int store_w_run_end(struct store *st, long long id, const struct store_run_end *e)
{
	sqlite3_stmt *s = st->ws[SW_RUN_END];
	store_bind_text(s, 1, e->state);
	store_bind_text(s, 2, e->result);
	if (e->has_exit)
		sqlite3_bind_int(s, 3, e->exit_code);
	else
		sqlite3_bind_null(s, 3);
	if (e->signal)
		sqlite3_bind_int(s, 4, e->signal);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_text(s, 5, e->output ? e->output : "", e->output ? (int)e->output_len : 0, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, e->output_truncated);
	sqlite3_bind_double(s, 7, e->ended_at);
	sqlite3_bind_int64(s, 8, id);
	return store_step_update(st, s, NULL);
}

int store_w_run_state(struct store *st, long long id, const char *state, const char *result, double ended_at)
{
	sqlite3_stmt *s = st->ws[SW_RUN_STATE];
	store_bind_text(s, 1, state);
	store_bind_text(s, 2, result);
	sqlite3_bind_double(s, 3, ended_at);
	sqlite3_bind_int64(s, 4, id);
	return store_step_update(st, s, NULL);
}

long long store_w_outbox(struct store *st, const char *notifier, const char *event, long long run_id,
			 const char *facts_json, double now)
{
	sqlite3_stmt *s = st->ws[SW_OUTBOX];
	sqlite3_bind_double(s, 1, now);
	store_bind_text(s, 2, notifier);
	store_bind_text(s, 3, event);
	if (run_id > 0)
		sqlite3_bind_int64(s, 4, run_id);
	else
		sqlite3_bind_null(s, 4);
	store_bind_text(s, 5, facts_json);
	sqlite3_bind_double(s, 6, now);
	return store_step_insert(st, s);
}

int store_w_outbox_result(struct store *st, long long id, bool sent, bool give_up, double next_at,
			  const char *error, double now)
{
	sqlite3_stmt *s;
	if (sent) {
		s = st->ws[SW_OUTBOX_SENT];
		sqlite3_bind_double(s, 1, now);
		sqlite3_bind_int64(s, 2, id);
	} else if (give_up) {
		s = st->ws[SW_OUTBOX_FAILED];
		store_bind_text(s, 1, error);
		sqlite3_bind_int64(s, 2, id);
	} else {
		s = st->ws[SW_OUTBOX_RETRY];
		sqlite3_bind_double(s, 1, next_at);
		store_bind_text(s, 2, error);
		sqlite3_bind_int64(s, 3, id);
	}
	return store_step_update(st, s, NULL);
}

int store_w_setting(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s = st->ws[value ? SW_SETTING_SET : SW_SETTING_DEL];
	store_bind_text(s, 1, key);
	if (value)
		store_bind_text(s, 2, value);
	return store_step_update(st, s, NULL);
}

static long long store_delete_chunk(struct store *st, const char *sql, double before, int chunk)
{
	sqlite3_stmt *s = NULL;
	long long n = -1;
	if (sqlite3_prepare_v2(st->w, sql, -1, &s, NULL) != SQLITE_OK) {
		log_error("store", "retention prepare failed", "reason", sqlite3_errmsg(st->w));
		goto out;
	}
	sqlite3_bind_double(s, 1, before);
	sqlite3_bind_int(s, 2, chunk);
	if (sqlite3_step(s) != SQLITE_DONE) {
		log_error("store", "retention failed", "reason", sqlite3_errmsg(st->w));
		goto out;
	}
	n = sqlite3_changes(st->w);
out:
	sqlite3_finalize(s);
	return n;
}

/*
 * Ordered by the indexed time column, not by id: with ORDER BY id SQLite scanned the whole
 * table by rowid to find the (usually no) old rows, in the writer thread, once a minute:
 * 0.5 s without a commit at 1.5 million alerts. By time, each is an index range search.
 */
static const char *const store_retention_sql[] = {
	"DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE received_at < ? ORDER BY received_at LIMIT ?)",
	"DELETE FROM notifications WHERE id IN"
	" (SELECT id FROM notifications WHERE received_at < ? ORDER BY received_at LIMIT ?)",
	"DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE created_at < ?"
	" AND state NOT IN ('queued', 'running') ORDER BY created_at LIMIT ?)",
	"DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < ?"
	" AND state != 'pending' ORDER BY created_at LIMIT ?)",
	"UPDATE outbox SET state = 'failed', last_error = 'expired (retention)' WHERE id IN"
	" (SELECT id FROM outbox WHERE created_at < ? AND state = 'pending' ORDER BY created_at LIMIT ?)",
};
const char *const *store_retention_statements(size_t *n)
{
	*n = sizeof(store_retention_sql) / sizeof(store_retention_sql[0]);
	return store_retention_sql;
}

long long store_w_retention(struct store *st, double before, int chunk)
{
	const char *const *sql = store_retention_sql;
	long long total = 0;
	for (size_t i = 0; i < sizeof(store_retention_sql) / sizeof(store_retention_sql[0]); i++) {
		long long n = store_delete_chunk(st, sql[i], before, chunk);
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}

/* ---- reads ---- */

static char *store_col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	int n = sqlite3_column_bytes(s, i);
	return t ? xstrndup((const char *)t, (size_t)n) : xstrdup("");
}

void store_alert_release(struct store_alert *a)
{
	free(a->receiver);
	free(a->fingerprint);
	free(a->status);
	free(a->alertname);
	free(a->starts_at);
	free(a->ends_at);
	free(a->json);
	free(a->decision);
	memset(a, 0, sizeof(*a));
}

void store_run_release(struct store_run *r)
{
	free(r->playbook);
	free(r->fingerprint);
	free(r->starts_at);
	free(r->alert_status);
	free(r->trigger);
	free(r->state);
	free(r->notify);
	free(r->argv);
	free(r->result);
	free(r->output);
	free(r->alertname);
	memset(r, 0, sizeof(*r));
}

void store_outbox_release(struct store_outbox *o)
{
	free(o->notifier);
	free(o->event);
	free(o->facts);
	free(o->state);
	free(o->last_error);
	memset(o, 0, sizeof(*o));
}

#define STORE_ALERT_COLS                                                                                          \
	"a.id, a.notification_id, a.received_at, COALESCE(n.receiver, ''), a.fingerprint, a.status, a.alertname," \
	" a.starts_at, a.ends_at, a.json, a.decision FROM alerts a LEFT JOIN notifications n ON n.id = a.notification_id"

static void store_read_alert(sqlite3_stmt *s, struct store_alert *a)
{
	a->id = sqlite3_column_int64(s, 0);
	a->notification_id = sqlite3_column_int64(s, 1);
	a->received_at = sqlite3_column_double(s, 2);
	a->receiver = store_col_str(s, 3);
	a->fingerprint = store_col_str(s, 4);
	a->status = store_col_str(s, 5);
	a->alertname = store_col_str(s, 6);
	a->starts_at = store_col_str(s, 7);
	a->ends_at = store_col_str(s, 8);
	a->json = store_col_str(s, 9);
	a->decision = store_col_str(s, 10);
}

#define STORE_RUN_COLS                                                                                        \
	"r.id, COALESCE(r.alert_id, 0), r.playbook, r.fingerprint, r.starts_at, r.alert_status, r.trigger,"   \
	" r.state, r.notify, r.argv, r.result, r.output, COALESCE(a.alertname, ''), r.attempt, r.created_at," \
	" COALESCE(r.started_at, 0), COALESCE(r.ended_at, 0), r.exit_code, r.signal, r.output_truncated"      \
	" FROM runs r LEFT JOIN alerts a ON a.id = r.alert_id"

static void store_read_run(sqlite3_stmt *s, struct store_run *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->alert_id = sqlite3_column_int64(s, 1);
	r->playbook = store_col_str(s, 2);
	r->fingerprint = store_col_str(s, 3);
	r->starts_at = store_col_str(s, 4);
	r->alert_status = store_col_str(s, 5);
	r->trigger = store_col_str(s, 6);
	r->state = store_col_str(s, 7);
	r->notify = store_col_str(s, 8);
	r->argv = store_col_str(s, 9);
	r->result = store_col_str(s, 10);
	r->output = store_col_str(s, 11);
	r->alertname = store_col_str(s, 12);
	r->attempt = sqlite3_column_int(s, 13);
	r->created_at = sqlite3_column_double(s, 14);
	r->started_at = sqlite3_column_double(s, 15);
	r->ended_at = sqlite3_column_double(s, 16);
	r->has_exit = sqlite3_column_type(s, 17) != SQLITE_NULL;
	r->exit_code = sqlite3_column_int(s, 17);
	r->signal = sqlite3_column_int(s, 18);
	r->output_truncated = sqlite3_column_int(s, 19) != 0;
}

#define STORE_OUTBOX_COLS                                                                             \
	"id, notifier, event, COALESCE(run_id, 0), facts, state, attempts, created_at, next_at," \
	" COALESCE(sent_at, 0), last_error FROM outbox"

static void store_read_outbox(sqlite3_stmt *s, struct store_outbox *o)
{
	o->id = sqlite3_column_int64(s, 0);
	o->notifier = store_col_str(s, 1);
	o->event = store_col_str(s, 2);
	o->run_id = sqlite3_column_int64(s, 3);
	o->facts = store_col_str(s, 4);
	o->state = store_col_str(s, 5);
	o->attempts = sqlite3_column_int(s, 6);
	o->created_at = sqlite3_column_double(s, 7);
	o->next_at = sqlite3_column_double(s, 8);
	o->sent_at = sqlite3_column_double(s, 9);
	o->last_error = store_col_str(s, 10);
}

static sqlite3_stmt *store_rprepare(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->r, sql, -1, &s, NULL) != SQLITE_OK) {
		log_error("store", "query failed", "reason", sqlite3_errmsg(st->r));
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

int store_get_alert(struct store *st, long long id, struct store_alert *out)
{
	sqlite3_stmt *s;
	int ret = -1, rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, "SELECT " STORE_ALERT_COLS " WHERE a.id = ?")))
		goto out;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_read_alert(s, out);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = 1;
	}
	sqlite3_finalize(s);
out:
	pthread_mutex_unlock(&st->rlock);
	return ret;
}

int store_get_run(struct store *st, long long id, struct store_run *out)
{
	sqlite3_stmt *s;
	int ret = -1, rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, "SELECT " STORE_RUN_COLS " WHERE r.id = ?")))
		goto out;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_read_run(s, out);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = 1;
	}
	sqlite3_finalize(s);
out:
	pthread_mutex_unlock(&st->rlock);
	return ret;
}

int store_list_alerts(struct store *st, long long before_id, size_t limit, struct store_alert **out, size_t *n)
{
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc, ret = -1;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, "SELECT " STORE_ALERT_COLS " WHERE a.id < ? ORDER BY a.id DESC LIMIT ?")))
		goto out;
	sqlite3_bind_int64(s, 1, before_id > 0 ? before_id : INT64_MAX);
	sqlite3_bind_int64(s, 2, (long long)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(*out, *n + 1, alloc);
		store_read_alert(s, &(*out)[(*n)++]);
	}
	ret = rc == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
out:
	pthread_mutex_unlock(&st->rlock);
	return ret;
}

int store_list_runs(struct store *st, const char *state, long long before_id, size_t limit, struct store_run **out,
		    size_t *n)
{
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc, ret = -1;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, state ? "SELECT " STORE_RUN_COLS " WHERE r.id < ? AND r.state = ?"
					    " ORDER BY r.id DESC LIMIT ?"
					  : "SELECT " STORE_RUN_COLS " WHERE r.id < ? ORDER BY r.id DESC LIMIT ?")))
		goto out;
	sqlite3_bind_int64(s, 1, before_id > 0 ? before_id : INT64_MAX);
	if (state) {
		sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, (long long)limit);
	} else {
		sqlite3_bind_int64(s, 2, (long long)limit);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(*out, *n + 1, alloc);
		store_read_run(s, &(*out)[(*n)++]);
	}
	ret = rc == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
out:
	pthread_mutex_unlock(&st->rlock);
	return ret;
}

int store_list_outbox(struct store *st, long long before_id, size_t limit, struct store_outbox **out, size_t *n)
{
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc, ret = -1;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, "SELECT " STORE_OUTBOX_COLS " WHERE id < ? ORDER BY id DESC LIMIT ?")))
		goto out;
	sqlite3_bind_int64(s, 1, before_id > 0 ? before_id : INT64_MAX);
	sqlite3_bind_int64(s, 2, (long long)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(*out, *n + 1, alloc);
		store_read_outbox(s, &(*out)[(*n)++]);
	}
	ret = rc == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
out:
	pthread_mutex_unlock(&st->rlock);
	return ret;
}

int store_outbox_due(struct store *st, const char *notifier, double now, struct store_outbox *out)
{
	sqlite3_stmt *s;
	int ret = -1, rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, "SELECT " STORE_OUTBOX_COLS " WHERE state = 'pending' AND notifier = ?"
				     " AND next_at <= ? ORDER BY next_at, id LIMIT 1")))
		goto out;
	sqlite3_bind_text(s, 1, notifier, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 2, now);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_read_outbox(s, out);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = 1;
	}
	sqlite3_finalize(s);
out:
	pthread_mutex_unlock(&st->rlock);
	return ret;
}

static double store_scalar_double(struct store *st, const char *sql, const char *arg)
{
	sqlite3_stmt *s;
	double v = 0;
	pthread_mutex_lock(&st->rlock);
	if ((s = store_rprepare(st, sql))) {
		if (arg)
			sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_double(s, 0);
		sqlite3_finalize(s);
	}
	pthread_mutex_unlock(&st->rlock);
	return v;
}

double store_outbox_next_at(struct store *st, const char *notifier)
{
	return store_scalar_double(st, "SELECT COALESCE(MIN(next_at), 0) FROM outbox WHERE state = 'pending'"
				       " AND notifier = ?", notifier);
}

double store_outbox_oldest_pending(struct store *st)
{
	return store_scalar_double(st, "SELECT COALESCE(MIN(created_at), 0) FROM outbox WHERE state = 'pending'", NULL);
}

long long store_count(struct store *st, const char *table)
{
	static const char *const tables[] = { "notifications", "alerts", "runs", "outbox" };
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(table, tables[i]) == 0) {
			char sql[64];
			snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", tables[i]);
			return (long long)store_scalar_double(st, sql, NULL);
		}
	}
	return -1;
}

int store_active_runs(struct store *st, struct store_run **out, size_t *n)
{
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc, ret = -1;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, "SELECT " STORE_RUN_COLS " WHERE r.state IN ('queued', 'running') ORDER BY r.id")))
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(*out, *n + 1, alloc);
		store_read_run(s, &(*out)[(*n)++]);
	}
	ret = rc == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
out:
	pthread_mutex_unlock(&st->rlock);
	return ret;
}

int store_replay_runs(struct store *st, double since,
		      void (*fn)(void *arg, const char *playbook, const char *fingerprint, const char *starts_at,
				 const char *alert_status, const char *trigger, const char *state, double created_at),
		      void *arg)
{
	sqlite3_stmt *s;
	int rc, ret = -1;

	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, "SELECT playbook, fingerprint, starts_at, alert_status, trigger, state, created_at"
				     " FROM runs WHERE created_at >= ? ORDER BY id")))
		goto out;
	sqlite3_bind_double(s, 1, since);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
		   (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
		   (const char *)sqlite3_column_text(s, 4), (const char *)sqlite3_column_text(s, 5),
		   sqlite3_column_double(s, 6));
	ret = rc == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
out:
	pthread_mutex_unlock(&st->rlock);
	return ret;
}

int store_get_setting(struct store *st, const char *key, char **value)
{
	sqlite3_stmt *s;
	int ret = -1, rc;

	*value = NULL;
	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, "SELECT value FROM settings WHERE key = ?")))
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*value = store_col_str(s, 0);
	ret = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
out:
	pthread_mutex_unlock(&st->rlock);
	return ret;
}

int store_list_settings(struct store *st, const char *prefix,
			void (*fn)(void *arg, const char *key, const char *value), void *arg)
{
	sqlite3_stmt *s;
	int ret = -1, rc;
	size_t plen = strlen(prefix);

	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, "SELECT key, value FROM settings ORDER BY key")))
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0);
		if (k && strncmp(k, prefix, plen) == 0)
			fn(arg, k, (const char *)sqlite3_column_text(s, 1));
	}
	ret = rc == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
out:
	pthread_mutex_unlock(&st->rlock);
	return ret;
}
