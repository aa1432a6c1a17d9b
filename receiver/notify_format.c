/* notify_format.c: turn the facts of a run into a one-line title, a phone-readable body and a JSON object (pure) */
#include "receiver/notify.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/strbuf.h"
#include "common/xalloc.h"

/*
 * Bounds, in bytes. The title fits Pushover's 250-character title and a phone's lock screen;
 * the parts are bounded one by one so that one very long label cannot push the others out.
 * The body stays under ntfy's 4096-byte message limit in the common case (notify_send cuts
 * it per service anyway); the JSON keeps far more for machines.
 */
#define NOTIFY_TITLE_PLAYBOOK_MAX 64
#define NOTIFY_TITLE_ALERT_MAX 80
#define NOTIFY_TITLE_INSTANCE_MAX 64
#define NOTIFY_BODY_VALUE_MAX 200
#define NOTIFY_BODY_SUMMARY_MAX 400
#define NOTIFY_BODY_LINK_MAX 400
#define NOTIFY_BODY_TAIL_BYTES 1500
#define NOTIFY_BODY_TAIL_LINES 20
#define NOTIFY_JSON_VALUE_MAX 4096
#define NOTIFY_JSON_TAIL_MAX 16384

#define NOTIFY_ELLIPSIS "\xe2\x80\xa6" /* U+2026, 3 bytes */
#define NOTIFY_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

static const char *const notify_event_names[NOTIFY_EVENT_COUNT] = {
	"started", "succeeded", "failed", "gave_up", "interrupted",
};

/* What a title says about the event: short and upper-case, so it reads at a glance. */
static const char *const notify_event_titles[NOTIFY_EVENT_COUNT] = {
	"STARTED", "SUCCEEDED", "FAILED", "GAVE UP", "INTERRUPTED",
};

static const char *const notify_kind_names[] = {
	[NOTIFIER_SMTP] = "smtp",
	[NOTIFIER_NTFY] = "ntfy",
	[NOTIFIER_GOTIFY] = "gotify",
	[NOTIFIER_PUSHOVER] = "pushover",
	[NOTIFIER_WEBHOOK] = "webhook",
};

const char *notify_event_name(enum notify_event e)
{
	if ((unsigned)e >= NOTIFY_EVENT_COUNT)
		return "unknown";
	return notify_event_names[e];
}

int notify_event_parse(const char *s, enum notify_event *out)
{
	if (!s)
		return -1;
	for (unsigned i = 0; i < NOTIFY_EVENT_COUNT; i++) {
		if (strcmp(s, notify_event_names[i]) == 0) {
			*out = (enum notify_event)i;
			return 0;
		}
	}
	return -1;
}

const char *notifier_kind_name(enum notifier_kind k)
{
	if ((unsigned)k >= sizeof(notify_kind_names) / sizeof(notify_kind_names[0]))
		return "unknown";
	return notify_kind_names[k];
}

/*
 * Length of the well-formed UTF-8 sequence at p (1..4), its code point in *cp; 0 when the
 * bytes are not well-formed (overlong forms, surrogates and values past U+10FFFF included).
 */
static size_t notify_utf8_next(const unsigned char *p, size_t len, unsigned *cp)
{
	unsigned c = p[0];
	size_t n;
	unsigned v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Characters that end or separate lines or are controls: C0, DEL, C1, LINE/PARAGRAPH SEPARATOR. */
static int notify_is_break(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

/*
 * Invisible formatting characters: zero-width spaces and joiners, bidirectional overrides and
 * isolates (which can make a title read backwards: "Trojan Source"), the BOM. Dropped.
 */
static int notify_is_invisible(unsigned cp)
{
	return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffb);
}

/* Largest length <= max that does not split a UTF-8 sequence of the valid string s. */
static size_t notify_utf8_floor(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Skips an ANSI escape sequence starting at p[0] == ESC; returns its length. */
static size_t notify_ansi_len(const unsigned char *p, size_t len)
{
	size_t i;

	if (len < 2)
		return len;
	if (p[1] == '[') {
		/* CSI: parameters and intermediates, then one final byte 0x40..0x7e */
		for (i = 2; i < len; i++)
			if (p[i] >= 0x40 && p[i] <= 0x7e)
				return i + 1;
		return len;
	}
	if (p[1] == ']' || p[1] == 'P' || p[1] == '_' || p[1] == '^') {
		/* OSC/DCS/APC/PM: up to BEL or ST (ESC \) */
		for (i = 2; i < len; i++) {
			if (p[i] == 0x07)
				return i + 1;
			if (p[i] == 0x1b && i + 1 < len && p[i + 1] == '\\')
				return i + 2;
		}
		return len;
	}
	return 2;
}

/*
 * Appends s as one line: every control, line break and run of white space becomes one space,
 * invisible formatting characters go, invalid UTF-8 becomes U+FFFD, the ends are trimmed.
 * At most max bytes (max > 3); a longer value is cut on a character boundary and ends in "…".
 * Returns the number of bytes appended.
 */
static size_t notify_add_line(struct strbuf *sb, const char *s, size_t max)
{
	struct strbuf tmp = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	size_t len = s ? strlen(s) : 0;
	size_t i = 0, n, before = sb->len;
	int space = 0;

	while (i < len && tmp.len <= max) {
		unsigned cp;

		if (p[i] == 0x1b) {
			/* a terminal colour code is noise, not text */
			i += notify_ansi_len(p + i, len - i);
			continue;
		}
		n = notify_utf8_next(p + i, len - i, &cp);
		if (n == 0) {
			if (space)
				strbuf_addch(&tmp, ' ');
			space = 0;
			strbuf_addstr(&tmp, NOTIFY_REPLACEMENT);
			i++;
			continue;
		}
		if (cp == ' ' || notify_is_break(cp)) {
			space = tmp.len > 0;
		} else if (!notify_is_invisible(cp)) {
			if (space)
				strbuf_addch(&tmp, ' ');
			space = 0;
			strbuf_add(&tmp, p + i, n);
		}
		i += n;
	}
	if (tmp.len > max || i < len) {
		size_t keep = notify_utf8_floor(strbuf_cstr(&tmp), tmp.len, max - 3);
		while (keep > 0 && tmp.buf[keep - 1] == ' ')
			keep--;
		strbuf_setlen(&tmp, keep);
		strbuf_addstr(&tmp, NOTIFY_ELLIPSIS);
	}
	strbuf_add(sb, strbuf_cstr(&tmp), tmp.len);
	strbuf_release(&tmp);
	return sb->len - before;
}

/*
 * Appends the last lines of a program's output as readable text: terminal colour codes go,
 * a carriage return rewinds its line as a terminal would (progress bars keep their last
 * state), CRLF becomes LF, other controls and invisible characters go, invalid UTF-8 becomes
 * U+FFFD. Keeps at most max_lines lines and max bytes (on line boundaries when it can),
 * marking a cut with a first line "…".
 */
static void notify_add_tail(struct strbuf *sb, const char *s, size_t max, size_t max_lines)
{
	struct strbuf tmp = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	size_t i = 0, line_start = 0, start, lines;
	int cut = 0;

	/* Only the end matters; look at a window a few times the budget so cleaning has room. */
	if (len > max * 4) {
		i = len - max * 4;
		while (i < len && (p[i] & 0xc0) == 0x80)
			i++;
		cut = 1;
	}
	while (i < len) {
		unsigned cp;
		size_t n;

		if (p[i] == 0x1b) {
			i += notify_ansi_len(p + i, len - i);
			continue;
		}
		if (p[i] == '\r') {
			/* CRLF is a line end; a CR before more text rewinds the line */
			if (i + 1 < len && p[i + 1] != '\n' && p[i + 1] != '\r')
				strbuf_setlen(&tmp, line_start);
			i++;
			continue;
		}
		n = notify_utf8_next(p + i, len - i, &cp);
		if (n == 0) {
			strbuf_addstr(&tmp, NOTIFY_REPLACEMENT);
			i++;
			continue;
		}
		if (cp == '\n' || cp == 0x2028 || cp == 0x2029 || cp == 0x85) {
			/* trailing blanks are noise on a phone */
			while (tmp.len > line_start && (tmp.buf[tmp.len - 1] == ' ' || tmp.buf[tmp.len - 1] == '\t'))
				strbuf_setlen(&tmp, tmp.len - 1);
			strbuf_addch(&tmp, '\n');
			line_start = tmp.len;
		} else if (cp == '\t') {
			strbuf_addch(&tmp, '\t');
		} else if (!notify_is_break(cp) && !notify_is_invisible(cp)) {
			strbuf_add(&tmp, p + i, n);
		}
		i += n;
	}
	/* drop trailing blank lines and blanks */
	while (tmp.len > 0 && (tmp.buf[tmp.len - 1] == '\n' || tmp.buf[tmp.len - 1] == ' ' ||
			       tmp.buf[tmp.len - 1] == '\t'))
		strbuf_setlen(&tmp, tmp.len - 1);
	/* drop leading blank lines */
	start = 0;
	while (start < tmp.len && tmp.buf[start] == '\n')
		start++;

	/* keep the last max_lines lines */
	lines = 0;
	for (size_t k = tmp.len; k > start; k--) {
		if (tmp.buf[k - 1] == '\n' && ++lines >= max_lines) {
			start = k;
			cut = 1;
			break;
		}
	}
	/* and the last max bytes, starting on a line if one starts soon enough */
	if (tmp.len - start > max) {
		size_t from = tmp.len - max;
		size_t nl = from;

		while (nl < tmp.len && tmp.buf[nl] != '\n')
			nl++;
		if (nl < tmp.len && nl - from < max / 2) {
			from = nl + 1;
		} else {
			while (from < tmp.len && ((unsigned char)tmp.buf[from] & 0xc0) == 0x80)
				from++;
		}
		start = from;
		cut = 1;
	}
	if (cut && start < tmp.len)
		strbuf_addstr(sb, NOTIFY_ELLIPSIS "\n");
	strbuf_add(sb, tmp.buf ? tmp.buf + start : "", tmp.len - start);
	strbuf_release(&tmp);
}

/* True when s has something to show once cleaned. */
static int notify_has(const char *s)
{
	struct strbuf tmp = STRBUF_INIT;
	int has;

	if (!s || !*s)
		return 0;
	has = notify_add_line(&tmp, s, 16) > 0;
	strbuf_release(&tmp);
	return has;
}

/* A Unix time worth printing: finite, after 1970, before year 10000. */
static int notify_time_ok(double t)
{
	return isfinite(t) && t > 0 && t < 253402300800.0;
}

static void notify_add_time(struct strbuf *sb, double t, int iso)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm)) {
		strbuf_addstr(sb, "?");
		return;
	}
	if (iso)
		strbuf_addf(sb, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		strbuf_addf(sb, "%d %s %04d %02d:%02d:%02d UTC", tm.tm_mday, months[tm.tm_mon],
			    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void notify_add_duration(struct strbuf *sb, double d)
{
	if (d < 60) {
		strbuf_addf(sb, "%.1fs", d);
	} else if (d < 3600) {
		long s = (long)d;
		strbuf_addf(sb, "%ldm %02lds", s / 60, s % 60);
	} else {
		long s = (long)d;
		strbuf_addf(sb, "%ldh %02ldm", s / 3600, (s % 3600) / 60);
	}
}

/* Duration of the run in seconds, or -1 when the times do not say. */
static double notify_duration(const struct notify_facts *f)
{
	if (!notify_time_ok(f->started_at) || !notify_time_ok(f->ended_at) || f->ended_at < f->started_at)
		return -1;
	return f->ended_at - f->started_at;
}

/* "Label: value\n", the value cleaned to one line; nothing when the value is empty. */
static void notify_add_fact(struct strbuf *sb, const char *label, const char *value, size_t max)
{
	size_t mark = sb->len;

	if (!value)
		return;
	strbuf_addstr(sb, label);
	strbuf_addstr(sb, ": ");
	if (notify_add_line(sb, value, max) == 0) {
		strbuf_setlen(sb, mark);
		return;
	}
	strbuf_addch(sb, '\n');
}

static void notify_format_title(const struct notify_facts *f, struct strbuf *sb)
{
	int have_pb = notify_has(f->playbook);
	int have_alert = notify_has(f->alertname);

	strbuf_addstr(sb, "[homeops] ");
	strbuf_addstr(sb, (unsigned)f->event < NOTIFY_EVENT_COUNT ? notify_event_titles[f->event] : "EVENT");
	if (have_pb) {
		strbuf_addch(sb, ' ');
		notify_add_line(sb, f->playbook, NOTIFY_TITLE_PLAYBOOK_MAX);
	}
	if (have_alert) {
		strbuf_addstr(sb, have_pb ? " for " : " ");
		notify_add_line(sb, f->alertname, NOTIFY_TITLE_ALERT_MAX);
		if (f->alert_status && strcmp(f->alert_status, "resolved") == 0)
			strbuf_addstr(sb, " (resolved)");
	}
	if (notify_has(f->instance)) {
		strbuf_addstr(sb, " on ");
		notify_add_line(sb, f->instance, NOTIFY_TITLE_INSTANCE_MAX);
	}
}

/* The first line of the body: what happened, in a sentence. */
static void notify_format_headline(const struct notify_facts *f, struct strbuf *sb)
{
	int have_pb = notify_has(f->playbook);
	int have_result = notify_has(f->result);
	int have_alert = notify_has(f->alertname);
	const char *pb = have_pb ? f->playbook : "(unknown)";

	switch (f->event) {
	case NOTIFY_STARTED:
		strbuf_addstr(sb, "Running playbook ");
		notify_add_line(sb, pb, NOTIFY_BODY_VALUE_MAX);
		break;
	case NOTIFY_SUCCEEDED:
		strbuf_addstr(sb, "Playbook ");
		notify_add_line(sb, pb, NOTIFY_BODY_VALUE_MAX);
		strbuf_addstr(sb, " succeeded");
		break;
	case NOTIFY_FAILED:
		strbuf_addstr(sb, "Playbook ");
		notify_add_line(sb, pb, NOTIFY_BODY_VALUE_MAX);
		strbuf_addstr(sb, " failed");
		if (have_result) {
			strbuf_addstr(sb, " (");
			notify_add_line(sb, f->result, NOTIFY_BODY_VALUE_MAX);
			strbuf_addch(sb, ')');
		}
		break;
	case NOTIFY_GAVE_UP:
		strbuf_addstr(sb, "Gave up: playbook ");
		notify_add_line(sb, pb, NOTIFY_BODY_VALUE_MAX);
		if (f->attempt > 0)
			strbuf_addf(sb, " ran %d time%s without fixing it", f->attempt, f->attempt == 1 ? "" : "s");
		else
			strbuf_addstr(sb, " used all its attempts");
		strbuf_addstr(sb, " and will not be retried automatically. Please take a look");
		break;
	case NOTIFY_INTERRUPTED:
		strbuf_addstr(sb, "Playbook ");
		notify_add_line(sb, pb, NOTIFY_BODY_VALUE_MAX);
		strbuf_addstr(sb, " was interrupted: the receiver stopped while it ran");
		break;
	default:
		strbuf_addstr(sb, "Playbook ");
		notify_add_line(sb, pb, NOTIFY_BODY_VALUE_MAX);
		strbuf_addstr(sb, ": unknown event");
		break;
	}
	if (have_alert && f->event != NOTIFY_GAVE_UP && f->event != NOTIFY_INTERRUPTED) {
		strbuf_addstr(sb, " for ");
		notify_add_line(sb, f->alertname, NOTIFY_BODY_VALUE_MAX);
	}
	strbuf_addstr(sb, ".\n");
}

static void notify_format_body(const struct notify_facts *f, struct strbuf *sb)
{
	struct strbuf v = STRBUF_INIT;
	double dur = notify_duration(f);

	notify_format_headline(f, sb);
	strbuf_addch(sb, '\n');

	if (notify_has(f->alertname)) {
		notify_add_line(&v, f->alertname, NOTIFY_BODY_VALUE_MAX);
		if (notify_has(f->alert_status)) {
			strbuf_addstr(&v, " (");
			notify_add_line(&v, f->alert_status, 32);
			strbuf_addch(&v, ')');
		}
		/* already clean: add as is */
		strbuf_addf(sb, "Alert: %s\n", strbuf_cstr(&v));
		strbuf_reset(&v);
	}
	notify_add_fact(sb, "Severity", f->severity, NOTIFY_BODY_VALUE_MAX);
	notify_add_fact(sb, "Instance", f->instance, NOTIFY_BODY_VALUE_MAX);
	notify_add_fact(sb, "Summary", f->summary, NOTIFY_BODY_SUMMARY_MAX);
	notify_add_fact(sb, "Playbook", f->playbook, NOTIFY_BODY_VALUE_MAX);
	if (f->event != NOTIFY_STARTED)
		notify_add_fact(sb, "Result", f->result, NOTIFY_BODY_VALUE_MAX);
	if (f->attempt > 0 && f->max_attempts > 0)
		strbuf_addf(sb, "Attempt: %d of %d\n", f->attempt, f->max_attempts);
	else if (f->attempt > 0)
		strbuf_addf(sb, "Attempt: %d\n", f->attempt);
	if (notify_time_ok(f->started_at)) {
		strbuf_addstr(sb, "Started: ");
		notify_add_time(sb, f->started_at, 0);
		strbuf_addch(sb, '\n');
	}
	if (dur >= 0 && f->event != NOTIFY_STARTED) {
		strbuf_addstr(sb, "Duration: ");
		notify_add_duration(sb, dur);
		strbuf_addch(sb, '\n');
	}
	if (f->run_id > 0 || notify_has(f->hostname)) {
		strbuf_addstr(sb, "Run:");
		if (f->run_id > 0)
			strbuf_addf(sb, " #%ld", f->run_id);
		if (notify_has(f->hostname)) {
			strbuf_addstr(sb, " on ");
			notify_add_line(sb, f->hostname, NOTIFY_BODY_VALUE_MAX);
		}
		strbuf_addch(sb, '\n');
	}
	notify_add_fact(sb, "Fingerprint", f->fingerprint, 64);
	notify_add_fact(sb, "Details", f->external_url, NOTIFY_BODY_LINK_MAX);

	if (f->output_tail && f->event != NOTIFY_STARTED) {
		notify_add_tail(&v, f->output_tail, NOTIFY_BODY_TAIL_BYTES, NOTIFY_BODY_TAIL_LINES);
		if (v.len > 0) {
			strbuf_addstr(sb, "\nOutput (last lines):\n");
			strbuf_add(sb, v.buf, v.len);
			strbuf_addch(sb, '\n');
		}
	}
	strbuf_release(&v);
}

/* Appends "key":value for a string fact: null when absent, cut (valid UTF-8 kept) when long. */
static void notify_json_str(struct strbuf *sb, const char *key, const char *s, size_t max, int tail)
{
	size_t len, off = 0;

	strbuf_addf(sb, ",\"%s\":", key);
	if (!s) {
		strbuf_addstr(sb, "null");
		return;
	}
	len = strlen(s);
	if (len <= max) {
		strbuf_add_json_string(sb, s, len);
		return;
	}
	/* Cut on a byte that starts a character, so no valid character is split into U+FFFD. */
	if (tail) {
		off = len - max;
		while (off < len && ((unsigned char)s[off] & 0xc0) == 0x80)
			off++;
		len -= off;
	} else {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	{
		struct strbuf tmp = STRBUF_INIT;

		if (tail)
			strbuf_addstr(&tmp, NOTIFY_ELLIPSIS);
		strbuf_add(&tmp, s + off, len);
		if (!tail)
			strbuf_addstr(&tmp, NOTIFY_ELLIPSIS);
		strbuf_add_json_string(sb, tmp.buf, tmp.len);
		strbuf_release(&tmp);
	}
}

static void notify_json_time(struct strbuf *sb, const char *key, double t)
{
	strbuf_addf(sb, ",\"%s\":", key);
	if (!notify_time_ok(t)) {
		strbuf_addstr(sb, "null");
		return;
	}
	strbuf_addch(sb, '"');
	notify_add_time(sb, t, 1);
	strbuf_addch(sb, '"');
}

static void notify_format_json(const struct notify_facts *f, const char *title, const char *body,
			       struct strbuf *sb)
{
	double dur = notify_duration(f);

	strbuf_addstr(sb, "{\"event\":");
	strbuf_add_json_string(sb, notify_event_name(f->event), strlen(notify_event_name(f->event)));
	strbuf_addstr(sb, ",\"title\":");
	strbuf_add_json_string(sb, title, strlen(title));
	strbuf_addstr(sb, ",\"message\":");
	strbuf_add_json_string(sb, body, strlen(body));
	notify_json_str(sb, "alertname", f->alertname, NOTIFY_JSON_VALUE_MAX, 0);
	notify_json_str(sb, "alert_status", f->alert_status, NOTIFY_JSON_VALUE_MAX, 0);
	notify_json_str(sb, "fingerprint", f->fingerprint, NOTIFY_JSON_VALUE_MAX, 0);
	notify_json_str(sb, "severity", f->severity, NOTIFY_JSON_VALUE_MAX, 0);
	notify_json_str(sb, "summary", f->summary, NOTIFY_JSON_VALUE_MAX, 0);
	notify_json_str(sb, "instance", f->instance, NOTIFY_JSON_VALUE_MAX, 0);
	notify_json_str(sb, "playbook", f->playbook, NOTIFY_JSON_VALUE_MAX, 0);
	notify_json_str(sb, "result", f->result, NOTIFY_JSON_VALUE_MAX, 0);
	notify_json_str(sb, "output_tail", f->output_tail, NOTIFY_JSON_TAIL_MAX, 1);
	if (f->run_id > 0)
		strbuf_addf(sb, ",\"run_id\":%ld", f->run_id);
	else
		strbuf_addstr(sb, ",\"run_id\":null");
	if (f->attempt > 0)
		strbuf_addf(sb, ",\"attempt\":%d", f->attempt);
	else
		strbuf_addstr(sb, ",\"attempt\":null");
	if (f->max_attempts > 0)
		strbuf_addf(sb, ",\"max_attempts\":%d", f->max_attempts);
	else
		strbuf_addstr(sb, ",\"max_attempts\":null");
	notify_json_time(sb, "started_at", f->started_at);
	notify_json_time(sb, "ended_at", f->ended_at);
	if (dur >= 0)
		strbuf_addf(sb, ",\"duration_seconds\":%.3f", dur);
	else
		strbuf_addstr(sb, ",\"duration_seconds\":null");
	notify_json_str(sb, "hostname", f->hostname, NOTIFY_JSON_VALUE_MAX, 0);
	notify_json_str(sb, "url", f->external_url, NOTIFY_JSON_VALUE_MAX, 0);
	strbuf_addch(sb, '}');
}

void notify_format(const struct notify_facts *facts, struct notify_message *msg)
{
	struct strbuf title = STRBUF_INIT, body = STRBUF_INIT, json = STRBUF_INIT;

	memset(msg, 0, sizeof(*msg));
	msg->event = facts->event;
	notify_format_title(facts, &title);
	notify_format_body(facts, &body);
	notify_format_json(facts, strbuf_cstr(&title), strbuf_cstr(&body), &json);
	msg->title = strbuf_detach(&title, NULL);
	msg->body = strbuf_detach(&body, NULL);
	msg->json = strbuf_detach(&json, NULL);
}

void notify_message_release(struct notify_message *msg)
{
	if (!msg)
		return;
	free(msg->title);
	free(msg->body);
	free(msg->json);
	memset(msg, 0, sizeof(*msg));
}
