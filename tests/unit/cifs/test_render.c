/* test_render.c: what each plan entry and probe outcome renders, and what is left out (never stale) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/cifs/render.h"

static char *render(const struct cifs_plan *plan, const struct cifs_probe_view *views)
{
	struct metric_set *ms = metric_set_new();
	struct strbuf out = STRBUF_INIT;

	cifs_render_mounts(ms, plan, views);
	metric_set_render(ms, &out);
	metric_set_free(ms);
	return strbuf_detach(&out, NULL);
}

static void entry(struct cifs_plan_entry *e, const char *mp, bool mounted, enum cifs_action action)
{
	memset(e, 0, sizeof(*e));
	e->mountpoint = (char *)mp;
	e->share = (char *)"//nas/x";
	e->fstype = (char *)"cifs";
	e->expected = true;
	e->mounted = mounted;
	e->action = action;
}

static void test_outcomes(void **state)
{
	struct cifs_plan_entry e[5];
	struct cifs_probe_view v[5];
	struct cifs_plan plan = { e, 5 };
	char *out;

	(void)state;
	memset(v, 0, sizeof(v));
	entry(&e[0], "/a-ok", true, CIFS_ACT_PROBE);
	v[0].probed = true;
	v[0].state = DEADLINE_DONE;
	v[0].fresh = true;
	v[0].duration = 0.25;
	v[0].result.has_statfs = true;
	v[0].result.size = 1000;
	v[0].result.free = 600;
	v[0].result.avail = 500;
	entry(&e[1], "/b-stuck", true, CIFS_ACT_PROBE);
	v[1].probed = true;
	v[1].state = DEADLINE_STUCK;
	v[1].stuck = true;
	v[1].duration = 42;
	entry(&e[2], "/c-failed", true, CIFS_ACT_PROBE);
	e[2].readonly = true;
	v[2].probed = true;
	v[2].state = DEADLINE_DONE;
	v[2].fresh = true;
	v[2].result.err = 5;
	v[2].result.step = "readdir";
	v[2].result.has_statfs = true;
	v[2].result.size = 1;
	entry(&e[3], "/d-absent", false, CIFS_ACT_UNDERLYING);
	v[3].probed = true;
	v[3].state = DEADLINE_DONE;
	v[3].fresh = true;
	v[3].result.has_entries = true;
	v[3].result.entries = 3;
	entry(&e[4], "/e-deferred", true, CIFS_ACT_PROBE);
	v[4].probed = true;
	v[4].state = DEADLINE_DEFERRED;

	out = render(&plan, v);
	assert_non_null(strstr(out, "cifs_mount_responsive{mountpoint=\"/a-ok\",share=\"//nas/x\"} 1\n"));
	assert_non_null(strstr(out, "cifs_mount_stuck{mountpoint=\"/a-ok\"} 0\n"));
	assert_non_null(strstr(out, "cifs_mount_probe_duration_seconds{mountpoint=\"/a-ok\"} 0.25\n"));
	assert_non_null(strstr(out, "cifs_mount_avail_bytes{mountpoint=\"/a-ok\",share=\"//nas/x\"} 500\n"));
	/* stuck: responsive 0, stuck 1, how long, and no statfs values */
	assert_non_null(strstr(out, "cifs_mount_responsive{mountpoint=\"/b-stuck\",share=\"//nas/x\"} 0\n"));
	assert_non_null(strstr(out, "cifs_mount_stuck{mountpoint=\"/b-stuck\"} 1\n"));
	assert_non_null(strstr(out, "cifs_mount_probe_duration_seconds{mountpoint=\"/b-stuck\"} 42\n"));
	assert_null(strstr(out, "cifs_mount_size_bytes{mountpoint=\"/b-stuck\""));
	/* failed in time: responsive 0, not stuck, statfs values it did get */
	assert_non_null(strstr(out, "cifs_mount_responsive{mountpoint=\"/c-failed\",share=\"//nas/x\"} 0\n"));
	assert_non_null(strstr(out, "cifs_mount_stuck{mountpoint=\"/c-failed\"} 0\n"));
	assert_non_null(strstr(out, "cifs_mount_readonly{mountpoint=\"/c-failed\",share=\"//nas/x\"} 1\n"));
	/* absent: expected 1, mounted 0, underlying entries, no probe values */
	assert_non_null(strstr(out, "cifs_mount_mounted{mountpoint=\"/d-absent\",share=\"//nas/x\"} 0\n"));
	assert_non_null(strstr(out, "cifs_mount_underlying_entries{mountpoint=\"/d-absent\"} 3\n"));
	assert_null(strstr(out, "cifs_mount_responsive{mountpoint=\"/d-absent\""));
	assert_null(strstr(out, "cifs_mount_readonly{mountpoint=\"/d-absent\""));
	/* deferred: nothing measured this round */
	assert_null(strstr(out, "cifs_mount_responsive{mountpoint=\"/e-deferred\""));
	assert_null(strstr(out, "cifs_mount_stuck{mountpoint=\"/e-deferred\""));
	assert_non_null(strstr(out, "cifs_mount_mounted{mountpoint=\"/e-deferred\",share=\"//nas/x\"} 1\n"));
	free(out);
}

static void test_debugdata_duplicates_and_ipc(void **state)
{
	struct cifs_dd_share sh[3] = {
		{ (char *)"srv", (char *)"//srv/IPC$", true, 1, 1, false },
		{ (char *)"srv", (char *)"//srv/media", false, 1, 1, false },
		{ (char *)"srv", (char *)"//srv/media", false, 1, 1, true },   /* a second session, disconnected */
	};
	struct cifs_debugdata dd = { 1, sh, 3 };
	struct metric_set *ms = metric_set_new();
	struct strbuf out = STRBUF_INIT;

	(void)state;
	cifs_render_debugdata(ms, &dd);
	metric_set_render(ms, &out);
	assert_null(strstr(out.buf, "IPC$"));
	assert_non_null(strstr(out.buf, "cifs_share_connected{server=\"srv\",share=\"//srv/media\"} 0\n"));
	assert_non_null(strstr(out.buf, "cifs_servers 1\n"));
	strbuf_release(&out);
	metric_set_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_debugdata_duplicates_and_ipc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
