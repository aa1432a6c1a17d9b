/* notify_mime.c: header-safe text, RFC 2047 encoded words and the RFC 5322/MIME mail message */
#include "receiver/notify.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "receiver/notify_internal.h"

/* ---- header-safe text ---- */

void notify_add_header_text(struct strbuf *sb, const char *s)
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

/* The formatter already cleaned titles; a stored message may not have been. */
char *notify_clean_title(const char *title)
{
	struct strbuf sb = STRBUF_INIT;

	notify_add_header_text(&sb, title ? title : "");
	return strbuf_detach(&sb, NULL);
}

void notify_add_http_title(struct strbuf *sb, const char *title)
{
	char *t = notify_clean_title(title);

	if (notify_needs_encoding(t))
		notify_add_encoded_words(sb, t, 45, " ");
	else
		strbuf_addstr(sb, t);
	free(t);
}

void notify_add_id_atom(struct strbuf *sb, const char *id)
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

void notify_hostname(char *buf, size_t size)
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
void notify_mail_compose(const struct notifier *n, const struct notify_message *msg, const char *message_id,
			 time_t now, struct strbuf *sb)
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
