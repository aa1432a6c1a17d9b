/* table.h: the container table: what events and inspects say about each container, with the counters kept from events */
#ifndef DOCKER_TABLE_H
#define DOCKER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include "exporters/docker/parse.h"

/*
 * Pure state (no I/O, no clock, no locks: the caller serialises). Events update it as they come;
 * inspects fill in what events do not carry. Every applied event bumps table->seq and stamps the
 * container; an inspect requested at seq S is not applied over a container that had an event
 * after S (it would be older than what the table holds), and stays dirty to be asked again.
 */
struct dk_entry {
	char *id;
	char *name;
	char *image;
	char *restart_policy;     /* "" until inspected */
	enum dk_state state;
	enum dk_health health;
	long failing_streak;      /* -1: no health check */
	long restart_count;       /* Docker's RestartCount; -1 until inspected */
	bool oom_killed;
	bool has_exit_code;
	long exit_code;
	double started_at, finished_at;  /* NaN: unknown / never */
	struct dk_mount *mounts;
	size_t nmounts;
	struct dk_label *labels;
	size_t nlabels;

	/* restarts since the exporter started: the larger of the two counts below, each of which
	 * sees what the other may miss (a manual start is no RestartCount; a restart while the
	 * stream was down is no event), so neither double-counts nor goes backwards */
	double restarts_total;
	double restarts_events;   /* starts of a container that had died */
	double restarts_rc;       /* rises of RestartCount between inspects */
	double ooms_total;
	unsigned long ooms_since_inspect;
	unsigned long starts_since_inspect; /* start events since the last inspect */
	bool died;                /* a die (or an exited inspect) not yet followed by a start */
	bool inspected;
	bool dirty;               /* needs an inspect */
	bool seen;                /* resync mark */
	unsigned long event_seq;  /* table seq of its last event */
};

struct dk_table {
	struct dk_entry **v;
	size_t n, alloc;
	unsigned long seq;        /* events applied */
	/* ring of recently destroyed IDs with the seq of their destroy, so that an inspect answered
	 * before a destroy does not bring the container back */
	char *gone_id[64];
	unsigned long gone_seq[64];
	size_t gone_next;
};

struct dk_table *dk_table_new(void);
void dk_table_free(struct dk_table *t);
struct dk_entry *dk_table_find(const struct dk_table *t, const char *id);

/*
 * Applies a container event (others are ignored: returns false). Returns true when the
 * container should be inspected (it is then marked dirty): create, start, die, rename,
 * health_status, exec_die of a container with a health check, and any event of an unknown
 * container. A start of a container that had died counts a restart; oom counts an OOM kill;
 * destroy drops the container.
 */
bool dk_table_apply_event(struct dk_table *t, const struct dk_event *ev);

/*
 * Applies an inspect asked for at seq asked_seq; takes the strings and arrays of in (in is
 * left released). Returns false (nothing applied, the container stays dirty) when the container
 * had an event after asked_seq or was destroyed after it. Rises of RestartCount are counted
 * too (restarts missed while disconnected): restarts_total = max(events count, RestartCount rises).
 */
bool dk_table_apply_inspect(struct dk_table *t, struct dk_inspect *in, unsigned long asked_seq);

/* The container is gone (inspect answered 404). */
void dk_table_remove(struct dk_table *t, const char *id);

/* Resync: clear every mark; then mark each listed container seen; then drop the containers
 * neither seen nor touched by an event after asked_seq. Returns how many were dropped. */
void dk_table_unmark(struct dk_table *t);
void dk_table_mark_seen(struct dk_table *t, const char *id);
size_t dk_table_sweep(struct dk_table *t, unsigned long asked_seq);

#endif
