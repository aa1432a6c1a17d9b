/* collect.h: the disks' reads on common/deadline workers (one hung disk costs one thread), folded and rendered */
#ifndef HOMEOPS_SMART_COLLECT_H
#define HOMEOPS_SMART_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include "exporters/smart/device.h"
#include "exporters/smart/discover.h"

struct metric_set;

/* How one target is read: smart_device_read() in the exporter, a stand-in in tests. */
typedef void (*smart_read_fn)(const struct smart_target *t, const struct smart_read_opts *o,
			      struct smart_read_result *res);

struct smart_collector_config {
	double interval;              /* seconds between reads of a disk (see smart_collector_note_hotplug) */
	double timeout;               /* seconds a round waits for each read */
	struct smart_read_opts read;  /* passed to read_fn (save_dir is copied) */
	smart_read_fn read_fn;        /* NULL = smart_device_read */
	bool (*stopping)(void *stop_arg); /* optional: stop waiting for reads when it returns true */
	void *stop_arg;
};

struct smart_collector;

/* Returns a new collector (never NULL). */
struct smart_collector *smart_collector_new(const struct smart_collector_config *cfg);

/*
 * Drops the collector. Reads still stuck in the kernel keep their own references and free
 * what is left when (if ever) they return, so this never blocks.
 */
void smart_collector_free(struct smart_collector *c);

/*
 * One collection round over targets (copied; the registry follows the list: new names are
 * added, missing ones dropped):
 *  - every disk with no read in flight gets a detached worker thread (after a hotplug note:
 *    only new disks and those whose last read is nearly an interval old);
 *  - the round waits until those reads finish or `timeout` seconds pass, whichever is first
 *    (or until cfg->stopping(stop_arg) says the process is shutting down);
 *  - a read past the deadline is reported up 0 / "timeout"; the disk is then skipped
 *    ("stuck") in later rounds until its read returns, so one hung disk costs one thread, not
 *    the other disks or the scrape (node_exporter's stuckMountWatcher);
 *  - all disks are rendered into ms (smart_render).
 * Called from one thread at a time.
 */
void smart_collector_run(struct smart_collector *c, const struct smart_target *targets, size_t n,
			 struct metric_set *ms);

/*
 * Marks the next round as caused by a disk being added or removed (safe from any thread): it
 * then reads the new disks only, not every disk again. Interval and SIGHUP rounds read all.
 */
void smart_collector_note_hotplug(struct smart_collector *c);

/* Reads in flight, including stuck ones (for tests and the log). */
size_t smart_collector_in_flight(struct smart_collector *c);

#endif
