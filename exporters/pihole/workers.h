/* workers.h: one thread per Pi-hole, each collecting on its own schedule; the latest result of each */
#ifndef PIHOLE_WORKERS_H
#define PIHOLE_WORKERS_H

#include <stdbool.h>
#include "exporters/pihole/config.h"
#include "exporters/pihole/target.h"

struct counter_vec;

/*
 * Each target is collected by its own thread every interval, so a Pi-hole that hangs (up to its
 * timeout, on every request) never delays another: the exporter's collection only reads the
 * latest result of each (ph_workers_foreach), and each worker asks for a snapshot refresh
 * (exporter_trigger) when it has a new result. Shutdown (ph_workers_free) stops the workers,
 * cancelling a request in flight, then logs every v6 session out, one Pi-hole after another.
 */
struct ph_workers;

/* cfg and logins are borrowed and outlive the workers. Threads start on the first ph_workers_wait_first(). */
struct ph_workers *ph_workers_new(const struct ph_config *cfg, double interval, struct counter_vec *logins);

/*
 * Starts the threads if needed and waits until every target has a first result, or
 * timeout seconds, or stopping(stop_arg) is true (checked every 100 ms).
 */
void ph_workers_wait_first(struct ph_workers *w, double timeout, bool (*stopping)(void *), void *stop_arg);

/* Calls fn with each target's config and latest result (NULL before its first), under its lock. */
void ph_workers_foreach(struct ph_workers *w,
			void (*fn)(const struct ph_target_cfg *cfg, const struct ph_target_result *res, void *arg),
			void *arg);

/* Stops and joins the threads, logs out (logout_timeout seconds each), frees. NULL is fine. */
void ph_workers_free(struct ph_workers *w, double logout_timeout);

#endif
