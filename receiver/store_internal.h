/* store_internal.h: the store's private state, shared by store.c, store_writer.c, store_write.c and store_read.c */
#ifndef HOMEOPS_RECEIVER_STORE_INTERNAL_H
#define HOMEOPS_RECEIVER_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include "receiver/store.h"

/* WAL frames appended between two checkpoint requests (see store_wal_hook in store_writer.c) */
#define STORE_CHECKPOINT_FRAMES 2000

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

/* The SQL of each prepared writer statement (store_write.c); store_open prepares them all. */
extern const char *const store_wsql[SW_COUNT];

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

/* Runs sql on db. Returns 0, or -1 with *err set (caller frees) when err is not NULL. */
int store_exec_sql(sqlite3 *db, const char *sql, char **err);

#endif
