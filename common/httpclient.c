/* httpclient.c: the libcurl transfer layer (HTTP(S), SMTP(S), unix sockets, cancel, streamed lines) */
#include "common/httpclient.h"

#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#if LIBCURL_VERSION_NUM < 0x075500
#error "httpclient.c needs libcurl 7.85 or newer (CURLOPT_PROTOCOLS_STR)"
#endif
#include "common/clock.h"
#include "common/log.h"
#include "common/version.h"
#include "common/xalloc.h"

#define HTTPC_DEFAULT_TIMEOUT 30.0
#define HTTPC_DEFAULT_CONNECT_TIMEOUT 10.0
#define HTTPC_DEFAULT_MAX (1024u * 1024u)
/* The longest wait for activity: without a cancel fd a stop is only noticed on waking, so
 * often; with one, a stop wakes the wait itself, and libcurl shortens it for its own timers,
 * so an idle stream (docker's events) sleeps instead of waking twice a second. */
#define HTTPC_POLL_MS 500
#define HTTPC_POLL_CANCELABLE_MS 60000

struct httpc {
	CURLM *multi;   /* owns the connection cache: kept connections live here between requests */
	CURL *easy;
};

/* State of one transfer, shared with libcurl's callbacks. */
struct httpc_xfer {
	const struct httpc_request *req;
	struct httpc_result *res;
	CURL *easy;
	size_t max_response;
	size_t max_line;
	struct strbuf line;       /* stream mode: the start of a line not yet ended */
	int mode;                 /* 0 = not decided, 1 = body, 2 = lines */
	bool too_large;
	bool cb_error;            /* a callback failed in a way libcurl reports as a write error */
	size_t upload_off;
	double last_rx;           /* clock_mono() of the last byte received, for idle_timeout */
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t httpc_once = PTHREAD_ONCE_INIT;
static atomic_bool httpc_ready;

static void httpc_init_once(void)
{
	const curl_version_info_data *v;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	v = curl_version_info(CURLVERSION_NOW);
	/* CURLOPT_PROTOCOLS_STR needs 7.85; without it every request fails with a clear error */
	if (v && v->version_num < 0x075500)
		log_warn("httpclient", "libcurl older than 7.85, requests will fail", "version", v->version);
	atomic_store(&httpc_ready, true);
}

/*
 * libcurl (with its TLS library) is set up on first use, not at start: a program that never
 * makes a request never touches those library pages.
 */
void httpc_global_init(void)
{
	pthread_once(&httpc_once, httpc_init_once);
}

void httpc_global_cleanup(void)
{
	if (atomic_load(&httpc_ready))
		curl_global_cleanup();
}

struct httpc *httpc_new(void)
{
	struct httpc *h = xcalloc(1, sizeof(*h));

	httpc_global_init();
	h->multi = curl_multi_init();
	h->easy = curl_easy_init();
	if (!h->multi || !h->easy) {
		fprintf(stderr, "httpclient: cannot create a libcurl handle (out of memory)\n");
		abort();
	}
	return h;
}

void httpc_free(struct httpc *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->easy);
	curl_multi_cleanup(h->multi);
	free(h);
}

void httpc_request_init(struct httpc_request *req)
{
	memset(req, 0, sizeof(*req));
	req->cancel_fd = -1;
}

void httpc_result_init(struct httpc_result *res)
{
	memset(res, 0, sizeof(*res));
	strbuf_init(&res->body, 0);
}

void httpc_result_release(struct httpc_result *res)
{
	if (!res)
		return;
	strbuf_release(&res->body);
}

const char *httpc_error_name(enum httpc_error e)
{
	static const char *const names[] = {
		"ok", "invalid", "connect", "timeout", "tls", "io", "too_large", "canceled", "auth", "http", "internal",
	};

	if ((unsigned)e < sizeof(names) / sizeof(names[0]))
		return names[e];
	return "internal";
}

/* ---- callbacks ---- */

static bool httpc_status_ok(long status)
{
	return status >= 200 && status < 300;
}

/* Delivers every complete line in x->line; returns false when the transfer must stop. */
static bool httpc_deliver_lines(struct httpc_xfer *x)
{
	const struct httpc_request *req = x->req;
	size_t start = 0;

	for (;;) {
		char *nl = memchr(x->line.buf + start, '\n', x->line.len - start);
		size_t len;

		if (!nl)
			break;
		len = (size_t)(nl - (x->line.buf + start));
		*nl = '\0';
		if (len > 0 && x->line.buf[start + len - 1] == '\r')
			x->line.buf[start + --len] = '\0';
		if (len > x->max_line) {
			x->too_large = true;
			return false;
		}
		x->res->lines++;
		if (req->on_line(req->line_arg, x->line.buf + start, len) != 0) {
			x->res->stopped = true;
			return false;
		}
		start = (size_t)(nl - x->line.buf) + 1;
	}
	if (start > 0) {
		memmove(x->line.buf, x->line.buf + start, x->line.len - start);
		strbuf_setlen(&x->line, x->line.len - start);
	}
	/* what is left has no newline yet: bounded so a peer cannot make us buffer forever */
	if (x->line.len > x->max_line) {
		x->too_large = true;
		return false;
	}
	return true;
}

static size_t httpc_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct httpc_xfer *x = ud;
	size_t n = size * nmemb;

	x->last_rx = clock_mono();
	if (x->mode == 0) {
		long status = 0;

		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		x->mode = x->req->on_line && httpc_status_ok(status) ? 2 : 1;
		if (!httpc_status_ok(status))
			x->mode = 3;   /* an error answer: keep its start for the message, never fail on its size */
	}
	if (x->mode == 2) {
		strbuf_add(&x->line, ptr, n);
		return httpc_deliver_lines(x) ? n : 0;
	}
	if (x->mode == 3) {
		size_t room = x->res->body.len < x->max_response ? x->max_response - x->res->body.len : 0;
		strbuf_add(&x->res->body, ptr, n < room ? n : room);
		return n;
	}
	if (n > x->max_response - x->res->body.len) {
		x->too_large = true;
		return 0;
	}
	strbuf_add(&x->res->body, ptr, n);
	return n;
}

static size_t httpc_header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct httpc_xfer *x = ud;

	(void)ptr;
	x->last_rx = clock_mono();
	return size * nmemb;
}

static size_t httpc_read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct httpc_xfer *x = ud;
	size_t room = size * nitems, left = x->req->body_len - x->upload_off;
	size_t n = left < room ? left : room;

	if (n)
		memcpy(buf, (const char *)x->req->body + x->upload_off, n);
	x->upload_off += n;
	return n;
}

/* ---- errors ---- */

/* Copies a short, printable excerpt of s into dst (controls become spaces, non-ASCII '?'). */
static void httpc_excerpt(char *dst, size_t size, const char *s, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; i < len && j + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		else if (c >= 0x80)
			c = '?';
		if (c == ' ' && (j == 0 || dst[j - 1] == ' '))
			continue;
		dst[j++] = (char)c;
	}
	while (j > 0 && dst[j - 1] == ' ')
		j--;
	dst[j] = '\0';
}

static enum httpc_error httpc_map_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_OK:
		return HTTPC_OK;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_FUNCTION_NOT_FOUND:
	case CURLE_TOO_MANY_REDIRECTS:
		return HTTPC_E_INVALID;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		return HTTPC_E_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTPC_E_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
		return HTTPC_E_TLS;
	case CURLE_LOGIN_DENIED:
	case CURLE_AUTH_ERROR:
	case CURLE_REMOTE_ACCESS_DENIED:
		return HTTPC_E_AUTH;
	case CURLE_FAILED_INIT:
	case CURLE_OUT_OF_MEMORY:
		return HTTPC_E_INTERNAL;
	default:
		return HTTPC_E_IO;
	}
}

/* Whether a transfer error may go away by itself (server side, network) rather than needing a config change. */
static bool httpc_curl_retryable(CURLcode cc)
{
	switch (cc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_FAILED_INIT:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_FUNCTION_NOT_FOUND:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_LOGIN_DENIED:
	case CURLE_REMOTE_ACCESS_DENIED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		return false;
	default:
		/* refused, timed out, DNS, reset, TLS handshake or certificate (renewals happen): try later */
		return true;
	}
}

static int httpc_fail(struct httpc_result *res, enum httpc_error e, bool retryable, const char *msg)
{
	res->error = e;
	res->retryable = retryable;
	snprintf(res->message, sizeof(res->message), "%s", msg);
	return -1;
}

/* ---- request set-up ---- */

/* The URL's scheme, lower case, when it is one we speak; NULL otherwise. */
static const char *httpc_scheme(const char *url)
{
	static const char *const schemes[] = { "https", "http", "smtps", "smtp" };

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]);
		if (strncasecmp(url, schemes[i], n) == 0 && strncmp(url + n, "://", 3) == 0)
			return schemes[i];
	}
	return NULL;
}

static long httpc_ms(double seconds, double dflt)
{
	double t = isfinite(seconds) && seconds > 0 ? seconds : dflt;
	long ms = (long)(t * 1000.0 + 0.5);

	return ms > 0 ? ms : 1;
}

/* Applies req to the (reset) easy handle. Returns 0, or -1 with res filled. */
static int httpc_setup(struct httpc_xfer *x, const char *url, const char *scheme, struct curl_slist **headers,
		       struct curl_slist **rcpt)
{
	const struct httpc_request *req = x->req;
	CURL *c = x->easy;
	bool smtp = scheme[0] == 's';
	bool stream = req->on_line != NULL;
	long total = stream ? 0 : httpc_ms(req->timeout, HTTPC_DEFAULT_TIMEOUT);
	long conn = httpc_ms(req->connect_timeout, HTTPC_DEFAULT_CONNECT_TIMEOUT);
	const char *method = req->method;

	if (total && conn > total)
		conn = total;
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, conn);
	/* a peer that vanished without a FIN (power cut, cable) is noticed on an idle TCP stream */
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 10L);
	if (curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, scheme) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, scheme) != CURLE_OK)
		return httpc_fail(x->res, HTTPC_E_INTERNAL, false, "libcurl cannot restrict protocols");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, req->user_agent ? req->user_agent : "homeops/" HOMEOPS_VERSION);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, req->insecure_skip_verify ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, req->insecure_skip_verify ? 0L : 2L);
	if (req->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, req->ca_file);
	if (req->unix_socket &&
	    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, req->unix_socket) != CURLE_OK)
		return httpc_fail(x->res, HTTPC_E_INVALID, false, "unix socket path rejected by libcurl");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, httpc_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, httpc_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	if (req->username) {
		if (!smtp)
			curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, req->username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, req->password ? req->password : "");
	}
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK)
		return httpc_fail(x->res, HTTPC_E_INVALID, false, "url rejected by libcurl");

	if (smtp) {
		if (!req->mail_from || !req->mail_rcpt || !req->mail_rcpt[0])
			return httpc_fail(x->res, HTTPC_E_INVALID, false, "smtp: mail_from and mail_rcpt are needed");
		if (strcmp(scheme, "smtp") == 0)
			curl_easy_setopt(c, CURLOPT_USE_SSL,
					 req->starttls_optional ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
		curl_easy_setopt(c, CURLOPT_MAIL_FROM, req->mail_from);
		for (size_t i = 0; req->mail_rcpt[i]; i++)
			*rcpt = curl_slist_append(*rcpt, req->mail_rcpt[i]);
		curl_easy_setopt(c, CURLOPT_MAIL_RCPT, *rcpt);
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, httpc_read_cb);
		curl_easy_setopt(c, CURLOPT_READDATA, x);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
		return 0;
	}

	if (!method)
		method = req->body ? "POST" : "GET";
	if (strcasecmp(method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcasecmp(method, "GET") != 0 || req->body) {
		/* libcurl would wait up to a second for "100 Continue" on bodies over 1 KiB */
		*headers = curl_slist_append(*headers, "Expect:");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
		if (strcasecmp(method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	for (size_t i = 0; req->headers && req->headers[i]; i++)
		*headers = curl_slist_append(*headers, req->headers[i]);
	if (*headers)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, *headers);
	return 0;
}

/* ---- running ---- */

/* How long to wait for activity: the poll cap at most, less when the idle deadline is nearer. */
static int httpc_poll_ms(const struct httpc_xfer *x, double idle_timeout, int cancel_fd)
{
	int cap = cancel_fd >= 0 ? HTTPC_POLL_CANCELABLE_MS : HTTPC_POLL_MS;
	double left;

	if (idle_timeout <= 0)
		return cap;
	left = (x->last_rx + idle_timeout - clock_mono()) * 1000.0 + 1.0;
	if (left < 1)
		return 1;
	return left < cap ? (int)left : cap;
}

static bool httpc_fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL));
}

/*
 * Runs the transfer on the multi handle (whose connection cache keeps connections between
 * requests), waking at least every poll cap and at once when cancel_fd becomes readable.
 * Returns libcurl's result; *canceled when cancel_fd stopped it, *idle when nothing arrived
 * for idle_timeout (libcurl's low-speed check averages over seconds, too vague for this).
 */
static CURLcode httpc_run(struct httpc *h, struct httpc_xfer *x, bool *canceled, bool *idle)
{
	CURLcode cc = CURLE_FAILED_INIT;
	int cancel_fd = x->req->cancel_fd;
	double idle_timeout = isfinite(x->req->idle_timeout) && x->req->idle_timeout > 0 ? x->req->idle_timeout : 0;
	int running = 1;

	*canceled = false;
	*idle = false;
	x->last_rx = clock_mono();
	if (curl_multi_add_handle(h->multi, h->easy) != CURLM_OK)
		return CURLE_FAILED_INIT;
	for (;;) {
		struct curl_waitfd wfd = { .fd = cancel_fd, .events = CURL_WAIT_POLLIN, .revents = 0 };
		CURLMsg *msg;
		int left;

		if (httpc_fd_readable(cancel_fd)) {
			*canceled = true;
			break;
		}
		if (curl_multi_perform(h->multi, &running) != CURLM_OK)
			break;
		if (!running) {
			while ((msg = curl_multi_info_read(h->multi, &left)))
				if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->easy)
					cc = msg->data.result;
			break;
		}
		if (idle_timeout > 0 && clock_mono() - x->last_rx >= idle_timeout) {
			*idle = true;
			break;
		}
		if (curl_multi_poll(h->multi, cancel_fd >= 0 ? &wfd : NULL, cancel_fd >= 0 ? 1u : 0u,
				    httpc_poll_ms(x, idle_timeout, cancel_fd), NULL) != CURLM_OK)
			break;
	}
	curl_multi_remove_handle(h->multi, h->easy);
	return cc;
}

/* Fills res from a finished transfer. Returns 0 on success, -1 otherwise. */
static int httpc_finish(struct httpc_xfer *x, CURLcode cc, bool smtp)
{
	struct httpc_result *res = x->res;
	long status = 0, conns = 0;
	char why[200];

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &conns);
	res->status = status;
	res->reused = status > 0 && conns == 0;
	if (cc == CURLE_WRITE_ERROR && res->stopped)
		cc = CURLE_OK;
	if (cc == CURLE_WRITE_ERROR && x->too_large) {
		snprintf(why, sizeof(why), "response larger than %zu bytes", x->req->on_line ? x->max_line : x->max_response);
		return httpc_fail(res, HTTPC_E_TOO_LARGE, false, why);
	}
	if (cc != CURLE_OK) {
		const char *e = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);

		httpc_excerpt(why, sizeof(why), e, strlen(e));
		/* SMTP: 4xx is transient by definition, 5xx permanent (RFC 5321 4.2.1) */
		if (smtp && status >= 400 && status < 600)
			return httpc_fail(res, cc == CURLE_LOGIN_DENIED ? HTTPC_E_AUTH : HTTPC_E_HTTP, status < 500, why);
		return httpc_fail(res, httpc_map_curl(cc), httpc_curl_retryable(cc), why);
	}
	if (smtp || httpc_status_ok(status)) {
		/* the end of a stream: its last line may have no newline */
		if (x->mode == 2 && x->line.len > 0 && !res->stopped) {
			strbuf_addch(&x->line, '\n');
			if (!httpc_deliver_lines(x) && x->too_large)
				return httpc_fail(res, HTTPC_E_TOO_LARGE, false, "line too long");
		}
		return 0;
	}
	if (status >= 300 && status < 400) {
		char *loc = NULL;

		curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
		httpc_excerpt(why, sizeof(why), loc ? loc : "?", loc ? strlen(loc) : 1);
		snprintf(res->message, sizeof(res->message), "http %ld: redirect to %s not followed", status, why);
		res->error = HTTPC_E_HTTP;
		return -1;
	}
	/* 408 and 429 ask to come back later; other 4xx say the request itself is wrong */
	res->retryable = status == 408 || status == 429 || status >= 500 || status < 200;
	httpc_excerpt(why, sizeof(why), strbuf_cstr(&res->body), res->body.len);
	snprintf(res->message, sizeof(res->message), "http %ld%s%s", status, why[0] ? ": " : "", why);
	res->error = HTTPC_E_HTTP;
	return -1;
}

/* url with its path replaced by "/" + helo when it names none (libcurl says EHLO with the path). */
static char *httpc_smtp_url(const char *url, const char *helo)
{
	struct httpc_url u;
	char *ret = NULL, *path = NULL;

	if (httpc_url_parse(url, &u) != 0)
		return NULL;
	if (!helo || (u.path && strcmp(u.path, "/") != 0)) {
		ret = xstrdup(url);
		goto out;
	}
	path = xasprintf("/%s", helo);
	ret = httpc_url_with_path(url, path);
out:
	free(path);
	httpc_url_release(&u);
	return ret;
}

int httpc_request(struct httpc *h, const struct httpc_request *req, struct httpc_result *res)
{
	struct httpc_xfer x;
	struct curl_slist *headers = NULL, *rcpt = NULL;
	const char *scheme;
	char *smtp_url = NULL;
	double t0 = clock_mono();
	bool canceled = false, idle = false;
	CURLcode cc;
	int ret = -1;

	strbuf_release(&res->body);
	httpc_result_init(res);
	memset(&x, 0, sizeof(x));
	x.req = req;
	x.res = res;
	x.easy = h->easy;
	x.max_response = req->max_response ? req->max_response : HTTPC_DEFAULT_MAX;
	x.max_line = req->max_line ? req->max_line : HTTPC_DEFAULT_MAX;
	scheme = req->url ? httpc_scheme(req->url) : NULL;
	if (!scheme) {
		httpc_fail(res, HTTPC_E_INVALID, false, "url: must start with http://, https://, smtp:// or smtps://");
		goto out;
	}
	if (scheme[0] == 's') {
		smtp_url = httpc_smtp_url(req->url, req->smtp_helo);
		if (!smtp_url) {
			httpc_fail(res, HTTPC_E_INVALID, false, "url: not a valid URL");
			goto out;
		}
	}
	curl_easy_reset(h->easy);
	if (httpc_setup(&x, smtp_url ? smtp_url : req->url, scheme, &headers, &rcpt) != 0)
		goto out;
	cc = httpc_run(h, &x, &canceled, &idle);
	if (canceled || idle) {
		curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &res->status);
		if (canceled)
			httpc_fail(res, HTTPC_E_CANCELED, false, "canceled");
		else
			httpc_fail(res, HTTPC_E_TIMEOUT, true, "no data received within the idle timeout");
		goto out;
	}
	ret = httpc_finish(&x, cc, scheme[0] == 's');
out:
	res->duration = clock_mono() - t0;
	curl_slist_free_all(headers);
	curl_slist_free_all(rcpt);
	strbuf_release(&x.line);
	free(smtp_url);
	return ret;
}

/* ---- URLs ---- */

int httpc_url_parse(const char *url, struct httpc_url *out)
{
	CURLU *h = NULL;
	char *user = NULL, *pass = NULL, *s = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	httpc_global_init();
	h = curl_url();
	if (!h || !url || curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(h, CURLUPART_SCHEME, &s, 0) != CURLUE_OK || !s)
		goto out;
	out->scheme = xstrdup(s);
	for (char *p = out->scheme; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	curl_free(s);
	s = NULL;
	if (curl_url_get(h, CURLUPART_HOST, &s, 0) != CURLUE_OK || !s || !*s)
		goto out;
	out->host = xstrdup(s);
	curl_free(s);
	s = NULL;
	if (curl_url_get(h, CURLUPART_PORT, &s, 0) == CURLUE_OK && s)
		out->port = xstrdup(s);
	curl_free(s);
	s = NULL;
	if (curl_url_get(h, CURLUPART_PATH, &s, 0) == CURLUE_OK && s && *s)
		out->path = xstrdup(s);
	else
		out->path = xstrdup("/");
	curl_free(s);
	s = NULL;
	if (curl_url_get(h, CURLUPART_QUERY, &s, 0) == CURLUE_OK && s)
		out->query = xstrdup(s);
	out->has_credentials = (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK && user) ||
			       (curl_url_get(h, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK && pass);
	ret = 0;
out:
	if (ret != 0)
		httpc_url_release(out);
	curl_free(s);
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(h);
	return ret;
}

void httpc_url_release(struct httpc_url *u)
{
	if (!u)
		return;
	free(u->scheme);
	free(u->host);
	free(u->port);
	free(u->path);
	free(u->query);
	memset(u, 0, sizeof(*u));
}

char *httpc_url_with_path(const char *url, const char *path)
{
	CURLU *u = NULL;
	char *s = NULL, *ret = NULL;

	httpc_global_init();
	u = curl_url();
	if (!u || !url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PATH, path, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK)
		goto out;
	ret = xstrdup(s);
out:
	curl_free(s);
	curl_url_cleanup(u);
	return ret;
}

void httpc_form_add(struct strbuf *sb, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *parts[2] = { name, value ? value : "" };

	if (sb->len)
		strbuf_addch(sb, '&');
	for (int k = 0; k < 2; k++) {
		if (k)
			strbuf_addch(sb, '=');
		/* RFC 3986 unreserved characters as is, everything else percent-encoded (as curl_easy_escape) */
		for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
				strbuf_addch(sb, (char)*p);
			} else {
				strbuf_addch(sb, '%');
				strbuf_addch(sb, hex[*p >> 4]);
				strbuf_addch(sb, hex[*p & 15]);
			}
		}
	}
}
