/* http.c: libmicrohttpd server: routing, body bounds, TLS, basic auth, client certs, deferred answers (admission and deadlines: http_guard.c) */
#include "common/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include "common/clock.h"
#include "common/http_guard.h"
#include "common/log.h"
#include "common/secret.h"
#include "common/snapshot.h"
#include "common/strbuf.h"
#include "common/webconfig.h"
#include "common/xalloc.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT_T;
#else
typedef enum MHD_Result MHD_RESULT_T;
#endif

struct http_listener {
	struct MHD_Daemon *daemon;
	int fd;
	unsigned port;
};

struct http_server {
	struct http_route *routes;
	size_t nroutes;
	struct webconfig *web;
	size_t max_body;
	struct http_listener *ls;
	size_t nls;
	pthread_mutex_t lock;             /* guards the deferred list */
	struct http_request *deferred;    /* suspended requests, for stop */
	bool stopping;
	struct http_guard *guard;         /* deadlines, requests in service, Host, password checks */
};

enum http_req_state {
	REQ_NEW = 0,        /* first call seen, collecting the body */
	REQ_DONE,           /* a response was queued */
	REQ_DEFERRED,       /* suspended, waiting for http_deferred_respond */
	REQ_RESUMED,        /* resumed with a response to queue */
	REQ_AUTHING,        /* suspended while the guard's thread runs a bcrypt */
	REQ_AUTHED,         /* resumed with auth_result */
};

struct http_request {
	struct http_server *srv;
	struct MHD_Connection *conn;
	const struct http_route *route;
	const char *method;
	const char *path;
	unsigned early_status;       /* 404/405/413 decided before the body ended */
	struct strbuf body;
	enum http_req_state state;
	struct MHD_Response *deferred_resp;
	unsigned deferred_status;
	struct http_request *next_deferred;
	struct http_guard_conn *gconn;   /* this connection's deadline bookkeeping */
	bool serving;                    /* counted in the requests in service */
	enum http_guard_auth auth_result;   /* the web users' check, once decided (auth_known) */
	bool auth_known;
	unsigned auth_retry;
	char remote[INET6_ADDRSTRLEN + 8];
	char remote_ip[INET6_ADDRSTRLEN];
};

static unsigned http_method_bit(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return HTTP_GET;
	if (strcmp(m, "HEAD") == 0)
		return HTTP_HEAD;
	if (strcmp(m, "POST") == 0)
		return HTTP_POST;
	if (strcmp(m, "PUT") == 0)
		return HTTP_PUT;
	if (strcmp(m, "DELETE") == 0)
		return HTTP_DELETE;
	return 0;
}

static const struct http_route *http_find_route(const struct http_server *srv, const char *path)
{
	for (size_t i = 0; i < srv->nroutes; i++) {
		const struct http_route *r = &srv->routes[i];
		if (r->prefix ? strncmp(path, r->path, strlen(r->path)) == 0 : strcmp(path, r->path) == 0)
			return r;
	}
	return NULL;
}

static void http_add_headers(const struct http_server *srv, struct MHD_Response *resp)
{
	if (!srv->web)
		return;
	for (size_t i = 0; i < srv->web->nheaders; i++)
		MHD_add_response_header(resp, srv->web->headers[i].name, srv->web->headers[i].value);
}

static struct MHD_Response *http_make_response(const struct http_server *srv, const char *content_type,
					       const void *body, size_t len, const char *const *extra)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return NULL;
	if (content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	bool html = content_type && strncmp(content_type, "text/html", 9) == 0;
	for (const char *const *h = http_guard_security_headers(html); *h; h += 2)
		MHD_add_response_header(resp, h[0], h[1]);
	for (const char *const *h = extra; h && h[0] && h[1]; h += 2)
		MHD_add_response_header(resp, h[0], h[1]);
	http_add_headers(srv, resp);
	return resp;
}

static MHD_RESULT_T http_queue(struct http_request *req, unsigned status, const char *content_type,
			       const void *body, size_t len, const char *const *extra)
{
	struct MHD_Response *resp = http_make_response(req->srv, content_type, body, len, extra);
	if (!resp)
		return MHD_NO;
	MHD_RESULT_T r = MHD_queue_response(req->conn, status, resp);
	MHD_destroy_response(resp);
	req->state = REQ_DONE;
	http_guard_conn_received(req->srv->guard, req->gconn);
	return r;
}

static MHD_RESULT_T http_queue_text(struct http_request *req, unsigned status, const char *text,
				    const char *const *extra)
{
	return http_queue(req, status, HTTP_CONTENT_TYPE_TEXT, text, strlen(text), extra);
}

int http_respond_headers(struct http_request *req, unsigned status, const char *content_type,
			 const void *body, size_t len, const char *const *extra_headers)
{
	return http_queue(req, status, content_type, body, len, extra_headers) == MHD_YES ? 0 : -1;
}

int http_respond(struct http_request *req, unsigned status, const char *content_type, const void *body, size_t len)
{
	return http_respond_headers(req, status, content_type, body, len, NULL);
}

int http_respond_unauthorized(struct http_request *req)
{
	static const char *const hdr[] = { MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"homeops\"", NULL };
	return http_queue_text(req, MHD_HTTP_UNAUTHORIZED, "Unauthorized\n", hdr) == MHD_YES ? 0 : -1;
}

int http_respond_snapshot(struct http_request *req, struct snapshot_holder *h)
{
	req->state = REQ_DONE;
	http_guard_conn_received(req->srv->guard, req->gconn);
	return snapshot_queue(h, req->conn, http_req_accepts_gzip(req)) == MHD_YES ? 0 : -1;
}

const char *http_req_method(const struct http_request *req)
{
	return req->method;
}

const char *http_req_path(const struct http_request *req)
{
	return req->path;
}

const char *http_req_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_req_query(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_req_body(const struct http_request *req, size_t *len)
{
	if (len)
		*len = req->body.len;
	return strbuf_cstr(&req->body);
}

const char *http_req_remote(const struct http_request *req)
{
	return req->remote;
}

bool http_req_accepts_gzip(const struct http_request *req)
{
	const char *ae = http_req_header(req, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (!ae)
		return false;
	/* token match: "gzip" not followed by ";q=0" */
	for (const char *p = ae; (p = strstr(p, "gzip")) != NULL; p += 4) {
		bool start = p == ae || p[-1] == ' ' || p[-1] == ',';
		const char *e = p + 4;
		if (!start || (*e && *e != ',' && *e != ';' && *e != ' '))
			continue;
		while (*e == ' ')
			e++;
		if (*e == ';') {
			e++;
			while (*e == ' ')
				e++;
			if (strncmp(e, "q=0", 3) == 0 && (e[3] == '\0' || e[3] == ',' || (e[3] == '.' && strspn(e + 4, "0") > 0 && (e[4 + strspn(e + 4, "0")] == '\0' || e[4 + strspn(e + 4, "0")] == ','))))
				return false;
		}
		return true;
	}
	return false;
}

static int http_b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes standard base64 (padding optional); returns -1 on invalid input. */
static int http_b64_decode(const char *in, struct strbuf *out)
{
	unsigned acc = 0;
	int bits = 0;
	for (const char *p = in; *p; p++) {
		if (*p == '=') {
			for (const char *q = p; *q; q++)
				if (*q != '=')
					return -1;
			break;
		}
		int v = http_b64_value((unsigned char)*p);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addch(out, (int)((acc >> bits) & 0xff));
		}
	}
	return 0;
}

int http_req_basic_credentials(const struct http_request *req, char **user, char **password)
{
	const char *h = http_req_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	struct strbuf dec = STRBUF_INIT;
	char *colon;

	*user = *password = NULL;
	if (!h || strncasecmp(h, "Basic ", 6) != 0)
		return -1;
	h += 6;
	while (*h == ' ')
		h++;
	if (strlen(h) > 4096 || http_b64_decode(h, &dec) < 0 || !dec.buf ||
	    memchr(dec.buf, '\0', dec.len) || !(colon = strchr(dec.buf, ':'))) {
		strbuf_release(&dec);
		return -1;
	}
	*colon = '\0';
	*user = xstrdup(dec.buf);
	*password = xstrdup(colon + 1);
	secret_wipe(dec.buf, dec.len);
	strbuf_release(&dec);
	return 0;
}

enum http_guard_auth http_req_web_auth(const struct http_request *req, unsigned *retry_after)
{
	char *user = NULL, *password = NULL;
	enum http_guard_auth res = HTTP_GUARD_AUTH_DENIED;
	if (retry_after)
		*retry_after = 0;
	if (!req->srv->web || req->srv->web->nusers == 0)
		return HTTP_GUARD_AUTH_DENIED;
	if (req->auth_known) {
		if (retry_after)
			*retry_after = req->auth_retry;
		return req->auth_result;
	}
	if (http_req_basic_credentials(req, &user, &password) == 0)
		res = http_guard_check_user(req->srv->guard, req->srv->web, user, password, req->remote_ip, retry_after);
	if (password)
		secret_wipe(password, strlen(password));
	free(user);
	free(password);
	return res;
}

bool http_req_basic_auth_ok(const struct http_request *req)
{
	return http_req_web_auth(req, NULL) == HTTP_GUARD_AUTH_OK;
}

int http_respond_throttled(struct http_request *req, unsigned retry_after)
{
	char ra[16];
	snprintf(ra, sizeof(ra), "%u", retry_after ? retry_after : 1);
	const char *hdr[] = { MHD_HTTP_HEADER_RETRY_AFTER, ra, NULL };
	return http_queue_text(req, MHD_HTTP_TOO_MANY_REQUESTS, "Too Many Requests: authentication is backed off\n", hdr) ==
			       MHD_YES
		       ? 0
		       : -1;
}

const char *http_req_bearer(const struct http_request *req)
{
	const char *h = http_req_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

/* Enforces client_auth_type for this connection. Returns true when the request may proceed. */
static bool http_client_cert_ok(struct http_request *req)
{
	const struct webconfig *wc = req->srv->web;
	if (!wc || !wc->tls || wc->client_auth == WEB_CLIENT_NONE || wc->client_auth == WEB_CLIENT_REQUEST)
		return true;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return false;
	gnutls_session_t session = (gnutls_session_t)ci->tls_session;
	unsigned int n = 0;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
	bool given = peers && n > 0;
	if (!given)
		return wc->client_auth == WEB_CLIENT_VERIFY_IF_GIVEN;
	if (wc->client_auth == WEB_CLIENT_REQUIRE_ANY)
		return true;
	unsigned int status = 0;
	if (gnutls_certificate_verify_peers2(session, &status) < 0 || status != 0)
		return false;
	return true;
}

/* The guard's thread finished the bcrypt of a suspended request. */
/* True when the request announces a body (a Content-Length other than 0, or a Transfer-Encoding). */
static bool http_req_has_body(struct http_request *req)
{
	const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	return te || (cl && strspn(cl, "0 \t") != strlen(cl));
}

static void http_auth_done(void *arg, enum http_guard_auth res)
{
	struct http_request *req = arg;
	req->auth_result = res;
	req->auth_known = true;
	req->state = REQ_AUTHED;
	http_guard_conn_hold(req->srv->guard, req->gconn, false, clock_mono());
	MHD_resume_connection(req->conn);
}

/*
 * Authentication decided from the headers alone, before any body is read. Returns true to go on;
 * false with *ret when answered, or suspended (state REQ_AUTHING) while a bcrypt runs elsewhere.
 */
static bool http_preauth(struct http_request *req, MHD_RESULT_T *ret)
{
	const struct http_route *r = req->route;
	bool web = req->srv->web && req->srv->web->nusers > 0;
	int rc = 0;
	if (web && !req->auth_known && (r->auth == HTTP_AUTH_WEB || (r->auth == HTTP_AUTH_HANDLER && r->preauth))) {
		/* the web users' check first, for handler routes too: its bcrypt must not run on this thread */
		char *user = NULL, *password = NULL;
		struct http_guard_auth_job *job = NULL;
		enum http_guard_auth a = HTTP_GUARD_AUTH_DENIED;
		if (http_req_basic_credentials(req, &user, &password) == 0)
			a = http_guard_auth_begin(req->srv->guard, req->srv->web, user, password, req->remote_ip,
						  &req->auth_retry, &job);
		if (password)
			secret_wipe(password, strlen(password));
		free(user);
		free(password);
		if (a == HTTP_GUARD_AUTH_PENDING) {
			/* the bcrypt runs on the guard's thread; this thread goes on serving the others. A
			 * request without a body has arrived whole: the check's time is the server's, off the
			 * request deadline (else a check slower than it is cut unanswered) */
			if (!http_req_has_body(req))
				http_guard_conn_received(req->srv->guard, req->gconn);
			req->state = REQ_AUTHING;
			http_guard_conn_hold(req->srv->guard, req->gconn, true, clock_mono());
			MHD_suspend_connection(req->conn);
			http_guard_auth_submit(req->srv->guard, job, http_auth_done, req);
			*ret = MHD_YES;
			return false;
		}
		req->auth_result = a;
		req->auth_known = true;
	}
	if (r->auth == HTTP_AUTH_WEB && web) {
		if (req->auth_result == HTTP_GUARD_AUTH_OK)
			return true;
		rc = req->auth_result == HTTP_GUARD_AUTH_THROTTLED ? http_respond_throttled(req, req->auth_retry)
								    : http_respond_unauthorized(req);
	} else if (r->auth == HTTP_AUTH_HANDLER && r->preauth) {
		if (r->preauth(req, r->arg))
			return true;
		if (req->state == REQ_NEW)
			rc = req->auth_known && req->auth_result == HTTP_GUARD_AUTH_THROTTLED
				     ? http_respond_throttled(req, req->auth_retry)
				     : http_respond_unauthorized(req);
	} else {
		return true;
	}
	*ret = rc == 0 ? MHD_YES : MHD_NO;
	return false;
}

static MHD_RESULT_T http_dispatch(struct http_request *req)
{
	const struct http_route *r = req->route;
	http_guard_conn_received(req->srv->guard, req->gconn);
	if (!http_guard_serve_begin(req->srv->guard)) {
		static const char *const hdr[] = { MHD_HTTP_HEADER_RETRY_AFTER, "1", NULL };
		return http_queue_text(req, MHD_HTTP_SERVICE_UNAVAILABLE, "Too many requests in service\n", hdr);
	}
	req->serving = true;
	if (!r->handler) {
		req->state = REQ_DONE;
		return snapshot_queue(r->snapshot, req->conn, http_req_accepts_gzip(req));
	}
	if (r->handler(req, r->arg) < 0)
		return MHD_NO;
	if (req->state == REQ_NEW) {
		log_error("http", "handler did not respond", "path", req->path);
		return http_queue_text(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "Internal Server Error\n", NULL);
	}
	return MHD_YES;
}

static void http_allow_header(const struct http_route *r, char *buf, size_t n)
{
	static const struct { unsigned bit; const char *name; } m[] = {
		{ HTTP_GET, "GET" }, { HTTP_HEAD, "HEAD" }, { HTTP_POST, "POST" }, { HTTP_PUT, "PUT" }, { HTTP_DELETE, "DELETE" },
	};
	unsigned methods = r->methods | ((r->methods & HTTP_GET) ? HTTP_HEAD : 0);
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (!(methods & m[i].bit))
			continue;
		int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", m[i].name);
		if (w > 0 && (size_t)w < n - used)
			used += (size_t)w;
	}
}

/* Answers the status decided before the body (413, 404 or 405 with its Allow header). */
static MHD_RESULT_T http_queue_early(struct http_request *req)
{
	if (req->early_status == MHD_HTTP_CONTENT_TOO_LARGE)
		return http_queue_text(req, MHD_HTTP_CONTENT_TOO_LARGE, "Request body too large\n", NULL);
	if (req->early_status == MHD_HTTP_NOT_FOUND)
		return http_queue_text(req, MHD_HTTP_NOT_FOUND, "Not Found\n", NULL);
	char allow[64];
	http_allow_header(req->route, allow, sizeof(allow));
	const char *hdr[] = { MHD_HTTP_HEADER_ALLOW, allow, NULL };
	return http_queue_text(req, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed\n", hdr);
}

static void http_fill_remote(struct http_request *req)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
			inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
			port = ntohs(in->sin_port);
		} else if (sa->sa_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
			port = ntohs(in6->sin6_port);
		}
	}
	snprintf(req->remote, sizeof(req->remote), "%s:%u", host, port);
	snprintf(req->remote_ip, sizeof(req->remote_ip), "%s", host);
}

static MHD_RESULT_T http_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;
	(void)version;

	if (!req) {
		/* First call: decide what we can, but queue nothing yet (that would force Connection: close). */
		req = xcalloc(1, sizeof(*req));
		req->srv = srv;
		req->conn = conn;
		req->method = method;
		req->path = url;
		http_fill_remote(req);
		*con_cls = req;
		if (!http_client_cert_ok(req)) {
			log_debug("http", "client certificate rejected", "remote", req->remote);
			return MHD_NO;
		}
		const union MHD_ConnectionInfo *sc = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		req->gconn = sc ? sc->socket_context : NULL;
		if (!http_guard_host_ok(srv->guard, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)))
			return http_queue_text(req, 421, "Misdirected Request: this Host is not served here "
							 "(see --web.allowed-host)\n", NULL);
		req->route = http_find_route(srv, url);
		unsigned bit = http_method_bit(method);
		if (!req->route) {
			req->early_status = MHD_HTTP_NOT_FOUND;
		} else {
			unsigned allowed = req->route->methods | ((req->route->methods & HTTP_GET) ? HTTP_HEAD : 0);
			if (!req->route->handler)
				allowed = HTTP_GET | HTTP_HEAD;
			if (!(bit & allowed))
				req->early_status = MHD_HTTP_METHOD_NOT_ALLOWED;
		}
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > srv->max_body) {
			/* a body too large to take: answered before it is read (the connection then closes), so
			 * a body announced and never sent does not hold the connection unanswered until the deadline */
			if (req->early_status)
				return http_queue_early(req);
			return http_queue_text(req, MHD_HTTP_CONTENT_TOO_LARGE, "Request body too large\n", NULL);
		}
		MHD_RESULT_T ret = MHD_YES;
		if (!req->early_status && !http_preauth(req, &ret))
			return ret;
		return MHD_YES;
	}

	if (req->state == REQ_AUTHED) {
		/* resumed after the bcrypt: decide as on the first call, now with the result known */
		MHD_RESULT_T ret = MHD_YES;
		req->state = REQ_NEW;
		if (!http_preauth(req, &ret)) {
			*upload_data_size = 0;
			return ret;
		}
	}
	if (req->state == REQ_RESUMED) {
		MHD_RESULT_T r = MHD_queue_response(conn, req->deferred_status, req->deferred_resp);
		MHD_destroy_response(req->deferred_resp);
		req->deferred_resp = NULL;
		req->state = REQ_DONE;
		return r;
	}
	if (req->state != REQ_NEW) {
		*upload_data_size = 0;   /* deferred (spurious call) or already answered: drop further body */
		return MHD_YES;
	}

	if (*upload_data_size) {
		if (!req->early_status) {
			if (req->body.len + *upload_data_size > srv->max_body) {
				/* libmicrohttpd takes no response while a body is arriving: drop the rest (the
				 * request deadline bounds it) and answer 413 once it has ended */
				req->early_status = MHD_HTTP_CONTENT_TOO_LARGE;
				size_t had = req->body.alloc;
				strbuf_release(&req->body);
				http_guard_body_freed(had);
				*upload_data_size = 0;
				return MHD_YES;
			}
			strbuf_add(&req->body, upload_data, *upload_data_size);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (req->early_status)
		return http_queue_early(req);
	return http_dispatch(req);
}

static void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_request *req = *con_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (!req)
		return;
	if (req->deferred_resp)
		MHD_destroy_response(req->deferred_resp);
	if (req->serving)
		http_guard_serve_end(req->srv->guard);
	http_guard_conn_idle(req->srv->guard, req->gconn, clock_mono());
	size_t body_len = req->body.alloc;
	strbuf_release(&req->body);
	http_guard_body_freed(body_len);
	free(req);
	*con_cls = NULL;
}

struct http_deferred *http_defer(struct http_request *req)
{
	struct http_server *srv = req->srv;
	pthread_mutex_lock(&srv->lock);
	req->state = REQ_DEFERRED;
	req->next_deferred = srv->deferred;
	srv->deferred = req;
	pthread_mutex_unlock(&srv->lock);
	MHD_suspend_connection(req->conn);
	return (struct http_deferred *)req;
}

/* Removes req from the deferred list. Returns false when it was not there (already answered). */
static bool http_deferred_take(struct http_server *srv, struct http_request *req)
{
	for (struct http_request **pp = &srv->deferred; *pp; pp = &(*pp)->next_deferred) {
		if (*pp == req) {
			*pp = req->next_deferred;
			return true;
		}
	}
	return false;
}

void http_deferred_respond(struct http_deferred *d, unsigned status, const char *content_type,
			   const void *body, size_t len)
{
	struct http_request *req = (struct http_request *)d;
	struct http_server *srv = req->srv;
	struct MHD_Response *resp = http_make_response(srv, content_type, body, len, NULL);

	pthread_mutex_lock(&srv->lock);
	bool mine = http_deferred_take(srv, req);
	if (mine) {
		req->deferred_resp = resp;
		req->deferred_status = status;
		req->state = REQ_RESUMED;
		resp = NULL;
		MHD_resume_connection(req->conn);
	}
	pthread_mutex_unlock(&srv->lock);
	if (resp)
		MHD_destroy_response(resp);
}

/* Parses "[v6]:port", "host:port" or ":port". Returns 0 or -1. */
static int http_split_address(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon;
	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');
		if (!end || end[1] != ':' || (size_t)(end - addr - 1) >= hostlen)
			return -1;
		memcpy(host, addr + 1, (size_t)(end - addr - 1));
		host[end - addr - 1] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || (size_t)(colon - addr) >= hostlen)
			return -1;
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = '\0';
		if (strchr(host, ':'))
			return -1;   /* bare IPv6 needs brackets */
	}
	if (!colon[1] || strlen(colon + 1) >= portlen || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	snprintf(port, portlen, "%s", colon + 1);
	return 0;
}

static int http_listen_socket(const char *addr, char **err)
{
	char host[256], port[16];
	struct addrinfo hints, *res = NULL;
	int fd = -1;
	int one = 1;

	if (http_split_address(addr, host, sizeof(host), port, sizeof(port)) < 0) {
		*err = xasprintf("invalid listen address '%s' (expected host:port, [ipv6]:port or :port)", addr);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (!*host) {
		/* all addresses: an IPv6 socket that also takes IPv4, else plain IPv4 */
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			struct sockaddr_in6 sa6;
			int zero = 0;
			memset(&sa6, 0, sizeof(sa6));
			sa6.sin6_family = AF_INET6;
			sa6.sin6_port = htons((uint16_t)atoi(port));
			sa6.sin6_addr = in6addr_any;
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
			if (bind(fd, (struct sockaddr *)&sa6, sizeof(sa6)) == 0 && listen(fd, 256) == 0)
				return fd;
			close(fd);
		}
		snprintf(host, sizeof(host), "0.0.0.0");
	}
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		*err = xasprintf("cannot resolve listen address '%s': %s", addr, gai_strerror(gai));
		return -1;
	}
	int saved = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 256) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		*err = xasprintf("cannot listen on '%s': %s", addr, strerror(saved));
	return fd;
}

static unsigned http_socket_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_debug("http", "libmicrohttpd", "detail", buf);
}

/* Connection accepted / closed: the request deadline's bookkeeping (closed comes before libmicrohttpd closes the fd). */
static void http_notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
				   enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci ? http_guard_conn_started(srv->guard, ci->connect_fd, clock_mono()) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		http_guard_conn_closed(srv->guard, *socket_context);
		*socket_context = NULL;
	}
}

static char *http_tls_priorities(const struct webconfig *wc)
{
	int min = wc->min_version ? wc->min_version : 12;
	int max = wc->max_version ? wc->max_version : 13;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "NORMAL:-VERS-ALL");
	for (int v = min; v <= max; v++)
		strbuf_addf(&sb, ":+VERS-TLS1.%d", v - 10);
	return strbuf_detach(&sb, NULL);
}

struct http_server *http_server_start(const struct http_server_options *opt, const struct http_route *routes,
				      size_t nroutes, char **err)
{
	struct http_server *srv = xcalloc(1, sizeof(*srv));
	char *prio = NULL;

	*err = NULL;
	srv->routes = xcalloc(nroutes ? nroutes : 1, sizeof(*routes));
	memcpy(srv->routes, routes, nroutes * sizeof(*routes));
	srv->nroutes = nroutes;
	srv->web = opt->web;
	srv->max_body = opt->max_body;
	pthread_mutex_init(&srv->lock, NULL);
	struct http_guard_options go = {
		.request_timeout = opt->request_timeout > 0 ? opt->request_timeout : 10,
		.max_requests = opt->max_requests,
		.check_host = opt->check_host || (opt->allowed_hosts && opt->allowed_hosts->n > 0),
		.allowed_hosts = opt->allowed_hosts,
	};
	srv->guard = http_guard_new(&go);
	if (http_guard_start(srv->guard) != 0) {
		*err = xstrdup("cannot start the HTTP request deadline thread");
		goto fail;
	}
	if (!opt->listen || opt->listen->n == 0) {
		*err = xstrdup("no listen address");
		goto fail;
	}
	srv->ls = xcalloc(opt->listen->n, sizeof(*srv->ls));
	if (srv->web && srv->web->tls)
		prio = http_tls_priorities(srv->web);

	for (size_t i = 0; i < opt->listen->n; i++) {
		const char *addr = opt->listen->items[i];
		struct http_listener *l = &srv->ls[i];
		int fd = http_listen_socket(addr, err);
		if (fd < 0)
			goto fail;
		l->fd = fd;
		l->port = http_socket_port(fd);
		srv->nls = i + 1;

		unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
				 MHD_USE_ERROR_LOG;
		struct MHD_OptionItem o[20];
		size_t n = 0;
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, fd, NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
						  opt->max_connections ? opt->max_connections : 512, NULL };
		if (opt->max_connections_per_ip)
			o[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, opt->max_connections_per_ip,
							  NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)http_notify_connection, srv };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
						  opt->connection_timeout ? opt->connection_timeout : 30, NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_completed, NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)http_mhd_log, NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT,
						  (intptr_t)(opt->connection_memory ? opt->connection_memory : 16 * 1024),
						  NULL };
		if (opt->threads > 1)
			o[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, opt->threads, NULL };
		if (prio) {
			flags |= MHD_USE_TLS;
			o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, srv->web->cert_pem };
			o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, srv->web->key_pem };
			o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, prio };
			if (srv->web->client_ca_pem)
				o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, srv->web->client_ca_pem };
		}
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

		l->daemon = MHD_start_daemon(flags, 0, NULL, NULL, http_access, srv, MHD_OPTION_ARRAY, o, MHD_OPTION_END);
		if (!l->daemon) {
			*err = xasprintf("cannot start the HTTP server on '%s'%s", addr,
					 prio ? " (check the TLS certificate and key)" : "");
			goto fail;
		}
		log_info("http", "listening", "address", addr, "tls", prio ? "true" : "false");
	}
	free(prio);
	return srv;
fail:
	free(prio);
	http_server_stop(srv);
	return NULL;
}

unsigned http_server_port(const struct http_server *srv, size_t i)
{
	return i < srv->nls ? srv->ls[i].port : 0;
}

void http_server_quiesce(struct http_server *srv)
{
	for (size_t i = 0; srv && i < srv->nls; i++) {
		if (srv->ls[i].daemon) {
			MHD_socket s = MHD_quiesce_daemon(srv->ls[i].daemon);
			if (s != MHD_INVALID_SOCKET && s == srv->ls[i].fd) {
				close(s);
				srv->ls[i].fd = -1;
			}
		}
	}
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	/* A request suspended for its bcrypt is resumed first; then answer everything still deferred. */
	http_guard_drain(srv->guard);
	/* Answer everything still suspended, so libmicrohttpd can close those connections. */
	for (;;) {
		pthread_mutex_lock(&srv->lock);
		struct http_request *req = srv->deferred;
		pthread_mutex_unlock(&srv->lock);
		if (!req)
			break;
		static const char msg[] = "shutting down\n";
		http_deferred_respond((struct http_deferred *)req, MHD_HTTP_SERVICE_UNAVAILABLE, HTTP_CONTENT_TYPE_TEXT,
				      msg, sizeof(msg) - 1);
	}
	for (size_t i = 0; i < srv->nls; i++) {
		/* A running daemon owns its listen socket and closes it (unless quiesced, see above). */
		if (srv->ls[i].daemon)
			MHD_stop_daemon(srv->ls[i].daemon);
		else if (srv->ls[i].fd >= 0)
			close(srv->ls[i].fd);
	}
	pthread_mutex_destroy(&srv->lock);
	http_guard_free(srv->guard);
	free(srv->ls);
	free(srv->routes);
	free(srv);
}
