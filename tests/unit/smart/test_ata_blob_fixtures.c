/* test_ata_blob_fixtures.c: every real libatasmart blob through the loader, cross-checked against skdump's own output */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/smart/render.h"
#include "exporters/smart/replay.h"
#include "tests/lib/testlib.h"

/* What skdump printed for one blob (NAME.skdump.txt), after stripping its ANSI bold escapes. */
struct skdump_attr {
	unsigned id;
	char name[64];
	char value[8], worst[8], thres[8];   /* number or "n/a" */
	char pretty[64];
	char raw[32];                        /* "0x" + 12 hex digits, raw[0] first */
	char type[16], updates[16], good[8], good_past[8];
};

struct skdump {
	char model[64], serial[64], firmware[64];
	char health[128];        /* "yes", "no" or an error text */
	char bad[128];           /* "N sectors" or an error text */
	char power_on[128];
	char cycles[128];
	char temp[128];
	char overall[128];
	size_t nattrs;
	struct skdump_attr attrs[32];
};

static void strip_ansi(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == 0x1b && r[1] == '[') {
			r += 2;
			while (*r && *r != 'm')
				r++;
			if (*r)
				r++;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

static bool field(const char *line, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	if (strncmp(line, key, kl) != 0)
		return false;
	snprintf(out, n, "%s", line + kl);
	return true;
}

static void bracketed(char *s)
{
	size_t l = strlen(s);
	if (l >= 2 && s[0] == '[' && s[l - 1] == ']') {
		memmove(s, s + 1, l - 2);
		s[l - 2] = '\0';
	}
}

static void parse_attr_row(const char *line, struct skdump *d)
{
	char row[512];
	char *tok[40];
	char *save = NULL;
	int nt = 0;
	struct skdump_attr *a;
	char pretty[64] = "";

	snprintf(row, sizeof(row), "%s", line);
	for (char *t = strtok_r(row, " ", &save); t && nt < 40; t = strtok_r(NULL, " ", &save))
		tok[nt++] = t;
	assert_true(nt >= 11);
	assert_true(d->nattrs < 32);
	a = &d->attrs[d->nattrs++];
	a->id = (unsigned)strtoul(tok[0], NULL, 10);
	snprintf(a->name, sizeof(a->name), "%s", tok[1]);
	snprintf(a->value, sizeof(a->value), "%s", tok[2]);
	snprintf(a->worst, sizeof(a->worst), "%s", tok[3]);
	snprintf(a->thres, sizeof(a->thres), "%s", tok[4]);
	/* Pretty may contain spaces ("2.8 months"): it is what lies between thres and the raw hex. */
	for (int i = 5; i < nt - 5; i++) {
		if (*pretty)
			strncat(pretty, " ", sizeof(pretty) - strlen(pretty) - 1);
		strncat(pretty, tok[i], sizeof(pretty) - strlen(pretty) - 1);
	}
	snprintf(a->pretty, sizeof(a->pretty), "%s", pretty);
	snprintf(a->raw, sizeof(a->raw), "%s", tok[nt - 5]);
	snprintf(a->type, sizeof(a->type), "%s", tok[nt - 4]);
	snprintf(a->updates, sizeof(a->updates), "%s", tok[nt - 3]);
	snprintf(a->good, sizeof(a->good), "%s", tok[nt - 2]);
	snprintf(a->good_past, sizeof(a->good_past), "%s", tok[nt - 1]);
}

static void skdump_parse(char *text, struct skdump *d)
{
	bool table = false;
	char *line = text;

	memset(d, 0, sizeof(*d));
	strip_ansi(text);
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (table && *line)
			parse_attr_row(line, d);
		else if (field(line, "Model: ", d->model, sizeof(d->model)))
			bracketed(d->model);
		else if (field(line, "Serial: ", d->serial, sizeof(d->serial)))
			bracketed(d->serial);
		else if (field(line, "Firmware: ", d->firmware, sizeof(d->firmware)))
			bracketed(d->firmware);
		else if (field(line, "SMART Disk Health Good: ", d->health, sizeof(d->health)) ||
			 field(line, "Bad Sectors: ", d->bad, sizeof(d->bad)) ||
			 field(line, "Powered On: ", d->power_on, sizeof(d->power_on)) ||
			 field(line, "Power Cycles: ", d->cycles, sizeof(d->cycles)) ||
			 field(line, "Temperature: ", d->temp, sizeof(d->temp)) ||
			 field(line, "Overall Status: ", d->overall, sizeof(d->overall)))
			;
		else if (strncmp(line, "ID# ", 4) == 0)
			table = true;
		line = nl ? nl + 1 : NULL;
	}
}

/* libatasmart's print_value(), so that pretty values can be compared with skdump's text. */
static void print_value(char *s, size_t len, uint64_t v, enum smart_ata_unit unit)
{
	switch (unit) {
	case SMART_UNIT_MSECONDS:
		if (v >= 1000LLU * 60 * 60 * 24 * 365)
			snprintf(s, len, "%0.1f years", ((double)v) / (1000.0 * 60 * 60 * 24 * 365));
		else if (v >= 1000LLU * 60 * 60 * 24 * 30)
			snprintf(s, len, "%0.1f months", ((double)v) / (1000.0 * 60 * 60 * 24 * 30));
		else if (v >= 1000LLU * 60 * 60 * 24)
			snprintf(s, len, "%0.1f days", ((double)v) / (1000.0 * 60 * 60 * 24));
		else if (v >= 1000LLU * 60 * 60)
			snprintf(s, len, "%0.1f h", ((double)v) / (1000.0 * 60 * 60));
		else if (v >= 1000LLU * 60)
			snprintf(s, len, "%0.1f min", ((double)v) / (1000.0 * 60));
		else if (v >= 1000LLU)
			snprintf(s, len, "%0.1f s", ((double)v) / 1000.0);
		else
			snprintf(s, len, "%llu ms", (unsigned long long)v);
		break;
	case SMART_UNIT_MKELVIN:
		snprintf(s, len, "%0.1f C", ((double)v - 273150) / 1000);
		break;
	case SMART_UNIT_SECTORS:
		snprintf(s, len, "%llu sectors", (unsigned long long)v);
		break;
	case SMART_UNIT_PERCENT:
		snprintf(s, len, "%llu%%", (unsigned long long)v);
		break;
	case SMART_UNIT_SMALL_PERCENT:
		snprintf(s, len, "%0.3f%%", (double)v);
		break;
	case SMART_UNIT_MB:
		if (v >= 1000000LLU)
			snprintf(s, len, "%0.3f TB", (double)v / 1000000LLU);
		else if (v >= 1000LLU)
			snprintf(s, len, "%0.3f GB", (double)v / 1000LLU);
		else
			snprintf(s, len, "%llu MB", (unsigned long long)v);
		break;
	case SMART_UNIT_NONE:
		snprintf(s, len, "%llu", (unsigned long long)v);
		break;
	case SMART_UNIT_UNKNOWN:
	case SMART_UNIT_MAX:
	default:
		snprintf(s, len, "n/a");
		break;
	}
}

static bool is_error_text(const char *s)
{
	return strstr(s, "No such") != NULL || strstr(s, "Failed") != NULL;
}

static void check_num_or_na(const char *blob, unsigned id, const char *what, const char *skdump, bool valid,
			    unsigned v)
{
	char buf[16];
	if (!valid) {
		if (strcmp(skdump, "n/a") != 0)
			fail_msg("%s attr %u %s: ours absent, skdump %s", blob, id, what, skdump);
		return;
	}
	snprintf(buf, sizeof(buf), "%u", v);
	if (strcmp(buf, skdump) != 0)
		fail_msg("%s attr %u %s: ours %s, skdump %s", blob, id, what, buf, skdump);
}

static const char *yes_no_na(bool valid, bool v)
{
	return valid ? (v ? "yes" : "no") : "n/a";
}

/* The rendered exposition of one reading, as the exporter would serve it. */
static char *render_one(const char *name, const struct smart_reading *r)
{
	struct metric_set *ms = metric_set_new();
	struct smart_view v;

	memset(&v, 0, sizeof(v));
	v.name = name;
	v.type = r->type;
	v.model = r->model;
	v.serial = r->serial;
	v.firmware = r->firmware;
	v.up = true;
	v.has_last = true;
	v.last_read_ts = 1700000000;
	v.reading = r;
	smart_render(ms, &v, 1);
	return test_render_free(ms);
}

static bool has_series(const char *text, const char *metric, const char *device)
{
	char key[256];
	snprintf(key, sizeof(key), "\n%s{device=\"%s\"", metric, device);
	return strstr(text, key) != NULL;
}

/* Exact values from skdump-summary.tsv (temperature in mK, power-on in ms). */
static bool summary_lookup(const char *tsv, const char *blob, char cols[7][128])
{
	char key[256];
	const char *p;
	snprintf(key, sizeof(key), "\n%s\t", blob);
	p = strstr(tsv, key);
	if (!p)
		return false;
	p++;
	for (int c = 0; c < 7; c++) {
		size_t n = strcspn(p, "\t\n");
		snprintf(cols[c], 128, "%.*s", (int)n, p);
		p += n;
		if (*p == '\t')
			p++;
	}
	return true;
}

static void check_blob(const char *blob, const char *tsv)
{
	char rel[512], *text, *out, cols[7][128];
	struct skdump sk;
	struct smart_reading r;
	const struct smart_ata *a = &r.ata;
	const char *reason = NULL;
	char buf[128];

	snprintf(rel, sizeof(rel), "smart/ata-blobs/%s.skdump.txt", blob);
	text = fixture_read(rel, NULL);
	skdump_parse(text, &sk);
	snprintf(rel, sizeof(rel), "smart/ata-blobs/%s", blob);
	if (smart_replay_load_blob(fixture_path(rel), &r, &reason) != 0)
		fail_msg("%s: loader failed: %s", blob, reason);
	out = render_one(blob, &r);

	assert_string_equal(r.model, sk.model);
	assert_string_equal(r.serial, sk.serial);
	assert_string_equal(r.firmware, sk.firmware);

	if (!strcmp(sk.health, "yes") || !strcmp(sk.health, "no")) {
		assert_true(a->status_valid);
		assert_int_equal(a->status_good, !strcmp(sk.health, "yes"));
		assert_true(has_series(out, "smart_device_smart_healthy", blob));
	} else {
		assert_true(is_error_text(sk.health));
		assert_false(a->status_valid);
		assert_false(has_series(out, "smart_device_smart_healthy", blob));
	}

	if (is_error_text(sk.overall)) {
		assert_false(a->overall_valid);
		assert_false(has_series(out, "smart_device_overall_status", blob));
	} else {
		char lower[64];
		size_t i;
		assert_true(a->overall_valid);
		for (i = 0; sk.overall[i] && i + 1 < sizeof(lower); i++)
			lower[i] = (char)(sk.overall[i] >= 'A' && sk.overall[i] <= 'Z' ? sk.overall[i] + 32 : sk.overall[i]);
		lower[i] = '\0';
		assert_string_equal(smart_overall_name(a->overall), lower);
		snprintf(buf, sizeof(buf), "smart_device_overall_status{device=\"%s\",status=\"%s\"} 1\n", blob, lower);
		assert_non_null(strstr(out, buf));
	}

	if (is_error_text(sk.bad)) {
		assert_false(a->bad_sectors_valid);
		assert_false(has_series(out, "smart_device_bad_sectors", blob));
	} else {
		assert_true(a->bad_sectors_valid);
		print_value(buf, sizeof(buf), a->bad_sectors, SMART_UNIT_SECTORS);
		assert_string_equal(buf, sk.bad);
		assert_true(has_series(out, "smart_device_bad_sectors", blob));
	}

	if (is_error_text(sk.power_on)) {
		assert_false(a->power_on_valid);
		assert_false(has_series(out, "smart_device_power_on_seconds", blob));
	} else {
		assert_true(a->power_on_valid);
		print_value(buf, sizeof(buf), a->power_on_ms, SMART_UNIT_MSECONDS);
		assert_string_equal(buf, sk.power_on);
		assert_true(has_series(out, "smart_device_power_on_seconds", blob));
	}

	if (is_error_text(sk.cycles)) {
		assert_false(a->power_cycles_valid);
		assert_false(has_series(out, "smart_device_power_cycles_total", blob));
	} else {
		assert_true(a->power_cycles_valid);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)a->power_cycles);
		assert_string_equal(buf, sk.cycles);
		assert_true(has_series(out, "smart_device_power_cycles_total", blob));
	}

	if (is_error_text(sk.temp)) {
		assert_false(a->temperature_valid);
		assert_false(has_series(out, "smart_device_temperature_celsius", blob));
	} else {
		assert_true(a->temperature_valid);
		print_value(buf, sizeof(buf), a->temperature_mkelvin, SMART_UNIT_MKELVIN);
		assert_string_equal(buf, sk.temp);
		assert_true(has_series(out, "smart_device_temperature_celsius", blob));
	}

	/* The summary holds the exact numbers skdump's text rounds. */
	assert_true(summary_lookup(tsv, blob, cols));
	if (a->temperature_valid)
		assert_int_equal(a->temperature_mkelvin, strtoull(cols[4], NULL, 10));
	else
		assert_non_null(strstr(cols[4], "Failed"));
	if (a->power_on_valid)
		assert_int_equal(a->power_on_ms, strtoull(cols[5], NULL, 10));
	else
		assert_non_null(strstr(cols[5], "Failed"));
	if (a->power_cycles_valid)
		assert_int_equal(a->power_cycles, strtoull(cols[6], NULL, 10));
	if (a->bad_sectors_valid)
		assert_int_equal(a->bad_sectors, strtoull(cols[3], NULL, 10));

	assert_int_equal(a->nattrs, sk.nattrs);
	for (size_t i = 0; i < sk.nattrs; i++) {
		const struct skdump_attr *s = &sk.attrs[i];
		const struct smart_ata_attr *o = &a->attrs[i];
		char raw[32];

		assert_int_equal(o->id, s->id);
		assert_string_equal(o->name, s->name);
		check_num_or_na(blob, s->id, "value", s->value, o->value_valid, o->value);
		check_num_or_na(blob, s->id, "worst", s->worst, o->worst_valid, o->worst);
		check_num_or_na(blob, s->id, "threshold", s->thres, o->threshold_valid, o->threshold);
		print_value(buf, sizeof(buf), o->pretty_value, o->pretty_unit);
		if (strcmp(buf, s->pretty) != 0)
			fail_msg("%s attr %u pretty: ours %s, skdump %s", blob, s->id, buf, s->pretty);
		snprintf(raw, sizeof(raw), "0x%02x%02x%02x%02x%02x%02x", o->raw_bytes[0], o->raw_bytes[1],
			 o->raw_bytes[2], o->raw_bytes[3], o->raw_bytes[4], o->raw_bytes[5]);
		assert_string_equal(raw, s->raw);
		/* raw is the same six bytes read little-endian */
		uint64_t le = 0;
		for (int b = 5; b >= 0; b--)
			le = (le << 8) | o->raw_bytes[b];
		assert_int_equal(o->raw, le);
		assert_string_equal(o->prefailure ? "prefail" : "old-age", s->type);
		assert_string_equal(o->online ? "online" : "offline", s->updates);
		assert_string_equal(yes_no_na(o->good_now_valid, o->good_now), s->good);
		assert_string_equal(yes_no_na(o->good_past_valid, o->good_past), s->good_past);

		/* and the exposition carries exactly the valid ones */
		snprintf(buf, sizeof(buf), "smart_ata_attribute_value{device=\"%s\",id=\"%u\",name=\"%s\"}", blob,
			 s->id, s->name);
		assert_int_equal(strstr(out, buf) != NULL, o->value_valid);
		snprintf(buf, sizeof(buf), "smart_ata_attribute_threshold{device=\"%s\",id=\"%u\",name=\"%s\"}",
			 blob, s->id, s->name);
		assert_int_equal(strstr(out, buf) != NULL, o->threshold_valid);
		snprintf(buf, sizeof(buf), "smart_ata_attribute_raw{device=\"%s\",id=\"%u\",name=\"%s\"} ", blob,
			 s->id, s->name);
		assert_non_null(strstr(out, buf));
	}
	free(out);
	free(text);
}

static void test_every_blob_matches_skdump(void **state)
{
	char **files = fixture_list("smart/ata-blobs", NULL);
	char *tsv = fixture_read("smart/ata-blobs/skdump-summary.tsv", NULL);
	int n = 0;
	(void)state;

	for (size_t i = 0; files[i]; i++) {
		const char *f = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		size_t l = strlen(f);
		if (!strcmp(f, "README") || (l > 4 && !strcmp(f + l - 4, ".tsv")) ||
		    (l > 11 && !strcmp(f + l - 11, ".skdump.txt")))
			continue;
		check_blob(f, tsv);
		n++;
	}
	print_message("cross-checked %d blobs against skdump\n", n);
	/* PROVENANCE.md lists 19 blobs, each with its skdump output. */
	assert_int_equal(n, 19);
	fixture_list_free(files);
	free(tsv);
}

/* True when off is the end of a section of the blob (sections: 4-byte tag, 4-byte big-endian
 * size, payload). */
static bool blob_boundary(const uint8_t *b, size_t len, size_t off)
{
	size_t p = 0;
	while (p + 8 <= len) {
		size_t sz = ((size_t)b[p + 4] << 24) | ((size_t)b[p + 5] << 16) | ((size_t)b[p + 6] << 8) | b[p + 7];
		p += 8 + sz;
		if (p == off)
			return true;
		if (p > off)
			return false;
	}
	return false;
}

/* Every blob cut at each section boundary (and inside sections), and one blob with bytes flipped
 * all over: refused or parsed, never a crash or a leak. The fuzzer does the rest. */
static void test_blobs_truncated_and_flipped(void **state)
{
	/* A blob is tagged sections: 8-byte header (tag, big-endian size) + payload; IDFY is 512. */
	static const size_t cuts[] = { 0, 1, 4, 7, 8, 9, 100, 519, 520, 521, 527, 528, 531, 532, 540, 1000, 1044, 1052 };
	char **files = fixture_list("smart/ata-blobs", NULL);
	int nblobs = 0;
	(void)state;

	for (size_t i = 0; files[i]; i++) {
		size_t len;
		char *buf;
		struct smart_reading r;
		const char *reason;
		const char *f = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		size_t fl = strlen(f);
		if (!strcmp(f, "README") || (fl > 4 && !strcmp(f + fl - 4, ".tsv")) ||
		    (fl > 11 && !strcmp(f + fl - 11, ".skdump.txt")))
			continue;
		buf = fixture_read(files[i], &len);
		for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
			int rc;
			if (cuts[c] >= len)
				continue;
			rc = smart_replay_blob_parse(buf, cuts[c], &r, &reason);
			/* Without the whole IDENTIFY section (8 + 512 bytes) no blob is accepted. */
			if (cuts[c] < 520) {
				assert_int_equal(rc, -1);
				assert_string_equal(reason, "blob");
			}
			/* Past IDENTIFY, a cut is accepted exactly when it falls between sections. */
			if (cuts[c] >= 520 && rc != (blob_boundary((const uint8_t *)buf, len, cuts[c]) ? 0 : -1))
				fail_msg("%s cut at %zu: rc %d", f, cuts[c], rc);
		}
		if (nblobs++ == 0) {
			for (size_t pos = 0; pos < len; pos += 37) {
				buf[pos] ^= 0x5a;
				(void)smart_replay_blob_parse(buf, len, &r, &reason);
				buf[pos] ^= 0x5a;
			}
		}
		free(buf);
	}
	assert_int_equal(nblobs, 19);
	fixture_list_free(files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_blob_matches_skdump),
		cmocka_unit_test(test_blobs_truncated_and_flipped),
	};
	fixtures_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
