/* test_probe.c: the probes on real directories, and a call that hangs (a FIFO canary) marked stuck, never called twice, recovered */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/clock.h"
#include "common/xalloc.h"
#include "exporters/cifs/probe.h"
#include "tests/lib/testlib.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/cifs-probe-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return xstrdup(d);
}

static void rmtree(const char *d)
{
	char *cmd = xasprintf("rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void test_mount_probe_dir(void **state)
{
	struct cifs_probe_result r;
	char *d = tmpdir();

	(void)state;
	cifs_probe_mount(d, NULL, &r);
	assert_int_equal(r.err, 0);
	assert_true(r.has_statfs);
	assert_true(r.size > 0 && r.avail <= r.free && r.free <= r.size);
	cifs_probe_mount("/nonexistent/cifs/mp", NULL, &r);
	assert_int_equal(r.err, ENOENT);
	assert_string_equal(r.step, "statfs");
	cifs_probe_mount(d, "missing-canary", &r);
	assert_int_equal(r.err, ENOENT);
	assert_string_equal(r.step, "canary");
	test_write_file(d, "canary", "x", 0644);
	cifs_probe_mount(d, "canary", &r);
	assert_int_equal(r.err, 0);
	rmtree(d);
	free(d);
}

static void test_underlying(void **state)
{
	struct cifs_probe_result r;
	char *d = tmpdir();
	char *mp = xasprintf("%s/mp", d);

	(void)state;
	assert_int_equal(mkdir(mp, 0755), 0);
	cifs_probe_underlying(mp, &r);
	assert_int_equal(r.err, 0);
	assert_true(r.has_entries);
	assert_true(r.entries == 0);
	test_write_file(mp, "written-while-unmounted.db", "data", 0644);
	test_write_file(mp, ".hidden", "data", 0644);
	cifs_probe_underlying(mp, &r);
	assert_true(r.entries == 2);
	cifs_probe_underlying("/nonexistent/cifs/mp", &r);
	assert_int_equal(r.err, ENOENT);
	assert_false(r.has_entries);
	/* a mountpoint is never read as the local directory */
	cifs_probe_underlying("/proc", &r);
	assert_int_equal(r.err, EBUSY);
	assert_string_equal(r.step, "mountpoint");
	assert_false(r.has_entries);
	cifs_probe_underlying("/", &r);
	assert_int_equal(r.err, EBUSY);
	rmtree(d);
	free(mp);
	free(d);
}

static void plan_one(struct cifs_plan *p, struct cifs_plan_entry *e, const char *mp, unsigned long id)
{
	memset(e, 0, sizeof(*e));
	e->mountpoint = (char *)mp;
	e->share = (char *)"//test/share";
	e->fstype = (char *)"cifs";
	e->mounted = true;
	e->expected = true;
	e->mount_id = id;
	e->action = CIFS_ACT_PROBE;
	p->entries = e;
	p->n = 1;
}

/* open() of a FIFO with no writer blocks: the stand-in for a dead server inside a unit test. */
static void test_stuck_and_recovered(void **state)
{
	char *d = tmpdir();
	char *fifo = xasprintf("%s/canary", d);
	struct cifs_prober_config cfg = { 0.2, "canary", 0, NULL, NULL };
	struct cifs_prober *p;
	struct cifs_plan plan;
	struct cifs_plan_entry e;
	struct cifs_probe_view v;
	double t0;
	int fd;

	(void)state;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	p = cifs_prober_new(&cfg);
	plan_one(&plan, &e, d, 7);

	t0 = clock_mono();
	cifs_prober_run(p, &plan, &v);
	assert_true(clock_mono() - t0 < 2);
	assert_true(v.probed);
	assert_int_equal(v.state, DEADLINE_TIMEOUT);
	assert_true(v.stuck);
	assert_false(v.fresh);
	assert_int_equal(cifs_prober_in_flight(p), 1);

	/* later rounds return at once, say stuck, and start no second call */
	for (int i = 0; i < 5; i++) {
		t0 = clock_mono();
		cifs_prober_run(p, &plan, &v);
		assert_true(clock_mono() - t0 < 0.15);
		assert_int_equal(v.state, DEADLINE_STUCK);
		assert_true(v.stuck);
		assert_true(v.duration >= 0.2);
		assert_int_equal(cifs_prober_in_flight(p), 1);
	}

	/* the server answers: the blocked open returns, the next round probes normally */
	fd = open(fifo, O_WRONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	for (int i = 0; i < 100 && cifs_prober_in_flight(p) > 0; i++)
		clock_sleep(0.02);
	assert_int_equal(cifs_prober_in_flight(p), 0);
	unlink(fifo);
	test_write_file(d, "canary", "ok", 0644);
	cifs_prober_run(p, &plan, &v);
	assert_int_equal(v.state, DEADLINE_DONE);
	assert_true(v.fresh);
	assert_false(v.stuck);
	assert_int_equal(v.result.err, 0);

	cifs_prober_free(p);
	rmtree(d);
	free(fifo);
	free(d);
}

/* A remount (new mount id) while the old call is stuck is a new mount and is probed. */
static void test_remount_is_new(void **state)
{
	char *d = tmpdir();
	char *fifo = xasprintf("%s/canary", d);
	struct cifs_prober_config cfg = { 0.1, "canary", 0, NULL, NULL };
	struct cifs_prober *p;
	struct cifs_plan plan;
	struct cifs_plan_entry e;
	struct cifs_probe_view v;
	int fd;

	(void)state;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	p = cifs_prober_new(&cfg);
	plan_one(&plan, &e, d, 7);
	cifs_prober_run(p, &plan, &v);
	assert_true(v.stuck);
	plan_one(&plan, &e, d, 8);
	cifs_prober_run(p, &plan, &v);
	assert_int_equal(v.state, DEADLINE_TIMEOUT);   /* called again: also blocks on the FIFO */
	assert_int_equal(cifs_prober_in_flight(p), 2);
	fd = open(fifo, O_WRONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	close(fd);
	for (int i = 0; i < 100 && cifs_prober_in_flight(p) > 0; i++)
		clock_sleep(0.02);
	assert_int_equal(cifs_prober_in_flight(p), 0);
	cifs_prober_free(p);
	rmtree(d);
	free(fifo);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount_probe_dir),
		cmocka_unit_test(test_underlying),
		cmocka_unit_test(test_stuck_and_recovered),
		cmocka_unit_test(test_remount_is_new),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
