/* test_table.c: the container table: events and inspects in order, restart and OOM counting, removal, rename, render */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "exporters/docker/render.h"
#include "exporters/docker/table.h"

#define ID "178c9d1da30a7a8c1e16f87330f2dcaf5dfb09a4d5b77e854d122b223b23b903"

/* An event line as the engine writes it (Docker 20.10 shape, legacy fields included). */
static bool ev(struct dk_table *t, const char *id, const char *action, const char *attrs)
{
	char *line = xasprintf("{\"status\":\"%s\",\"id\":\"%s\",\"Type\":\"container\",\"Action\":\"%s\","
			       "\"Actor\":{\"ID\":\"%s\",\"Attributes\":{%s}},\"time\":1700000000,\"timeNano\":1700000000500000000}",
			       action, id, action, id, attrs ? attrs : "\"name\":\"web\"");
	struct dk_event e;
	struct dk_perr err;
	bool r;

	assert_int_equal(dk_event_parse(line, strlen(line), &e, &err), 0);
	r = dk_table_apply_event(t, &e);
	dk_event_release(&e);
	free(line);
	return r;
}

/* An inspect answer asked at seq, the container last started at started (a RFC 3339 time). */
static bool insp_at(struct dk_table *t, unsigned long seq, const char *id, const char *name, const char *status,
		    long restarts, bool oom, long exit_code, const char *started)
{
	char *doc = xasprintf("{\"Id\":\"%s\",\"Name\":\"/%s\",\"RestartCount\":%ld,\"State\":{\"Status\":\"%s\","
			      "\"OOMKilled\":%s,\"ExitCode\":%ld,\"StartedAt\":\"%s\","
			      "\"FinishedAt\":\"0001-01-01T00:00:00Z\"},\"Config\":{\"Image\":\"busybox\"},"
			      "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/share\",\"Destination\":\"/data\",\"RW\":false}]}",
			      id, name, restarts, status, oom ? "true" : "false", exit_code, started);
	struct dk_inspect in;
	struct dk_perr err;
	bool r;

	assert_int_equal(dk_inspect_parse(doc, strlen(doc), NULL, 0, &in, &err), 0);
	r = dk_table_apply_inspect(t, &in, seq);
	free(doc);
	return r;
}

static bool insp(struct dk_table *t, unsigned long seq, const char *id, const char *name, const char *status,
		 long restarts, bool oom, long exit_code)
{
	return insp_at(t, seq, id, name, status, restarts, oom, exit_code, "2023-11-14T22:13:20Z");
}

/* docker restart: the engine answers the inspect asked after the die with the container already
 * running again, before its start event arrives. One restart, counted once. */
static void test_restart_seen_running_before_its_start_event(void **state)
{
	struct dk_table *t = dk_table_new();
	struct dk_entry *e;
	(void)state;

	insp(t, t->seq, ID, "web", "running", 0, false, 0);
	e = dk_table_find(t, ID);
	ev(t, ID, "kill", NULL);
	ev(t, ID, "die", "\"name\":\"web\",\"exitCode\":\"137\"");
	assert_true(insp_at(t, t->seq, ID, "web", "running", 0, false, 0, "2023-11-14T22:20:00Z"));
	assert_true(e->restarts_total == 1);
	ev(t, ID, "start", NULL);
	ev(t, ID, "restart", NULL);
	assert_true(e->restarts_total == 1);
	assert_true(insp_at(t, t->seq, ID, "web", "running", 0, false, 0, "2023-11-14T22:20:00Z"));
	assert_true(e->restarts_total == 1);
	/* and the usual order (events first) still counts one per restart */
	ev(t, ID, "die", "\"name\":\"web\",\"exitCode\":\"137\"");
	ev(t, ID, "start", NULL);
	assert_true(insp_at(t, t->seq, ID, "web", "running", 0, false, 0, "2023-11-14T22:30:00Z"));
	assert_true(e->restarts_total == 2);
	dk_table_free(t);
}

static void test_die_start_counts_a_restart(void **state)
{
	struct dk_table *t = dk_table_new();
	struct dk_entry *e;
	(void)state;

	assert_true(insp(t, t->seq, ID, "web", "running", 0, false, 0));
	e = dk_table_find(t, ID);
	assert_int_equal(e->state, DK_STATE_RUNNING);
	assert_true(ev(t, ID, "die", "\"name\":\"web\",\"exitCode\":\"3\""));
	assert_int_equal(e->state, DK_STATE_EXITED);
	assert_int_equal(e->exit_code, 3);
	assert_true(e->died);
	assert_true(ev(t, ID, "start", NULL));
	assert_true(e->restarts_total == 1);
	assert_int_equal(e->state, DK_STATE_RUNNING);
	/* the inspect after it: RestartCount 1 is the same restart, not a second */
	assert_true(insp(t, t->seq, ID, "web", "running", 1, false, 0));
	assert_true(e->restarts_total == 1);
	/* a second start without a die (docker start on a running one) counts nothing */
	ev(t, ID, "start", NULL);
	assert_true(e->restarts_total == 1);
	dk_table_free(t);
}

/* Docker raises RestartCount before the die event: an inspect between die and start
 * (state restarting) sees it first; the start after it is the same restart. */
static void test_restart_seen_by_inspect_first(void **state)
{
	struct dk_table *t = dk_table_new();
	struct dk_entry *e;
	(void)state;

	insp(t, t->seq, ID, "web", "running", 0, false, 0);
	e = dk_table_find(t, ID);
	ev(t, ID, "die", "\"name\":\"web\",\"exitCode\":\"3\"");
	assert_true(insp(t, t->seq, ID, "web", "restarting", 1, false, 3));
	assert_true(e->restarts_total == 1);
	ev(t, ID, "start", NULL);
	assert_true(e->restarts_total == 1);
	assert_true(insp(t, t->seq, ID, "web", "running", 1, false, 0));
	assert_true(e->restarts_total == 1);
	/* restarts missed while disconnected: RestartCount 1 -> 5 */
	assert_true(insp(t, t->seq, ID, "web", "running", 5, false, 0));
	assert_true(e->restarts_total == 5);
	/* then a die/start: counted by events (2 so far) and by RestartCount (5 -> 6): max, 6 */
	ev(t, ID, "die", "\"name\":\"web\",\"exitCode\":\"1\"");
	ev(t, ID, "start", NULL);
	assert_true(e->restarts_total == 5);
	assert_true(insp(t, t->seq, ID, "web", "running", 6, false, 0));
	assert_true(e->restarts_total == 6);
	/* a manual restart resets RestartCount to 0: not a fall of the counter */
	assert_true(insp(t, t->seq, ID, "web", "running", 0, false, 0));
	assert_true(e->restarts_total == 6);
	dk_table_free(t);
}

/* A container created while the exporter watches: its RestartCount counts from 0, even when the
 * first inspect comes only after a few restarts. */
static void test_created_counts_from_zero(void **state)
{
	struct dk_table *t = dk_table_new();
	struct dk_entry *e;
	(void)state;

	ev(t, ID, "create", NULL);
	e = dk_table_find(t, ID);
	ev(t, ID, "start", NULL);
	ev(t, ID, "die", "\"name\":\"web\",\"exitCode\":\"3\"");
	ev(t, ID, "start", NULL);
	assert_true(e->restarts_total == 1);
	assert_true(insp(t, t->seq, ID, "web", "restarting", 2, false, 3));
	assert_true(e->restarts_total == 2);
	dk_table_free(t);
}

static void test_oom_before_die(void **state)
{
	struct dk_table *t = dk_table_new();
	struct dk_entry *e;
	(void)state;

	insp(t, t->seq, ID, "web", "running", 0, false, 0);
	e = dk_table_find(t, ID);
	assert_false(ev(t, ID, "oom", NULL));
	assert_true(e->oom_killed);
	assert_true(e->ooms_total == 1);
	ev(t, ID, "die", "\"name\":\"web\",\"exitCode\":\"137\"");
	assert_true(e->oom_killed);
	assert_int_equal(e->exit_code, 137);
	/* the inspect after the die says OOMKilled: the same kill, not a second */
	insp(t, t->seq, ID, "web", "exited", 0, true, 137);
	assert_true(e->ooms_total == 1);
	assert_true(e->oom_killed);
	/* a start clears oom_killed; an OOM seen only by inspect (missed event) counts */
	ev(t, ID, "start", NULL);
	assert_false(e->oom_killed);
	insp(t, t->seq, ID, "web", "running", 0, false, 0);
	insp(t, t->seq, ID, "web", "exited", 0, true, 137);
	assert_true(e->ooms_total == 2);
	dk_table_free(t);
}

static void test_destroy_drops_and_stale_inspect_does_not_resurrect(void **state)
{
	struct dk_table *t = dk_table_new();
	unsigned long asked;
	(void)state;

	assert_true(ev(t, ID, "create", NULL));   /* unknown container: inspect it */
	assert_non_null(dk_table_find(t, ID));
	assert_string_equal(dk_table_find(t, ID)->name, "web");
	assert_int_equal(dk_table_find(t, ID)->state, DK_STATE_CREATED);
	asked = t->seq;
	ev(t, ID, "destroy", NULL);
	assert_null(dk_table_find(t, ID));
	/* an inspect answered before the destroy arrives after it: ignored */
	assert_false(insp(t, asked, ID, "web", "running", 0, false, 0));
	assert_null(dk_table_find(t, ID));
	assert_int_equal(t->n, 0);
	dk_table_free(t);
}

static void test_stale_inspect_keeps_event_state(void **state)
{
	struct dk_table *t = dk_table_new();
	unsigned long asked;
	struct dk_entry *e;
	(void)state;

	insp(t, t->seq, ID, "web", "running", 0, false, 0);
	e = dk_table_find(t, ID);
	asked = t->seq;
	ev(t, ID, "die", "\"name\":\"web\",\"exitCode\":\"2\"");
	e->dirty = false;
	/* "running" was read before the die: not applied, asked again */
	assert_false(insp(t, asked, ID, "web", "running", 0, false, 0));
	assert_int_equal(e->state, DK_STATE_EXITED);
	assert_true(e->dirty);
	dk_table_free(t);
}

static void test_rename_health_pause(void **state)
{
	struct dk_table *t = dk_table_new();
	struct dk_entry *e;
	(void)state;

	insp(t, t->seq, ID, "web", "running", 0, false, 0);
	e = dk_table_find(t, ID);
	assert_true(ev(t, ID, "rename", "\"name\":\"web2\",\"oldName\":\"/web\""));
	assert_string_equal(e->name, "web2");
	assert_true(ev(t, ID, "health_status: unhealthy", "\"name\":\"web2\""));
	assert_int_equal(e->health, DK_HEALTH_UNHEALTHY);
	/* a probe's exec_die with a health check wants the new FailingStreak */
	e->dirty = false;
	assert_true(ev(t, ID, "exec_die", "\"name\":\"web2\",\"exitCode\":\"1\""));
	assert_false(ev(t, ID, "pause", "\"name\":\"web2\""));
	assert_int_equal(e->state, DK_STATE_PAUSED);
	ev(t, ID, "unpause", "\"name\":\"web2\"");
	assert_int_equal(e->state, DK_STATE_RUNNING);
	/* other types are ignored */
	char line[] = "{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"n1\"}}";
	struct dk_event ne;
	struct dk_perr err;
	assert_int_equal(dk_event_parse(line, strlen(line), &ne, &err), 0);
	assert_false(dk_table_apply_event(t, &ne));
	dk_event_release(&ne);
	assert_int_equal(t->n, 1);
	dk_table_free(t);
}

static void test_resync_sweeps_missing(void **state)
{
	struct dk_table *t = dk_table_new();
	unsigned long seq0;
	(void)state;

	insp(t, t->seq, "aaa", "a", "running", 0, false, 0);
	insp(t, t->seq, "bbb", "b", "running", 0, false, 0);
	dk_table_unmark(t);
	seq0 = t->seq;
	ev(t, "ccc", "create", "\"name\":\"c\"");   /* created during the resync: kept */
	dk_table_mark_seen(t, "aaa");
	assert_int_equal(dk_table_sweep(t, seq0), 1);
	assert_non_null(dk_table_find(t, "aaa"));
	assert_null(dk_table_find(t, "bbb"));
	assert_non_null(dk_table_find(t, "ccc"));
	dk_table_remove(t, "aaa");
	assert_int_equal(t->n, 1);
	dk_table_free(t);
}

static void test_render(void **state)
{
	struct dk_table *t = dk_table_new();
	struct metric_set *ms = metric_set_new();
	struct strbuf out = STRBUF_INIT;
	(void)state;

	insp(t, t->seq, ID, "web", "running", 2, false, 0);
	ev(t, "ddd", "create", "\"name\":\"x\\\"y\"");
	dk_render_table(ms, t, NULL);
	dk_render_engine(ms, "20.10.24", "1.41");
	metric_set_render(ms, &out);
	const char *s = strbuf_cstr(&out);
	assert_non_null(strstr(s, "docker_container_state{name=\"web\",state=\"running\"} 1\n"));
	assert_non_null(strstr(s, "docker_container_state{name=\"web\",state=\"exited\"} 0\n"));
	assert_non_null(strstr(s, "docker_container_health_status{name=\"web\",status=\"none\"} 1\n"));
	assert_non_null(strstr(s, "docker_container_restarts{name=\"web\"} 2\n"));
	assert_non_null(strstr(s, "docker_container_restarts_total{name=\"web\"} 0\n"));
	assert_non_null(strstr(s, "docker_container_bind_mount_info{name=\"web\",source=\"/srv/share\",mountpoint=\"/\",destination=\"/data\",rw=\"false\"} 1\n"));
	assert_non_null(strstr(s, "docker_container_started_at_timestamp_seconds{name=\"web\"} 1700000000\n"));
	assert_null(strstr(s, "docker_container_finished_at_timestamp_seconds{name=\"web\"}"));
	assert_non_null(strstr(s, "docker_container_state{name=\"x\\\"y\",state=\"created\"} 1\n"));
	assert_non_null(strstr(s, "docker_engine_info{version=\"20.10.24\",api_version=\"1.41\"} 1\n"));
	assert_non_null(strstr(s, "docker_containers 2\n"));
	char *ln = dk_render_label_name("com.docker.compose.project");
	assert_string_equal(ln, "label_com_docker_compose_project");
	free(ln);
	strbuf_release(&out);
	metric_set_free(ms);
	dk_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_die_start_counts_a_restart),
		cmocka_unit_test(test_restart_seen_by_inspect_first),
		cmocka_unit_test(test_created_counts_from_zero),
		cmocka_unit_test(test_restart_seen_running_before_its_start_event),
		cmocka_unit_test(test_oom_before_die),
		cmocka_unit_test(test_destroy_drops_and_stale_inspect_does_not_resurrect),
		cmocka_unit_test(test_stale_inspect_keeps_event_state),
		cmocka_unit_test(test_rename_health_pause),
		cmocka_unit_test(test_resync_sweeps_missing),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
