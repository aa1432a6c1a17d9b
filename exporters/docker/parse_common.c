/* parse_common.c: what every Docker parser shares: JSON loading, state and health names, RFC 3339 times, API versions */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/xalloc.h"
#include "exporters/docker/parse_json.h"

static const char *const dk_state_names[DK_STATE_COUNT] = {
	"created", "running", "paused", "restarting", "removing", "exited", "dead",
};
static const char *const dk_health_names[DK_HEALTH_COUNT] = {
	"healthy", "unhealthy", "starting", "none",
};

const char *dk_state_name(enum dk_state s)
{
	return s >= 0 && s < DK_STATE_COUNT ? dk_state_names[s] : "unknown";
}

enum dk_state dk_state_from(const char *s)
{
	for (int i = 0; s && i < DK_STATE_COUNT; i++)
		if (strcasecmp(s, dk_state_names[i]) == 0)  /* the API docs' examples say "Exited" */
			return (enum dk_state)i;
	/* Podman's compat API says "configured" and "stopped" for what Docker calls created and exited */
	if (s && strcasecmp(s, "configured") == 0)
		return DK_STATE_CREATED;
	if (s && strcasecmp(s, "stopped") == 0)
		return DK_STATE_EXITED;
	return DK_STATE_UNKNOWN;
}

const char *dk_health_name(enum dk_health h)
{
	return h >= 0 && h < DK_HEALTH_COUNT ? dk_health_names[h] : "unknown";
}

enum dk_health dk_health_from(const char *s)
{
	for (int i = 0; s && i < DK_HEALTH_COUNT; i++)
		if (strcmp(s, dk_health_names[i]) == 0)
			return (enum dk_health)i;
	return DK_HEALTH_UNKNOWN;
}

void dk_perr_set(struct dk_perr *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

json_t *dk_json_load(const char *buf, size_t len, json_type want, struct dk_perr *err)
{
	json_error_t je;
	json_t *root;

	if (!buf || len == 0) {
		dk_perr_set(err, "empty response");
		return NULL;
	}
	root = json_loadb(buf, len, JSON_DECODE_ANY, &je);
	if (!root) {
		dk_perr_set(err, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
		return NULL;
	}
	if (json_typeof(root) != want) {
		dk_perr_set(err, "expected a JSON %s", want == JSON_OBJECT ? "object" : "array");
		json_decref(root);
		return NULL;
	}
	return root;
}

const char *dk_json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

char *dk_json_strdup(const json_t *obj, const char *key)
{
	const char *s = dk_json_str(obj, key);
	return s ? xstrdup(s) : NULL;
}

bool dk_json_long(const json_t *obj, const char *key, long *out)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < -2147483647 - 1 || i > 2147483647)
			return false;
		*out = (long)i;
		return true;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != floor(d))
			return false;
		*out = (long)d;
		return true;
	}
	return false;
}

/* Reads exactly n decimal digits at *p; -1 when they are not there. */
static long dk_digits(const char **p, int n)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long dk_days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

double dk_time_parse(const char *s)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s;
	long y, mo, d, h, mi, sec;
	double frac = 0, scale = 0.1, off = 0;

	if (!s)
		return NAN;
	if ((y = dk_digits(&p, 4)) < 0 || *p++ != '-' || (mo = dk_digits(&p, 2)) < 0 || *p++ != '-' ||
	    (d = dk_digits(&p, 2)) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
		return NAN;
	p++;
	if ((h = dk_digits(&p, 2)) < 0 || *p++ != ':' || (mi = dk_digits(&p, 2)) < 0 || *p++ != ':' ||
	    (sec = dk_digits(&p, 2)) < 0)
		return NAN;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return NAN;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return NAN;
		while (*p >= '0' && *p <= '9') {
			frac += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		long oh, om;
		p++;
		if ((oh = dk_digits(&p, 2)) < 0 || *p++ != ':' || (om = dk_digits(&p, 2)) < 0 || oh > 23 || om > 59)
			return NAN;
		off = sign * (double)(oh * 3600 + om * 60);
	} else {
		return NAN;
	}
	if (*p != '\0' || y < 2)
		return NAN;
	return (double)dk_days_from_civil(y, mo, d) * 86400.0 + (double)(h * 3600 + mi * 60 + sec) + frac - off;
}

int dk_api_version_num(const char *s)
{
	char *end;
	long major, minor;

	if (!s || *s < '0' || *s > '9')
		return -1;
	major = strtol(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -1;
	minor = strtol(end + 1, &end, 10);
	if (*end != '\0' || major > 99 || minor > 99)
		return -1;
	return (int)(major * 100 + minor);
}
