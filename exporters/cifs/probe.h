/* probe.h: statfs + one directory entry per mounted share on common/deadline workers, stuck mounts remembered */
#ifndef CIFS_PROBE_H
#define CIFS_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include "common/deadline.h"
#include "exporters/cifs/plan.h"

/* What one probe found. */
struct cifs_probe_result {
	int err;                /* 0, or the errno of the step that failed */
	const char *step;       /* the failed step: "statfs", "opendir", "readdir", "canary", "mountpoint" */
	bool has_statfs;
	double size, free, avail;   /* bytes */
	bool has_entries;
	double entries;         /* CIFS_ACT_UNDERLYING: entries of the local directory ("." and ".." not counted) */
};

/*
 * The blocking calls themselves (they may never return on a dead server: call them on a worker).
 * cifs_probe_mount: statfs(path), then reads canary (a file relative to path, NULL = none: one
 * byte of it) or else one entry of the directory.
 * cifs_probe_underlying: counts the entries of path, unless path turns out to be a mountpoint
 * now (its device differs from its parent's: err EBUSY, step "mountpoint"), so that a share
 * mounted meanwhile is never read as the local directory.
 */
void cifs_probe_mount(const char *path, const char *canary, struct cifs_probe_result *r);
void cifs_probe_underlying(const char *path, struct cifs_probe_result *r);

/* The outcome of a round for one plan entry. */
struct cifs_probe_view {
	bool probed;            /* the entry had an action and took part in the round */
	enum deadline_state state;
	bool fresh;             /* result comes from a call that returned in this round */
	struct cifs_probe_result result;
	double duration;        /* seconds: the call that returned, or how long the stuck call runs */
	bool stuck;             /* its call is blocked past the deadline (TIMEOUT or STUCK) */
};

struct cifs_prober_config {
	double timeout;         /* --cifs.probe-timeout */
	const char *canary;     /* --cifs.canary, NULL or "" = none (copied) */
	size_t max_threads;     /* 0 = 256 */
	bool (*stopping)(void *stop_arg);
	void *stop_arg;
};

struct cifs_prober;
struct cifs_prober *cifs_prober_new(const struct cifs_prober_config *cfg);
/* Never blocks: a stuck probe frees what it holds when (if ever) it returns. NULL is fine. */
void cifs_prober_free(struct cifs_prober *p);
/*
 * One round: probes every entry of plan with an action (one call in flight per mount at most;
 * a mount whose call is stuck is not called again until it returns), waits at most the timeout,
 * and fills views[0..plan->n). The key of a mount is its mountpoint, mount id and source, so a
 * remount is a new mount.
 */
void cifs_prober_run(struct cifs_prober *p, const struct cifs_plan *plan, struct cifs_probe_view *views);
/* Probe calls in flight (= worker threads alive), stuck ones included. */
size_t cifs_prober_in_flight(struct cifs_prober *p);

#endif
