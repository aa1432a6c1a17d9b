/* test_parse_status.c: sr_status_parse() on every recorded `snapraid status` (v10-v11 text, 12.2, 13.0) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/snapraid/parse.h"
#include "tests/lib/testlib.h"
#include "tests/unit/snapraid/sr_test.h"

#define GB 1e9
#define DAY 86400.0
#define BS 262144.0

/* Parses a fixture as one buffer (the captured stdout, or a log, or both interleaved). */
static struct sr_status *status_of(const char *rel)
{
	size_t len;
	char *buf = fixture_read(rel, &len);
	struct sr_status *st = NULL;
	struct sr_error err;
	enum sr_result r = sr_status_parse(NULL, 0, buf, len, &st, &err);

	if (r != SR_OK)
		fail_msg("%s: result %d (%s: %s)", rel, r, err.kind ? err.kind : "", err.message ? err.message : "");
	free(buf);
	return st;
}

static enum sr_result status_result(const char *rel, struct sr_error *err)
{
	size_t len;
	char *buf = fixture_read(rel, &len);
	struct sr_status *st = NULL;
	enum sr_result r = sr_status_parse(NULL, 0, buf, len, &st, err);

	assert_null(st);
	free(buf);
	return r;
}

static const struct sr_disk *disk(const struct sr_status *st, const char *name)
{
	for (size_t i = 0; i < st->ndisks; i++)
		if (strcmp(st->disks[i].name, name) == 0)
			return &st->disks[i];
	fail_msg("no disk '%s'", name);
	return NULL;
}

/* ---- v10-v11: text only (Gaarek/server-status) ---- */

static void test_v11_ok(void **state)
{
	(void)state;
	struct sr_status *st = status_of("snapraid/gaarek-server-status/status.ok.2021-03-01.txt");
	assert_null(st->version);
	assert_num(st->unixtime, NAN);
	assert_num(st->files, 39452);
	assert_num(st->fragmented_files, 14);
	assert_num(st->excess_fragments, 27);
	assert_num(st->wasted_bytes, 0);
	assert_num(st->used_bytes, 5695 * GB);
	assert_num(st->free_bytes, 1271 * GB);
	assert_num(st->zero_subsecond_files, 34853);
	assert_int_equal(st->ndisks, 4);
	assert_num(disk(st, "d1")->files, 1652);
	assert_num(disk(st, "d1")->used_bytes, 205 * GB);
	assert_num(disk(st, "d1")->free_bytes, 663 * GB);
	assert_num(disk(st, "d1")->wasted_bytes, 0); /* printed as '-' */
	assert_num(disk(st, "d4")->fragmented_files, 11);
	assert_num(disk(st, "d4")->excess_fragments, 22);
	assert_num(disk(st, "d4")->zero_subsecond_files, NAN);
	assert_int_equal(st->nparities, 0);
	assert_num(st->scrub_oldest_age_seconds, 69 * DAY);
	assert_num(st->scrub_median_age_seconds, 34 * DAY);
	assert_num(st->scrub_newest_age_seconds, 6 * DAY);
	assert_num(st->sync_in_progress, 0);
	assert_num(st->sync_progress_ratio, 1);
	assert_num(st->unscrubbed_ratio, 0.01);
	assert_num(st->rehash_needed, 0);
	assert_num(st->bad_blocks, 0);
	assert_num(st->unsynced_blocks, NAN);
	assert_num(st->block_count, NAN);
	assert_num(st->block_size_bytes, NAN);
	assert_false(st->array_empty);
	sr_status_free(st);
}

static void test_v11_one_error(void **state)
{
	(void)state;
	struct sr_status *st = status_of("snapraid/gaarek-server-status/status.1error.2021-03-15.txt");
	assert_num(st->bad_blocks, 1);
	assert_num(st->files, 39452);
	assert_num(st->scrub_oldest_age_seconds, 83 * DAY);
	assert_num(st->scrub_median_age_seconds, 34 * DAY);
	assert_num(st->scrub_newest_age_seconds, 6 * DAY);
	assert_num(st->unscrubbed_ratio, 0.01);
	assert_num(st->sync_in_progress, 0);
	sr_status_free(st);
}

static void test_v11_704_errors(void **state)
{
	(void)state;
	struct sr_status *st = status_of("snapraid/gaarek-server-status/status.704errors.2018-07-11.txt");
	assert_num(st->bad_blocks, 704);
	assert_num(st->files, 39475);
	assert_num(st->fragmented_files, 8);
	assert_num(st->excess_fragments, 10);
	assert_num(st->used_bytes, 5755 * GB);
	assert_num(st->free_bytes, 1330 * GB);
	assert_num(disk(st, "d4")->files, 2985);
	assert_num(disk(st, "d2")->free_bytes, 153 * GB);
	assert_num(st->unscrubbed_ratio, 0.03);
	assert_num(st->scrub_oldest_age_seconds, 71 * DAY);
	assert_num(st->scrub_median_age_seconds, 29 * DAY);
	assert_num(st->scrub_newest_age_seconds, 1 * DAY);
	assert_num(st->zero_subsecond_files, 34838);
	sr_status_free(st);
}

static void test_v11_sync_in_progress(void **state)
{
	(void)state;
	struct sr_status *st = status_of("snapraid/gaarek-server-status/status.sync-in-progress-99pct.2017-12-03.txt");
	assert_num(st->sync_in_progress, 1);
	assert_num(st->sync_progress_ratio, 0.99);
	assert_num(st->unsynced_blocks, NAN); /* the text has no block count */
	assert_num(st->unscrubbed_ratio, 0.41);
	assert_num(st->bad_blocks, 1);
	assert_num(st->files, 39308);
	assert_num(disk(st, "d1")->free_bytes, 1095 * GB);
	assert_num(st->scrub_oldest_age_seconds, 71 * DAY);
	assert_num(st->scrub_median_age_seconds, 33 * DAY);
	assert_num(st->scrub_newest_age_seconds, 0);
	sr_status_free(st);
}

static void test_v11_truncated(void **state)
{
	(void)state;
	struct sr_error err;
	assert_int_equal(status_result("snapraid/gaarek-server-status/status.truncated.2018-02-04.txt", &err), SR_ERROR);
	assert_string_equal(err.kind, "parse");
	assert_non_null(strstr(err.message, "Loading state"));
	sr_error_release(&err);
}

/* ---- 12.2 (Debian), recorded for this project ---- */

static void test_12_status_text(void **state)
{
	(void)state;
	struct sr_status *st = status_of("snapraid/real-snapraid-12.2/status.txt");
	assert_null(st->version);
	assert_num(st->files, 15);
	assert_num(st->used_bytes, 0); /* 1.5 MB shows as 0 GB */
	assert_num(st->free_bytes, 0);
	assert_num(st->wasted_bytes, 0);
	assert_int_equal(st->ndisks, 3);
	assert_num(disk(st, "d3")->files, 5);
	assert_num(st->unscrubbed_ratio, 1); /* "The 100% of the array is not scrubbed." */
	assert_num(st->scrub_oldest_age_seconds, 0);
	assert_num(st->zero_subsecond_files, 0);
	assert_num(st->bad_blocks, 0);
	assert_num(st->sync_in_progress, 0);
	assert_num(st->rehash_needed, 0);
	sr_status_free(st);
}

static void test_12_status_logfile(void **state)
{
	(void)state;
	struct sr_status *st = status_of("snapraid/real-snapraid-12.2/status_logfile.log");
	assert_string_equal(st->version, "none");
	assert_num(st->unixtime, 1795362600);
	assert_num(st->block_size_bytes, BS);
	assert_num(st->files, 15);
	assert_num(st->used_bytes, 1536835);
	assert_num(st->free_bytes, 3 * 95 * BS);
	assert_num(st->wasted_bytes, 786432 + 1048576 + 786432);
	assert_num(st->zero_subsecond_files, 0);
	assert_num(st->parity_allocated_bytes, 1310720);
	assert_num(st->parity_max_bytes, 26214400);
	assert_int_equal(st->nparities, 1);
	assert_string_equal(st->parities[0].name, "parity");
	assert_num(st->parities[0].size_bytes, 100 * BS);
	assert_num(st->parities[0].free_bytes, 95 * BS);
	assert_int_equal(st->ndisks, 3);
	assert_num(disk(st, "d2")->used_bytes, 312417);
	assert_num(disk(st, "d2")->free_bytes, 95 * BS);
	assert_num(disk(st, "d2")->wasted_bytes, 1048576);
	assert_num(disk(st, "d2")->zero_subsecond_files, 0);
	assert_num(st->block_count, 5);
	assert_num(st->unsynced_blocks, 0);
	assert_num(st->unscrubbed_blocks, 0);
	assert_num(st->unscrubbed_ratio, 0);
	assert_num(st->bad_blocks, 0);
	/* info_time:1795362592:5:scrubbed, 8 s before unixtime: exact, not whole days */
	assert_num(st->scrub_oldest_age_seconds, 8);
	assert_num(st->scrub_median_age_seconds, 8);
	assert_num(st->scrub_newest_age_seconds, 8);
	assert_num(st->sync_in_progress, 0);
	assert_num(st->sync_progress_ratio, 1);
	assert_num(st->rehash_needed, 0);
	sr_status_free(st);
}

static void test_12_status_log_interleaved(void **state)
{
	(void)state;
	/* -l ">&1": tags and text on one stream; the unscrubbed blocks come from the tags */
	struct sr_status *st = status_of("snapraid/real-snapraid-12.2/status_log_stdout.txt");
	assert_num(st->unixtime, 1795362589);
	assert_num(st->unscrubbed_blocks, 5);
	assert_num(st->unscrubbed_ratio, 1);
	assert_num(st->scrub_newest_age_seconds, 5);
	assert_num(st->files, 15);
	assert_int_equal(st->ndisks, 3);
	assert_num(disk(st, "d3")->used_bytes, 657081);
	sr_status_free(st);
}

static void test_12_after_corruption_log(void **state)
{
	(void)state;
	struct sr_status *st = status_of("snapraid/real-snapraid-12.2/status_after_corruption.log");
	assert_num(st->bad_blocks, 1);
	assert_num(st->files, 16);
	assert_num(st->used_bytes, 1434856);
	assert_num(st->free_bytes, (95 + 94 + 95) * BS);
	assert_num(st->wasted_bytes, 786432 + 1310720 + 786432);
	assert_num(disk(st, "d2")->files, 6);
	assert_num(disk(st, "d2")->free_bytes, 94 * BS);
	assert_num(st->parities[0].free_bytes, 94 * BS);
	assert_num(st->block_count, 6);
	/* info_time 1795362616 x1 and 1795362640 x5; unixtime 1795362646; median = block 3 of 6 */
	assert_num(st->scrub_oldest_age_seconds, 30);
	assert_num(st->scrub_median_age_seconds, 6);
	assert_num(st->scrub_newest_age_seconds, 6);
	assert_num(st->unscrubbed_ratio, 0);
	sr_status_free(st);
}

static void test_12_log_and_text_buffers(void **state)
{
	(void)state;
	/* how the exporter calls it: the -l file and stdout as two buffers */
	size_t ll, tl;
	char *log = fixture_read("snapraid/real-snapraid-12.2/status_after_corruption.log", &ll);
	char *text = fixture_read("snapraid/real-snapraid-12.2/status_after_corruption.txt", &tl);
	struct sr_status *st = NULL;
	struct sr_error err;
	assert_int_equal(sr_status_parse(log, ll, text, tl, &st, &err), SR_OK);
	assert_num(st->bad_blocks, 1);
	assert_num(st->files, 16);
	assert_num(st->used_bytes, 1434856);          /* the tag, not the 0 GB column */
	assert_num(st->scrub_median_age_seconds, 6);  /* exact ages win over "0 days" */
	assert_int_equal(st->ndisks, 3);              /* text rows do not add disks beside tags */
	sr_status_free(st);
	free(log);
	free(text);
}

static void test_12_after_corruption_text(void **state)
{
	(void)state;
	const char *files[] = { "snapraid/real-snapraid-12.2/status_after_corruption.txt",
				"snapraid/real-snapraid-12.2/status_after_corruption2.txt" };
	for (size_t i = 0; i < 2; i++) {
		struct sr_status *st = status_of(files[i]);
		assert_num(st->bad_blocks, 1);
		assert_num(st->files, 16);
		assert_num(disk(st, "d2")->files, 6);
		assert_num(st->unscrubbed_ratio, 0); /* "The full array was scrubbed at least one time." */
		assert_num(st->sync_in_progress, 0);
		sr_status_free(st);
	}
}

static void test_12_after_fix_scrub_unsynced(void **state)
{
	(void)state;
	struct {
		const char *file;
		double files;
	} cases[] = {
		{ "snapraid/real-snapraid-12.2/status_after_fix.txt", 16 },
		{ "snapraid/real-snapraid-12.2/status_after_scrub.txt", 15 },
		{ "snapraid/real-snapraid-12.2/status_unsynced.txt", 15 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sr_status *st = status_of(cases[i].file);
		assert_num(st->files, cases[i].files);
		assert_num(st->bad_blocks, 0);
		assert_num(st->unscrubbed_ratio, 0);
		/* despite its name, this capture says "No sync is in progress." */
		assert_num(st->sync_in_progress, 0);
		assert_num(st->sync_progress_ratio, 1);
		sr_status_free(st);
	}
}

static void test_12_locked(void **state)
{
	(void)state;
	const char *busy[] = {
		"snapraid/real-snapraid-12.2/status_while_locked.txt",
		"snapraid/real-snapraid-12.2/status_while_locked_log.txt",
		"snapraid/real-snapraid-12.2/status_locked_by_flock.stderr.txt",
	};
	struct sr_error err;
	for (size_t i = 0; i < sizeof(busy) / sizeof(busy[0]); i++)
		assert_int_equal(status_result(busy[i], &err), SR_BUSY);
	/* stdout alone stops after "Self test...": not a report, not busy */
	assert_int_equal(status_result("snapraid/real-snapraid-12.2/status_locked_by_flock.stdout.txt", &err), SR_ERROR);
	assert_string_equal(err.kind, "parse");
	sr_error_release(&err);
}

static void test_12_locked_split_streams(void **state)
{
	(void)state;
	size_t ol, el;
	char *out = fixture_read("snapraid/real-snapraid-12.2/status_locked_by_flock.stdout.txt", &ol);
	char *errtext = fixture_read("snapraid/real-snapraid-12.2/status_locked_by_flock.stderr.txt", &el);
	struct sr_status *st = NULL;
	struct sr_error err;
	assert_int_equal(sr_status_parse(out, ol, errtext, el, &st, &err), SR_BUSY);
	assert_null(st);
	free(out);
	free(errtext);
}

/* ---- 13.0 (firsttris/snapraid-ui) ---- */

static void test_13_structured(void **state)
{
	(void)state;
	const char *files[] = { "snapraid/snapraid-ui/snapraid-status-structured.txt",
				"snapraid/snapraid-ui/snapraid-status-structured.logtags-only.txt" };
	for (size_t i = 0; i < 2; i++) {
		struct sr_status *st = status_of(files[i]);
		assert_string_equal(st->version, "13.0");
		assert_num(st->unixtime, 1765280234);
		assert_num(st->files, 22);
		assert_num(st->fragmented_files, 1);
		assert_num(st->excess_fragments, 1);
		assert_num(st->used_bytes, 114636424);
		assert_num(st->wasted_bytes, 499759972352); /* test2's negative waste is not subtracted */
		assert_num(st->free_bytes, (799011.0 - 455) * BS);
		assert_num(disk(st, "test1")->wasted_bytes, 499759972352);
		assert_num(disk(st, "test2")->wasted_bytes, 0);
		assert_num(disk(st, "test2")->files, 0);
		assert_num(disk(st, "test2")->free_bytes, 0);
		assert_num(st->parities[0].size_bytes, 897035 * BS);
		assert_num(st->parities[0].free_bytes, 798556 * BS);
		assert_num(st->parity_allocated_bytes, 119275520);
		assert_num(st->parity_max_bytes, 209455939584);
		assert_num(st->block_count, 455);
		assert_num(st->unscrubbed_blocks, 455);
		assert_num(st->unscrubbed_ratio, 1);
		assert_num(st->bad_blocks, 0);
		assert_num(st->unsynced_blocks, 0);
		/* oldest info_time 1765021520, median block 227 of 455 in the 1765021520 bucket
		 * (246 blocks), newest 1765190848 */
		assert_num(st->scrub_oldest_age_seconds, 1765280234.0 - 1765021520);
		assert_num(st->scrub_median_age_seconds, 1765280234.0 - 1765021520);
		assert_num(st->scrub_newest_age_seconds, 1765280234.0 - 1765190848);
		sr_status_free(st);
	}
}

static void test_13_structured_pr(void **state)
{
	(void)state;
	/* dev build with summary:total_*, disk_used/free/use_percent, scrub_*_days, scrub_history */
	struct sr_status *st = status_of("snapraid/snapraid-ui/snapraid-status-structured-pr.txt");
	assert_string_equal(st->version, "13.0-2-g3c7b90e");
	assert_num(st->unixtime, 1765303095);
	assert_num(st->used_bytes, 114636424);     /* summary:total_used */
	assert_num(st->free_bytes, 209336664064);  /* summary:total_free */
	assert_num(st->wasted_bytes, 499759972352);
	assert_num(disk(st, "test1")->free_bytes, 209336664064); /* summary:disk_free */
	assert_num(disk(st, "test2")->free_bytes, 0);
	assert_num(st->scrub_oldest_age_seconds, 1765303095.0 - 1765021520);
	assert_num(st->scrub_newest_age_seconds, 1765303095.0 - 1765190848);
	sr_status_free(st);
}

static void test_13_text(void **state)
{
	(void)state;
	struct sr_status *st = status_of("snapraid/snapraid-ui/snapraid-status.txt");
	assert_num(st->files, 13);
	assert_num(st->wasted_bytes, 502.5 * GB);
	assert_num(st->free_bytes, 209 * GB);
	assert_num(disk(st, "test1")->wasted_bytes, 502.5 * GB);
	assert_num(disk(st, "test2")->free_bytes, NAN); /* '-': no free-space info yet */
	assert_num(st->unscrubbed_ratio, 1);        /* "100% of the array is not scrubbed." (13.x wording) */
	assert_num(st->bad_blocks, 0);
	sr_status_free(st);
}

int main(void)
{
	fixtures_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v11_ok),
		cmocka_unit_test(test_v11_one_error),
		cmocka_unit_test(test_v11_704_errors),
		cmocka_unit_test(test_v11_sync_in_progress),
		cmocka_unit_test(test_v11_truncated),
		cmocka_unit_test(test_12_status_text),
		cmocka_unit_test(test_12_status_logfile),
		cmocka_unit_test(test_12_status_log_interleaved),
		cmocka_unit_test(test_12_after_corruption_log),
		cmocka_unit_test(test_12_log_and_text_buffers),
		cmocka_unit_test(test_12_after_corruption_text),
		cmocka_unit_test(test_12_after_fix_scrub_unsynced),
		cmocka_unit_test(test_12_locked),
		cmocka_unit_test(test_12_locked_split_streams),
		cmocka_unit_test(test_13_structured),
		cmocka_unit_test(test_13_structured_pr),
		cmocka_unit_test(test_13_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
