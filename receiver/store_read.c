/* store_read.c: reads on the reader connection: single rows, listings, counters, settings, replay */
#include "receiver/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/xalloc.h"
#include "receiver/store_internal.h"

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

static void store_read_alert(sqlite3_stmt *s, void *row)
{
	struct store_alert *a = row;

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

static void store_read_run(sqlite3_stmt *s, void *row)
{
	struct store_run *r = row;

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

static void store_read_outbox(sqlite3_stmt *s, void *row)
{
	struct store_outbox *o = row;

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


/* A row type: its size, how to fill one from the current row of a statement, how to release one. */
struct store_row_type {
	size_t size;
	void (*read)(sqlite3_stmt *s, void *row);
	void (*release)(void *row);
};

static void store_release_alert_row(void *row)
{
	store_alert_release(row);
}

static void store_release_run_row(void *row)
{
	store_run_release(row);
}

static void store_release_outbox_row(void *row)
{
	store_outbox_release(row);
}

static const struct store_row_type store_alert_rows = { sizeof(struct store_alert), store_read_alert,
							store_release_alert_row };
static const struct store_row_type store_run_rows = { sizeof(struct store_run), store_read_run,
						      store_release_run_row };
static const struct store_row_type store_outbox_rows = { sizeof(struct store_outbox), store_read_outbox,
							 store_release_outbox_row };

/*
 * What a query binds, by name; a parameter its SQL does not name is not bound. :before is
 * "older than" for paging (0 = from the newest), :text a state or a notifier name.
 */
struct store_query {
	long long id;
	long long before_id;
	const char *text;
	double now;
	long long limit;
};

static void store_bind_query(sqlite3_stmt *s, const struct store_query *q)
{
	int i;
	if ((i = sqlite3_bind_parameter_index(s, ":id")))
		sqlite3_bind_int64(s, i, q->id);
	if ((i = sqlite3_bind_parameter_index(s, ":before")))
		sqlite3_bind_int64(s, i, q->before_id > 0 ? q->before_id : INT64_MAX);
	if ((i = sqlite3_bind_parameter_index(s, ":text")))
		sqlite3_bind_text(s, i, q->text ? q->text : "", -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(s, ":now")))
		sqlite3_bind_double(s, i, q->now);
	if ((i = sqlite3_bind_parameter_index(s, ":limit")))
		sqlite3_bind_int64(s, i, q->limit);
}

/*
 * Reads every row of sql into a new array of type->size elements (*out, *n). Returns 0, or -1
 * with *out NULL and *n 0 (rows read before the error are released).
 */
static int store_list_rows(struct store *st, const char *sql, const struct store_query *q,
			   const struct store_row_type *type, void **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	char *rows = NULL;
	size_t alloc = 0, count = 0;
	int rc, ret = -1;

	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, sql)))
		goto out;
	store_bind_query(s, q);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rows = xgrow(rows, type->size, count + 1, &alloc);
		memset(rows + count * type->size, 0, type->size);
		type->read(s, rows + count * type->size);
		count++;
	}
	ret = rc == SQLITE_DONE ? 0 : -1;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->rlock);
	if (ret) {
		for (size_t i = 0; i < count; i++)
			type->release(rows + i * type->size);
		free(rows);
		rows = NULL;
		count = 0;
	}
	*out = rows;
	*n = count;
	return ret;
}

/* Reads the first row of sql into row (zeroed first). Returns 0 found, 1 not found, -1 error. */
static int store_get_row(struct store *st, const char *sql, const struct store_query *q,
			 const struct store_row_type *type, void *row)
{
	sqlite3_stmt *s = NULL;
	int ret = -1, rc;

	memset(row, 0, type->size);
	pthread_mutex_lock(&st->rlock);
	if (!(s = store_rprepare(st, sql)))
		goto out;
	store_bind_query(s, q);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		type->read(s, row);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = 1;
	}
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->rlock);
	return ret;
}

int store_get_alert(struct store *st, long long id, struct store_alert *out)
{
	struct store_query q = { .id = id };
	return store_get_row(st, "SELECT " STORE_ALERT_COLS " WHERE a.id = :id", &q, &store_alert_rows, out);
}

int store_get_run(struct store *st, long long id, struct store_run *out)
{
	struct store_query q = { .id = id };
	return store_get_row(st, "SELECT " STORE_RUN_COLS " WHERE r.id = :id", &q, &store_run_rows, out);
}

int store_list_alerts(struct store *st, long long before_id, size_t limit, struct store_alert **out, size_t *n)
{
	struct store_query q = { .before_id = before_id, .limit = (long long)limit };
	void *rows = NULL;
	int ret = store_list_rows(st, "SELECT " STORE_ALERT_COLS " WHERE a.id < :before ORDER BY a.id DESC LIMIT :limit",
				  &q, &store_alert_rows, &rows, n);
	*out = rows;
	return ret;
}

int store_list_runs(struct store *st, const char *state, long long before_id, size_t limit, struct store_run **out,
		    size_t *n)
{
	struct store_query q = { .before_id = before_id, .text = state, .limit = (long long)limit };
	void *rows = NULL;
	int ret = store_list_rows(st,
				  state ? "SELECT " STORE_RUN_COLS " WHERE r.id < :before AND r.state = :text"
					  " ORDER BY r.id DESC LIMIT :limit"
					: "SELECT " STORE_RUN_COLS " WHERE r.id < :before ORDER BY r.id DESC LIMIT :limit",
				  &q, &store_run_rows, &rows, n);
	*out = rows;
	return ret;
}

int store_list_outbox(struct store *st, long long before_id, size_t limit, struct store_outbox **out, size_t *n)
{
	struct store_query q = { .before_id = before_id, .limit = (long long)limit };
	void *rows = NULL;
	int ret = store_list_rows(st, "SELECT " STORE_OUTBOX_COLS " WHERE id < :before ORDER BY id DESC LIMIT :limit",
				  &q, &store_outbox_rows, &rows, n);
	*out = rows;
	return ret;
}

int store_list_outbox_for_run(struct store *st, long long run_id, struct store_outbox **out, size_t *n)
{
	struct store_query q = { .id = run_id };
	void *rows = NULL;
	int ret = store_list_rows(st, "SELECT " STORE_OUTBOX_COLS " WHERE run_id = :id ORDER BY id", &q,
				  &store_outbox_rows, &rows, n);
	*out = rows;
	return ret;
}

int store_latest_alert(struct store *st, const char *fingerprint, struct store_alert *out)
{
	struct store_query q = { .text = fingerprint };
	return store_get_row(st, "SELECT " STORE_ALERT_COLS " WHERE a.fingerprint = :text ORDER BY a.id DESC LIMIT 1",
			     &q, &store_alert_rows, out);
}

int store_active_runs(struct store *st, struct store_run **out, size_t *n)
{
	struct store_query q = { 0 };
	void *rows = NULL;
	int ret = store_list_rows(st, "SELECT " STORE_RUN_COLS " WHERE r.state IN ('queued', 'running') ORDER BY r.id",
				  &q, &store_run_rows, &rows, n);
	*out = rows;
	return ret;
}

int store_outbox_due(struct store *st, const char *notifier, double now, struct store_outbox *out)
{
	struct store_query q = { .text = notifier, .now = now };
	return store_get_row(st, "SELECT " STORE_OUTBOX_COLS " WHERE state = 'pending' AND notifier = :text"
				 " AND next_at <= :now ORDER BY next_at, id LIMIT 1", &q, &store_outbox_rows, out);
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
