/* httpclient.h: libcurl client for HTTP(S) and SMTP(S): one request in, one result out, a kept handle per target */
#ifndef HOMEOPS_HTTPCLIENT_H
#define HOMEOPS_HTTPCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include "common/strbuf.h"

/*
 * One handle per target (a Pi-hole, the Docker socket, a notifier): it keeps its connections
 * open between requests, so a target polled every 15 s does one TCP connect and one TLS
 * handshake, not one per request. A handle serves one request at a time (not thread-safe);
 * use one handle per thread. Redirects are never followed; only the URL's own scheme is
 * allowed; signals are never used (safe in threads).
 */
struct httpc;

/* Why a request failed; httpc_error_name() gives a short, stable string fit for a metric label. */
enum httpc_error {
	HTTPC_OK = 0,
	HTTPC_E_INVALID,    /* "invalid": bad URL or request (a config error, not worth a retry) */
	HTTPC_E_CONNECT,    /* "connect": name resolution failed, connection refused or unreachable */
	HTTPC_E_TIMEOUT,    /* "timeout": connect, total or idle timeout */
	HTTPC_E_TLS,        /* "tls": handshake, certificate or CA file problem */
	HTTPC_E_IO,         /* "io": the connection broke, or the peer sent something unreadable */
	HTTPC_E_TOO_LARGE,  /* "too_large": response over max_response, or a streamed line over max_line */
	HTTPC_E_CANCELED,   /* "canceled": cancel_fd became readable */
	HTTPC_E_AUTH,       /* "auth": the server refused the credentials (SMTP AUTH) */
	HTTPC_E_HTTP,       /* "http": the server answered with an error: HTTP status not 2xx, SMTP 4xx/5xx */
	HTTPC_E_INTERNAL,   /* "internal": libcurl could not be set up */
};

/*
 * Called in stream mode with each complete line of the response body, without its "\n" (nor a
 * "\r" before it), NUL-terminated; line is valid only during the call. Lines split across reads
 * are joined first; a last line without "\n" at the end of the response is delivered too.
 * Return 0 to go on, anything else to stop the transfer (the request then succeeds, with
 * res->stopped set).
 */
typedef int (*httpc_line_fn)(void *arg, const char *line, size_t len);

/*
 * One request. Nothing is copied or freed by the client: every pointer is borrowed for the
 * duration of httpc_request() and stays the caller's. Zero-initialise ({0}), then set
 * cancel_fd to -1 (or call httpc_request_init()) and fill in what you need.
 */
struct httpc_request {
	const char *method;          /* "GET", "POST", "PUT", "DELETE", "HEAD"...; NULL = GET, or POST when body is set */
	const char *url;             /* http://, https://, smtp:// or smtps://; with unix_socket e.g. "http://localhost/v1.43/events" */
	const char *const *headers;  /* NULL-terminated "Name: value" lines, or NULL; "Name:" removes a default header */
	const void *body;            /* request body (POST/PUT), or for SMTP the whole RFC 5322 message; NULL = none */
	size_t body_len;
	const char *unix_socket;     /* connect to this unix socket path instead of the URL's host (Docker) */
	double connect_timeout;      /* seconds; <= 0 = 10 (never more than timeout) */
	double timeout;              /* total seconds; <= 0 = 30; ignored in stream mode (a stream has no total timeout) */
	double idle_timeout;         /* seconds without one byte received = a dead peer (HTTPC_E_TIMEOUT); <= 0 = none */
	int cancel_fd;               /* >= 0: when readable (a shutdown pipe/eventfd), the transfer stops within ~0.1 s */
	const char *ca_file;         /* PEM CA bundle to verify the server with; NULL = the system's */
	bool insecure_skip_verify;   /* do not verify the server's certificate nor its name */
	size_t max_response;         /* bound on the kept response body; more is HTTPC_E_TOO_LARGE; 0 = 1 MiB */
	const char *username;        /* HTTP basic auth or SMTP AUTH; NULL = none. password may be NULL = "" */
	const char *password;
	const char *user_agent;      /* NULL = "homeops/<version>" */

	/* stream mode (on_line set): the 2xx body goes to on_line instead of res->body */
	httpc_line_fn on_line;
	void *line_arg;
	size_t max_line;             /* bound on one line; a longer one is HTTPC_E_TOO_LARGE; 0 = 1 MiB */

	/* SMTP (smtp:// and smtps:// URLs): body is uploaded as the message */
	const char *mail_from;       /* envelope sender, e.g. "<homeops@example.org>" */
	const char *const *mail_rcpt; /* NULL-terminated envelope recipients, e.g. "<me@example.org>" */
	bool starttls_optional;      /* smtp:// only: false (default) = STARTTLS required; true = used when offered */
	const char *smtp_helo;       /* name said in EHLO; NULL = libcurl's default ("localhost" or the URL path) */
};

/*
 * The outcome. body is owned by the result: httpc_result_release() frees it (also after a
 * failure). httpc_request() resets the result first, so one result may be reused.
 */
struct httpc_result {
	enum httpc_error error;
	long status;                 /* HTTP status or last SMTP reply code; 0 when no answer came */
	struct strbuf body;          /* response body (an error response's too, in stream mode); at most max_response bytes */
	bool stopped;                /* stream mode: on_line asked to stop */
	bool reused;                 /* the request went over a connection kept from an earlier request */
	bool retryable;              /* the failure may go away by itself (network, timeout, 408, 429, 5xx, SMTP 4xx) */
	double duration;             /* seconds */
	size_t lines;                /* stream mode: lines delivered */
	char message[256];           /* for logs, printable ASCII: libcurl's text, or "http 404: <start of the body>" */
};

/* curl_global_init, once and thread-safe (httpc_new() calls it) / curl_global_cleanup at exit when it was done. */
void httpc_global_init(void);
void httpc_global_cleanup(void);

/* A new handle (never NULL: aborts when out of memory). Free with httpc_free(). */
struct httpc *httpc_new(void);
/* Closes the kept connections and frees h. NULL is fine. */
void httpc_free(struct httpc *h);

/* Zeroes req and sets cancel_fd to -1. */
void httpc_request_init(struct httpc_request *req);
void httpc_result_init(struct httpc_result *res);
void httpc_result_release(struct httpc_result *res);

/*
 * Performs req on h and blocks until it completes, fails, times out or is canceled.
 * Returns 0 on success (HTTP 2xx; SMTP message accepted; a stream that ended or was stopped),
 * -1 otherwise with res->error, res->message and res->retryable set; res->status and res->body
 * hold whatever answer came. An error status reads the body into res->body (bounded) in every mode.
 */
int httpc_request(struct httpc *h, const struct httpc_request *req, struct httpc_result *res);

/* "ok", "invalid", "connect", "timeout", "tls", "io", "too_large", "canceled", "auth", "http", "internal". */
const char *httpc_error_name(enum httpc_error e);

/* The parts of a URL (curl's parser, RFC 3986); every string is owned by the struct, NULL when absent. */
struct httpc_url {
	char *scheme;                /* lower case */
	char *host;                  /* an IPv6 address keeps its brackets: "[::1]" */
	char *port;
	char *path;                  /* "/" when the URL has none */
	char *query;
	bool has_credentials;        /* user or password in the URL */
};
/* Splits url. Returns 0, or -1 (out released) when it is not a URL with a scheme and host. */
int httpc_url_parse(const char *url, struct httpc_url *out);
void httpc_url_release(struct httpc_url *u);
/* A new URL: url with its path replaced by path (already encoded), query kept. NULL when url is not valid. Caller frees. */
char *httpc_url_with_path(const char *url, const char *path);
/* Appends name=value to an application/x-www-form-urlencoded body ('&' first unless sb is empty). */
void httpc_form_add(struct strbuf *sb, const char *name, const char *value);

#endif
