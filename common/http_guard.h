/* http_guard.h: admission control and deadlines for common/http: request deadlines, requests in service, Host check, throttled password checks, security headers */
#ifndef HOMEOPS_HTTP_GUARD_H
#define HOMEOPS_HTTP_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include "common/strlist.h"

/*
 * The connection model (see also common/http.h):
 *  - connections held and requests served are separate bounds: libmicrohttpd's epoll thread holds
 *    up to --web.max-connections cheap connections (small memory pool each), at most
 *    --web.max-connections-per-ip from one client address;
 *  - every request must arrive whole (request line, headers and body) within
 *    --web.request-timeout of the moment its connection became ready for it (accepted, or the
 *    previous response on a keep-alive connection sent); a sweeper thread shuts down the socket of
 *    a connection that is late, so one byte now and then cannot keep a slot;
 *  - a connection whose peer shuts its side (FIN) before its request arrived whole is closed
 *    HTTP_GUARD_HALF_CLOSE_GRACE after that (or after the server's last step on it), once
 *    everything it sent has been read: no more of the request can come, so it does not keep its
 *    slot until the deadline (libmicrohttpd 0.9.75 misses such a FIN, see http_guard.c);
 *  - at most --web.max-requests requests are being served at once (handlers running or answers
 *    deferred); more are answered 503 at once;
 *  - password checks: a cached success costs no bcrypt; unknown user names and cached failures are
 *    refused without bcrypt; at most one bcrypt runs at a time (the others are answered 429 with
 *    Retry-After); a client address that failed more than HTTP_GUARD_FREE_FAILURES times (in 10
 *    minutes) is backed off (429) for a time that starts at 0.5 s and doubles with every further
 *    failure (up to HTTP_GUARD_BACKOFF_MAX seconds) — a valid cached credential is still
 *    accepted during that time, so a flood from one address does not lock out its scraper.
 */

#define HTTP_GUARD_BACKOFF_MAX 30.0
#define HTTP_GUARD_FREE_FAILURES 3
#define HTTP_GUARD_HALF_CLOSE_GRACE 1.0

struct webconfig;
struct http_guard;
struct http_guard_conn;

struct http_guard_options {
	double request_timeout;               /* seconds; 0 = no deadline */
	unsigned max_requests;                /* requests in service at once; 0 = unbounded */
	bool check_host;                      /* refuse a Host that is neither an address, loopback nor allowed */
	const struct strlist *allowed_hosts;  /* extra names accepted in Host (case-insensitive) */
};

struct http_guard *http_guard_new(const struct http_guard_options *o);
/* Starts the sweeper thread (request deadlines, half-closed requests, held-back trims). Returns 0 or -1. */
int http_guard_start(struct http_guard *g);
/* Waits until no bcrypt is pending or running (its done callback has returned): before stopping the server. */
void http_guard_drain(struct http_guard *g);
void http_guard_free(struct http_guard *g);

/* Connection bookkeeping: started on accept (fd = the connection's socket), closed before the fd is closed. */
struct http_guard_conn *http_guard_conn_started(struct http_guard *g, int fd, double now);
void http_guard_conn_closed(struct http_guard *g, struct http_guard_conn *c);
/* The request arrived whole (or was answered early): it is off the deadline. */
void http_guard_conn_received(struct http_guard *g, struct http_guard_conn *c);
/* The server holds the connection (held: a password check runs) or lets it go again at now: while held,
 * a half-closed request is not closed (the request deadline still applies while a body is due). */
void http_guard_conn_hold(struct http_guard *g, struct http_guard_conn *c, bool held, double now);
/* The response was sent: the deadline restarts for the next request on this connection. */
void http_guard_conn_idle(struct http_guard *g, struct http_guard_conn *c, double now);
/* Notes the peers seen shutting their side (waits up to timeout_ms for one; 0 = does not wait) at time
 * now (< 0: when the wait ended); returns how many. The sweeper thread waits here. */
size_t http_guard_collect(struct http_guard *g, int timeout_ms, double now);
/* Shuts down every connection whose request is late at time now, or whose peer shut its side with its
 * request incomplete (noted by http_guard_collect HTTP_GUARD_HALF_CLOSE_GRACE ago); returns how many. */
size_t http_guard_sweep(struct http_guard *g, double now);
/* Connections tracked and connections cut so far (for tests and logs). */
size_t http_guard_connections(struct http_guard *g);
size_t http_guard_cut_total(struct http_guard *g);
size_t http_guard_half_closed_total(struct http_guard *g);   /* of those, closed for a half-closed request */

/* Requests in service: begin returns false (answer 503) when max_requests are being served. */
bool http_guard_serve_begin(struct http_guard *g);
void http_guard_serve_end(struct http_guard *g);

/* True when host (a Host header value, with or without port; NULL = none sent) may be served. */
bool http_guard_host_ok(const struct http_guard *g, const char *host);

enum http_guard_auth {
	HTTP_GUARD_AUTH_OK,
	HTTP_GUARD_AUTH_DENIED,      /* answer 401 */
	HTTP_GUARD_AUTH_THROTTLED,   /* answer 429 with Retry-After */
	HTTP_GUARD_AUTH_PENDING,     /* http_guard_auth_begin only: a bcrypt is needed, the slot is reserved */
};

/*
 * Checks user/password against wc's users as described above; remote is the client address (no
 * port). *retry_after (may be NULL) receives whole seconds to wait when THROTTLED. Thread-safe.
 * Runs the bcrypt (when one is needed and the slot is free) on the calling thread.
 */
enum http_guard_auth http_guard_check_user(struct http_guard *g, struct webconfig *wc, const char *user,
					   const char *password, const char *remote, unsigned *retry_after);

/*
 * The same in two steps, so that the bcrypt runs off the HTTP thread: begin decides everything that
 * needs no bcrypt; PENDING returns *job (the one bcrypt slot reserved), which the caller must pass
 * to http_guard_auth_submit: done(arg, OK or DENIED) is then called once from the guard's thread.
 * Returns 0; -1 when the thread could not start (done was then called on the caller's thread).
 */
struct http_guard_auth_job;
enum http_guard_auth http_guard_auth_begin(struct http_guard *g, struct webconfig *wc, const char *user,
					   const char *password, const char *remote, unsigned *retry_after,
					   struct http_guard_auth_job **job);
int http_guard_auth_submit(struct http_guard *g, struct http_guard_auth_job *job,
			   void (*done)(void *arg, enum http_guard_auth res), void *arg);
/* bcrypt computations done so far (tests: an unknown user name or a cached failure adds none). */
unsigned long http_guard_bcrypt_total(struct http_guard *g);

/*
 * Headers every response carries: (name, value) pairs ending with NULL. With html, the
 * Content-Security-Policy of the pages (no script, inline style, forms to the same origin, no framing).
 */
const char *const *http_guard_security_headers(bool html);

/* Call after a request body of len bytes was freed: gives memory back to the system after large bodies (rate-limited). */
void http_guard_body_freed(size_t len);

#endif
