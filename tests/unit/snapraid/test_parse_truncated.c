/* test_parse_truncated.c: every prefix of every recorded SnapRAID file through every parser */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/strlist.h"
#include "exporters/snapraid/parse.h"
#include "tests/lib/testlib.h"

static size_t parsed_ok, parsed_busy, parsed_error;

/*
 * Runs all parsers on buf[0..len) held in an allocation of exactly len bytes (no NUL after it),
 * so AddressSanitizer reports any read past the end. Each parser must return a model or an
 * error with a kind and a message; a model for a prefix is fine as long as it is well-formed.
 */
static void parse_all(const char *data, size_t len)
{
	char *buf = malloc(len ? len : 1);
	struct sr_status *st = NULL;
	struct sr_smart *sm = NULL;
	struct sr_error err;
	enum sr_result r;

	memcpy(buf, data, len);

	r = sr_status_parse(buf, len, NULL, 0, &st, &err);
	assert_true(r == SR_OK || r == SR_BUSY || r == SR_ERROR);
	if (r == SR_OK) {
		assert_non_null(st);
		for (size_t i = 0; i < st->ndisks; i++)
			assert_non_null(st->disks[i].name);
		parsed_ok++;
	} else {
		assert_null(st);
		if (r == SR_ERROR) {
			assert_non_null(err.kind);
			assert_non_null(err.message);
			parsed_error++;
		} else {
			parsed_busy++;
		}
	}
	sr_status_free(st);
	sr_error_release(&err);

	/* the same bytes as the text half, with an empty log */
	r = sr_status_parse(NULL, 0, buf, len, &st, &err);
	assert_true(r == SR_OK || r == SR_BUSY || r == SR_ERROR);
	sr_status_free(st);
	sr_error_release(&err);

	r = sr_smart_parse(buf, len, NULL, 0, &sm, &err);
	assert_true(r == SR_OK || r == SR_BUSY || r == SR_ERROR);
	if (r == SR_OK) {
		assert_non_null(sm);
		for (size_t i = 0; i < sm->ndisks; i++) {
			assert_non_null(sm->disks[i].disk);
			assert_non_null(sm->disks[i].device);
			assert_non_null(sm->disks[i].serial);
		}
	} else if (r == SR_ERROR) {
		assert_non_null(err.kind);
		assert_non_null(err.message);
	}
	sr_smart_free(sm);
	sr_error_release(&err);

	struct sr_run *run = sr_run_parse(buf, len);
	assert_non_null(run);
	assert_true(run->outcome == SR_RUN_INCOMPLETE || run->outcome == SR_RUN_SUCCESS ||
		    run->outcome == SR_RUN_FAILED);
	sr_run_free(run);

	char *cmd = NULL;
	double t;
	sr_run_peek(buf, len, &cmd, &t);
	free(cmd);

	struct strlist l = STRLIST_INIT;
	sr_conf_content_paths(buf, len, &l);
	strlist_clear(&l);
	free(buf);
}

static void test_every_prefix(void **state)
{
	(void)state;
	char **files = fixture_list("snapraid", NULL);
	size_t nfiles = 0, nprefixes = 0;

	for (char **f = files; *f; f++) {
		size_t len;
		char *data = fixture_read(*f, &len);
		/* the two manuals (70 KB of prose) every 61st prefix; every SnapRAID output at each byte */
		size_t step = strstr(*f, "upstream-docs/") ? 61 : 1;
		for (size_t n = 0; n <= len; n += step) {
			parse_all(data, n);
			nprefixes++;
		}
		parse_all(data, len);
		free(data);
		nfiles++;
	}
	fixture_list_free(files);
	print_message("%zu files, %zu prefixes: status ok %zu busy %zu error %zu\n", nfiles, nprefixes, parsed_ok,
		      parsed_busy, parsed_error);
	assert_true(nfiles >= 60);
	assert_true(parsed_ok > 0 && parsed_busy > 0 && parsed_error > 0);
}

/* A complete report cut anywhere before its verdict is an error, never a partial model. */
static void test_status_prefix_before_verdict_is_error(void **state)
{
	(void)state;
	size_t len;
	char *data = fixture_read("snapraid/gaarek-server-status/status.1error.2021-03-15.txt", &len);
	const char *verdict = strstr(data, "DANGER! In the array there are 1 errors!");
	size_t cut = (size_t)(verdict - data);
	for (size_t n = 0; n < cut; n++) {
		struct sr_status *st = NULL;
		struct sr_error err;
		assert_int_equal(sr_status_parse(NULL, 0, data, n, &st, &err), SR_ERROR);
		sr_error_release(&err);
	}
	free(data);
}

int main(void)
{
	fixtures_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_status_prefix_before_verdict_is_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
