/* webhook.c: Alertmanager webhook payload parsing and validation with jansson (pure: no I/O, no clock) */
#include "receiver/webhook.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/jsonshape.h"
#include "common/xalloc.h"
#include "common/chars.h"

const char *wh_status_name(enum wh_status s)
{
	switch (s) {
	case WH_STATUS_FIRING: return "firing";
	case WH_STATUS_RESOLVED: return "resolved";
	default: return "unknown";
	}
}

static enum wh_status wh_status_from(const char *s)
{
	if (strcmp(s, "firing") == 0)
		return WH_STATUS_FIRING;
	if (strcmp(s, "resolved") == 0)
		return WH_STATUS_RESOLVED;
	return WH_STATUS_UNKNOWN;
}

/* ---- time ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t wh_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void wh_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int wh_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static unsigned wh_days_in_month(int y, int m)
{
	static const unsigned dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

int wh_time_parse(const char *s, struct wh_time *out)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0;
	int32_t nsec = 0;
	const char *p;

	memset(out, 0, sizeof(*out));
	if (strlen(s) < 20)
		return -1;
	if (wh_digits(s, 4, &y) || s[4] != '-' || wh_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    wh_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || wh_digits(s + 11, 2, &h) ||
	    s[13] != ':' || wh_digits(s + 14, 2, &mi) || s[16] != ':' || wh_digits(s + 17, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > wh_days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return -1;
	p = s + 19;
	if (*p == '.' || *p == ',') {
		int nd = 0;
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nd < 9) {
				nsec = nsec * 10 + (*p - '0');
				nd++;
			}
			p++;
		}
		if (nd == 0)
			return -1;
		for (; nd < 9; nd++)
			nsec *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		if (wh_digits(p + 1, 2, &oh) || p[3] != ':' || wh_digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		oh *= sign;
		om *= sign;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	out->sec = wh_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
		   (oh * 3600 + om * 60);
	out->nsec = nsec;
	/* Go's zero time.Time, which Alertmanager writes for "no end" */
	out->zero = y == 1 && mo == 1 && d == 1 && h == 0 && mi == 0 && se == 0 && nsec == 0 && oh == 0 && om == 0;
	return 0;
}

void wh_time_format(const struct wh_time *t, char *buf, size_t n)
{
	int64_t days = t->sec / 86400, rem = t->sec % 86400, y;
	unsigned m, d;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	wh_civil_from_days(days, &y, &m, &d);
	snprintf(buf, n, "%04lld-%02u-%02uT%02d:%02d:%02d.%09dZ", (long long)y, m, d, (int)(rem / 3600),
		 (int)(rem % 3600 / 60), (int)(rem % 60), (int)t->nsec);
}

double wh_time_seconds(const struct wh_time *t)
{
	if (t->zero)
		return 0;
	return (double)t->sec + t->nsec / 1e9;
}

/* ---- label sets ---- */

static int wh_pair_cmp(const void *a, const void *b)
{
	return strcmp(((const struct wh_pair *)a)->name, ((const struct wh_pair *)b)->name);
}

void wh_set_sort(struct wh_set *s)
{
	if (s->n > 1)
		qsort(s->items, s->n, sizeof(*s->items), wh_pair_cmp);
}

void wh_set_release(struct wh_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->items[i].name);
		free(s->items[i].value);
	}
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

const char *wh_set_get(const struct wh_set *s, const char *name)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->items[mid].name, name);
		if (c == 0)
			return s->items[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void wh_fingerprint(const struct wh_set *labels, char out[17])
{
	uint64_t h = 14695981039346656037ULL;
	const uint64_t prime = 1099511628211ULL;

	for (size_t i = 0; i < labels->n; i++) {
		const unsigned char *p;
		for (p = (const unsigned char *)labels->items[i].name; *p; p++)
			h = (h ^ *p) * prime;
		h = (h ^ 0xff) * prime;
		for (p = (const unsigned char *)labels->items[i].value; *p; p++)
			h = (h ^ *p) * prime;
		h = (h ^ 0xff) * prime;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* ---- JSON helpers ---- */

static void wh_err(char **err, const char *fmt, const char *a, const char *b)
{
	if (err && !*err)
		*err = xasprintf(fmt, a, b ? b : "");
}

/* A string member: absent or null gives "", anything but a string is an error. */
static int wh_get_string(json_t *obj, const char *key, const char *where, char **dest, char **err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		*dest = xstrdup("");
		return 0;
	}
	if (!json_is_string(v)) {
		wh_err(err, "%s%s is not a string", where, key);
		return -1;
	}
	*dest = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

static int wh_get_set(json_t *obj, const char *key, const char *where, bool required, struct wh_set *dest,
		      char **err)
{
	json_t *v = json_object_get(obj, key), *val;
	const char *name;
	size_t i = 0;

	if (!v || json_is_null(v)) {
		if (required) {
			wh_err(err, "%s%s is missing", where, key);
			return -1;
		}
		return 0;
	}
	if (!json_is_object(v)) {
		wh_err(err, "%s%s is not an object", where, key);
		return -1;
	}
	dest->n = json_object_size(v);
	dest->items = dest->n ? xcalloc(dest->n, sizeof(*dest->items)) : NULL;
	json_object_foreach(v, name, val) {
		if (!json_is_string(val)) {
			char *k = xasprintf("%s%s.", where, key);
			wh_err(err, "%s%s is not a string", k, name);
			free(k);
			dest->n = i;
			wh_set_release(dest);
			return -1;
		}
		dest->items[i].name = xstrdup(name);
		dest->items[i].value = xstrndup(json_string_value(val), json_string_length(val));
		i++;
	}
	dest->n = i;
	wh_set_sort(dest);
	return 0;
}

static bool wh_is_hex16(const char *s)
{
	if (strlen(s) != 16)
		return false;
	for (; *s; s++)
		if (hex_digit((unsigned char)*s) < 0)
			return false;
	return true;
}

static int wh_parse_alert(json_t *a, size_t idx, enum wh_status payload_status, struct wh_alert *out, char **err)
{
	char where[48];
	char *status = NULL, *fp = NULL;
	int ret = -1;

	snprintf(where, sizeof(where), "alerts[%zu].", idx);
	if (!json_is_object(a)) {
		if (err && !*err)
			*err = xasprintf("alerts[%zu] is not an object", idx);
		goto out;
	}
	if (wh_get_string(a, "status", where, &status, err) ||
	    wh_get_set(a, "labels", where, true, &out->labels, err) ||
	    wh_get_set(a, "annotations", where, false, &out->annotations, err) ||
	    wh_get_string(a, "startsAt", where, &out->starts_at_raw, err) ||
	    wh_get_string(a, "endsAt", where, &out->ends_at_raw, err) ||
	    wh_get_string(a, "generatorURL", where, &out->generator_url, err) ||
	    wh_get_string(a, "fingerprint", where, &fp, err))
		goto out;

	if (*status) {
		out->status = wh_status_from(status);
	} else {
		out->status = payload_status;
		out->status_inherited = true;
		json_object_set_new(a, "status", json_string(wh_status_name(payload_status)));
	}
	if (*out->starts_at_raw && wh_time_parse(out->starts_at_raw, &out->starts_at) == 0)
		wh_time_format(&out->starts_at, out->starts_at_key, sizeof(out->starts_at_key));
	if (*out->ends_at_raw && wh_time_parse(out->ends_at_raw, &out->ends_at) != 0) {
		wh_err(err, "%sendsAt is not an RFC 3339 time", where, NULL);
		goto out;
	}
	if (!*out->ends_at_raw)
		out->ends_at.zero = true;

	if (*fp) {
		if (!wh_is_hex16(fp)) {
			wh_err(err, "%sfingerprint is not 16 hex digits", where, NULL);
			goto out;
		}
		for (int i = 0; i < 16; i++)
			out->fingerprint[i] = (char)((fp[i] >= 'A' && fp[i] <= 'F') ? fp[i] - 'A' + 'a' : fp[i]);
		out->fingerprint[16] = '\0';
	} else {
		wh_fingerprint(&out->labels, out->fingerprint);
		out->fingerprint_computed = true;
		json_object_set_new(a, "fingerprint", json_string(out->fingerprint));
	}
	out->json = json_dumps(a, JSON_COMPACT);
	if (!out->json) {
		wh_err(err, "%s%s", "alert cannot be serialized", NULL);
		goto out;
	}
	out->json_len = strlen(out->json);
	ret = 0;
out:
	free(status);
	free(fp);
	return ret;
}

static void wh_alert_release(struct wh_alert *a)
{
	wh_set_release(&a->labels);
	wh_set_release(&a->annotations);
	free(a->starts_at_raw);
	free(a->ends_at_raw);
	free(a->generator_url);
	free(a->json);
	memset(a, 0, sizeof(*a));
}

void wh_payload_release(struct wh_payload *p)
{
	if (!p)
		return;
	free(p->version);
	free(p->receiver);
	free(p->group_key);
	free(p->external_url);
	free(p->notification_reason);
	wh_set_release(&p->group_labels);
	wh_set_release(&p->common_labels);
	wh_set_release(&p->common_annotations);
	for (size_t i = 0; i < p->nalerts; i++)
		wh_alert_release(&p->alerts[i]);
	free(p->alerts);
	memset(p, 0, sizeof(*p));
}

int wh_parse(const char *buf, size_t len, struct wh_payload *out, char **err)
{
	json_error_t jerr;
	json_t *root = NULL, *alerts, *trunc;
	char *status = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	const char *what = NULL;
	if (!jsonshape_within(buf, len, WH_MAX_DEPTH, WH_MAX_VALUES, &what)) {
		if (err && !*err)
			*err = xasprintf("invalid JSON for a webhook: %s over the limit (%d levels, %d values)", what, WH_MAX_DEPTH,
					 WH_MAX_VALUES);
		goto out;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		char pos[64];
		snprintf(pos, sizeof(pos), " at line %d column %d", jerr.line, jerr.column);
		wh_err(err, "invalid JSON: %s%s", jerr.text, pos);
		goto out;
	}
	if (!json_is_object(root)) {
		wh_err(err, "%s%s", "payload is not a JSON object", NULL);
		goto out;
	}
	if (wh_get_string(root, "version", "", &out->version, err) ||
	    wh_get_string(root, "receiver", "", &out->receiver, err) ||
	    wh_get_string(root, "status", "", &status, err) ||
	    wh_get_string(root, "groupKey", "", &out->group_key, err) ||
	    wh_get_string(root, "externalURL", "", &out->external_url, err) ||
	    wh_get_string(root, "notification_reason", "", &out->notification_reason, err) ||
	    wh_get_set(root, "groupLabels", "", false, &out->group_labels, err) ||
	    wh_get_set(root, "commonLabels", "", false, &out->common_labels, err) ||
	    wh_get_set(root, "commonAnnotations", "", false, &out->common_annotations, err))
		goto out;
	out->status = wh_status_from(status);
	trunc = json_object_get(root, "truncatedAlerts");
	if (trunc && !json_is_null(trunc)) {
		if (!json_is_integer(trunc) || json_integer_value(trunc) < 0) {
			wh_err(err, "%s%s", "truncatedAlerts is not a non-negative integer", NULL);
			goto out;
		}
		out->truncated_alerts = json_integer_value(trunc);
	}
	alerts = json_object_get(root, "alerts");
	if (!alerts) {
		wh_err(err, "%s%s", "alerts is missing", NULL);
		goto out;
	}
	if (!json_is_array(alerts)) {
		wh_err(err, "%s%s", "alerts is not an array", NULL);
		goto out;
	}
	out->nalerts = json_array_size(alerts);
	out->alerts = out->nalerts ? xcalloc(out->nalerts, sizeof(*out->alerts)) : NULL;
	for (size_t i = 0; i < out->nalerts; i++)
		if (wh_parse_alert(json_array_get(alerts, i), i, out->status, &out->alerts[i], err))
			goto out;
	ret = 0;
out:
	free(status);
	json_decref(root);
	if (ret)
		wh_payload_release(out);
	return ret;
}

int wh_validate(const struct wh_payload *p, char **err)
{
	char where[48];

	if (strcmp(p->version, "4") != 0) {
		wh_err(err, "unsupported payload version \"%s\" (want \"4\")%s", p->version, NULL);
		return -1;
	}
	if (p->nalerts == 0) {
		wh_err(err, "%s%s", "no alerts", NULL);
		return -1;
	}
	for (size_t i = 0; i < p->nalerts; i++) {
		const struct wh_alert *a = &p->alerts[i];
		snprintf(where, sizeof(where), "alerts[%zu].", i);
		if (a->status == WH_STATUS_UNKNOWN) {
			wh_err(err, "%s%s is not firing or resolved", where, "status");
			return -1;
		}
		if (!a->starts_at_key[0]) {
			wh_err(err, "%s%s is missing or not an RFC 3339 time", where, "startsAt");
			return -1;
		}
		if (a->labels.n == 0) {
			wh_err(err, "%s%s is empty", where, "labels");
			return -1;
		}
		for (size_t j = 0; j < a->labels.n; j++) {
			if (!a->labels.items[j].name[0]) {
				wh_err(err, "%s%s has an empty name", where, "labels");
				return -1;
			}
		}
	}
	return 0;
}
