/* store.c: opening the store: connections, schema migrations, prepared statements; and closing it */
#include "receiver/store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common/log.h"
#include "common/xalloc.h"
#include "receiver/store_internal.h"

#define STORE_APP_ID 0x686f6d65 /* "home" */

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
	/* 3: the status pages ask "does this alert still fire?" and "what was sent about this run?" */
	("CREATE INDEX alerts_fingerprint ON alerts(fingerprint, id);"
	 "CREATE INDEX outbox_run ON outbox(run_id) WHERE run_id IS NOT NULL;"),
};

/* ---- open, migrate ---- */

int store_exec_sql(sqlite3 *db, const char *sql, char **err)
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
	st->stats.last_commit_ok = true;
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
