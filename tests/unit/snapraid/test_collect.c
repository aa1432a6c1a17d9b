/* test_collect.c: the lock probe, busy handling, failure reasons and run logs, with a stand-in snapraid */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/clock.h"
#include "common/metrics.h"
#include "common/strbuf.h"
#include "common/strlist.h"
#include "exporters/snapraid/collect.h"
#include "exporters/snapraid/source.h"
#include "tests/lib/testlib.h"

/*
 * The stand-in takes snapraid's arguments, counts its runs per command in $SR_DIR/runs.<cmd>,
 * and behaves as $SR_MODE says. It is written to a temporary directory by the test.
 */
static const char standin[] =
	"#!/bin/sh\n"
	"log=; cmd=\n"
	"while [ $# -gt 0 ]; do\n"
	"  case $1 in -l) log=$2; shift 2 ;; -c) shift 2 ;; *) cmd=$1; shift ;; esac\n"
	"done\n"
	"echo run >>\"$SR_DIR/runs.$cmd\"\n"
	"if [ \"$cmd\" = smart ]; then cat \"$SR_DIR/smart.txt\"; exit 0; fi\n"
	"case $SR_MODE in\n"
	"ok) cat \"$SR_DIR/status.log\" >\"$log\"; echo 'Self test...' ;;\n"
	"busy) echo 'msg:fatal: SnapRAID is already in use!' >\"$log\"; echo 'Self test...';\n"
	"      echo 'SnapRAID is already in use!' >&2; exit 1 ;;\n"
	"hang) sleep 60 & echo $! >\"$SR_DIR/child.pid\"; wait ;;\n"
	"garbage) echo 'hello, world' ;;\n"
	"garbage3) echo 'hello, world'; exit 3 ;;\n"
	"config) echo \"msg:fatal: Invalid command 'x' in '/c.conf' at line 1\" >\"$log\";\n"
	"        echo \"Invalid command 'x' in '/c.conf' at line 1\" >&2; exit 1 ;;\n"
	"fatal) echo \"msg:fatal: Disks '/d1/' and '/d2/' are on the same device.\" >\"$log\"; exit 1 ;;\n"
	"killed) kill -9 $$ ;;\n"
	"esac\n";

/* A v12-style status log: two disks, one bad block, scrubbed 100 and 40 seconds before unixtime. */
static const char status_log[] =
	"version:none\nunixtime:1700000000\ncommand:status\nblocksize:262144\n"
	"summary:block_size:262144\nsummary:parity_block_count:4\n"
	"summary:parity_block_total:parity:100\nsummary:parity_block_free:parity:96\n"
	"summary:disk_file_count:d1:3\nsummary:disk_file_size:d1:300000\nsummary:disk_block_count:d1:2\n"
	"summary:disk_block_max:d1:100\nsummary:disk_space_wasted:d1:0\n"
	"summary:disk_file_count:d2:4\nsummary:disk_file_size:d2:400000\nsummary:disk_block_count:d2:2\n"
	"summary:disk_block_max:d2:100\nsummary:disk_space_wasted:d2:-5\n"
	"summary:file_count:7\nsummary:fragmented_file_count:0\nsummary:excess_fragment_count:0\n"
	"summary:file_size:700000\nsummary:hash:spooky2\nsummary:best_hash:spooky2\n"
	"block_count:4\nsummary:has_unsynced:0\nsummary:has_unscrubbed:0\nsummary:has_rehash:0\n"
	"summary:has_bad:1:3:3\ninfo_count:4\ninfo_time:1699999900:1:scrubbed\ninfo_time:1699999960:3:scrubbed\n";

static const char smart_txt[] =
	"SnapRAID SMART report:\n\n   Temp  Power   Error   FP Size\n"
	"      C OnDays   Count        TB  Serial    Device    Disk\n"
	" -----------------------------------------------------------------------\n"
	"     41    100       0   5%  4.0  SER1      /dev/sda  d1\n"
	"     39    200       2  12%  4.0  SER2      /dev/sdb  parity\n\n"
	"Probability that at least one disk is going to fail in the next year is 16%.\n";

static char dir[256];
static char script[300];
static char conf[300];
static char content[300];
static char lockpath[310];

static void write_file(const char *path, const char *data, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(data, f);
	fclose(f);
	chmod(path, mode);
}

static char *path_in(const char *name)
{
	static char p[4][400];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static int runs(const char *cmd)
{
	char name[64];
	snprintf(name, sizeof(name), "runs.%s", cmd);
	FILE *f = fopen(path_in(name), "r");
	int n = 0, c;
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int setup(void **state)
{
	(void)state;
	struct strbuf conftext = STRBUF_INIT;
	snprintf(dir, sizeof(dir), "%s/sr-collect.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/snapraid", dir);
	snprintf(conf, sizeof(conf), "%s/snapraid.conf", dir);
	snprintf(content, sizeof(content), "%s/snapraid.content", dir);
	snprintf(lockpath, sizeof(lockpath), "%s.lock", content);
	write_file(script, standin, 0755);
	strbuf_addf(&conftext, "parity %s/p/snapraid.parity\ncontent %s\ndata d1 %s/d1/\n", dir, content, dir);
	write_file(conf, strbuf_cstr(&conftext), 0644);
	strbuf_release(&conftext);
	write_file(path_in("status.log"), status_log, 0644);
	write_file(path_in("smart.txt"), smart_txt, 0644);
	setenv("SR_DIR", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void reset_runs(void)
{
	unlink(path_in("runs.status"));
	unlink(path_in("runs.smart"));
}

struct fixture {
	struct sr_config cfg;
	struct sr_collector *c;
	struct strbuf text;
};

static void fx_init(struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->cfg.snapraid = script;
	fx->cfg.config = conf;
	fx->cfg.timeout = 10;
	fx->cfg.smart_interval = 3600;
	fx->cfg.log_glob = "";
	strbuf_init(&fx->text, 0);
	reset_runs();
}

static void fx_release(struct fixture *fx)
{
	sr_collector_free(fx->c);
	strbuf_release(&fx->text);
}

/* One collection in $SR_MODE mode; the exposition is left in fx->text. Returns the reason. */
static const char *collect(struct fixture *fx, const char *mode)
{
	struct metric_set *ms = metric_set_new();
	const char *reason;

	if (!fx->c)
		fx->c = sr_collector_new(&fx->cfg);
	setenv("SR_MODE", mode, 1);
	reason = sr_collect(fx->c, ms);
	strbuf_reset(&fx->text);
	metric_set_render(ms, &fx->text);
	metric_set_free(ms);
	return reason;
}

static bool has_line(const struct fixture *fx, const char *line)
{
	return test_has_line(strbuf_cstr(&fx->text), line);
}

static bool has_metric(const struct fixture *fx, const char *name)
{
	char *needle = malloc(strlen(name) + 3);
	sprintf(needle, "\n%s", name);
	bool r = strstr(strbuf_cstr(&fx->text), needle) != NULL;
	free(needle);
	return r;
}

#define assert_line(fx, line)                                                                    \
	do {                                                                                     \
		if (!has_line((fx), (line)))                                                     \
			fail_msg("missing line '%s' in:\n%s", (line), strbuf_cstr(&(fx)->text)); \
	} while (0)

/* ---- the lock probe ---- */

static void test_probe_absent_lock_creates_nothing(void **state)
{
	(void)state;
	struct strlist l = STRLIST_INIT;
	struct stat st;
	strlist_push(&l, content);
	unlink(lockpath);
	assert_int_equal(sr_source_lock_held(&l), 0);
	assert_int_equal(stat(lockpath, &st), -1); /* never creates the lock file */
	assert_int_equal(errno, ENOENT);
	strlist_clear(&l);
}

static void test_probe_free_held_released(void **state)
{
	(void)state;
	struct strlist l = STRLIST_INIT;
	int fd;

	strlist_push(&l, path_in("other.content")); /* no lock file for the first content */
	strlist_push(&l, content);
	write_file(lockpath, "", 0600);
	assert_int_equal(sr_source_lock_held(&l), 0);
	/* the probe let go: SnapRAID's own exclusive, non-blocking lock succeeds right after */
	fd = open(lockpath, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	/* held by "SnapRAID" (this descriptor): the probe on its own open sees it */
	assert_int_equal(sr_source_lock_held(&l), 1);
	flock(fd, LOCK_UN);
	assert_int_equal(sr_source_lock_held(&l), 0);
	close(fd);
	unlink(lockpath);
	strlist_clear(&l);
}

/* ---- collections ---- */

static void test_ok_then_busy_keeps_values(void **state)
{
	(void)state;
	struct fixture fx;
	int fd;

	fx_init(&fx);
	assert_null(collect(&fx, "ok"));
	assert_line(&fx, "snapraid_busy 0");
	assert_line(&fx, "snapraid_array_files 7");
	assert_line(&fx, "snapraid_array_errors 1");
	assert_line(&fx, "snapraid_disk_files{disk=\"d2\"} 4");
	assert_line(&fx, "snapraid_disk_wasted_bytes{disk=\"d2\"} 0");
	assert_line(&fx, "snapraid_status_timestamp_seconds 1700000000");
	assert_line(&fx, "snapraid_scrub_oldest_block_age_seconds 100");
	assert_line(&fx, "snapraid_scrub_median_block_age_seconds 40");
	assert_line(&fx, "snapraid_array_free_bytes 51380224"); /* (98 + 98) x 262144 */
	assert_int_equal(runs("status"), 1);

	/* busy after the run: "SnapRAID is already in use!", exit 1 */
	assert_null(collect(&fx, "busy"));
	assert_int_equal(runs("status"), 2);
	assert_line(&fx, "snapraid_busy 1");
	assert_line(&fx, "snapraid_array_files 7");
	assert_line(&fx, "snapraid_status_timestamp_seconds 1700000000");

	/* busy before the run: the lock is held, snapraid is not even started */
	write_file(lockpath, "", 0600);
	fd = open(lockpath, O_WRONLY);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_null(collect(&fx, "ok"));
	assert_int_equal(runs("status"), 2);
	assert_line(&fx, "snapraid_busy 1");
	assert_line(&fx, "snapraid_array_errors 1");
	close(fd);
	unlink(lockpath);

	/* the lock is gone: a fresh status again */
	assert_null(collect(&fx, "ok"));
	assert_int_equal(runs("status"), 3);
	assert_line(&fx, "snapraid_busy 0");
	fx_release(&fx);
}

static void test_busy_without_previous_status(void **state)
{
	(void)state;
	struct fixture fx;
	fx_init(&fx);
	assert_null(collect(&fx, "busy"));
	assert_line(&fx, "snapraid_busy 1");
	assert_false(has_metric(&fx, "snapraid_array_files"));
	assert_false(has_metric(&fx, "snapraid_status_timestamp_seconds"));
	fx_release(&fx);
}

static void test_missing_binary(void **state)
{
	(void)state;
	struct fixture fx;
	fx_init(&fx);
	fx.cfg.snapraid = path_in("no-such-snapraid");
	assert_string_equal(collect(&fx, "ok"), "exec");
	assert_line(&fx, "snapraid_busy 0");
	assert_false(has_metric(&fx, "snapraid_array_files"));
	fx.cfg.snapraid = "homeops-no-such-program-in-path";
	assert_string_equal(collect(&fx, "ok"), "exec");
	fx_release(&fx);
}

static void test_missing_config_does_not_run(void **state)
{
	(void)state;
	struct fixture fx;
	fx_init(&fx);
	fx.cfg.config = path_in("missing.conf");
	assert_string_equal(collect(&fx, "ok"), "config");
	assert_int_equal(runs("status"), 0);
	fx.cfg.config = dir; /* a directory is not a config file either */
	assert_string_equal(collect(&fx, "ok"), "config");
	assert_int_equal(runs("status"), 0);
	fx_release(&fx);
}

static void test_failure_hides_values(void **state)
{
	(void)state;
	struct fixture fx;
	fx_init(&fx);
	assert_null(collect(&fx, "ok"));
	assert_line(&fx, "snapraid_array_files 7");
	assert_string_equal(collect(&fx, "garbage"), "parse");
	assert_false(has_metric(&fx, "snapraid_array_files"));
	assert_line(&fx, "snapraid_busy 0");
	fx_release(&fx);
}

static void test_failure_reasons(void **state)
{
	(void)state;
	struct {
		const char *mode;
		const char *reason;
	} cases[] = {
		{ "garbage", "parse" },
		{ "garbage3", "exit" },
		{ "config", "config" },
		{ "fatal", "fatal" },
		{ "killed", "exit" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture fx;
		fx_init(&fx);
		const char *r = collect(&fx, cases[i].mode);
		if (!r || strcmp(r, cases[i].reason) != 0)
			fail_msg("mode %s: reason %s, expected %s", cases[i].mode, r ? r : "(none)", cases[i].reason);
		fx_release(&fx);
	}
}

static void test_hung_snapraid_times_out(void **state)
{
	(void)state;
	struct fixture fx;
	char buf[32] = "";
	pid_t child;
	double t0;

	fx_init(&fx);
	fx.cfg.timeout = 1;
	unlink(path_in("child.pid"));
	t0 = clock_mono();
	assert_string_equal(collect(&fx, "hang"), "timeout");
	assert_true(clock_mono() - t0 < 8);
	/* the whole process group went: the stand-in's own child too */
	FILE *f = fopen(path_in("child.pid"), "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	child = (pid_t)atoi(buf);
	assert_true(child > 1);
	for (int i = 0; i < 100 && kill(child, 0) == 0; i++)
		clock_sleep(0.05);
	assert_int_equal(kill(child, 0), -1);
	assert_false(has_metric(&fx, "snapraid_array_files"));
	fx_release(&fx);
}

static void test_smart_interval(void **state)
{
	(void)state;
	struct fixture fx;
	fx_init(&fx);
	fx.cfg.smart = true;
	assert_null(collect(&fx, "ok"));
	assert_line(&fx, "snapraid_smart_up 1");
	assert_line(&fx, "snapraid_disk_failure_probability_ratio{disk=\"d1\",device=\"/dev/sda\",serial=\"SER1\"} 0.05");
	assert_line(&fx, "snapraid_disk_smart_errors{disk=\"parity\",device=\"/dev/sdb\",serial=\"SER2\"} 2");
	assert_line(&fx, "snapraid_disk_power_on_seconds{disk=\"parity\",device=\"/dev/sdb\",serial=\"SER2\"} 17280000");
	assert_line(&fx, "snapraid_array_failure_probability_ratio 0.16");
	assert_int_equal(runs("smart"), 1);
	/* within --snapraid.smart-interval: served again, not run again */
	assert_null(collect(&fx, "ok"));
	assert_int_equal(runs("smart"), 1);
	assert_line(&fx, "snapraid_disk_temperature_celsius{disk=\"d1\",device=\"/dev/sda\",serial=\"SER1\"} 41");
	fx_release(&fx);

	/* a failing smart is snapraid_smart_up 0, not a failed collection */
	fx_init(&fx);
	fx.cfg.smart = true;
	write_file(path_in("smart.txt"), "Smart is unsupported in this platform.\n", 0644);
	assert_null(collect(&fx, "ok"));
	assert_line(&fx, "snapraid_smart_up 0");
	assert_false(has_metric(&fx, "snapraid_disk_failure_probability_ratio"));
	write_file(path_in("smart.txt"), smart_txt, 0644);
	fx_release(&fx);
}

static void set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void test_run_logs(void **state)
{
	(void)state;
	struct fixture fx;
	char glob[400];
	int fd;

	mkdir(path_in("logs"), 0755);
	write_file(path_in("logs/sync-1.log"),
		   "unixtime:1700000100\ncommand:sync\nmsg:status: Everything OK\nsummary:error_file:0\n"
		   "summary:error_io:0\nsummary:error_data:0\nsummary:exit:ok\n", 0644);
	write_file(path_in("logs/sync-2.log"), "unixtime:1700000500\ncommand:sync\nmsg:progress: Syncing...\n", 0644);
	write_file(path_in("logs/scrub-1.log"),
		   "unixtime:1700000300\ncommand:scrub\nsummary:error_file:0\nsummary:error_io:2\n"
		   "summary:error_data:1\nsummary:exit:error\n", 0644);
	write_file(path_in("logs/notes.log"), "not a snapraid log\n", 0644);
	set_mtime(path_in("logs/sync-1.log"), 1700000200);
	set_mtime(path_in("logs/scrub-1.log"), 1700000400);
	set_mtime(path_in("logs/sync-2.log"), 1700000600);
	snprintf(glob, sizeof(glob), "%s/logs/*.log", dir);

	fx_init(&fx);
	fx.cfg.log_glob = glob;
	/* not busy: the newest sync log has no end, an interrupted sync */
	assert_null(collect(&fx, "ok"));
	assert_line(&fx, "snapraid_last_run_timestamp_seconds{command=\"sync\"} 1700000500");
	assert_line(&fx, "snapraid_last_run_success{command=\"sync\"} 0");
	assert_line(&fx, "snapraid_last_run_timestamp_seconds{command=\"scrub\"} 1700000300");
	assert_line(&fx, "snapraid_last_run_success{command=\"scrub\"} 0");
	assert_line(&fx, "snapraid_last_run_errors{command=\"scrub\",kind=\"io\"} 2");
	assert_line(&fx, "snapraid_last_run_errors{command=\"scrub\",kind=\"data\"} 1");
	assert_line(&fx, "snapraid_last_run_errors{command=\"scrub\",kind=\"soft\"} 0");

	/* busy: that sync is the one holding the lock; the one before it is reported */
	write_file(lockpath, "", 0600);
	fd = open(lockpath, O_WRONLY);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_null(collect(&fx, "ok"));
	assert_line(&fx, "snapraid_last_run_timestamp_seconds{command=\"sync\"} 1700000100");
	assert_line(&fx, "snapraid_last_run_success{command=\"sync\"} 1");
	assert_line(&fx, "snapraid_last_run_errors{command=\"sync\",kind=\"data\"} 0");
	close(fd);
	unlink(lockpath);

	/* the logs are reported whatever the status outcome */
	fx.cfg.config = path_in("missing.conf");
	assert_string_equal(collect(&fx, "ok"), "config");
	assert_line(&fx, "snapraid_last_run_success{command=\"scrub\"} 0");
	fx_release(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_absent_lock_creates_nothing),
		cmocka_unit_test(test_probe_free_held_released),
		cmocka_unit_test(test_ok_then_busy_keeps_values),
		cmocka_unit_test(test_busy_without_previous_status),
		cmocka_unit_test(test_missing_binary),
		cmocka_unit_test(test_missing_config_does_not_run),
		cmocka_unit_test(test_failure_hides_values),
		cmocka_unit_test(test_failure_reasons),
		cmocka_unit_test(test_hung_snapraid_times_out),
		cmocka_unit_test(test_smart_interval),
		cmocka_unit_test(test_run_logs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
