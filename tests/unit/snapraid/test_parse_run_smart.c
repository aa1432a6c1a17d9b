/* test_parse_run_smart.c: smart reports, sync/scrub/diff/fix/check logs and the fixture inventory */
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
#include "tests/unit/snapraid/sr_test.h"

#define DAY 86400.0

static struct sr_run *run_of(const char *rel)
{
	size_t len;
	char *buf = fixture_read(rel, &len);
	struct sr_run *r = sr_run_parse(buf, len);
	free(buf);
	return r;
}

static void assert_errors(const struct sr_run *r, double soft, double io, double data)
{
	assert_num(r->errors_soft, soft);
	assert_num(r->errors_io, io);
	assert_num(r->errors_data, data);
}

static void assert_diff(const struct sr_run *r, double equal, double added, double removed, double updated,
			double moved, double copied, double restored)
{
	assert_num(r->equal, equal);
	assert_num(r->added, added);
	assert_num(r->removed, removed);
	assert_num(r->updated, updated);
	assert_num(r->moved, moved);
	assert_num(r->copied, copied);
	assert_num(r->restored, restored);
	assert_num(r->relocated, NAN);
}

/* ---- sync ---- */

static void test_sync_text(void **state)
{
	(void)state;
	const char *ok[] = { "snapraid/real-snapraid-12.2/sync.txt", "snapraid/real-snapraid-12.2/sync2.txt",
			     "snapraid/go-snapraid/sync.txt" };
	for (size_t i = 0; i < 3; i++) {
		struct sr_run *r = run_of(ok[i]);
		assert_string_equal(r->command, "sync"); /* inferred from "Syncing..." */
		assert_int_equal(r->outcome, SR_RUN_SUCCESS);
		assert_num(r->unixtime, NAN);
		assert_null(r->exit_status);
		assert_errors(r, 0, 0, 0); /* "Everything OK" */
		assert_false(r->busy);
		sr_run_free(r);
	}
}

static void test_sync_same_device(void **state)
{
	(void)state;
	/* text-only fatal stop ("Disks ... are on the same device."): nothing marks the end */
	struct sr_run *r = run_of("snapraid/real-snapraid-12.2/sync_try1.txt");
	assert_null(r->command);
	assert_int_equal(r->outcome, SR_RUN_INCOMPLETE);
	assert_errors(r, NAN, NAN, NAN);
	sr_run_free(r);
}

/* ---- scrub ---- */

static void test_scrub_text_ok(void **state)
{
	(void)state;
	const char *ok[] = { "snapraid/real-snapraid-12.2/scrub.txt", "snapraid/real-snapraid-12.2/scrub_full.txt",
			     "snapraid/real-snapraid-12.2/scrub_p100_o0.txt",
			     "snapraid/real-snapraid-12.2/scrub_slow_holder.txt",
			     "snapraid/real-snapraid-12.2/scrub_bad_after_fix.txt" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct sr_run *r = run_of(ok[i]);
		assert_string_equal(r->command, "scrub");
		assert_int_equal(r->outcome, SR_RUN_SUCCESS); /* scrub.txt: "Nothing to do" */
		assert_errors(r, 0, 0, 0);
		sr_run_free(r);
	}
}

static void test_scrub_corrupted_log(void **state)
{
	(void)state;
	struct sr_run *r = run_of("snapraid/real-snapraid-12.2/scrub_corrupted.log");
	assert_string_equal(r->command, "scrub");
	assert_num(r->unixtime, 1795362650);
	assert_string_equal(r->exit_status, "error");
	assert_int_equal(r->outcome, SR_RUN_FAILED);
	assert_errors(r, 0, 0, 1); /* summary:error_file / error_io / error_data */
	assert_non_null(strstr(r->fatal, "Unexpected data errors"));
	sr_run_free(r);
}

static void test_scrub_corrupted_text(void **state)
{
	(void)state;
	struct sr_run *r = run_of("snapraid/real-snapraid-12.2/scrub_corrupted.txt");
	assert_string_equal(r->command, "scrub");
	assert_int_equal(r->outcome, SR_RUN_FAILED);
	assert_errors(r, 0, 0, 1); /* "0 file errors / 0 io errors / 1 data errors" */
	assert_null(r->fatal);
	sr_run_free(r);
}

/* ---- diff ---- */

static void test_diff_logs(void **state)
{
	(void)state;
	struct sr_run *r = run_of("snapraid/real-snapraid-12.2/diff_logfile.log");
	assert_string_equal(r->command, "diff");
	assert_num(r->unixtime, 1795362603);
	assert_string_equal(r->exit_status, "equal");
	assert_int_equal(r->outcome, SR_RUN_SUCCESS);
	assert_diff(r, 15, 0, 0, 0, 0, 0, 0);
	assert_null(r->fatal); /* "WARNING! UUID is unsupported" comes as msg:fatal but is a warning */
	sr_run_free(r);

	r = run_of("snapraid/real-snapraid-12.2/diff_changes_logfile.log");
	assert_num(r->unixtime, 1795362635);
	assert_string_equal(r->exit_status, "diff");
	assert_int_equal(r->outcome, SR_RUN_SUCCESS); /* differences are a result, not a failure */
	assert_diff(r, 15, 1, 0, 0, 0, 0, 0);
	sr_run_free(r);

	const char *equal15[] = { "snapraid/real-snapraid-12.2/diff_log_stderr.stderr.txt",
				  "snapraid/real-snapraid-12.2/diff_log_stdout.txt" };
	for (size_t i = 0; i < 2; i++) {
		r = run_of(equal15[i]);
		assert_string_equal(r->command, "diff");
		assert_num(r->unixtime, i == 0 ? 1795362600 : 1795362589);
		assert_string_equal(r->exit_status, "equal");
		assert_diff(r, 15, 0, 0, 0, 0, 0, 0);
		sr_run_free(r);
	}

	r = run_of("snapraid/real-snapraid-12.2/diff_with_changes_log_lines.txt");
	assert_null(r->command);
	assert_string_equal(r->exit_status, "diff");
	assert_int_equal(r->outcome, SR_RUN_SUCCESS);
	assert_diff(r, 13, 1, 1, 1, 0, 0, 0);
	sr_run_free(r);
}

static void test_diff_text(void **state)
{
	(void)state;
	struct {
		const char *file;
		double equal, added, removed, updated, restored;
	} cases[] = {
		{ "snapraid/real-snapraid-12.2/diff.txt", 15, 0, 0, 0, 0 },
		{ "snapraid/real-snapraid-12.2/diff_after_corruption.txt", 16, 0, 0, 0, 0 },
		{ "snapraid/real-snapraid-12.2/diff_log_stderr.stdout.txt", 15, 0, 0, 0, 0 },
		{ "snapraid/real-snapraid-12.2/diff_with_changes.txt", 13, 1, 1, 1, 0 },
		{ "snapraid/gaarek-server-status/diff.3added.2021-02-16.txt", 39452, 3, 0, 0, 0 },
		{ "snapraid/gaarek-server-status/diff.nodiff.2021-03-15.txt", 39455, 0, 0, 0, 0 },
		{ "snapraid/go-snapraid/diff.txt", 21146, 2, 0, 0, 0 },
		{ "snapraid/snapraid-ui/snapraid-diff.txt", 11, 1, 1, 0, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sr_run *r = run_of(cases[i].file);
		assert_string_equal(r->command, "diff");
		assert_int_equal(r->outcome, SR_RUN_SUCCESS);
		assert_null(r->exit_status);
		assert_diff(r, cases[i].equal, cases[i].added, cases[i].removed, cases[i].updated, 0, 0,
			    cases[i].restored);
		sr_run_free(r);
	}
}

static void test_diff_stderr_warning_only(void **state)
{
	(void)state;
	struct sr_run *r = run_of("snapraid/real-snapraid-12.2/diff_logfile.stderr.txt");
	assert_null(r->command);
	assert_int_equal(r->outcome, SR_RUN_INCOMPLETE);
	sr_run_free(r);
}

static void test_locked_runs(void **state)
{
	(void)state;
	struct sr_run *r = run_of("snapraid/real-snapraid-12.2/diff_while_locked.txt");
	assert_true(r->busy);
	assert_int_equal(r->outcome, SR_RUN_FAILED);
	sr_run_free(r);

	r = run_of("snapraid/real-snapraid-12.2/status_while_locked_log.txt");
	assert_true(r->busy);
	assert_string_equal(r->command, "status");
	assert_num(r->unixtime, 1795362619);
	assert_int_equal(r->outcome, SR_RUN_FAILED);
	assert_null(r->fatal); /* the lock messages mean busy, not a fatal error */
	sr_run_free(r);
}

/* ---- fix, check ---- */

static void test_fix(void **state)
{
	(void)state;
	struct sr_run *r = run_of("snapraid/real-snapraid-12.2/fix.log");
	assert_string_equal(r->command, "fix");
	assert_num(r->unixtime, 1795362646);
	assert_string_equal(r->exit_status, "recovered");
	assert_int_equal(r->outcome, SR_RUN_SUCCESS);
	assert_num(r->errors, 1);
	assert_num(r->recovered, 1);
	assert_num(r->unrecoverable, 0);
	assert_errors(r, NAN, NAN, NAN);
	sr_run_free(r);

	r = run_of("snapraid/real-snapraid-12.2/fix.txt");
	assert_string_equal(r->command, "fix");
	assert_int_equal(r->outcome, SR_RUN_SUCCESS);
	assert_num(r->errors, 1);
	assert_num(r->recovered, 1);
	assert_num(r->unrecoverable, 0);
	sr_run_free(r);
}

static void test_check(void **state)
{
	(void)state;
	struct sr_run *r = run_of("snapraid/snapraid-ui/snapraid-check.txt");
	assert_string_equal(r->command, "check");
	assert_int_equal(r->outcome, SR_RUN_FAILED); /* "WARNING! There are errors!" */
	assert_num(r->errors, 1);
	assert_num(r->unrecoverable, 0);
	sr_run_free(r);
}

static void test_peek(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read("snapraid/real-snapraid-12.2/scrub_corrupted.log", &len);
	char *cmd = NULL;
	double t;
	sr_run_peek(buf, len, &cmd, &t);
	assert_string_equal(cmd, "scrub");
	assert_num(t, 1795362650);
	free(cmd);
	free(buf);

	buf = fixture_read("snapraid/real-snapraid-12.2/sync.txt", &len);
	sr_run_peek(buf, len, &cmd, &t);
	assert_null(cmd);
	assert_num(t, NAN);
	free(buf);
}

/* ---- smart ---- */

static struct sr_smart *smart_of(const char *rel)
{
	size_t len;
	char *buf = fixture_read(rel, &len);
	struct sr_smart *sm = NULL;
	struct sr_error err;
	if (sr_smart_parse(NULL, 0, buf, len, &sm, &err) != SR_OK)
		fail_msg("%s: %s", rel, err.message);
	free(buf);
	return sm;
}

static void assert_smart_disk(const struct sr_smart_disk *d, const char *disk, const char *device,
			      const char *serial, double temp, double days, double errors, double fp, double tb)
{
	assert_string_equal(d->disk, disk);
	assert_string_equal(d->device, device);
	assert_string_equal(d->serial, serial);
	assert_num(d->temperature_celsius, temp);
	assert_num(d->power_on_seconds, days * DAY);
	assert_num(d->error_count, errors);
	assert_num(d->failure_probability, fp);
	assert_num(d->size_bytes, tb * 1e12);
	assert_num(d->failing, 0);
}

static void test_smart_2017(void **state)
{
	(void)state;
	struct sr_smart *sm = smart_of("snapraid/gaarek-server-status/smart.2017-11-10.txt");
	assert_int_equal(sm->ndisks, 7);
	assert_num(sm->unixtime, NAN);
	assert_num(sm->array_failure_probability, 1);
	assert_smart_disk(&sm->disks[0], "d1", "/dev/sdc", "WD-WCC0S0137066", 40, 2190, 0, 0.84, 1.0);
	assert_smart_disk(&sm->disks[3], "d4", "/dev/sda", "WD-WCC1T1092827", 37, 1453, 0, 0.04, 3.0);
	assert_smart_disk(&sm->disks[4], "parity", "/dev/sdf", "WD-WCC4N2FH6A6Z", 35, 98, 0, 0.04, 3.0);
	assert_smart_disk(&sm->disks[5], "2-parity", "/dev/sdd", "WD-WCC4N1KACD4K", 36, 869, 17, 1.0, 3.0);
	assert_smart_disk(&sm->disks[6], "-", "/dev/sdg", "WD-WCC4N6ZA9X1E", 37, 64, 0, 0.04, 3.0);
	sr_smart_free(sm);
}

static void test_smart_2020_2021(void **state)
{
	(void)state;
	struct sr_smart *sm = smart_of("snapraid/gaarek-server-status/smart.2020-03-13.txt");
	assert_int_equal(sm->ndisks, 7);
	assert_smart_disk(&sm->disks[0], "d1", "/dev/sda", "ZFN0AXAE", 38, 839, 0, 0.05, 4.0);
	assert_smart_disk(&sm->disks[3], "d4", "/dev/sdb", "WD-WCC1T1092827", 36, 2306, 0, 0.97, 3.0);
	assert_smart_disk(&sm->disks[6], "-", "/dev/sdg", "WD-WCC4N6ZA9X1E", 38, 917, 0, 0.37, 3.0);
	assert_num(sm->array_failure_probability, 1);
	sr_smart_free(sm);

	sm = smart_of("snapraid/gaarek-server-status/smart.2021-03-05.txt");
	assert_int_equal(sm->ndisks, 7);
	assert_smart_disk(&sm->disks[1], "d2", "/dev/sdc", "WD-WCAZA4781250", 39, 3582, 0, 1.0, 2.0);
	assert_smart_disk(&sm->disks[2], "d3", "/dev/sde", "WD-WCAVY1868172", 47, 3913, 0, 0.84, 2.0);
	assert_smart_disk(&sm->disks[5], "2-parity", "/dev/sdd", "WD-WCC4N1KACD4K", 40, 2086, 17, 1.0, 3.0);
	sr_smart_free(sm);
}

static void test_smart_unsupported(void **state)
{
	(void)state;
	const char *files[] = { "snapraid/real-snapraid-12.2/smart.txt", "snapraid/real-snapraid-12.2/smart_log_stdout.txt" };
	for (size_t i = 0; i < 2; i++) {
		size_t len;
		char *buf = fixture_read(files[i], &len);
		struct sr_smart *sm = NULL;
		struct sr_error err;
		assert_int_equal(sr_smart_parse(NULL, 0, buf, len, &sm, &err), SR_ERROR);
		assert_null(sm);
		assert_string_equal(err.kind, "unsupported");
		sr_error_release(&err);
		free(buf);
	}
}

/* ---- snapraid.conf: the content files are in the log's conf echo too ---- */

static void test_conf_content(void **state)
{
	(void)state;
	const char *conf = "# demo\nparity /p/snapraid.parity\n  content /srv/snapraid/content/snapraid.content\n"
			   "#content /ignored\ncontent\t/mnt/disk one/snapraid.content  \r\ncontents /no\ncontent\n"
			   "data d1 /d1/\n";
	struct strlist l = STRLIST_INIT;
	assert_int_equal(sr_conf_content_paths(conf, strlen(conf), &l), 2);
	assert_string_equal(l.items[0], "/srv/snapraid/content/snapraid.content");
	assert_string_equal(l.items[1], "/mnt/disk one/snapraid.content");
	strlist_clear(&l);
}

/*
 * Every capture in the fixture folder has its asserted test, here or in
 * test_parse_status.c; a new capture without one fails this test.
 */
static const char *const covered[] = {
	"gaarek-server-status/diff.3added.2021-02-16.txt",
	"gaarek-server-status/diff.nodiff.2021-03-15.txt",
	"gaarek-server-status/smart.2017-11-10.txt",
	"gaarek-server-status/smart.2020-03-13.txt",
	"gaarek-server-status/smart.2021-03-05.txt",
	"gaarek-server-status/status.1error.2021-03-15.txt",
	"gaarek-server-status/status.704errors.2018-07-11.txt",
	"gaarek-server-status/status.ok.2021-03-01.txt",
	"gaarek-server-status/status.sync-in-progress-99pct.2017-12-03.txt",
	"gaarek-server-status/status.truncated.2018-02-04.txt",
	"go-snapraid/diff.txt",
	"go-snapraid/sync.txt",
	"real-snapraid-12.2/diff.txt",
	"real-snapraid-12.2/diff_after_corruption.txt",
	"real-snapraid-12.2/diff_changes_logfile.log",
	"real-snapraid-12.2/diff_log_stderr.stderr.txt",
	"real-snapraid-12.2/diff_log_stderr.stdout.txt",
	"real-snapraid-12.2/diff_log_stdout.txt",
	"real-snapraid-12.2/diff_logfile.log",
	"real-snapraid-12.2/diff_logfile.stderr.txt",
	"real-snapraid-12.2/diff_while_locked.txt",
	"real-snapraid-12.2/diff_with_changes.txt",
	"real-snapraid-12.2/diff_with_changes_log_lines.txt",
	"real-snapraid-12.2/fix.log",
	"real-snapraid-12.2/fix.txt",
	"real-snapraid-12.2/scrub.txt",
	"real-snapraid-12.2/scrub_bad_after_fix.txt",
	"real-snapraid-12.2/scrub_corrupted.log",
	"real-snapraid-12.2/scrub_corrupted.txt",
	"real-snapraid-12.2/scrub_full.txt",
	"real-snapraid-12.2/scrub_p100_o0.txt",
	"real-snapraid-12.2/scrub_slow_holder.txt",
	"real-snapraid-12.2/smart.txt",
	"real-snapraid-12.2/smart_log_stdout.txt",
	"real-snapraid-12.2/status.txt",
	"real-snapraid-12.2/status_after_corruption.log",
	"real-snapraid-12.2/status_after_corruption.txt",
	"real-snapraid-12.2/status_after_corruption2.txt",
	"real-snapraid-12.2/status_after_fix.txt",
	"real-snapraid-12.2/status_after_scrub.txt",
	"real-snapraid-12.2/status_locked_by_flock.stderr.txt",
	"real-snapraid-12.2/status_locked_by_flock.stdout.txt",
	"real-snapraid-12.2/status_log_stdout.txt",
	"real-snapraid-12.2/status_logfile.log",
	"real-snapraid-12.2/status_unsynced.txt",
	"real-snapraid-12.2/status_while_locked.txt",
	"real-snapraid-12.2/status_while_locked_log.txt",
	"real-snapraid-12.2/sync.txt",
	"real-snapraid-12.2/sync2.txt",
	"real-snapraid-12.2/sync_try1.txt",
	"snapraid-ui/snapraid-check.txt",
	"snapraid-ui/snapraid-diff.txt",
	"snapraid-ui/snapraid-status-structured-pr.txt",
	"snapraid-ui/snapraid-status-structured.logtags-only.txt",
	"snapraid-ui/snapraid-status-structured.txt",
	"snapraid-ui/snapraid-status.txt",
};

/* Not SnapRAID output captures: the manuals, the exit-status list, an strace of status. */
static const char *const not_captures[] = {
	"upstream-docs/snapraid.txt",
	"upstream-docs/snapraid_log.txt",
	"real-snapraid-12.2/rc.txt",
	"real-snapraid-12.2/strace_status.txt",
};

static bool listed(const char *rel, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rel, list[i]) == 0)
			return true;
	return false;
}

static void test_every_capture_is_covered(void **state)
{
	(void)state;
	char **files = fixture_list("snapraid", NULL);
	size_t n = 0, missing = 0;
	for (char **f = files; *f; f++, n++) {
		const char *rel = *f + strlen("snapraid/");
		if (listed(rel, covered, sizeof(covered) / sizeof(covered[0])) ||
		    listed(rel, not_captures, sizeof(not_captures) / sizeof(not_captures[0])))
			continue;
		fprintf(stderr, "fixture without an asserted test: snapraid/%s\n", rel);
		missing++;
	}
	fixture_list_free(files);
	assert_int_equal(missing, 0);
	assert_int_equal(n, sizeof(covered) / sizeof(covered[0]) + sizeof(not_captures) / sizeof(not_captures[0]));
}

int main(void)
{
	fixtures_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_text),
		cmocka_unit_test(test_sync_same_device),
		cmocka_unit_test(test_scrub_text_ok),
		cmocka_unit_test(test_scrub_corrupted_log),
		cmocka_unit_test(test_scrub_corrupted_text),
		cmocka_unit_test(test_diff_logs),
		cmocka_unit_test(test_diff_text),
		cmocka_unit_test(test_diff_stderr_warning_only),
		cmocka_unit_test(test_locked_runs),
		cmocka_unit_test(test_fix),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_smart_2017),
		cmocka_unit_test(test_smart_2020_2021),
		cmocka_unit_test(test_smart_unsupported),
		cmocka_unit_test(test_conf_content),
		cmocka_unit_test(test_every_capture_is_covered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
