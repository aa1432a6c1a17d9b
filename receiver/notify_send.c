/* notify_send.c: check a notifier's settings and deliver one message by SMTP or HTTP push through libcurl */
#include "receiver/notify.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#if LIBCURL_VERSION_NUM < 0x075500
#error "notify_send.c needs libcurl 7.85 or newer (CURLOPT_PROTOCOLS_STR)"
#endif
#include <jansson.h>
#include "common/log.h"
#include "common/strbuf.h"
#include "common/version.h"
#include "common/xalloc.h"

#define NOTIFY_DEFAULT_TIMEOUT 10.0
#define NOTIFY_MAX_TIMEOUT 3600.0
#define NOTIFY_CONNECT_TIMEOUT_MS 10000L
#define NOTIFY_PUSHOVER_URL "https://api.pushover.net/1/messages.json"
/* Service limits: ntfy turns a longer body into an attachment (or refuses it); Pushover refuses. */
#define NOTIFY_NTFY_BODY_MAX 4096           /* bytes */
#define NOTIFY_PUSHOVER_MESSAGE_MAX 1024    /* characters */
#define NOTIFY_PUSHOVER_TITLE_MAX 250       /* characters */
#define NOTIFY_PUSHOVER_URL_MAX 512         /* characters */
#define NOTIFY_LINK_MAX 512
#define NOTIFY_RESPONSE_MAX 512             /* bytes of a response kept for the error text */
#define NOTIFY_MESSAGE_ID_MAX 128

#define NOTIFY_ELLIPSIS "\xe2\x80\xa6"

/* Per event: ntfy 1..5 (min..max), Gotify 0..10 (8+ is intrusive), Pushover -2..2 (2 needs acks). */
static const int notify_ntfy_priority[NOTIFY_EVENT_COUNT] = { 2, 3, 4, 5, 4 };
static const int notify_gotify_priority[NOTIFY_EVENT_COUNT] = { 2, 4, 6, 8, 6 };
static const int notify_pushover_priority[NOTIFY_EVENT_COUNT] = { -1, 0, 1, 1, 0 };
/* ntfy shows tags that are emoji short codes as emoji in front of the title. */
static const char *const notify_ntfy_tags[NOTIFY_EVENT_COUNT] = {
	"arrow_forward,homeops", "white_check_mark,homeops", "x,homeops",
	"rotating_light,homeops", "warning,homeops",
};

/* ---- settings ---- */

static int notify_has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

/* Token-like secrets: visible ASCII only, so they can never break a header line. */
static int notify_token_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/*
 * A plain RFC 5321 address local@domain: dot-atom local part, a host name or an address
 * literal. Display names, comments and quoted local parts are refused: the address goes into
 * MAIL FROM/RCPT TO and into headers as is, so nothing in it may need quoting.
 */
static int notify_addr_ok(const char *a)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	const char *at = strchr(a, '@');
	size_t local, i;
	const char *d;

	if (!at || at == a || strchr(at + 1, '@'))
		return 0;
	local = (size_t)(at - a);
	if (local > 64 || a[0] == '.' || a[local - 1] == '.')
		return 0;
	for (i = 0; i < local; i++) {
		unsigned char c = (unsigned char)a[i];
		if (c == '.') {
			if (a[i + 1] == '.')
				return 0;
			continue;
		}
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    !(c && strchr(atext, c)))
			return 0;
	}
	d = at + 1;
	if (!*d || strlen(d) > 253)
		return 0;
	if (d[0] == '[') {
		size_t n = strlen(d);
		if (n < 3 || d[n - 1] != ']')
			return 0;
		for (i = 1; i < n - 1; i++)
			if (!strchr("0123456789abcdefABCDEF.:IPv", d[i]))
				return 0;
		return 1;
	}
	if (d[0] == '.' || d[0] == '-' || d[strlen(d) - 1] == '.')
		return 0;
	for (i = 0; d[i]; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.' && d[i + 1] == '.')
			return 0;
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    c != '.' && c != '-')
			return 0;
	}
	return 1;
}

static int notify_host_is_loopback(const char *host)
{
	return strcasecmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	       strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

static const char *notify_url_of(const struct notifier *n)
{
	if (n->kind == NOTIFIER_PUSHOVER && (!n->url || !*n->url))
		return NOTIFY_PUSHOVER_URL;
	return n->url;
}

/* Checks the URL of n; sets *err. */
static int notify_validate_url(const struct notifier *n, char **err)
{
	const char *url = notify_url_of(n);
	int smtp = n->kind == NOTIFIER_SMTP;
	CURLU *h = NULL;
	char *scheme = NULL, *host = NULL, *path = NULL, *user = NULL;
	int ret = -1;

	if (!url || !*url) {
		*err = xstrdup("url: missing");
		goto out;
	}
	for (const char *p = url; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			*err = xstrdup("url: spaces, control and non-ASCII characters are not allowed "
				       "(percent-encode them, use punycode for host names)");
			goto out;
		}
	}
	if (smtp ? strncasecmp(url, "smtp://", 7) != 0 && strncasecmp(url, "smtps://", 8) != 0
		 : strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
		*err = xasprintf("url: must start with %s", smtp ? "smtp:// or smtps://" : "http:// or https://");
		goto out;
	}
	h = curl_url();
	if (!h || curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK) {
		*err = xstrdup("url: not a valid URL");
		goto out;
	}
	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
		*err = xstrdup("url: no host");
		goto out;
	}
	if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK && user) {
		*err = xstrdup("url: credentials in the URL are not allowed; use username and a password or token file");
		goto out;
	}
	if (curl_url_get(h, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		path = NULL;
	if (n->kind == NOTIFIER_NTFY && (!path || strcmp(path, "/") == 0 || !*path)) {
		*err = xstrdup("url: must name the topic, e.g. https://ntfy.example.org/homeops");
		goto out;
	}
	if (smtp && strcasecmp(scheme, "smtp") == 0 && !n->smtp_starttls && n->username &&
	    !notify_host_is_loopback(host)) {
		*err = xstrdup("smtp: refusing to send a password over a connection that may be unencrypted; "
			       "use smtps:// or smtp_starttls: true");
		goto out;
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	curl_free(user);
	curl_url_cleanup(h);
	return ret;
}

int notifier_validate(const struct notifier *n, char **err)
{
	*err = NULL;
	if (!n) {
		*err = xstrdup("no notifier");
		return -1;
	}
	if ((unsigned)n->kind > NOTIFIER_WEBHOOK) {
		*err = xstrdup("kind: unknown");
		return -1;
	}
	if (notify_validate_url(n, err) != 0)
		return -1;
	if (n->kind == NOTIFIER_SMTP) {
		if (!n->from || !notify_addr_ok(n->from)) {
			*err = xstrdup("from: must be a plain address like homeops@example.org");
			return -1;
		}
		if (n->to.n == 0) {
			*err = xstrdup("to: at least one address is needed");
			return -1;
		}
		for (size_t i = 0; i < n->to.n; i++) {
			if (!n->to.items[i] || !notify_addr_ok(n->to.items[i])) {
				*err = xasprintf("to: entry %zu must be a plain address like me@example.org", i + 1);
				return -1;
			}
		}
	}
	if ((n->username && !n->password) || (!n->username && n->password)) {
		*err = xstrdup("username and password_file go together");
		return -1;
	}
	if ((n->username && notify_has_ctl(n->username)) || (n->password && notify_has_ctl(n->password))) {
		*err = xstrdup("username or password contains a line break or control character");
		return -1;
	}
	if ((n->kind == NOTIFIER_GOTIFY || n->kind == NOTIFIER_PUSHOVER) && !n->token) {
		*err = xstrdup("token_file: needed for this kind");
		return -1;
	}
	if (n->token && !notify_token_ok(n->token)) {
		*err = xstrdup("token: must be visible ASCII without spaces or line breaks");
		return -1;
	}
	if (n->kind == NOTIFIER_PUSHOVER && (!n->user_key || !notify_token_ok(n->user_key))) {
		*err = xstrdup("user_key_file: needed for pushover, visible ASCII without spaces");
		return -1;
	}
	if (n->ca_file && access(n->ca_file, R_OK) != 0) {
		*err = xasprintf("ca_file: cannot read '%s'", n->ca_file);
		return -1;
	}
	if (isnan(n->timeout) || n->timeout < 0 || n->timeout > NOTIFY_MAX_TIMEOUT) {
		*err = xasprintf("timeout: must be between 0 and %.0f seconds", NOTIFY_MAX_TIMEOUT);
		return -1;
	}
	if (n->events >> NOTIFY_EVENT_COUNT) {
		*err = xstrdup("events: unknown event bit");
		return -1;
	}
	return 0;
}

static void notify_free_secret(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void notifier_release(struct notifier *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->url);
	free(n->from);
	strlist_clear(&n->to);
	free(n->username);
	notify_free_secret(n->password);
	notify_free_secret(n->token);
	notify_free_secret(n->user_key);
	free(n->ca_file);
	memset(n, 0, sizeof(*n));
}

/* ---- header-safe text ---- */

/* Appends s with every control byte replaced by a space: a header value can never break. */
static void notify_add_header_text(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		strbuf_addch(sb, c < 0x20 || c == 0x7f ? ' ' : c);
	}
}

static int notify_needs_encoding(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p >= 0x7f || (unsigned char)*p < 0x20)
			return 1;
	/* Literal "=?" would be read as the start of an encoded word by mail and ntfy decoders. */
	return strstr(s, "=?") != NULL;
}

static void notify_add_base64(struct strbuf *sb, const unsigned char *p, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		strbuf_addch(sb, b64[v >> 18]);
		strbuf_addch(sb, b64[(v >> 12) & 63]);
		strbuf_addch(sb, b64[(v >> 6) & 63]);
		strbuf_addch(sb, b64[v & 63]);
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
		strbuf_addch(sb, b64[v >> 18]);
		strbuf_addch(sb, b64[(v >> 12) & 63]);
		strbuf_addch(sb, i + 1 < n ? b64[(v >> 6) & 63] : '=');
		strbuf_addch(sb, '=');
	}
}

/*
 * Appends text (already free of controls) as RFC 2047 "B" encoded words of whole UTF-8
 * characters. The first word carries at most first_bytes bytes, later ones 45 (60 base64
 * characters: a 75-character word). Words are separated by sep ("\r\n " folds a mail header,
 * " " keeps an HTTP header on one line); decoders join adjacent encoded words without the space.
 */
static void notify_add_encoded_words(struct strbuf *sb, const char *text, size_t first_bytes, const char *sep)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text), i = 0, budget = first_bytes;

	while (i < len) {
		size_t n = len - i < budget ? len - i : budget;

		/* never end a word inside a character */
		if (i + n < len) {
			size_t k = n;
			while (k > 0 && (p[i + k] & 0xc0) == 0x80)
				k--;
			if (k > 0)
				n = k;
		}
		if (i > 0)
			strbuf_addstr(sb, sep);
		strbuf_addstr(sb, "=?UTF-8?B?");
		notify_add_base64(sb, p + i, n);
		strbuf_addstr(sb, "?=");
		i += n;
		budget = 45;
	}
}

/* The title with controls turned into spaces (the formatter already did; a stored message may not have). */
static char *notify_clean_title(const char *title)
{
	struct strbuf sb = STRBUF_INIT;

	notify_add_header_text(&sb, title ? title : "");
	return strbuf_detach(&sb, NULL);
}

/* A header value for HTTP: ASCII as is, anything else as encoded words on one line. */
static void notify_add_http_title(struct strbuf *sb, const char *title)
{
	char *t = notify_clean_title(title);

	if (notify_needs_encoding(t))
		notify_add_encoded_words(sb, t, 45, " ");
	else
		strbuf_addstr(sb, t);
	free(t);
}

/* The message id as dot-atom text (letters, digits, - _ + =), bounded; "" when nothing is left. */
static void notify_add_id_atom(struct strbuf *sb, const char *id)
{
	size_t n = 0;

	for (; id && *id && n < NOTIFY_MESSAGE_ID_MAX; id++, n++) {
		unsigned char c = (unsigned char)*id;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '-' || c == '_' || c == '+' || c == '=';
		strbuf_addch(sb, ok ? c : '-');
	}
}

/* ---- mail ---- */

static void notify_mail_date(struct strbuf *sb, time_t now)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&now, &tm);
	strbuf_addf(sb, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
		    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Length of the longest run of non-spaces: a word too long to fold. */
static size_t notify_longest_word(const char *s)
{
	size_t best = 0;

	while (*s) {
		size_t n = strcspn(s, " ");
		if (n > best)
			best = n;
		s += n;
		if (*s)
			s++;
	}
	return best;
}

static void notify_mail_subject(struct strbuf *sb, const char *title)
{
	char *t = notify_clean_title(title);

	strbuf_addstr(sb, "Subject: ");
	/* encoded words also fold a word too long for a 78-character line */
	if (notify_needs_encoding(t) || notify_longest_word(t) > 68) {
		/* "Subject: " + a 12-character envelope + 52 base64 characters stays within 76 */
		notify_add_encoded_words(sb, t, 39, "\r\n ");
	} else {
		/* fold long ASCII subjects before a space; unfolding gives back the same text */
		size_t col = 9;
		for (const char *p = t; *p; p++) {
			if (*p == ' ' && col > 9) {
				size_t word = strcspn(p + 1, " ");
				if (col + 1 + word > 78) {
					strbuf_addstr(sb, "\r\n");
					col = 0;
				}
			}
			strbuf_addch(sb, *p);
			col++;
		}
	}
	strbuf_addstr(sb, "\r\n");
	free(t);
}

/* True when the body can go as 7bit: ASCII, no controls but tab, lines of at most 998 bytes. */
static int notify_body_is_7bit(const char *body)
{
	size_t col = 0;

	for (const unsigned char *p = (const unsigned char *)body; *p; p++) {
		if (*p == '\n') {
			col = 0;
			continue;
		}
		if (*p >= 0x80 || (*p < 0x20 && *p != '\t' && *p != '\r') || *p == 0x7f || ++col > 998)
			return 0;
	}
	return 1;
}

/*
 * Appends the body with CRLF line ends, as is or quoted-printable (RFC 2045 6.7). A line that
 * starts with "." is sent as is: libcurl doubles the dot on the wire and the server removes it.
 */
static void notify_mail_body(struct strbuf *sb, const char *body, int qp)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)body;
	size_t col = 0;

	for (; *p; p++) {
		unsigned char c = *p;

		if (c == '\r' || c == '\n') {
			if (c == '\r' && p[1] == '\n')
				p++;
			strbuf_addstr(sb, "\r\n");
			col = 0;
			continue;
		}
		if (!qp) {
			strbuf_addch(sb, c);
			continue;
		}
		{
			int at_eol = p[1] == '\0' || p[1] == '\n' || p[1] == '\r';
			int literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
			size_t w = literal ? 1 : 3;

			if (col + w > 75) {
				strbuf_addstr(sb, "=\r\n");
				col = 0;
			}
			if (literal) {
				strbuf_addch(sb, c);
			} else {
				strbuf_addch(sb, '=');
				strbuf_addch(sb, hex[c >> 4]);
				strbuf_addch(sb, hex[c & 15]);
			}
			col += w;
		}
	}
	if (sb->len < 2 || memcmp(sb->buf + sb->len - 2, "\r\n", 2) != 0)
		strbuf_addstr(sb, "\r\n");
}

static void notify_hostname(char *buf, size_t size)
{
	size_t j = 0;
	char raw[256];

	if (gethostname(raw, sizeof(raw)) != 0)
		raw[0] = '\0';
	raw[sizeof(raw) - 1] = '\0';
	for (size_t i = 0; raw[i] && j + 1 < size; i++) {
		char c = raw[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    (c == '.' && j > 0 && buf[j - 1] != '.'))
			buf[j++] = c;
	}
	while (j > 0 && buf[j - 1] == '.')
		j--;
	buf[j] = '\0';
	if (j == 0)
		snprintf(buf, size, "localhost");
}

/*
 * The RFC 5322 message. Every header value comes from a validated address, a generated value
 * or cleaned text, so nothing in the facts can end a header line or add one.
 */
static void notify_mail_compose(const struct notifier *n, const struct notify_message *msg,
				const char *message_id, time_t now, struct strbuf *sb)
{
	static atomic_ulong counter;
	const char *body = msg->body ? msg->body : "";
	const char *domain = strchr(n->from, '@') + 1;
	int qp = !notify_body_is_7bit(body);
	char host[128];

	notify_hostname(host, sizeof(host));
	notify_mail_date(sb, now);
	strbuf_addf(sb, "From: homeops <%s>\r\n", n->from);
	strbuf_addstr(sb, "To: ");
	for (size_t i = 0; i < n->to.n; i++)
		strbuf_addf(sb, "%s%s", i ? ",\r\n " : "", n->to.items[i]);
	strbuf_addstr(sb, "\r\n");
	notify_mail_subject(sb, msg->title);
	/*
	 * A stable id makes a retried delivery recognisable; the host name keeps ids from two
	 * receivers (whose outboxes both count from 1) apart.
	 */
	strbuf_addstr(sb, "Message-ID: <homeops.");
	if (message_id && *message_id)
		notify_add_id_atom(sb, message_id);
	else
		strbuf_addf(sb, "%lld-%ld-%lu", (long long)now, (long)getpid(), atomic_fetch_add(&counter, 1));
	strbuf_addf(sb, ".%s@%s>\r\n", host, domain);
	strbuf_addstr(sb, "MIME-Version: 1.0\r\n");
	strbuf_addstr(sb, "Content-Type: text/plain; charset=utf-8\r\n");
	strbuf_addf(sb, "Content-Transfer-Encoding: %s\r\n", qp ? "quoted-printable" : "7bit");
	/* RFC 3834: machines generated this; auto-responders must not answer it */
	strbuf_addstr(sb, "Auto-Submitted: auto-generated\r\n");
	strbuf_addf(sb, "X-Homeops-Event: %s\r\n", notify_event_name(msg->event));
	strbuf_addstr(sb, "\r\n");
	notify_mail_body(sb, body, qp);
}

/* ---- transfers ---- */

struct notify_xfer {
	CURL *curl;
	struct curl_slist *headers;
	struct curl_slist *rcpt;
	struct strbuf response;
	/* SMTP upload */
	const char *data;
	size_t len, off;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t notify_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct notify_xfer *x = ud;
	size_t n = size * nmemb;

	if (x->response.len < NOTIFY_RESPONSE_MAX) {
		size_t room = NOTIFY_RESPONSE_MAX - x->response.len;
		strbuf_add(&x->response, ptr, n < room ? n : room);
	}
	return n;
}

static size_t notify_read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct notify_xfer *x = ud;
	size_t room = size * nitems, left = x->len - x->off;
	size_t n = left < room ? left : room;

	memcpy(buf, x->data + x->off, n);
	x->off += n;
	return n;
}

static long notify_timeout_ms(const struct notifier *n)
{
	double t = n->timeout;

	if (!isfinite(t) || t <= 0)
		t = NOTIFY_DEFAULT_TIMEOUT;
	if (t > NOTIFY_MAX_TIMEOUT)
		t = NOTIFY_MAX_TIMEOUT;
	return (long)(t * 1000.0 + 0.5) > 0 ? (long)(t * 1000.0 + 0.5) : 1;
}

/* The scheme of a validated URL, lower case: "smtp", "smtps", "http" or "https". */
static const char *notify_scheme(const char *url)
{
	if (strncasecmp(url, "smtps:", 6) == 0)
		return "smtps";
	if (strncasecmp(url, "smtp:", 5) == 0)
		return "smtp";
	if (strncasecmp(url, "https:", 6) == 0)
		return "https";
	return "http";
}

/*
 * A handle with what every transfer needs: a hard overall timeout, no signals (we run in
 * threads), only the URL's own scheme (also for redirects, which are not followed anyway),
 * TLS verification unless switched off, the configured CA file.
 */
static int notify_xfer_init(struct notify_xfer *x, const struct notifier *n, const char *url,
			    struct notify_result *res)
{
	long ms = notify_timeout_ms(n);
	const char *scheme = notify_scheme(url);
	CURL *c;

	x->curl = c = curl_easy_init();
	if (!c) {
		snprintf(res->error, sizeof(res->error), "cannot create a curl handle");
		res->retryable = true;
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms < NOTIFY_CONNECT_TIMEOUT_MS ? ms : NOTIFY_CONNECT_TIMEOUT_MS);
	if (curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, scheme) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, scheme) != CURLE_OK) {
		snprintf(res->error, sizeof(res->error), "libcurl cannot restrict protocols to %s", scheme);
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "homeops/" HOMEOPS_VERSION);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, n->insecure_skip_verify ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, n->insecure_skip_verify ? 0L : 2L);
	if (n->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, n->ca_file);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, notify_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK) {
		snprintf(res->error, sizeof(res->error), "url rejected by libcurl");
		return -1;
	}
	return 0;
}

static void notify_xfer_release(struct notify_xfer *x)
{
	if (x->curl)
		curl_easy_cleanup(x->curl);
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->rcpt);
	strbuf_release(&x->response);
}

/* Whether a transfer error may go away by itself (server side, network) rather than needing a config change. */
static bool notify_curl_retryable(CURLcode cc)
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

/* Copies a short, printable excerpt of s into dst (controls and non-ASCII become spaces/'?'). */
static void notify_excerpt(char *dst, size_t size, const char *s, size_t len)
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

static void notify_curl_error(struct notify_xfer *x, CURLcode cc, char *dst, size_t size)
{
	const char *e = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
	notify_excerpt(dst, size, e, strlen(e));
}

static int notify_perform_smtp(struct notify_xfer *x, struct notify_result *res)
{
	CURLcode cc = curl_easy_perform(x->curl);
	long code = 0;
	char why[200];

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
	res->status = code;
	if (cc == CURLE_OK) {
		res->ok = true;
		return 0;
	}
	notify_curl_error(x, cc, why, sizeof(why));
	if (code >= 400 && code < 600) {
		/* SMTP: 4xx is transient by definition, 5xx permanent (RFC 5321 4.2.1) */
		res->retryable = code < 500;
		snprintf(res->error, sizeof(res->error), "smtp %ld: %s", code, why);
	} else {
		res->retryable = notify_curl_retryable(cc);
		snprintf(res->error, sizeof(res->error), "%s", why);
	}
	return -1;
}

static int notify_perform_http(struct notify_xfer *x, struct notify_result *res)
{
	CURLcode cc = curl_easy_perform(x->curl);
	long code = 0;
	char why[200];

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
	res->status = code;
	if (cc != CURLE_OK) {
		notify_curl_error(x, cc, why, sizeof(why));
		res->retryable = notify_curl_retryable(cc);
		snprintf(res->error, sizeof(res->error), "%s", why);
		return -1;
	}
	if (code >= 200 && code < 300) {
		res->ok = true;
		return 0;
	}
	if (code >= 300 && code < 400) {
		char *loc = NULL;

		curl_easy_getinfo(x->curl, CURLINFO_REDIRECT_URL, &loc);
		notify_excerpt(why, sizeof(why), loc ? loc : "?", loc ? strlen(loc) : 1);
		res->retryable = false;
		snprintf(res->error, sizeof(res->error), "http %ld: redirect to %s not followed; set url to it", code, why);
		return -1;
	}
	/* 408 and 429 ask to come back later; other 4xx say the request itself is wrong */
	res->retryable = code == 408 || code == 429 || code >= 500 || code < 200;
	notify_excerpt(why, sizeof(why), strbuf_cstr(&x->response), x->response.len);
	snprintf(res->error, sizeof(res->error), "http %ld%s%s", code, why[0] ? ": " : "", why);
	return -1;
}

static int notify_send_smtp(const struct notifier *n, const struct notify_message *msg, const char *message_id,
			    struct notify_xfer *x, struct notify_result *res)
{
	struct strbuf mail = STRBUF_INIT, from = STRBUF_INIT;
	CURLU *u = NULL;
	char *path = NULL, *url = NULL;
	int ret = -1;

	/*
	 * libcurl says EHLO with the URL's path, "localhost" when there is none; some servers
	 * refuse that, so use our host name unless the URL names one.
	 */
	u = curl_url();
	if (!u || curl_url_set(u, CURLUPART_URL, n->url, 0) != CURLUE_OK) {
		snprintf(res->error, sizeof(res->error), "url: not a valid URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK || !path || strcmp(path, "/") == 0) {
		char host[128], slash[130];

		notify_hostname(host, sizeof(host));
		snprintf(slash, sizeof(slash), "/%s", host);
		curl_url_set(u, CURLUPART_PATH, slash, 0);
	}
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		snprintf(res->error, sizeof(res->error), "url: not a valid URL");
		goto out;
	}
	if (notify_xfer_init(x, n, url, res) != 0)
		goto out;
	if (strcmp(notify_scheme(url), "smtp") == 0)
		curl_easy_setopt(x->curl, CURLOPT_USE_SSL, n->smtp_starttls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	if (n->username) {
		curl_easy_setopt(x->curl, CURLOPT_USERNAME, n->username);
		curl_easy_setopt(x->curl, CURLOPT_PASSWORD, n->password);
	}
	strbuf_addf(&from, "<%s>", n->from);
	curl_easy_setopt(x->curl, CURLOPT_MAIL_FROM, from.buf);
	for (size_t i = 0; i < n->to.n; i++) {
		char *r = xasprintf("<%s>", n->to.items[i]);
		x->rcpt = curl_slist_append(x->rcpt, r);
		free(r);
	}
	curl_easy_setopt(x->curl, CURLOPT_MAIL_RCPT, x->rcpt);
	notify_mail_compose(n, msg, message_id, time(NULL), &mail);
	x->data = mail.buf;
	x->len = mail.len;
	curl_easy_setopt(x->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->curl, CURLOPT_READFUNCTION, notify_read_cb);
	curl_easy_setopt(x->curl, CURLOPT_READDATA, x);
	curl_easy_setopt(x->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)mail.len);
	ret = notify_perform_smtp(x, res);
out:
	curl_free(path);
	curl_free(url);
	curl_url_cleanup(u);
	strbuf_release(&from);
	strbuf_release(&mail);
	return ret;
}

/* The status-page link from the message's JSON, when it is a plain http(s) URL fit for a header. */
static char *notify_link(const struct notify_message *msg)
{
	json_t *root = NULL;
	const char *s;
	char *link = NULL;

	if (!msg->json)
		return NULL;
	root = json_loads(msg->json, 0, NULL);
	s = json_string_value(json_object_get(root, "url"));
	if (s && strlen(s) <= NOTIFY_LINK_MAX && notify_token_ok(s) &&
	    (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0))
		link = xstrdup(s);
	json_decref(root);
	return link;
}

static void notify_add_header(struct notify_xfer *x, const char *name, const char *value)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s: ", name);
	notify_add_header_text(&sb, value);
	x->headers = curl_slist_append(x->headers, sb.buf);
	strbuf_release(&sb);
}

/* Headers every push request carries: the idempotency key and the auth, if any. */
static void notify_common_headers(const struct notifier *n, const char *message_id, int bearer, struct notify_xfer *x)
{
	struct strbuf sb = STRBUF_INIT;

	/* libcurl would wait up to a second for "100 Continue" on bodies over 1 KiB */
	x->headers = curl_slist_append(x->headers, "Expect:");
	if (message_id && *message_id) {
		notify_add_id_atom(&sb, message_id);
		notify_add_header(x, "Idempotency-Key", sb.buf);
	}
	if (bearer && n->token) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "Bearer %s", n->token);
		notify_add_header(x, "Authorization", sb.buf);
	} else if (n->username) {
		curl_easy_setopt(x->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(x->curl, CURLOPT_USERNAME, n->username);
		curl_easy_setopt(x->curl, CURLOPT_PASSWORD, n->password);
	}
	strbuf_release(&sb);
}

/* The first max_bytes of s, cut on a character boundary and marked with "…" when cut. */
static void notify_add_cut_bytes(struct strbuf *sb, const char *s, size_t max_bytes)
{
	size_t len = strlen(s), n;

	if (len <= max_bytes) {
		strbuf_add(sb, s, len);
		return;
	}
	n = max_bytes - 3;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	strbuf_add(sb, s, n);
	strbuf_addstr(sb, NOTIFY_ELLIPSIS);
}

/* Same, counting characters (code points), as Pushover does. */
static void notify_add_cut_chars(struct strbuf *sb, const char *s, size_t max_chars)
{
	size_t chars = 0, i, cut = 0;

	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (chars == max_chars - 1)
				cut = i;
			chars++;
		}
	}
	if (chars <= max_chars) {
		strbuf_addstr(sb, s);
		return;
	}
	strbuf_add(sb, s, cut);
	strbuf_addstr(sb, NOTIFY_ELLIPSIS);
}

static int notify_send_ntfy(const struct notifier *n, const struct notify_message *msg, const char *message_id,
			    struct notify_xfer *x, struct notify_result *res)
{
	struct strbuf body = STRBUF_INIT, title = STRBUF_INIT;
	unsigned ev = (unsigned)msg->event < NOTIFY_EVENT_COUNT ? (unsigned)msg->event : NOTIFY_FAILED;
	char *link = NULL, prio[8];
	int ret = -1;

	if (notify_xfer_init(x, n, n->url, res) != 0)
		goto out;
	notify_add_cut_bytes(&body, msg->body ? msg->body : "", NOTIFY_NTFY_BODY_MAX);
	/* ntfy decodes RFC 2047 words in its headers; raw UTF-8 in headers trips some proxies */
	notify_add_http_title(&title, msg->title);
	notify_add_header(x, "Title", title.buf);
	/* X-Priority, not Priority: proxies rewrite "Priority", the RFC 9218 request header */
	snprintf(prio, sizeof(prio), "%d", notify_ntfy_priority[ev]);
	notify_add_header(x, "X-Priority", prio);
	notify_add_header(x, "Tags", notify_ntfy_tags[ev]);
	link = notify_link(msg);
	if (link)
		notify_add_header(x, "Click", link);
	notify_add_header(x, "Content-Type", "text/plain; charset=utf-8");
	notify_common_headers(n, message_id, 1, x);
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, body.buf ? body.buf : "");
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
	ret = notify_perform_http(x, res);
out:
	free(link);
	strbuf_release(&title);
	strbuf_release(&body);
	return ret;
}

/* {url}/message, keeping a query string; a URL that already ends in /message is taken as is. */
static char *notify_gotify_url(const char *base)
{
	CURLU *u = curl_url();
	char *path = NULL, *url = NULL, *ret = NULL;
	struct strbuf sb = STRBUF_INIT;

	if (!u || curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		path = NULL;
	strbuf_addstr(&sb, path ? path : "/");
	while (sb.len > 0 && sb.buf[sb.len - 1] == '/')
		strbuf_setlen(&sb, sb.len - 1);
	if (sb.len < 8 || strcmp(sb.buf + sb.len - 8, "/message") != 0)
		strbuf_addstr(&sb, "/message");
	if (curl_url_set(u, CURLUPART_PATH, sb.buf, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		goto out;
	ret = xstrdup(url);
out:
	strbuf_release(&sb);
	curl_free(path);
	curl_free(url);
	curl_url_cleanup(u);
	return ret;
}

static int notify_send_gotify(const struct notifier *n, const struct notify_message *msg, const char *message_id,
			      struct notify_xfer *x, struct notify_result *res)
{
	struct strbuf body = STRBUF_INIT;
	unsigned ev = (unsigned)msg->event < NOTIFY_EVENT_COUNT ? (unsigned)msg->event : NOTIFY_FAILED;
	const char *title = msg->title ? msg->title : "";
	const char *text = msg->body ? msg->body : "";
	char *url = NULL, *link = NULL;
	int ret = -1;

	url = notify_gotify_url(n->url);
	if (!url) {
		snprintf(res->error, sizeof(res->error), "url: not a valid URL");
		goto out;
	}
	if (notify_xfer_init(x, n, url, res) != 0)
		goto out;
	strbuf_addstr(&body, "{\"title\":");
	strbuf_add_json_string(&body, title, strlen(title));
	strbuf_addstr(&body, ",\"message\":");
	strbuf_add_json_string(&body, text, strlen(text));
	strbuf_addf(&body, ",\"priority\":%d", notify_gotify_priority[ev]);
	/* plain text, not markdown; a tap on the notification opens the status page */
	strbuf_addstr(&body, ",\"extras\":{\"client::display\":{\"contentType\":\"text/plain\"}");
	link = notify_link(msg);
	if (link) {
		strbuf_addstr(&body, ",\"client::notification\":{\"click\":{\"url\":");
		strbuf_add_json_string(&body, link, strlen(link));
		strbuf_addstr(&body, "}}");
	}
	strbuf_addstr(&body, "}}");
	notify_add_header(x, "X-Gotify-Key", n->token);
	notify_add_header(x, "Content-Type", "application/json");
	notify_common_headers(n, message_id, 0, x);
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, body.buf);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
	ret = notify_perform_http(x, res);
out:
	free(link);
	free(url);
	strbuf_release(&body);
	return ret;
}

static void notify_form_field(struct notify_xfer *x, struct strbuf *sb, const char *name, const char *value)
{
	char *enc = curl_easy_escape(x->curl, value, 0);

	if (sb->len)
		strbuf_addch(sb, '&');
	strbuf_addf(sb, "%s=%s", name, enc ? enc : "");
	curl_free(enc);
}

static int notify_send_pushover(const struct notifier *n, const struct notify_message *msg, const char *message_id,
				struct notify_xfer *x, struct notify_result *res)
{
	struct strbuf form = STRBUF_INIT, title = STRBUF_INIT, text = STRBUF_INIT;
	unsigned ev = (unsigned)msg->event < NOTIFY_EVENT_COUNT ? (unsigned)msg->event : NOTIFY_FAILED;
	char *link = NULL, *clean = NULL, prio[8];
	int ret = -1;

	if (notify_xfer_init(x, n, notify_url_of(n), res) != 0)
		goto out;
	clean = notify_clean_title(msg->title);
	notify_add_cut_chars(&title, clean, NOTIFY_PUSHOVER_TITLE_MAX);
	notify_add_cut_chars(&text, msg->body && *msg->body ? msg->body : "-", NOTIFY_PUSHOVER_MESSAGE_MAX);
	snprintf(prio, sizeof(prio), "%d", notify_pushover_priority[ev]);
	notify_form_field(x, &form, "token", n->token);
	notify_form_field(x, &form, "user", n->user_key);
	notify_form_field(x, &form, "title", strbuf_cstr(&title));
	notify_form_field(x, &form, "message", strbuf_cstr(&text));
	notify_form_field(x, &form, "priority", prio);
	link = notify_link(msg);
	if (link && strlen(link) <= NOTIFY_PUSHOVER_URL_MAX) {
		notify_form_field(x, &form, "url", link);
		notify_form_field(x, &form, "url_title", "Details");
	}
	notify_add_header(x, "Content-Type", "application/x-www-form-urlencoded");
	notify_common_headers(n, message_id, 0, x);
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, form.buf);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
	ret = notify_perform_http(x, res);
out:
	if (form.buf)
		explicit_bzero(form.buf, form.len); /* it holds the token and user key */
	free(link);
	free(clean);
	strbuf_release(&title);
	strbuf_release(&text);
	strbuf_release(&form);
	return ret;
}

static int notify_send_webhook(const struct notifier *n, const struct notify_message *msg, const char *message_id,
			       struct notify_xfer *x, struct notify_result *res)
{
	const char *json = msg->json ? msg->json : "{}";

	if (notify_xfer_init(x, n, n->url, res) != 0)
		return -1;
	notify_add_header(x, "Content-Type", "application/json");
	notify_add_header(x, "X-Homeops-Event", notify_event_name(msg->event));
	notify_common_headers(n, message_id, 1, x);
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json));
	return notify_perform_http(x, res);
}

int notify_send(const struct notifier *n, const struct notify_message *msg, const char *message_id,
		struct notify_result *res)
{
	struct notify_xfer x;
	char *err = NULL;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	notify_global_init();
	if (notifier_validate(n, &err) != 0) {
		snprintf(res->error, sizeof(res->error), "invalid notifier: %s", err);
		goto out;
	}
	switch (n->kind) {
	case NOTIFIER_SMTP:
		ret = notify_send_smtp(n, msg, message_id, &x, res);
		break;
	case NOTIFIER_NTFY:
		ret = notify_send_ntfy(n, msg, message_id, &x, res);
		break;
	case NOTIFIER_GOTIFY:
		ret = notify_send_gotify(n, msg, message_id, &x, res);
		break;
	case NOTIFIER_PUSHOVER:
		ret = notify_send_pushover(n, msg, message_id, &x, res);
		break;
	case NOTIFIER_WEBHOOK:
		ret = notify_send_webhook(n, msg, message_id, &x, res);
		break;
	}
	{
		char status[24];
		snprintf(status, sizeof(status), "%ld", res->status);
		log_debug("notify", ret == 0 ? "delivered" : "delivery failed", "notifier", n->name ? n->name : "",
			  "kind", notifier_kind_name(n->kind), "event", notify_event_name(msg->event),
			  "status", status, "retryable", res->retryable ? "true" : "false", "error", res->error);
	}
out:
	if (ret != 0)
		res->ok = false;
	notify_xfer_release(&x);
	free(err);
	return ret;
}

static pthread_once_t notify_curl_once = PTHREAD_ONCE_INIT;
static atomic_bool notify_curl_ready;

static void notify_curl_init(void)
{
	const curl_version_info_data *v;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	v = curl_version_info(CURLVERSION_NOW);
	/* CURLOPT_PROTOCOLS_STR needs 7.85; without it every send fails with a clear error */
	if (v && v->version_num < 0x075500)
		log_warn("notify", "libcurl older than 7.85, notifications will fail", "version", v->version);
	atomic_store(&notify_curl_ready, true);
}

/*
 * libcurl (with OpenSSL) is set up on the first send, not at start: initialising it touches about
 * 2.3 MiB of library pages that a receiver which has sent no notification yet never needs.
 */
void notify_global_init(void)
{
	pthread_once(&notify_curl_once, notify_curl_init);
}

void notify_global_cleanup(void)
{
	if (atomic_load(&notify_curl_ready))
		curl_global_cleanup();
}
