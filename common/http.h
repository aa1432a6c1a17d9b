/* http.h: the HTTP server every homeops binary uses (libmicrohttpd, TLS and basic auth from web config) */
#ifndef HOMEOPS_HTTP_H
#define HOMEOPS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include "common/http_guard.h"
#include "common/strlist.h"

struct webconfig;
struct snapshot_holder;

/*
 * Routes match the request path exactly (or as a prefix when prefix is set). A path with no
 * route answers 404; a method outside a route's methods answers 405 with an Allow header.
 * Authentication happens before the handler:
 *   HTTP_AUTH_WEB     basic auth against web config users when there are any (else open)
 *   HTTP_AUTH_NONE    always open (/-/healthy, /-/ready)
 *   HTTP_AUTH_HANDLER the handler decides (it may call http_req_basic_auth_ok()); used by
 *                     webhook endpoints that take bearer tokens.
 * Client certificates are verified for every route when the web config requires them.
 * Authentication is decided on the request's headers, before any body is read (HTTP_AUTH_WEB, and
 * HTTP_AUTH_HANDLER routes with a preauth callback): an unauthenticated client cannot make the
 * server buffer a body.
 *
 * Connection model (http_guard.h has the details): libmicrohttpd's epoll thread (or thread pool)
 * holds up to max_connections connections (max_connections_per_ip from one address); each request
 * must arrive whole within request_timeout of its connection becoming ready for it, or its socket
 * is shut down (an idle keep-alive connection is closed after request_timeout too); max_requests
 * bounds the requests being served at once (503 beyond). Every response carries
 * X-Content-Type-Options: nosniff, X-Frame-Options: DENY and Referrer-Policy: same-origin; HTML
 * also a Content-Security-Policy without script. With check_host (or allowed_hosts given), a Host
 * header that is not an IP address, a loopback name or an allowed name is answered 421.
 */
enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_DELETE = 1 << 4,
};

enum http_auth {
	HTTP_AUTH_WEB = 0,
	HTTP_AUTH_NONE,
	HTTP_AUTH_HANDLER,
};

struct http_request;

/*
 * A handler must respond exactly once (http_respond*, or http_defer and later
 * http_deferred_respond). Return 0; return -1 to drop the connection without a response.
 * Handlers run on libmicrohttpd's threads and must not block for long unless the server
 * was started with a thread pool.
 */
typedef int (*http_handler_fn)(struct http_request *req, void *arg);

struct http_route {
	const char *path;
	unsigned methods;          /* enum http_method bits; HEAD is implied by GET */
	enum http_auth auth;
	http_handler_fn handler;   /* NULL with snapshot set: serve the snapshot (GET/HEAD) */
	struct snapshot_holder *snapshot;
	void *arg;
	bool prefix;
	/* HTTP_AUTH_HANDLER only, optional: called on the headers before the body is read; false = refused
	 * (it may respond itself; else 401). The handler still runs its own checks afterwards. */
	bool (*preauth)(struct http_request *req, void *arg);
};

struct http_server_options {
	const struct strlist *listen;   /* "[host]:port" entries; ":port" = all addresses */
	struct webconfig *web;          /* NULL = plain HTTP, no users */
	unsigned max_connections;       /* connections held at once; 0 = 512 */
	unsigned max_connections_per_ip; /* from one client address; 0 = unbounded */
	unsigned max_requests;          /* requests being served at once (503 beyond); 0 = unbounded */
	double request_timeout;         /* seconds for a whole request (line, headers, body); 0 = 10 */
	bool check_host;                /* answer 421 to a Host that is not an address, loopback or allowed */
	const struct strlist *allowed_hosts; /* names accepted in Host; non-empty implies check_host */
	unsigned connection_timeout;    /* seconds; 0 = 30 */
	size_t max_body;                /* request body bound; 0 = bodies are refused (413) */
	unsigned threads;               /* 0 or 1: one internal epoll thread; N: thread pool */
	size_t connection_memory;       /* libmicrohttpd's per-connection pool (request headers, reply
					 * header); 0 = 16 KiB. It is zeroed for every request on a
					 * keep-alive connection, so small is fast. */
	const char *server_name;        /* for logs */
};

struct http_server;

/*
 * Binds every listen address and starts serving. Returns NULL with *err set (caller frees)
 * when an address cannot be parsed or bound, or TLS material is rejected.
 */
struct http_server *http_server_start(const struct http_server_options *opt,
				      const struct http_route *routes, size_t nroutes, char **err);
/* Stops accepting new connections (keeps serving those open). */
void http_server_quiesce(struct http_server *srv);
/* Stops serving and frees; in-flight deferred requests are answered 503. */
void http_server_stop(struct http_server *srv);
/* The port actually bound for listen address i (useful with ":0" in tests). */
unsigned http_server_port(const struct http_server *srv, size_t i);

/* Request accessors: valid until the response is queued (or the deferred response sent). */
const char *http_req_method(const struct http_request *req);
const char *http_req_path(const struct http_request *req);
const char *http_req_header(const struct http_request *req, const char *name);
const char *http_req_query(const struct http_request *req, const char *name);
const char *http_req_body(const struct http_request *req, size_t *len);
const char *http_req_remote(const struct http_request *req);   /* "ip:port" */
bool http_req_accepts_gzip(const struct http_request *req);
/* Checks the request's basic auth against web config users (false when there are none, or throttled). */
bool http_req_basic_auth_ok(const struct http_request *req);
/* The same with the throttled case apart (answer it with http_respond_throttled). */
enum http_guard_auth http_req_web_auth(const struct http_request *req, unsigned *retry_after);
/* Parses "Authorization: Basic ..." into newly allocated user and password. Returns 0 or -1. */
int http_req_basic_credentials(const struct http_request *req, char **user, char **password);
/* The bearer token of "Authorization: Bearer ..." or NULL. */
const char *http_req_bearer(const struct http_request *req);

/* Responds with a copy of body. extra_headers: NULL or (name, value) pairs ending with NULL. */
int http_respond(struct http_request *req, unsigned status, const char *content_type,
		 const void *body, size_t len);
int http_respond_headers(struct http_request *req, unsigned status, const char *content_type,
			 const void *body, size_t len, const char *const *extra_headers);
/* Responds 401 with WWW-Authenticate: Basic. */
int http_respond_unauthorized(struct http_request *req);
/* Responds 429 with Retry-After (seconds, 0 = 1). */
int http_respond_throttled(struct http_request *req, unsigned retry_after);
int http_respond_snapshot(struct http_request *req, struct snapshot_holder *h);

/*
 * Suspends the connection so that another thread can answer later (used by the receiver to
 * answer only after a group commit). Exactly one http_deferred_respond() must follow; it is
 * safe from any thread. Request accessors stay valid until then.
 */
struct http_deferred;
struct http_deferred *http_defer(struct http_request *req);
void http_deferred_respond(struct http_deferred *d, unsigned status, const char *content_type,
			   const void *body, size_t len);

#define HTTP_CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define HTTP_CONTENT_TYPE_TEXT "text/plain; charset=utf-8"
#define HTTP_CONTENT_TYPE_HTML "text/html; charset=utf-8"
#define HTTP_CONTENT_TYPE_JSON "application/json"

#endif
