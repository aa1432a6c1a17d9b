/* render.h: SnapRAID models to Prometheus metric families (all snapraid_* names live in render.c) */
#ifndef SNAPRAID_RENDER_H
#define SNAPRAID_RENDER_H

#include <stdbool.h>
#include "exporters/snapraid/parse.h"

struct metric_set;

/*
 * Each function adds its families to ms. Values the model does not have (NaN) are left out,
 * never rendered as 0. Nothing is kept; the models stay owned by the caller.
 */

/* snapraid_busy: 1 while another SnapRAID process holds the array lock. */
void sr_render_busy(struct metric_set *ms, bool busy);

/*
 * The status values: array totals, per disk {disk}, parity levels {parity}, scrub ages, sync,
 * rehash and error state, and snapraid_status_timestamp_seconds = timestamp (when this status
 * was taken: it is older than the collection while the array is busy).
 */
void sr_render_status(struct metric_set *ms, const struct sr_status *st, double timestamp);

/*
 * The newest log of one command (--snapraid.log-glob): snapraid_last_run_timestamp_seconds,
 * _success and _errors{kind} with {command}, and the diff counts for a diff log.
 * timestamp is when the run started; success is decided by the caller (an incomplete log is a
 * run in progress or an interrupted one).
 */
void sr_render_run(struct metric_set *ms, const struct sr_run *run, double timestamp, bool success);

/*
 * SMART: snapraid_smart_up (the last `snapraid smart` succeeded), and when sm is not NULL its
 * per-device values {disk,device,serial} and snapraid_smart_timestamp_seconds = timestamp.
 */
void sr_render_smart(struct metric_set *ms, bool up, const struct sr_smart *sm, double timestamp);

#endif
