/* parse_smart.c: `snapraid smart` output (the report table and the smart:/attr: log tags) to a model */
#include "exporters/snapraid/parse.h"
#include "exporters/snapraid/parse_util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"

/* smartctl exit status bits SnapRAID keeps as attr:...:flags: (smartctl(8), EXIT STATUS) */
#define SMARTCTL_FLAG_FAIL 0x08    /* SMART status check returned "DISK FAILING" */
#define SMARTCTL_FLAG_PREFAIL 0x10 /* prefail attributes at or below threshold */

struct smart_acc {
	struct sr_smart *sm;
	int table;          /* 0 before, 1 header seen, 2 rows, 3 done */
	bool complete;
	bool busy;
	bool unsupported;
	char *fatal;
	char *last_text;
	/* temperature from attribute 190 is used only when 194 is absent: remember which we had */
	bool *temp194;
};

static struct sr_smart_disk *smart_disk(struct smart_acc *a, const char *device, const char *disk)
{
	struct sr_smart *sm = a->sm;
	struct sr_smart_disk *d;

	for (size_t i = 0; i < sm->ndisks; i++)
		if (strcmp(sm->disks[i].device, device) == 0 && strcmp(sm->disks[i].disk, disk) == 0)
			return &sm->disks[i];
	sm->disks = xrealloc(sm->disks, (sm->ndisks + 1) * sizeof(*sm->disks));
	a->temp194 = xrealloc(a->temp194, (sm->ndisks + 1) * sizeof(*a->temp194));
	a->temp194[sm->ndisks] = false;
	d = &sm->disks[sm->ndisks++];
	d->disk = xstrdup(disk);
	d->device = xstrdup(device);
	d->serial = xstrdup("-");
	d->temperature_celsius = d->power_on_seconds = d->error_count = NAN;
	d->failure_probability = d->size_bytes = d->failing = NAN;
	return d;
}

static void smart_set_serial(struct sr_smart_disk *d, char *serial)
{
	if (!serial || !*serial) {
		free(serial);
		return;
	}
	free(d->serial);
	d->serial = serial;
}

/* "     40   2190       0  84%  1.0  WD-WCC0S0137066  /dev/sdc  d1" */
static bool smart_row(struct smart_acc *a, const char *line)
{
	char *copy = xstrdup(line);
	char *tok[64];
	size_t n = fields_split_cstr(copy, tok, 64);
	struct sr_smart_disk *d;
	double v;
	bool ok = false;

	if (n < 8 || n > 64)
		goto out;
	/* the first two columns are numbers or '-': anything else is not a row */
	for (size_t i = 0; i < 2; i++)
		if (strcmp(tok[i], "-") != 0 && !sr_parse_int(tok[i], &v))
			goto out;
	d = smart_disk(a, tok[n - 2], tok[n - 1]);
	if (sr_parse_int(tok[0], &v))
		d->temperature_celsius = v;
	if (sr_parse_int(tok[1], &v))
		d->power_on_seconds = v * 86400;
	if (sr_parse_int(tok[2], &v)) {
		d->error_count = v;
		d->failing = 0;
	} else if (strcmp(tok[2], "FAIL") == 0 || strcmp(tok[2], "PREFAIL") == 0) {
		d->failing = 1;
	} else if (strcmp(tok[2], "-") != 0) {
		d->failing = 0; /* logfail, logerr, selferr: logged in the past, not failing now */
	}
	{
		size_t l = strlen(tok[3]);
		if (l > 1 && tok[3][l - 1] == '%') {
			tok[3][l - 1] = '\0';
			if (sr_parse_float(tok[3], &v) && v >= 0 && v <= 100)
				d->failure_probability = v / 100;
		}
	}
	if (sr_parse_float(tok[4], &v) && v >= 0)
		d->size_bytes = v * 1e12;
	/* serial: columns 5 .. n-3 of the original line (a serial may hold spaces) */
	if (n > 7) {
		const char *s = line + (tok[5] - copy);
		const char *e = line + (tok[n - 3] - copy) + strlen(tok[n - 3]);
		if (!(e - s == 1 && *s == '-'))
			smart_set_serial(d, xstrndup(s, (size_t)(e - s)));
	}
	ok = true;
out:
	free(copy);
	return ok;
}

static void smart_text(struct smart_acc *a, const char *line)
{
	const char *s = sr_skip_ws(line);
	double v;

	if (a->table == 2) {
		if (!*s || !smart_row(a, line))
			a->table = 3;
		else
			return;
	}
	if (!*s)
		return;
	free(a->last_text);
	a->last_text = xstrdup(s);
	if (strcmp(s, "SnapRAID SMART report:") == 0) {
		a->table = 1;
	} else if (a->table == 1 && sr_starts(s, "-----", NULL)) {
		a->table = 2;
	} else if (sr_match(s, "Probability that at least one disk is going to fail in the next year is #%.", &v, 1)) {
		if (v >= 0 && v <= 100)
			a->sm->array_failure_probability = v / 100;
		a->complete = true;
	} else if (strstr(s, "nsupported in this platform")) {
		/* "Smart is unsupported in this platform." (v12+), "SMART unsupported ..." (older) */
		a->unsupported = true;
	} else if (strstr(s, "SnapRAID is already in use!")) {
		a->busy = true;
	}
}

/* The raw value of attr:<dev>:<disk>:<id>:<raw_decimal>:<raw_hex>[:...] */
static bool smart_raw(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || (*end != ':' && *end != '\0'))
		return false;
	*out = v;
	return true;
}

static void smart_attr(struct smart_acc *a, const char *rest)
{
	/* <device>:<disk>:<key>:<values...>; device files and disk names hold no ':' */
	const char *c1 = strchr(rest, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *c3;
	char *device = NULL, *disk = NULL, *key = NULL;
	const char *val;
	struct sr_smart_disk *d;
	double v;
	uint64_t raw;

	if (!c1 || !c2)
		return;
	device = xstrndup(rest, (size_t)(c1 - rest));
	disk = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
	c3 = strchr(c2 + 1, ':');
	key = c3 ? xstrndup(c2 + 1, (size_t)(c3 - c2 - 1)) : xstrdup(c2 + 1);
	val = c3 ? c3 + 1 : "";
	if (!*device || !*disk)
		goto out;
	d = smart_disk(a, device, disk);
	size_t idx = (size_t)(d - a->sm->disks);

	if (strcmp(key, "serial") == 0) {
		smart_set_serial(d, sr_unescape(val, strlen(val)));
	} else if (strcmp(key, "afr") == 0) {
		/* v12: afr:<rate>; later: afr:<rate>:<probability> */
		const char *c = strchr(val, ':');
		char *rate = c ? xstrndup(val, (size_t)(c - val)) : xstrdup(val);
		double p;
		if (c && sr_parse_float(c + 1, &p) && p >= 0 && p <= 1)
			d->failure_probability = p;
		else if (sr_parse_float(rate, &v) && v >= 0)
			d->failure_probability = 1 - exp(-v); /* Poisson: at least one failure in a year */
		free(rate);
	} else if (strcmp(key, "size") == 0) {
		if (sr_parse_int(val, &v) && v >= 0)
			d->size_bytes = v;
	} else if (strcmp(key, "error") == 0) {
		if (sr_parse_int(val, &v) && v >= 0)
			d->error_count = v;
	} else if (strcmp(key, "flags") == 0) {
		if (smart_raw(val, &raw))
			d->failing = (raw & (SMARTCTL_FLAG_FAIL | SMARTCTL_FLAG_PREFAIL)) ? 1 : 0;
	} else if (strcmp(key, "194") == 0) {
		if (smart_raw(val, &raw)) {
			d->temperature_celsius = (double)(raw & 0xffff);
			a->temp194[idx] = true;
		}
	} else if (strcmp(key, "190") == 0) {
		if (smart_raw(val, &raw) && !a->temp194[idx])
			d->temperature_celsius = (double)(raw & 0xffff);
	} else if (strcmp(key, "9") == 0) {
		if (smart_raw(val, &raw))
			d->power_on_seconds = (double)(raw & 0xffffffffu) * 3600;
	}
out:
	free(device);
	free(disk);
	free(key);
}

static void smart_tag(struct smart_acc *a, const char *line)
{
	const char *rest;
	double v;

	if (sr_tag_is(line, "attr", &rest)) {
		smart_attr(a, rest);
	} else if (sr_tag_is(line, "smart", &rest)) {
		const char *c = strchr(rest, ':');
		if (c && c != rest && c[1]) {
			char *device = xstrndup(rest, (size_t)(c - rest));
			smart_disk(a, device, c + 1);
			free(device);
		}
	} else if (sr_tag_is(line, "summary", &rest)) {
		const char *val;
		if (sr_starts(rest, "array_failure:", &val)) {
			const char *c = strchr(val, ':');
			if (c && sr_parse_float(c + 1, &v) && v >= 0 && v <= 1)
				a->sm->array_failure_probability = v;
			a->complete = true;
		}
	} else if (sr_tag_is(line, "unixtime", &rest)) {
		if (isnan(a->sm->unixtime) && sr_parse_int(rest, &v))
			a->sm->unixtime = v;
	} else if (sr_tag_is(line, "msg", &rest)) {
		if (sr_starts(rest, "fatal:", &rest)) {
			rest = sr_skip_ws(rest);
			if (strstr(rest, "nsupported in this platform"))
				a->unsupported = true;
			else if (strstr(rest, "SnapRAID is already in use!"))
				a->busy = true;
			else if (*rest && !a->fatal && !sr_starts(rest, "WARNING!", NULL))
				a->fatal = xstrdup(rest);
		}
	}
}

static void smart_feed(struct smart_acc *a, const char *buf, size_t len)
{
	struct line_reader it;
	const char *line;

	line_reader_init(&it, buf, len, LINES_STRIP_CR);
	while ((line = line_reader_next(&it))) {
		if (sr_tag(line, NULL))
			smart_tag(a, line);
		else
			smart_text(a, line);
	}
	line_reader_release(&it);
}

enum sr_result sr_smart_parse(const char *log, size_t log_len, const char *text, size_t text_len,
			      struct sr_smart **out, struct sr_error *err)
{
	struct smart_acc a;
	struct sr_smart *sm = xcalloc(1, sizeof(*sm));
	enum sr_result res = SR_ERROR;

	*out = NULL;
	err->kind = NULL;
	err->message = NULL;
	memset(&a, 0, sizeof(a));
	a.sm = sm;
	sm->unixtime = NAN;
	sm->array_failure_probability = NAN;

	/* the report text first, so that the more precise tags override its rounded columns */
	smart_feed(&a, text, text_len);
	smart_feed(&a, log, log_len);

	if (a.complete) {
		*out = sm;
		sm = NULL;
		res = SR_OK;
	} else if (a.busy) {
		res = SR_BUSY;
	} else if (a.unsupported) {
		err->kind = "unsupported";
		err->message = xstrdup("SMART is unsupported for these devices");
	} else if (a.fatal) {
		err->kind = "fatal";
		err->message = xstrdup(a.fatal);
	} else {
		err->kind = "parse";
		if (a.table)
			err->message = xstrdup("incomplete SMART report");
		else if (a.last_text)
			err->message = xasprintf("no SMART report in output; last line: %.200s", a.last_text);
		else
			err->message = xstrdup("empty output");
	}
	free(a.fatal);
	free(a.last_text);
	free(a.temp194);
	sr_smart_free(sm);
	return res;
}

void sr_smart_free(struct sr_smart *sm)
{
	if (!sm)
		return;
	for (size_t i = 0; i < sm->ndisks; i++) {
		free(sm->disks[i].disk);
		free(sm->disks[i].device);
		free(sm->disks[i].serial);
	}
	free(sm->disks);
	free(sm);
}
