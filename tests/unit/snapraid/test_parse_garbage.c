/* test_parse_garbage.c: the SnapRAID parsers on garbage, hostile tags and edge values */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/strlist.h"
#include "exporters/snapraid/parse.h"
#include "tests/unit/snapraid/sr_test.h"

/* Every parser on exactly len bytes (copied so that ASan sees a read past the end). */
static enum sr_result status_bytes(const char *data, size_t len, struct sr_status **st, struct sr_error *err)
{
	char *buf = malloc(len ? len : 1);
	memcpy(buf, data, len);
	enum sr_result r = sr_status_parse(buf, len, NULL, 0, st, err);

	struct sr_smart *sm = NULL;
	struct sr_error e2;
	if (sr_smart_parse(NULL, 0, buf, len, &sm, &e2) == SR_ERROR)
		assert_non_null(e2.kind);
	sr_smart_free(sm);
	sr_error_release(&e2);
	sr_run_free(sr_run_parse(buf, len));
	struct strlist l = STRLIST_INIT;
	sr_conf_content_paths(buf, len, &l);
	strlist_clear(&l);
	free(buf);
	return r;
}

static void expect_status_error(const char *data, size_t len, const char *kind)
{
	struct sr_status *st = NULL;
	struct sr_error err;
	assert_int_equal(status_bytes(data, len, &st, &err), SR_ERROR);
	assert_null(st);
	assert_string_equal(err.kind, kind);
	assert_non_null(err.message);
	sr_error_release(&err);
}

static void test_empty_and_null(void **state)
{
	(void)state;
	struct sr_status *st = NULL;
	struct sr_error err;
	assert_int_equal(sr_status_parse(NULL, 0, NULL, 0, &st, &err), SR_ERROR);
	assert_string_equal(err.kind, "parse");
	assert_string_equal(err.message, "empty output");
	sr_error_release(&err);
	expect_status_error("", 0, "parse");
	expect_status_error("\n\n\r\n", 4, "parse");
}

static void test_random_bytes(void **state)
{
	(void)state;
	uint32_t x = 2463534242u; /* xorshift32: reproducible */
	for (int round = 0; round < 300; round++) {
		size_t len = (size_t)(round * 37 % 4096);
		char *buf = malloc(len ? len : 1);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			/* bias towards the characters the parsers look at */
			static const char alphabet[] = "summary:disk_ 0123456789:%-\n\r\tDANGER!msg:fatal:info_time:";
			buf[i] = (round & 1) ? (char)(x & 0xff) : alphabet[x % (sizeof(alphabet) - 1)];
		}
		struct sr_status *st = NULL;
		struct sr_error err;
		enum sr_result r = status_bytes(buf, len, &st, &err);
		assert_true(r == SR_OK || r == SR_BUSY || r == SR_ERROR);
		sr_status_free(st);
		sr_error_release(&err);
		free(buf);
	}
}

static void test_binary_and_long_line(void **state)
{
	(void)state;
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	expect_status_error(all, sizeof(all), "parse");

	size_t n = 1u << 20;
	char *line = malloc(n);
	memset(line, 'a', n);
	expect_status_error(line, n, "parse");
	memcpy(line, "summary:file_count:", 19);
	expect_status_error(line, n, "parse");
	free(line);
}

/* Hostile values in otherwise well-formed tags: ignored, never crashing or overflowing. */
static void test_hostile_tags(void **state)
{
	(void)state;
	const char log[] =
		"unixtime:99999999999999999999999999999999999999\n"
		"summary:block_size:-5\n"
		"summary:file_count:99999999999999999999\n"
		"summary:fragmented_file_count:1e5\n"
		"summary:disk_file_count::5\n"
		"summary:disk_file_count:5\n"
		"summary:disk_file_count:d:x:7\n"
		"summary:disk_space_wasted:d1:-999\n"
		"summary:parity_block_total::\n"
		"summary::::\n"
		"summary:\n"
		"summary:this_is_a_very_long_key_that_does_not_fit_the_parser_buffer_of_sixty_four:1\n"
		"block_count:0\n"
		"info_time:-1:-1:new\n"
		"info_time:1:2:3:4:5\n"
		"info_time:" "123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"
		"123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"
		"123456789012345678901234567890:1:new\n"
		"summary:has_unscrubbed:5\n"
		"summary:has_bad:\n"
		"msg:fatal:\n"
		"msg:fatal: WARNING! not fatal\n"
		"\0summary:has_bad:7:0:0\n"
		"summary:has_bad:0:0:0\n";
	struct sr_status *st = NULL;
	struct sr_error err;
	assert_int_equal(status_bytes(log, sizeof(log) - 1, &st, &err), SR_OK);
	assert_num(st->files, 99999999999999999999.0);
	assert_num(st->fragmented_files, NAN);       /* not an integer */
	assert_num(st->bad_blocks, 0);               /* the line after a NUL byte is cut at the NUL */
	assert_num(st->unscrubbed_ratio, NAN);       /* block_count 0: no ratio */
	assert_num(st->scrub_oldest_age_seconds, NAN);
	assert_num(st->block_size_bytes, NAN);       /* negative */
	assert_int_equal(st->ndisks, 2);             /* "5" has no name; "d:x" keeps the colon */
	assert_string_equal(st->disks[0].name, "d:x");
	assert_num(st->disks[0].files, 7);
	assert_string_equal(st->disks[1].name, "d1");
	assert_num(st->disks[1].wasted_bytes, 0);    /* negative waste: parity larger than the disk */
	sr_status_free(st);
}

static void test_report_needs_verdict_and_report(void **state)
{
	(void)state;
	/* a verdict alone is not a status report */
	expect_status_error("No error detected.\n", 19, "parse");
	const char table_only[] = "SnapRAID status report:\n\n   Files Fragmented\n       5       0       0     0.0"
				  "       0       0   5% d1\n";
	expect_status_error(table_only, sizeof(table_only) - 1, "parse");
}

static void test_fatal_kinds(void **state)
{
	(void)state;
	const char conf[] = "selftest:\nmsg:fatal: No configuration file found at '/etc/snapraid.conf'\n";
	expect_status_error(conf, sizeof(conf) - 1, "config");
	const char badline[] = "msg:fatal: Invalid command 'garbage' in 'bad.conf' at line 1\n";
	expect_status_error(badline, sizeof(badline) - 1, "config");
	const char disk[] = "msg:fatal: Disks '/srv/d1/' and '/srv/d2/' are on the same device.\n";
	expect_status_error(disk, sizeof(disk) - 1, "fatal");
}

static void test_smart_hostile(void **state)
{
	(void)state;
	const char log[] = "smart::\n"
			   "smart:/dev/sda:\n"
			   "attr:/dev/sda:d1:194:18446744073709551615:ffffffffffffffff\n"
			   "attr:/dev/sda:d1:9:99999999999999999999999:x\n"
			   "attr:/dev/sda:d1:afr:nan:inf\n"
			   "attr:/dev/sda:d1:serial:A\\dB\\\\C\\\n"
			   "attr:/dev/sda:d1:flags:8:8\n"
			   "attr:::::\n"
			   "attr:/dev/sdb\n"
			   "summary:array_failure:0.5:2\n";
	struct sr_smart *sm = NULL;
	struct sr_error err;
	assert_int_equal(sr_smart_parse(log, sizeof(log) - 1, NULL, 0, &sm, &err), SR_OK);
	assert_int_equal(sm->ndisks, 1);
	assert_num(sm->disks[0].temperature_celsius, 65535);
	assert_num(sm->disks[0].power_on_seconds, NAN);     /* beyond 64 bits */
	assert_num(sm->disks[0].failure_probability, NAN);
	assert_string_equal(sm->disks[0].serial, "A:B\\C\\");
	assert_num(sm->disks[0].failing, 1);
	assert_num(sm->array_failure_probability, NAN);     /* 2 is not a probability */
	sr_smart_free(sm);

	const char text[] = "SnapRAID SMART report:\n -----\n"
			    "      -      -    FAIL  n/a    -  -  -  -\n"
			    "     30     10  logerr  SSD  0.5  SER IAL  /dev/nvme0n1  cache\n"
			    "Probability that at least one disk is going to fail in the next year is 7%.\n";
	assert_int_equal(sr_smart_parse(NULL, 0, text, sizeof(text) - 1, &sm, &err), SR_OK);
	assert_int_equal(sm->ndisks, 2);
	assert_num(sm->disks[0].failing, 1);
	assert_num(sm->disks[0].temperature_celsius, NAN);
	assert_string_equal(sm->disks[0].serial, "-");
	assert_string_equal(sm->disks[1].serial, "SER IAL");
	assert_num(sm->disks[1].failing, 0);
	assert_num(sm->disks[1].error_count, NAN);
	assert_num(sm->disks[1].failure_probability, NAN);
	assert_num(sm->array_failure_probability, 0.07);
	sr_smart_free(sm);

	assert_int_equal(sr_smart_parse(NULL, 0, "SnapRAID SMART report:\n", 23, &sm, &err), SR_ERROR);
	assert_string_equal(err.kind, "parse");
	sr_error_release(&err);
}

static void test_run_edges(void **state)
{
	(void)state;
	const char killed[] = "version:none\nunixtime:5\ncommand:sync\nmsg:progress: Syncing...\n";
	struct sr_run *r = sr_run_parse(killed, sizeof(killed) - 1);
	assert_string_equal(r->command, "sync");
	assert_int_equal(r->outcome, SR_RUN_INCOMPLETE); /* running, or killed */
	sr_run_free(r);

	const char warn[] = "command:sync\nsummary:error_soft:3\nsummary:error_io:0\nsummary:error_data:0\n"
			    "summary:exit:warning\n";
	r = sr_run_parse(warn, sizeof(warn) - 1);
	assert_int_equal(r->outcome, SR_RUN_FAILED);
	assert_num(r->errors_soft, 3);
	sr_run_free(r);

	const char fatal[] = "command:scrub\nmsg:fatal: DANGER! Unexpected input/output error in disk d1.\n";
	r = sr_run_parse(fatal, sizeof(fatal) - 1);
	assert_int_equal(r->outcome, SR_RUN_FAILED);
	assert_string_equal(r->fatal, "DANGER! Unexpected input/output error in disk d1.");
	sr_run_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_binary_and_long_line),
		cmocka_unit_test(test_hostile_tags),
		cmocka_unit_test(test_report_needs_verdict_and_report),
		cmocka_unit_test(test_fatal_kinds),
		cmocka_unit_test(test_smart_hostile),
		cmocka_unit_test(test_run_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
