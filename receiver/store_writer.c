/* store_writer.c: the group-commit writer thread, the background checkpointer, submit and wait */
#include "receiver/store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>
#include <time.h>
#include "common/clock.h"
#include "common/log.h"
#include "receiver/store_internal.h"

#define STORE_MAX_BATCH 4096

const double STORE_COMMIT_BOUNDS[12] = { 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075,
					 0.01,	 0.025, 0.05,  0.1,   0.25,  1 };

enum store_error_reason store_error_reason(int sqlite_rc)
{
	switch (sqlite_rc & 0xff) {
	case SQLITE_FULL:
		return STORE_ERR_DISK_FULL;
	case SQLITE_READONLY:
		return STORE_ERR_READ_ONLY;
	case SQLITE_IOERR:
		return STORE_ERR_IO;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_ERR_BUSY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return STORE_ERR_CORRUPT;
	default:
		return STORE_ERR_OTHER;
	}
}

const char *store_error_reason_name(enum store_error_reason r)
{
	static const char *const names[STORE_ERR_COUNT] = {
		[STORE_ERR_DISK_FULL] = "disk_full", [STORE_ERR_READ_ONLY] = "read_only", [STORE_ERR_IO] = "io",
		[STORE_ERR_BUSY] = "busy",	     [STORE_ERR_CORRUPT] = "corrupt",	   [STORE_ERR_OTHER] = "other",
	};
	return (unsigned)r < STORE_ERR_COUNT ? names[r] : "other";
}

/* Counts one failed write (writer thread, right after the failing call, so the error code is its own). */
static void store_stat_error(struct store *st)
{
	enum store_error_reason r = store_error_reason(sqlite3_extended_errcode(st->w));
	pthread_mutex_lock(&st->lock);
	st->stats.errors[r]++;
	pthread_mutex_unlock(&st->lock);
}

/* wrote: the batch changed rows (a commit that wrote nothing says nothing about the disk) */
static void store_stat_commit(struct store *st, double secs, size_t n, bool ok, bool wrote)
{
	pthread_mutex_lock(&st->lock);
	if (!ok || wrote)
		st->stats.last_commit_ok = ok;
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
	int changes = sqlite3_total_changes(st->w);

	if (store_ctl(st, SW_BEGIN)) {
		store_stat_error(st);
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
			store_stat_error(st);
			op->status = -1;
			continue;
		}
		op->status = op->apply(st, op->arg) == 0 ? 0 : -1;
		if (op->status) {
			store_stat_error(st);
			if (sqlite3_get_autocommit(st->w)) {
				/* SQLite rolled the whole transaction back itself (SQLITE_FULL, an I/O error...):
				 * the operations before this one are undone too, and a SAVEPOINT now would start
				 * a new transaction that RELEASE commits on its own, outside this batch */
				log_error("store", "transaction rolled back by an error", "reason", sqlite3_errmsg(st->w));
				ok = false;
				continue;
			}
			store_ctl(st, SW_ROLLBACK_TO);
		}
		store_ctl(st, SW_RELEASE);
	}
	if (ok && store_ctl(st, SW_COMMIT)) {
		store_stat_error(st);
		log_error("store", "commit failed", "reason", sqlite3_errmsg(st->w));
		store_exec_sql(st->w, "ROLLBACK", NULL);
		ok = false;
	}
	if (!ok) {
		if (!sqlite3_get_autocommit(st->w))
			store_exec_sql(st->w, "ROLLBACK", NULL);
		for (struct store_op *op = list; op; op = op->next)
			op->status = -1;
		if (st->rollback_hook)
			st->rollback_hook(st->rollback_arg);
	}
	store_stat_commit(st, clock_mono() - t0, n, ok, sqlite3_total_changes(st->w) != changes);
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
			struct timespec ts = clock_real_after(1);
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
