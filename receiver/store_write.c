/* store_write.c: the writer-thread statements (inserts, updates, settings) and retention */
#include "receiver/store.h"

#include <sqlite3.h>
#include <stddef.h>
#include "common/log.h"
#include "receiver/store_internal.h"

const char *const store_wsql[SW_COUNT] = {
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
