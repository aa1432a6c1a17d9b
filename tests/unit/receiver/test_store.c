/* test_store.c: SQLite store: schema and migrations, group commit, per-operation rollback, retention, kill -9 durability */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "receiver/store.h"
#include "receiver/store_internal.h"

int store_test_create_version(const char *dir, int version, char **err);

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_store.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static struct store *open_store(void)
{
	struct store_options o = { .dir = dir };
	char *err = NULL;
	struct store *st = store_open(&o, &err);
	if (!st)
		fail_msg("store_open: %s", err);
	return st;
}

static int raw_int(const char *sql)
{
	char path[128];
	sqlite3 *db;
	sqlite3_stmt *s;
	int v = -1;
	snprintf(path, sizeof(path), "%s/receiver.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void raw_exec(const char *sql)
{
	char path[128];
	sqlite3 *db;
	snprintf(path, sizeof(path), "%s/receiver.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int apply_notification(struct store *st, void *arg)
{
	struct store_notification_in n = { .received_at = *(double *)arg, .receiver = "r", .nalerts = 1 };
	return store_w_notification(st, &n) > 0 ? 0 : -1;
}

static void test_fresh_schema_and_reopen(void **state)
{
	(void)state;
	struct store *st = open_store();
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	double t = 5;
	assert_int_equal(store_exec(st, apply_notification, &t), 0);
	store_close(st);
	assert_int_equal(raw_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int("PRAGMA application_id"), 0x686f6d65);
	st = open_store();
	assert_int_equal(store_count(st, "notifications"), 1);
	assert_int_equal(store_count(st, "nonsense"), -1);
	store_close(st);
	/* WAL mode is persistent in the file */
	char path[128];
	sqlite3 *db;
	sqlite3_stmt *s;
	snprintf(path, sizeof(path), "%s/receiver.db", dir);
	sqlite3_open(path, &db);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_upgrade_from_version_1_keeps_data(void **state)
{
	(void)state;
	char *err = NULL;
	assert_int_equal(store_test_create_version(dir, 1, &err), 0);
	assert_int_equal(raw_int("PRAGMA user_version"), 1);
	assert_int_equal(raw_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'outbox'"), 0);
	raw_exec("INSERT INTO notifications (received_at, receiver, nalerts) VALUES (1, 'old', 2)");
	raw_exec("INSERT INTO runs (playbook, fingerprint, starts_at, alert_status, trigger, state, created_at)"
		 " VALUES ('p', 'f', 's', 'firing', 'alert', 'succeeded', 1)");
	struct store *st = open_store();
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'alerts_fingerprint'"), 1);
	assert_int_equal(store_count(st, "notifications"), 1);
	assert_int_equal(store_count(st, "runs"), 1);
	assert_int_equal(store_count(st, "outbox"), 0);
	store_close(st);
}

static void test_newer_or_foreign_database_refused(void **state)
{
	(void)state;
	struct store *st = open_store();
	store_close(st);
	raw_exec("PRAGMA user_version = 99");
	struct store_options o = { .dir = dir };
	char *err = NULL;
	assert_null(store_open(&o, &err));
	assert_non_null(strstr(err, "newer"));
	free(err);
	/* untouched */
	assert_int_equal(raw_int("PRAGMA user_version"), 99);
	raw_exec("PRAGMA user_version = 2; PRAGMA application_id = 7");
	assert_null(store_open(&o, &err));
	assert_non_null(strstr(err, "application_id"));
	free(err);
	/* a storage path that is a file */
	char file[128];
	snprintf(file, sizeof(file), "%s/receiver.db", dir);
	o.dir = file;
	assert_null(store_open(&o, &err));
	assert_non_null(strstr(err, "not a directory"));
	free(err);
}

struct counter {
	int done_ok;
	int done_fail;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

struct tracked_op {
	struct store_op op;
	struct counter *c;
	double t;
	bool fail;
};

static int tracked_apply(struct store *st, void *arg)
{
	struct tracked_op *t = arg;
	struct store_notification_in n = { .received_at = t->t, .receiver = t->fail ? "doomed" : "ok", .nalerts = 1 };
	if (store_w_notification(st, &n) <= 0)
		return -1;
	/* the row above is inserted, then the operation fails: its savepoint must undo it */
	return t->fail ? -1 : 0;
}

static void tracked_done(void *arg, int status)
{
	struct tracked_op *t = arg;
	pthread_mutex_lock(&t->c->lock);
	if (status == 0)
		t->c->done_ok++;
	else
		t->c->done_fail++;
	pthread_cond_signal(&t->c->cond);
	pthread_mutex_unlock(&t->c->lock);
}

static void test_group_commit_and_per_op_rollback(void **state)
{
	(void)state;
	struct store *st = open_store();
	struct counter c = { 0 };
	const int n = 2000;
	struct tracked_op *ops = xcalloc(n, sizeof(*ops));
	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.cond, NULL);
	assert_int_equal(store_start(st), 0);
	for (int i = 0; i < n; i++) {
		ops[i].op.apply = tracked_apply;
		ops[i].op.done = tracked_done;
		ops[i].op.arg = &ops[i];
		ops[i].c = &c;
		ops[i].t = i;
		ops[i].fail = i % 10 == 3;
		assert_int_equal(store_submit(st, &ops[i].op), 0);
	}
	pthread_mutex_lock(&c.lock);
	while (c.done_ok + c.done_fail < n)
		pthread_cond_wait(&c.cond, &c.lock);
	pthread_mutex_unlock(&c.lock);
	assert_int_equal(c.done_fail, n / 10);
	assert_int_equal(c.done_ok, n - n / 10);
	struct store_stats s;
	store_get_stats(st, &s);
	/* all 2,000 arrived faster than one fsync: they were committed in far fewer transactions */
	assert_int_equal(s.ops, n);
	assert_true(s.commits < (uint64_t)n / 4);
	assert_true(s.max_batch > 10);
	store_close(st);
	assert_int_equal(raw_int("SELECT COUNT(*) FROM notifications WHERE receiver = 'ok'"), n - n / 10);
	assert_int_equal(raw_int("SELECT COUNT(*) FROM notifications WHERE receiver = 'doomed'"), 0);
	free(ops);
}

static void test_error_reasons(void **state)
{
	(void)state;
	assert_int_equal(store_error_reason(SQLITE_FULL), STORE_ERR_DISK_FULL);
	assert_int_equal(store_error_reason(SQLITE_IOERR_WRITE), STORE_ERR_IO);
	assert_int_equal(store_error_reason(SQLITE_IOERR_FSYNC), STORE_ERR_IO);
	assert_int_equal(store_error_reason(SQLITE_READONLY), STORE_ERR_READ_ONLY);
	assert_int_equal(store_error_reason(SQLITE_READONLY_DBMOVED), STORE_ERR_READ_ONLY);
	assert_int_equal(store_error_reason(SQLITE_BUSY_SNAPSHOT), STORE_ERR_BUSY);
	assert_int_equal(store_error_reason(SQLITE_LOCKED), STORE_ERR_BUSY);
	assert_int_equal(store_error_reason(SQLITE_NOTADB), STORE_ERR_CORRUPT);
	assert_int_equal(store_error_reason(SQLITE_CONSTRAINT_UNIQUE), STORE_ERR_OTHER);
	assert_int_equal(store_error_reason(SQLITE_OK), STORE_ERR_OTHER);
	assert_string_equal(store_error_reason_name(STORE_ERR_DISK_FULL), "disk_full");
	assert_string_equal(store_error_reason_name(STORE_ERR_READ_ONLY), "read_only");
	assert_string_equal(store_error_reason_name(STORE_ERR_IO), "io");
	assert_string_equal(store_error_reason_name(STORE_ERR_COUNT), "other");
}

/* One operation of a batch; the first blocks the writer until the others are queued behind it. */
struct batch_op {
	struct store_op op;
	const char *receiver;     /* inserts a notification from it; NULL: rolls the transaction back itself */
	bool block;
	pthread_mutex_t *lock;
	pthread_cond_t *cond;
	int *phase;               /* 1: the blocking op runs; 2: the others are queued; +1 per done */
	int status;
};

static int batch_apply(struct store *st, void *arg)
{
	struct batch_op *b = arg;
	if (b->block) {
		pthread_mutex_lock(b->lock);
		*b->phase = 1;
		pthread_cond_broadcast(b->cond);
		while (*b->phase < 2)
			pthread_cond_wait(b->cond, b->lock);
		pthread_mutex_unlock(b->lock);
	}
	if (!b->receiver) {
		/* what SQLite does on SQLITE_FULL or an I/O error in the middle of a transaction */
		sqlite3_exec(st->w, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	struct store_notification_in n = { .received_at = 1, .receiver = b->receiver, .nalerts = 1 };
	return store_w_notification(st, &n) > 0 ? 0 : -1;
}

static void batch_done(void *arg, int status)
{
	struct batch_op *b = arg;
	pthread_mutex_lock(b->lock);
	b->status = status;
	(*b->phase)++;
	pthread_cond_broadcast(b->cond);
	pthread_mutex_unlock(b->lock);
}

static void test_batch_rolled_back_by_sqlite_fails_whole(void **state)
{
	(void)state;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	int phase = 0;
	struct batch_op ops[4] = {
		{ .receiver = "first", .block = true }, { .receiver = "before" }, { .receiver = NULL }, { .receiver = "after" },
	};
	struct store *st = open_store();
	assert_int_equal(store_start(st), 0);
	for (int i = 0; i < 4; i++) {
		ops[i].op.apply = batch_apply;
		ops[i].op.done = batch_done;
		ops[i].op.arg = &ops[i];
		ops[i].lock = &lock;
		ops[i].cond = &cond;
		ops[i].phase = &phase;
		ops[i].status = 99;
	}
	assert_int_equal(store_submit(st, &ops[0].op), 0);
	pthread_mutex_lock(&lock);
	while (phase < 1)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	/* queued while the writer is inside the first batch: the three form the next batch */
	for (int i = 1; i < 4; i++)
		assert_int_equal(store_submit(st, &ops[i].op), 0);
	pthread_mutex_lock(&lock);
	phase = 2;
	pthread_cond_broadcast(&cond);
	while (phase < 6)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	assert_int_equal(ops[0].status, 0);
	/* the transaction was rolled back under "before" (answered 200 it would be an acknowledged alert
	 * lost), and "after" must not be committed on its own by a SAVEPOINT/RELEASE outside the batch */
	assert_int_equal(ops[1].status, -1);
	assert_int_equal(ops[2].status, -1);
	assert_int_equal(ops[3].status, -1);
	struct store_stats s;
	store_get_stats(st, &s);
	assert_false(s.last_commit_ok);
	assert_int_equal(s.failed_commits, 1);
	/* the store works again for the next batch */
	double t = 2;
	assert_int_equal(store_exec(st, apply_notification, &t), 0);
	store_get_stats(st, &s);
	assert_true(s.last_commit_ok);
	store_close(st);
	assert_int_equal(raw_int("SELECT COUNT(*) FROM notifications WHERE receiver = 'first'"), 1);
	assert_int_equal(raw_int("SELECT COUNT(*) FROM notifications WHERE receiver IN ('before', 'after')"), 0);
	assert_int_equal(raw_int("SELECT COUNT(*) FROM notifications WHERE receiver = 'r'"), 1);
}

static void test_submit_refused_when_full_or_stopped(void **state)
{
	(void)state;
	struct store_options o = { .dir = dir, .max_pending = 1 };
	char *err = NULL;
	struct store *st = store_open(&o, &err);
	struct store_op op = { .apply = apply_notification };
	/* not started: refused */
	assert_int_equal(store_submit(st, &op), -1);
	/* store_exec before start runs inline */
	double t = 1;
	assert_int_equal(store_exec(st, apply_notification, &t), 0);
	store_close(st);
}

struct run_ids {
	long long run;
	long long out1;
	long long out2;
};

static int apply_lifecycle(struct store *st, void *arg)
{
	struct run_ids *ids = arg;
	struct store_notification_in n = { .received_at = 100, .receiver = "homeops", .nalerts = 1 };
	long long nid = store_w_notification(st, &n);
	const char *json = "{\"labels\":{\"alertname\":\"X\"}}";
	struct store_alert_in a = { .notification_id = nid, .received_at = 100, .fingerprint = "00c04af3484e7319",
				    .status = "firing", .alertname = "X", .starts_at = "S", .json = json,
				    .json_len = strlen(json), .decision = "p=run" };
	long long aid = store_w_alert(st, &a);
	struct store_run_in r = { .alert_id = aid, .playbook = "p", .fingerprint = "00c04af3484e7319", .starts_at = "S",
				  .alert_status = "firing", .trigger = "alert", .state = "queued", .notify = "mail",
				  .attempt = 1, .created_at = 101 };
	ids->run = store_w_run(st, &r);
	ids->out1 = store_w_outbox(st, "mail", "started", ids->run, "{\"event\":\"started\"}", 102);
	ids->out2 = store_w_outbox(st, "mail", "failed", ids->run, "{\"event\":\"failed\"}", 103);
	return nid > 0 && aid > 0 && ids->run > 0 && ids->out2 > 0 ? 0 : -1;
}

static long long g_id;
static int apply_start(struct store *st, void *arg)
{
	return store_w_run_start(st, g_id, 105, (const char *)arg);
}

static int apply_end(struct store *st, void *arg)
{
	(void)arg;
	static const char out[] = "line1\nsecret=[REDACTED]\n";
	struct store_run_end e = { .state = "failed", .result = "exit 3", .has_exit = true, .exit_code = 3,
				   .output = out, .output_len = sizeof(out) - 1, .output_truncated = true,
				   .ended_at = 110 };
	return store_w_run_end(st, g_id, &e);
}

static int apply_outbox_retry(struct store *st, void *arg)
{
	(void)arg;
	return store_w_outbox_result(st, g_id, false, false, 500, "connection refused", 120);
}

static int apply_outbox_sent(struct store *st, void *arg)
{
	(void)arg;
	return store_w_outbox_result(st, g_id, true, false, 0, NULL, 130);
}

static int apply_settings(struct store *st, void *arg)
{
	(void)arg;
	return store_w_setting(st, "paused", "1") || store_w_setting(st, "playbook.p.enabled", "0") ||
			       store_w_setting(st, "playbook.q.enabled", "1") || store_w_setting(st, "playbook.q.enabled", NULL)
		       ? -1
		       : 0;
}

static void collect_setting(void *arg, const char *key, const char *value)
{
	char *buf = arg;
	strcat(buf, key);
	strcat(buf, "=");
	strcat(buf, value);
	strcat(buf, ";");
}

static void test_run_lifecycle_outbox_settings(void **state)
{
	(void)state;
	struct store *st = open_store();
	struct run_ids ids;
	assert_int_equal(store_start(st), 0);
	assert_int_equal(store_exec(st, apply_lifecycle, &ids), 0);

	struct store_run *runs = NULL;
	size_t n = 0;
	assert_int_equal(store_active_runs(st, &runs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(runs[0].state, "queued");
	assert_string_equal(runs[0].alertname, "X");
	store_run_release(&runs[0]);
	free(runs);

	g_id = ids.run;
	assert_int_equal(store_exec(st, apply_start, "[\"/bin/p\",\"a b\"]"), 0);
	/* a second start finds it running: 1 = not queued (committed as a no-op) */
	struct store_run r;
	assert_int_equal(store_get_run(st, ids.run, &r), 0);
	assert_string_equal(r.state, "running");
	assert_true(r.started_at == 105);
	assert_string_equal(r.argv, "[\"/bin/p\",\"a b\"]");
	store_run_release(&r);
	assert_int_equal(store_exec(st, apply_end, NULL), 0);
	assert_int_equal(store_get_run(st, ids.run, &r), 0);
	assert_string_equal(r.state, "failed");
	assert_string_equal(r.result, "exit 3");
	assert_true(r.has_exit);
	assert_int_equal(r.exit_code, 3);
	assert_int_equal(r.signal, 0);
	assert_true(r.output_truncated);
	assert_string_equal(r.output, "line1\nsecret=[REDACTED]\n");
	assert_true(r.ended_at == 110);
	assert_int_equal(r.attempt, 1);
	store_run_release(&r);
	assert_int_equal(store_get_run(st, 999999, &r), 1);

	/* outbox: oldest due first, retry later, then sent */
	struct store_outbox o;
	assert_int_equal(store_outbox_due(st, "mail", 200, &o), 0);
	assert_int_equal(o.id, ids.out1);
	assert_string_equal(o.event, "started");
	store_outbox_release(&o);
	assert_int_equal(store_outbox_due(st, "phone", 200, &o), 1);
	g_id = ids.out1;
	assert_int_equal(store_exec(st, apply_outbox_retry, NULL), 0);
	assert_int_equal(store_outbox_due(st, "mail", 200, &o), 0);
	assert_int_equal(o.id, ids.out2); /* the retried one waits until 500 */
	store_outbox_release(&o);
	assert_true(store_outbox_next_at(st, "mail") == 103);
	assert_true(store_outbox_oldest_pending(st) == 102);
	g_id = ids.out2;
	assert_int_equal(store_exec(st, apply_outbox_sent, NULL), 0);
	assert_true(store_outbox_next_at(st, "mail") == 500);
	assert_int_equal(store_outbox_due(st, "mail", 499, &o), 1);
	assert_int_equal(store_outbox_due(st, "mail", 500, &o), 0);
	assert_int_equal(o.attempts, 1);
	assert_string_equal(o.last_error, "connection refused");
	store_outbox_release(&o);

	assert_int_equal(store_exec(st, apply_settings, NULL), 0);
	char *v = NULL;
	assert_int_equal(store_get_setting(st, "paused", &v), 0);
	assert_string_equal(v, "1");
	free(v);
	assert_int_equal(store_get_setting(st, "nothing", &v), 0);
	assert_null(v);
	char buf[256] = "";
	assert_int_equal(store_list_settings(st, "playbook.", collect_setting, buf), 0);
	assert_string_equal(buf, "playbook.p.enabled=0;");

	struct store_alert *alerts = NULL;
	assert_int_equal(store_list_alerts(st, 0, 10, &alerts, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(alerts[0].receiver, "homeops");
	assert_string_equal(alerts[0].decision, "p=run");
	store_alert_release(&alerts[0]);
	free(alerts);
	store_close(st);
}

struct ret_ctx {
	double now;
};

static int apply_fill_for_retention(struct store *st, void *arg)
{
	(void)arg;
	for (int i = 0; i < 300; i++) {
		double t = i < 200 ? 1000 + i : 100000 + i; /* 200 old, 100 new */
		struct store_notification_in n = { .received_at = t, .receiver = "r", .nalerts = 1 };
		long long nid = store_w_notification(st, &n);
		struct store_alert_in a = { .notification_id = nid, .received_at = t, .fingerprint = "f", .status = "firing",
					    .starts_at = "S", .json = "{}", .json_len = 2 };
		store_w_alert(st, &a);
		struct store_run_in r = { .playbook = "p", .fingerprint = "f", .starts_at = "S", .alert_status = "firing",
					  .trigger = "alert", .state = i == 5 ? "queued" : "succeeded", .created_at = t };
		store_w_run(st, &r);
		long long ob = store_w_outbox(st, "mail", "succeeded", 0, "{}", t);
		if (i % 2)
			store_w_outbox_result(st, ob, true, false, 0, NULL, t);
	}
	return 0;
}

static long long g_deleted;
static int apply_retention(struct store *st, void *arg)
{
	g_deleted = store_w_retention(st, *(double *)arg, 50);
	return g_deleted < 0 ? -1 : 0;
}

/*
 * Retention runs in the writer thread: a statement that scans a whole table stalls every webhook
 * (measured: 0.5 s at 1.5 million alerts). Each must search its time index instead.
 */
static void test_retention_uses_time_indexes(void **state)
{
	(void)state;
	struct store *st = open_store();
	store_close(st);
	char path[128];
	sqlite3 *db;
	snprintf(path, sizeof(path), "%s/receiver.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	size_t n;
	const char *const *sql = store_retention_statements(&n);
	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		char *plan_sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql[i]);
		sqlite3_stmt *s;
		assert_int_equal(sqlite3_prepare_v2(db, plan_sql, -1, &s, NULL), SQLITE_OK);
		struct strbuf plan = STRBUF_INIT;
		while (sqlite3_step(s) == SQLITE_ROW) {
			strbuf_addstr(&plan, (const char *)sqlite3_column_text(s, 3));
			strbuf_addch(&plan, '\n');
		}
		sqlite3_finalize(s);
		sqlite3_free(plan_sql);
		/* the inner SELECT searches an index on the time column; nothing scans a table */
		const char *p = strbuf_cstr(&plan);
		if ((!strstr(p, "USING INDEX") && !strstr(p, "USING COVERING INDEX")) || strstr(p, "SCAN "))
			fail_msg("retention statement %zu does not search a time index:\n%s\nplan:\n%s", i, sql[i],
				 strbuf_cstr(&plan));
		strbuf_release(&plan);
	}
	sqlite3_close(db);
}

static void test_retention(void **state)
{
	(void)state;
	struct store *st = open_store();
	assert_int_equal(store_exec(st, apply_fill_for_retention, NULL), 0);
	double before = 50000;
	long long total = 0;
	do {
		assert_int_equal(store_exec(st, apply_retention, &before), 0);
		total += g_deleted;
		assert_true(total < 2000);
	} while (g_deleted > 0);
	assert_int_equal(store_count(st, "alerts"), 100);
	assert_int_equal(store_count(st, "notifications"), 100);
	/* the queued run is never deleted by age */
	assert_int_equal(store_count(st, "runs"), 101);
	/* old pending outbox rows are kept but marked failed (expired), then deleted on a later pass */
	assert_int_equal(raw_int("SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND created_at < 50000"), 0);
	assert_int_equal(store_count(st, "outbox"), 100);
	store_close(st);
}

/* A child commits and reports each committed id, then is killed with SIGKILL mid-stream. */
static void test_kill9_loses_nothing_committed(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		struct store *st = open_store();
		store_start(st);
		for (int i = 1;; i++) {
			double t = i;
			if (store_exec(st, apply_notification, &t) == 0) {
				/* "answered 200": reported only after the commit returned */
				if (write(fds[1], &i, sizeof(i)) != sizeof(i))
					_exit(1);
			}
		}
	}
	close(fds[1]);
	int id = 0, last = 0, got = 0;
	while (got < 300 && read(fds[0], &id, sizeof(id)) == sizeof(id)) {
		last = id;
		got++;
	}
	kill(pid, SIGKILL);
	/* drain what was reported before the kill landed */
	while (read(fds[0], &id, sizeof(id)) == sizeof(id))
		last = id;
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status));
	struct store *st = open_store();
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM notifications WHERE received_at <= %d", last);
	store_close(st);
	assert_int_equal(raw_int(sql), last);
	assert_int_equal(raw_int("SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_schema_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_from_version_1_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_or_foreign_database_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_and_per_op_rollback, setup, teardown),
		cmocka_unit_test(test_error_reasons),
		cmocka_unit_test_setup_teardown(test_batch_rolled_back_by_sqlite_fails_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_refused_when_full_or_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_lifecycle_outbox_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_uses_time_indexes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill9_loses_nothing_committed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
