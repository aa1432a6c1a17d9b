/* test_parse_fixtures.c: the Docker parsers on recorded Engine API responses (engine 20.10, API docs, docker-java, watchtower, events) */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/lines.h"
#include "exporters/docker/parse.h"
#include "tests/lib/testlib.h"

static void inspect_file(const char *rel, const char *const *keep, size_t nkeep, struct dk_inspect *in)
{
	size_t len;
	char *buf = fixture_read(rel, &len);
	struct dk_perr err;
	int rc = dk_inspect_parse(buf, len, keep, nkeep, in, &err);
	if (rc != 0)
		fail_msg("%s: %s", rel, err.msg);
	free(buf);
}

static void test_inspect_real_20_10(void **state)
{
	struct dk_inspect in;
	(void)state;

	inspect_file("docker/real-dockerd-20.10/inspect_feas_unhealthy.json", NULL, 0, &in);
	assert_string_equal(in.name, "feas_unhealthy");
	assert_string_equal(in.id, "7c6a3aff9f93ae8397bb980e6c9d47c5aa0d172dcb1e01f6ca01f4f8288522e7");
	assert_int_equal(in.state, DK_STATE_RUNNING);
	assert_int_equal(in.health, DK_HEALTH_UNHEALTHY);
	assert_int_equal(in.failing_streak, 11);
	assert_int_equal(in.restart_count, 0);
	assert_string_equal(in.restart_policy, "no");
	assert_false(in.oom_killed);
	/* 2026-11-22T15:55:41.683785752Z */
	assert_true(fabs(in.started_at - 1795362941.683785752) < 1e-5);
	assert_true(isnan(in.finished_at));   /* 0001-01-01T00:00:00Z: never */
	assert_int_equal(in.nmounts, 0);
	dk_inspect_release(&in);

	inspect_file("docker/real-dockerd-20.10/inspect_feas_timeout.json", NULL, 0, &in);
	assert_int_equal(in.health, DK_HEALTH_UNHEALTHY);
	assert_int_equal(in.failing_streak, 6);
	dk_inspect_release(&in);

	inspect_file("docker/real-dockerd-20.10/inspect_feas_exited.json", NULL, 0, &in);
	assert_int_equal(in.state, DK_STATE_EXITED);
	assert_int_equal(in.exit_code, 3);
	assert_int_equal(in.health, DK_HEALTH_NONE);
	assert_int_equal(in.failing_streak, -1);
	assert_false(isnan(in.finished_at));
	dk_inspect_release(&in);

	inspect_file("docker/real-dockerd-20.10/inspect_feas_created.json", NULL, 0, &in);
	assert_int_equal(in.state, DK_STATE_CREATED);
	assert_true(isnan(in.started_at));
	dk_inspect_release(&in);

	inspect_file("docker/real-dockerd-20.10/inspect_feas_starting.json", NULL, 0, &in);
	assert_int_equal(in.health, DK_HEALTH_STARTING);
	dk_inspect_release(&in);

	inspect_file("docker/real-dockerd-20.10/inspect_feas_healthy.json", NULL, 0, &in);
	assert_int_equal(in.health, DK_HEALTH_HEALTHY);
	assert_int_equal(in.failing_streak, 0);
	dk_inspect_release(&in);

	inspect_file("docker/real-dockerd-20.10/inspect_feas_nohc.json", NULL, 0, &in);
	assert_int_equal(in.health, DK_HEALTH_NONE);
	assert_string_equal(in.image, "feas/busybox:1");
	dk_inspect_release(&in);
}

static void test_inspect_api_docs(void **state)
{
	static const char *const keep[] = { "com.example.vendor", "com.example.absent" };
	const char *files[] = { "docker/api-doc-examples/v1.41_GET_containers_id_json.json",
				"docker/api-doc-examples/v1.47_GET_containers_id_json.json" };
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		struct dk_inspect in;
		inspect_file(files[i], keep, 2, &in);
		assert_string_equal(in.name, "boring_euclid");
		assert_int_equal(in.health, DK_HEALTH_HEALTHY);
		assert_int_equal(in.restart_count, 1);
		assert_int_equal(in.exit_code, 9);
		assert_int_equal(in.nlabels, 1);  /* only the kept label that exists */
		assert_string_equal(in.labels[0].key, "com.example.vendor");
		assert_string_equal(in.labels[0].value, "Acme");
		assert_int_equal(in.nmounts, 0);  /* its only mount is a named volume */
		dk_inspect_release(&in);
	}
}

static void test_inspect_watchtower_binds(void **state)
{
	static const char *const keep[] = { "com.centurylinklabs.watchtower" };
	struct dk_inspect in;
	(void)state;

	inspect_file("docker/watchtower/container_running.json", NULL, 0, &in);
	assert_string_equal(in.name, "portainer");
	assert_int_equal(in.nmounts, 1);   /* the volume is left out */
	assert_string_equal(in.mounts[0].source, "/var/run/docker.sock");
	assert_string_equal(in.mounts[0].destination, "/var/run/docker.sock");
	dk_inspect_release(&in);

	inspect_file("docker/watchtower/container_stopped.json", keep, 1, &in);
	assert_int_equal(in.state, DK_STATE_EXITED);
	assert_int_equal(in.exit_code, 1);
	assert_int_equal(in.nlabels, 1);
	assert_string_equal(in.labels[0].value, "true");
	dk_inspect_release(&in);

	inspect_file("docker/watchtower/container_net_supplier.json", NULL, 0, &in);
	assert_int_equal(in.health, DK_HEALTH_HEALTHY);
	dk_inspect_release(&in);
}

static void test_inspect_docker_java_and_swagger(void **state)
{
	struct dk_inspect in;
	(void)state;

	inspect_file("docker/docker-java/1.22_containers_container_json_1.json", NULL, 0, &in);
	assert_int_equal(in.state, DK_STATE_CREATED);
	assert_string_equal(in.name, "drunk_golick");
	dk_inspect_release(&in);
	inspect_file("docker/docker-java/1.24_containers_inspect_1.json", NULL, 0, &in);
	assert_int_equal(in.health, DK_HEALTH_HEALTHY);
	dk_inspect_release(&in);
	inspect_file("docker/docker-java/1.38_containers_inspect_lcow.json", NULL, 0, &in);
	assert_int_equal(in.state, DK_STATE_RUNNING);
	dk_inspect_release(&in);
	inspect_file("docker/swagger-examples/definition_ContainerInspectResponse.fromfields.json", NULL, 0, &in);
	assert_int_equal(in.state, DK_STATE_RUNNING);
	assert_int_equal(in.health, DK_HEALTH_HEALTHY);
	dk_inspect_release(&in);
}

/* Every recorded response that is not a container is refused with a reason, never crashes. */
static void test_inspect_refuses_non_containers(void **state)
{
	const char *files[] = { "docker/watchtower/image_default.json", "docker/health/State.Health.healthy.watchtower-net_supplier.json",
				"docker/swagger-examples/GET_containers_id_json__404.json", "docker/docker-java/1.22_info_1.json",
				"docker/real-dockerd-20.10/containers_json_all.json" };
	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *buf = fixture_read(files[i], &len);
		struct dk_inspect in;
		struct dk_perr err;
		assert_int_equal(dk_inspect_parse(buf, len, NULL, 0, &in, &err), -1);
		assert_true(err.msg[0] != '\0');
		dk_inspect_release(&in);
		free(buf);
	}
}

static void list_file(const char *rel, struct dk_list *l)
{
	size_t len;
	char *buf = fixture_read(rel, &len);
	struct dk_perr err;
	if (dk_list_parse(buf, len, l, &err) != 0)
		fail_msg("%s: %s", rel, err.msg);
	free(buf);
}

static void test_list(void **state)
{
	struct dk_list l;
	(void)state;

	list_file("docker/real-dockerd-20.10/containers_json_all.json", &l);
	assert_int_equal(l.n, 7);
	assert_string_equal(l.items[0].name, "feas_created");
	assert_int_equal(l.items[0].state, DK_STATE_CREATED);
	assert_int_equal(l.items[2].state, DK_STATE_EXITED);
	dk_list_release(&l);
	list_file("docker/real-dockerd-20.10/containers_json_all_2.json", &l);
	assert_int_equal(l.n, 8);
	assert_string_equal(l.items[0].name, "feas_restarting");
	assert_int_equal(l.items[0].state, DK_STATE_RESTARTING);
	dk_list_release(&l);
	list_file("docker/api-doc-examples/v1.41_GET_containers_json.json", &l);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.items[0].state, DK_STATE_EXITED);  /* "Exited" in the docs */
	dk_list_release(&l);
	list_file("docker/api-doc-examples/v1.47_GET_containers_json.json", &l);
	assert_int_equal(l.n, 4);
	dk_list_release(&l);
	list_file("docker/docker-java/1.22_containers_json_filter1.json", &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0].state, DK_STATE_UNKNOWN);  /* no State before API 1.23 */
	dk_list_release(&l);
	list_file("docker/watchtower/containers.json", &l);
	assert_int_equal(l.n, 4);
	dk_list_release(&l);
}

static void test_version(void **state)
{
	size_t len;
	char *buf = fixture_read("docker/docker-java/1.22_version_1.json", &len);
	struct dk_version v;
	struct dk_perr err;
	(void)state;

	assert_int_equal(dk_version_parse(buf, len, &v, &err), 0);
	assert_string_equal(v.api_version, "1.22");
	assert_int_equal(dk_api_version_num(v.api_version), 122);
	dk_version_release(&v);
	free(buf);
}

/* Parses every event line of a file; returns how many parsed, checks each. */
static size_t events_file(const char *rel, size_t *containers, size_t *health)
{
	size_t len, ok = 0;
	char *buf = fixture_read(rel, &len);
	struct line_reader r;
	const char *line;

	*containers = *health = 0;
	line_reader_init(&r, buf, len, LINES_STRIP_CR);
	while ((line = line_reader_next(&r))) {
		struct dk_event ev;
		struct dk_perr err;
		if (!*line)
			continue;
		if (dk_event_parse(line, strlen(line), &ev, &err) != 0)
			fail_msg("%s: %s: %s", rel, err.msg, line);
		ok++;
		assert_non_null(ev.action);
		assert_null(strchr(ev.action, ':'));
		if (strcmp(ev.type, "container") == 0) {
			(*containers)++;
			assert_non_null(ev.id);
		}
		if (strcmp(ev.action, "health_status") == 0) {
			assert_int_not_equal(ev.health, DK_HEALTH_UNKNOWN);
			(*health)++;
		}
		if (strcmp(ev.action, "die") == 0)
			assert_true(ev.has_exit_code);
		assert_false(isnan(ev.time));
		dk_event_release(&ev);
	}
	line_reader_release(&r);
	free(buf);
	return ok;
}

static void test_events_streams(void **state)
{
	size_t c, h;
	(void)state;

	size_t n = events_file("docker/real-dockerd-20.10/events_health.jsonl", &c, &h);
	assert_int_equal(n, c);
	assert_true(h >= 2);
	assert_true(events_file("docker/events/events.moby-api-v1.24-doc.ndjson", &c, &h) > c);  /* image, network too */
	assert_true(c > 0);
	assert_true(events_file("docker/events/events.service-fabric-health.ndjson", &c, &h) > 0);
	assert_true(h > 0);
}

static void test_event_single_documents(void **state)
{
	const char *files[] = { "docker/events/event.docker-java-1.24-docs1.json",
				"docker/events/event.swagger-v1.56-EventMessage-example.json",
				"docker/docker-java/1.24_events_docs1.json" };
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		char *buf = fixture_read(files[i], &len);
		struct dk_event ev;
		struct dk_perr err;
		if (dk_event_parse(buf, len, &ev, &err) != 0)
			fail_msg("%s: %s", files[i], err.msg);
		assert_string_equal(ev.type, "container");
		assert_string_equal(ev.action, "create");
		assert_string_equal(ev.name, "my-container");
		assert_string_equal(ev.id, "ede54ee1afda366ab42f824e8a5ffd195155d853ceaec74a927f249ea270c743");
		dk_event_release(&ev);
		free(buf);
	}
}

/* The first line of the real 20.10 health stream, field by field. */
static void test_event_real_health(void **state)
{
	size_t len;
	char *buf = fixture_read("docker/real-dockerd-20.10/events_health.jsonl", &len);
	struct dk_event ev;
	struct dk_perr err;
	(void)state;

	*strchr(buf, '\n') = '\0';
	assert_int_equal(dk_event_parse(buf, strlen(buf), &ev, &err), 0);
	assert_string_equal(ev.action, "health_status");
	assert_string_equal(ev.detail, "unhealthy");
	assert_int_equal(ev.health, DK_HEALTH_UNHEALTHY);
	assert_string_equal(ev.name, "feas_healthy");
	assert_true(fabs(ev.time - 1795362961.641006881) < 1e-5);
	dk_event_release(&ev);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inspect_real_20_10),
		cmocka_unit_test(test_inspect_api_docs),
		cmocka_unit_test(test_inspect_watchtower_binds),
		cmocka_unit_test(test_inspect_docker_java_and_swagger),
		cmocka_unit_test(test_inspect_refuses_non_containers),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_events_streams),
		cmocka_unit_test(test_event_single_documents),
		cmocka_unit_test(test_event_real_health),
	};

	fixtures_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
