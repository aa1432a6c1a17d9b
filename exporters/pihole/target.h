/* target.h: one Pi-hole's collection over its own kept HTTP handle: login, API reads, DNS probe, logout */
#ifndef PIHOLE_TARGET_H
#define PIHOLE_TARGET_H

#include <stdbool.h>
#include "exporters/pihole/config.h"
#include "exporters/pihole/dnsprobe.h"
#include "exporters/pihole/model.h"
#include "exporters/pihole/session.h"

struct counter_vec;

/*
 * A target sends one request at a time (FTL v6.5 and v6.6.1 crash under parallel API
 * requests), each with the target's timeout, over one libcurl handle that keeps its connection.
 * Not thread-safe: one thread collects a target.
 */
struct ph_target;

/* What one collection found. Owned by the caller: ph_target_result_release(). */
struct ph_target_result {
	bool ok;                   /* the API answered and the login holds */
	char reason[24];           /* when !ok: "connect", "timeout", "http", "tls", "auth", "login_backoff", "parse", ... */
	char *message;             /* detail for the log, or NULL */
	double duration;           /* seconds */
	double finished;           /* clock_real() when it ended */
	bool has_stats;
	struct ph_stats stats;     /* what was read (also when a later request failed) */
	bool probed;
	struct ph_dns_probe_result probe;
	bool login_failing;        /* the last login attempt failed */
	enum ph_login_result login_last;
};
void ph_target_result_release(struct ph_target_result *r);

/*
 * cfg is borrowed (lives longer than the target); logins (borrowed, may be NULL) counts
 * pihole_logins_total{hostname,result}; cancel_fd (>= 0, or -1) stops a request in flight.
 */
struct ph_target *ph_target_new(const struct ph_target_cfg *cfg, struct counter_vec *logins, int cancel_fd);
/* Frees the target (without logging out: call ph_target_logout() first). NULL is fine. */
void ph_target_free(struct ph_target *t);

/* One collection into *out (initialised here). */
void ph_target_collect(struct ph_target *t, struct ph_target_result *out);

/* DELETE /api/auth for a held session (v6), with timeout seconds and no cancel; frees the seat. */
void ph_target_logout(struct ph_target *t, double timeout);

#endif
