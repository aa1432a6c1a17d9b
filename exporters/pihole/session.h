/* session.h: the v6 login state machine: one session per Pi-hole, reused until a 401, backoff on refusals */
#ifndef PIHOLE_SESSION_H
#define PIHOLE_SESSION_H

#include <stdbool.h>
#include "exporters/pihole/model.h"

/*
 * Pi-hole v6 gives 16 seats by default, keeps a session 1800 s after its last use and restores
 * sessions across restarts: a client that logs in again while its old session is still valid
 * leaks a seat, and after 16 leaks nobody (not even the admin) can log in until they expire.
 * So the rules are:
 *   - log in only when there is no session id (first use, or after a 401 on a request that
 *     carried one) and never while a refusal is being backed off;
 *   - a Pi-hole that answers "valid, no sid" needs no password: never log in again;
 *   - wrong password, 2FA required, seats exceeded and rate limiting back off: 60 s, doubled
 *     after each refusal up to 1 h; a network failure or a 5xx does not (no seat was taken);
 *   - the session id is logged out (DELETE /api/auth) on shutdown: ph_session_take_sid().
 * No I/O and no clock: the caller passes now (monotonic seconds). Not thread-safe (one per target).
 */

enum ph_login_result {
	PH_LOGIN_OK = 0,
	PH_LOGIN_WRONG_PASSWORD,
	PH_LOGIN_TOTP_REQUIRED,   /* 2FA is on: use an app password */
	PH_LOGIN_SEATS_EXCEEDED,  /* 429 api_seats_exceeded */
	PH_LOGIN_RATE_LIMITED,    /* 429 rate_limiting */
	PH_LOGIN_ERROR,           /* no answer, a 5xx, or an answer that is not Pi-hole's */
	PH_LOGIN_NRESULTS
};
/* Label values: "ok", "wrong_password", "totp_required", "seats_exceeded", "rate_limited", "error". */
const char *ph_login_result_name(enum ph_login_result r);

enum ph_session_action {
	PH_SESSION_USE,    /* send requests (with the sid when there is one) */
	PH_SESSION_LOGIN,  /* POST /api/auth first */
	PH_SESSION_WAIT,   /* a refusal is being backed off: do not log in, do not send */
};

struct ph_session {
	char *sid;             /* the session id (a credential, wiped on free), NULL = none */
	bool no_auth;          /* the Pi-hole has no password */
	double backoff;        /* seconds of the current backoff; 0 = none */
	double backoff_until;  /* monotonic */
	enum ph_login_result last; /* outcome of the last login attempt (OK before any) */
	unsigned long attempts;    /* logins attempted */
};

void ph_session_init(struct ph_session *s);
/* Wipes and frees the sid. */
void ph_session_release(struct ph_session *s);

/* What to do now. */
enum ph_session_action ph_session_next(const struct ph_session *s, double now);

/*
 * Folds in the answer to POST /api/auth: status is the HTTP status (0 when none came), auth the
 * parsed body or NULL when it did not parse. On success the sid is kept (copied). Returns the
 * classified outcome (count it in pihole_logins_total{result}).
 */
enum ph_login_result ph_session_login_done(struct ph_session *s, long status, const struct ph_auth *auth,
					   double now);

/* A request carrying the sid was answered 401: the session is gone; the next step logs in. */
void ph_session_expired(struct ph_session *s);

/* True while the last login failed (a refusal, or an error) and no login succeeded since. */
bool ph_session_failing(const struct ph_session *s);

/* Hands over the sid (caller wipes and frees with secret_free), leaving none. NULL when none. */
char *ph_session_take_sid(struct ph_session *s);

#endif
