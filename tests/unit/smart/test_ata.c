/* test_ata.c: ata.c's one-pass temperature, power-on, cycles, bad sectors and overall status equal libatasmart's own getters */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <atasmart.h>
#include "exporters/smart/ata.h"
#include "tests/lib/testlib.h"

/* What libatasmart's high-level getters say about one SkDisk (each one re-parses the attributes). */
struct getters {
	bool temp_ok, power_on_ok, cycles_ok, bad_ok, overall_ok;
	uint64_t temp, power_on, cycles, bad;
	SkSmartOverall overall;
};

static void getters_read(SkDisk *d, struct getters *g)
{
	memset(g, 0, sizeof(*g));
	g->temp_ok = sk_disk_smart_get_temperature(d, &g->temp) == 0;
	g->power_on_ok = sk_disk_smart_get_power_on(d, &g->power_on) == 0;
	g->cycles_ok = sk_disk_smart_get_power_cycle(d, &g->cycles) == 0;
	g->bad_ok = sk_disk_smart_get_bad(d, &g->bad) == 0;
	g->overall_ok = sk_disk_smart_get_overall(d, &g->overall) == 0;
}

/* One blob through smart_ata_from_disk and through the getters: the same values, the same absences. */
/* How often each overall state came out (valid ones), to show the altered blobs reach them. */
static int overall_seen[SMART_OVERALL_MAX];

static void compare(const char *name, const void *buf, size_t len, int *compared)
{
	SkDisk *d = NULL;
	struct smart_reading r;
	struct getters g;
	const char *reason = NULL;

	assert_int_equal(sk_disk_open(NULL, &d), 0);
	if (sk_disk_set_blob(d, buf, len) < 0) {
		sk_disk_free(d);
		return;
	}
	if (smart_ata_from_disk(d, &r, &reason) < 0) {
		sk_disk_free(d);
		return;
	}
	getters_read(d, &g);
	sk_disk_free(d);

	const struct smart_ata *a = &r.ata;
	if (a->temperature_valid != g.temp_ok || (g.temp_ok && a->temperature_mkelvin != g.temp))
		fail_msg("%s: temperature %d/%llu, libatasmart %d/%llu", name, a->temperature_valid,
			 (unsigned long long)a->temperature_mkelvin, g.temp_ok, (unsigned long long)g.temp);
	if (a->power_on_valid != g.power_on_ok || (g.power_on_ok && a->power_on_ms != g.power_on))
		fail_msg("%s: power-on %d/%llu, libatasmart %d/%llu", name, a->power_on_valid,
			 (unsigned long long)a->power_on_ms, g.power_on_ok, (unsigned long long)g.power_on);
	if (a->power_cycles_valid != g.cycles_ok || (g.cycles_ok && a->power_cycles != g.cycles))
		fail_msg("%s: power cycles %d/%llu, libatasmart %d/%llu", name, a->power_cycles_valid,
			 (unsigned long long)a->power_cycles, g.cycles_ok, (unsigned long long)g.cycles);
	if (a->bad_sectors_valid != g.bad_ok || (g.bad_ok && a->bad_sectors != g.bad))
		fail_msg("%s: bad sectors %d/%llu, libatasmart %d/%llu", name, a->bad_sectors_valid,
			 (unsigned long long)a->bad_sectors, g.bad_ok, (unsigned long long)g.bad);
	if (a->overall_valid != g.overall_ok || (g.overall_ok && (int)a->overall != (int)g.overall))
		fail_msg("%s: overall %d/%d, libatasmart %d/%d", name, a->overall_valid, (int)a->overall,
			 g.overall_ok, (int)g.overall);
	if (a->overall_valid && (unsigned)a->overall < SMART_OVERALL_MAX)
		overall_seen[a->overall]++;
	(*compared)++;
}

static bool is_blob(const char *path)
{
	const char *f = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t l = strlen(f);
	return strcmp(f, "README") != 0 && !(l > 4 && !strcmp(f + l - 4, ".tsv")) &&
	       !(l > 11 && !strcmp(f + l - 11, ".skdump.txt"));
}

/* Every recorded disk as it is. */
static void test_derived_equal_getters_on_every_blob(void **state)
{
	char **files = fixture_list("smart/ata-blobs", NULL);
	int nblobs = 0, compared = 0;
	(void)state;

	for (size_t i = 0; files[i]; i++) {
		size_t len;
		char *buf;
		if (!is_blob(files[i]))
			continue;
		buf = fixture_read(files[i], &len);
		compare(files[i], buf, len, &compared);
		nblobs++;
		free(buf);
	}
	assert_int_equal(nblobs, 19);
	assert_int_equal(compared, 19);
	fixture_list_free(files);
}

/*
 * The same disks with bytes of the status, attribute and threshold sections changed (ids,
 * flags, values, raw counters, thresholds): other temperatures, sector counts and overall
 * states than the recordings have (bad sectors, failing attributes, many bad sectors), still
 * equal to libatasmart's answers. The altered blob is named in a failure.
 */
static void test_derived_equal_getters_on_altered_blobs(void **state)
{
	static const uint8_t xors[] = { 0x01, 0x80, 0xff };
	char **files = fixture_list("smart/ata-blobs", NULL);
	int compared = 0;
	(void)state;

	for (size_t i = 0; files[i]; i++) {
		size_t len;
		char *buf;
		char name[600];
		if (!is_blob(files[i]))
			continue;
		buf = fixture_read(files[i], &len);
		/* past IDENTIFY (8 + 512 bytes): the status, SMART data and threshold sections */
		for (size_t pos = 520, k = 0; pos < len; pos += 263, k++) {
			uint8_t x = xors[k % sizeof(xors)];
			buf[pos] ^= (char)x;
			snprintf(name, sizeof(name), "%s byte %zu ^ 0x%02x", files[i], pos, x);
			compare(name, buf, len, &compared);
			buf[pos] ^= (char)x;
		}
		free(buf);
	}
	print_message("compared %d altered blobs with libatasmart's getters; overall good %d, bad_attribute_in_the_past %d, "
		      "bad_sector %d, bad_attribute_now %d, bad_sector_many %d, bad_status %d\n", compared,
		      overall_seen[0], overall_seen[1], overall_seen[2], overall_seen[3], overall_seen[4], overall_seen[5]);
	assert_true(compared >= 19 * 2);
	fixture_list_free(files);
}

/* Offset of the payload of the blob section tagged tag (4-byte tag, 4-byte big-endian size); 0: none. */
static size_t section(const uint8_t *b, size_t len, const char *tag, size_t *size)
{
	size_t p = 0;
	while (p + 8 <= len) {
		size_t sz = ((size_t)b[p + 4] << 24) | ((size_t)b[p + 5] << 16) | ((size_t)b[p + 6] << 8) | b[p + 7];
		if (memcmp(b + p, tag, 4) == 0 && p + 8 + sz <= len) {
			*size = sz;
			return p + 8;
		}
		p += 8 + sz;
	}
	return 0;
}

/*
 * Each attribute of some disks in turn made to fail now (its current value 1, below any
 * threshold): a failing prefailure attribute, a failing reallocated sector count (Debian's
 * "many bad sectors").
 */
static void test_derived_equal_getters_on_failing_attributes(void **state)
{
	char **files = fixture_list("smart/ata-blobs", NULL);
	int compared = 0, nblobs = 0;
	(void)state;

	memset(overall_seen, 0, sizeof(overall_seen));
	for (size_t i = 0; files[i] && nblobs < 2; i++) {
		size_t len, size = 0, data;
		char *buf;
		char name[600];
		if (!is_blob(files[i]))
			continue;
		nblobs++;
		buf = fixture_read(files[i], &len);
		data = section((const uint8_t *)buf, len, "SMDT", &size);
		for (size_t n = 0; data && size >= 362 && n < 30; n++) {
			uint8_t *attr = (uint8_t *)buf + data + 2 + n * 12;
			if (attr[0] == 0)
				continue;
			uint8_t saved = attr[3];
			attr[3] = 1;
			snprintf(name, sizeof(name), "%s attribute %u failing", files[i], attr[0]);
			compare(name, buf, len, &compared);
			attr[3] = saved;
		}
		free(buf);
	}
	print_message("compared %d disks with a failing attribute; overall bad_attribute_now %d, bad_sector_many %d\n",
		      compared, overall_seen[SMART_OVERALL_BAD_ATTRIBUTE_NOW], overall_seen[SMART_OVERALL_BAD_SECTOR_MANY]);
	/* the rules that decide between the states were exercised */
	assert_true(overall_seen[SMART_OVERALL_BAD_SECTOR_MANY] > 0);
	assert_true(overall_seen[SMART_OVERALL_BAD_ATTRIBUTE_NOW] > 0);
	fixture_list_free(files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derived_equal_getters_on_every_blob),
		cmocka_unit_test(test_derived_equal_getters_on_altered_blobs),
		cmocka_unit_test(test_derived_equal_getters_on_failing_attributes),
	};
	fixtures_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
