/* log.c: leveled structured logging to stderr in logfmt or JSON lines, one write(2) per line */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/strbuf.h"

static enum log_level log_min_level = HLOG_INFO;
static int log_json;

static const char *const log_level_names[] = { "debug", "info", "warn", "error" };

int log_setup(const char *level, const char *format)
{
	int lvl = -1;
	int json = -1;

	for (int i = 0; i < 4; i++)
		if (level && strcmp(level, log_level_names[i]) == 0)
			lvl = i;
	if (format && strcmp(format, "logfmt") == 0)
		json = 0;
	else if (format && strcmp(format, "json") == 0)
		json = 1;
	if (lvl < 0 || json < 0)
		return -1;
	log_min_level = (enum log_level)lvl;
	log_json = json;
	return 0;
}

void log_set_level(enum log_level level)
{
	log_min_level = level;
}

bool log_enabled(enum log_level level)
{
	return level >= log_min_level;
}

/* logfmt needs quotes around values with spaces, '=', quotes, or control bytes, or when empty. */
static void log_add_logfmt_value(struct strbuf *sb, const char *v)
{
	bool quote = *v == '\0';
	for (const char *p = v; *p && !quote; p++)
		if (*p == ' ' || *p == '=' || *p == '"' || (unsigned char)*p < 0x20 || *p == 0x7f)
			quote = true;
	if (!quote) {
		strbuf_addstr(sb, v);
		return;
	}
	/* JSON string escaping is a valid logfmt quoted value. */
	strbuf_add_json_string(sb, v, strlen(v));
}

static void log_add_key(struct strbuf *sb, const char *k)
{
	if (log_json) {
		strbuf_addch(sb, ',');
		strbuf_add_json_string(sb, k, strlen(k));
		strbuf_addch(sb, ':');
	} else {
		strbuf_addch(sb, ' ');
		for (const char *p = k; *p; p++)
			strbuf_addch(sb, (*p == ' ' || *p == '=' || *p == '"') ? '_' : *p);
		strbuf_addch(sb, '=');
	}
}

static void log_add_value(struct strbuf *sb, const char *v)
{
	if (!v)
		v = "(null)";
	if (log_json)
		strbuf_add_json_string(sb, v, strlen(v));
	else
		log_add_logfmt_value(sb, v);
}

void log_msg(enum log_level level, const char *module, const char *msg, ...)
{
	struct strbuf sb = STRBUF_INIT;
	char ts[40];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (level < log_min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03ldZ", now.tv_nsec / 1000000);

	strbuf_grow(&sb, 160);
	if (log_json) {
		strbuf_addstr(&sb, "{\"ts\":");
		strbuf_add_json_string(&sb, ts, strlen(ts));
	} else {
		strbuf_addf(&sb, "ts=%s", ts);
	}
	log_add_key(&sb, "level");
	log_add_value(&sb, log_level_names[level]);
	if (module) {
		log_add_key(&sb, "caller");
		log_add_value(&sb, module);
	}
	log_add_key(&sb, "msg");
	log_add_value(&sb, msg);

	va_start(ap, msg);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (!k)
			break;
		const char *v = va_arg(ap, const char *);
		log_add_key(&sb, k);
		log_add_value(&sb, v);
	}
	va_end(ap);
	if (log_json)
		strbuf_addch(&sb, '}');
	strbuf_addch(&sb, '\n');

	const char *p = sb.buf;
	size_t left = sb.len;
	while (left > 0) {
		ssize_t w = write(STDERR_FILENO, p, left);
		if (w <= 0)
			break;
		p += w;
		left -= (size_t)w;
	}
	strbuf_release(&sb);
}

bool log_once_new(struct log_once *lo, const char *key)
{
	if (lo->last && key && strcmp(lo->last, key) == 0)
		return false;
	free(lo->last);
	lo->last = key ? strdup(key) : NULL;
	return true;
}

void log_once_clear(struct log_once *lo)
{
	free(lo->last);
	lo->last = NULL;
}
