/* test_parse_garbage.c: the Docker parsers on garbage, hostile shapes, and every prefix of the recorded responses */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/docker/parse.h"
#include "tests/lib/testlib.h"

/* Every parser on exactly len bytes (a copy, so that ASan sees a read past the end). Returns
 * how many accepted the input. */
static int all_parsers(const char *data, size_t len)
{
	static const char *const keep[] = { "a", "com.docker.compose.project" };
	char *buf = malloc(len ? len : 1);
	struct dk_perr err;
	struct dk_version v;
	struct dk_list l;
	struct dk_inspect in;
	struct dk_event ev;
	int ok = 0;

	if (len)
		memcpy(buf, data, len);
	err.msg[0] = '\0';
	if (dk_version_parse(buf, len, &v, &err) == 0)
		ok++;
	else
		assert_true(err.msg[0] != '\0');
	dk_version_release(&v);
	ok += dk_list_parse(buf, len, &l, &err) == 0;
	dk_list_release(&l);
	ok += dk_inspect_parse(buf, len, keep, 2, &in, &err) == 0;
	dk_inspect_release(&in);
	ok += dk_event_parse(buf, len, &ev, &err) == 0;
	dk_event_release(&ev);
	free(buf);
	return ok;
}

static void test_empty_and_garbage(void **state)
{
	static const char *const bad[] = {
		"", "null", "{", "[", "}", "\"str\"", "42", "{}", "[]x", "{\"Id\":1}", "{\"Id\":\"\",\"State\":{}}",
		"{\"Type\":5,\"Action\":\"die\"}", "{\"Type\":\"container\",\"Action\":\"\"}", "{\"Version\":\"1\",\"ApiVersion\":\"x\"}",
		"\xff\xfe{}", "{\"Id\":\"a\\u0000b\"}", "[{\"Names\":[]}]",
	};
	(void)state;
	assert_int_equal(all_parsers(NULL, 0), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (all_parsers(bad[i], strlen(bad[i])) != 0 && strcmp(bad[i], "[]x") != 0)
			fail_msg("accepted: %s", bad[i]);
	/* an empty array is a valid (empty) list */
	assert_int_equal(all_parsers("[]", 2), 1);
}

static void test_random_bytes(void **state)
{
	char buf[512];
	unsigned seed = 12345;
	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(buf));
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)(rand_r(&seed) % 3 == 0 ? "{}[]\":,0a"[rand_r(&seed) % 9] : rand_r(&seed));
		all_parsers(buf, n);
	}
}

/* Hostile but valid JSON: wrong types everywhere, huge numbers, deep nesting. */
static void test_wrong_types(void **state)
{
	struct dk_inspect in;
	struct dk_event ev;
	struct dk_perr err;
	const char *s;
	(void)state;

	s = "{\"Id\":\"x\",\"Name\":5,\"State\":{\"Status\":\"martian\",\"Health\":\"no\",\"ExitCode\":1e300,"
	    "\"StartedAt\":\"2026-13-01T00:00:00Z\",\"OOMKilled\":\"yes\"},\"RestartCount\":-4,"
	    "\"Mounts\":[1,{\"Type\":\"bind\"},{\"Type\":\"bind\",\"Source\":\"/s\",\"Destination\":\"/d\",\"RW\":\"x\"}],"
	    "\"Config\":{\"Labels\":[]}}";
	assert_int_equal(dk_inspect_parse(s, strlen(s), NULL, 0, &in, &err), 0);
	assert_string_equal(in.name, "");
	assert_int_equal(in.state, DK_STATE_UNKNOWN);
	assert_int_equal(in.health, DK_HEALTH_NONE);
	assert_int_equal(in.exit_code, 0);
	assert_int_equal(in.restart_count, -1);
	assert_true(isnan(in.started_at));
	assert_false(in.oom_killed);
	assert_int_equal(in.nmounts, 1);
	assert_true(in.mounts[0].rw);
	dk_inspect_release(&in);

	s = "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":7,\"Attributes\":{\"exitCode\":\"3x\",\"name\":[]}}}";
	assert_int_equal(dk_event_parse(s, strlen(s), &ev, &err), 0);
	assert_null(ev.id);
	assert_null(ev.name);
	assert_false(ev.has_exit_code);
	dk_event_release(&ev);

	/* Podman: health in the attributes */
	s = "{\"Type\":\"container\",\"Action\":\"health_status\",\"Actor\":{\"ID\":\"ab\",\"Attributes\":{\"health_status\":\"unhealthy\",\"name\":\"web\"}},\"time\":1}";
	assert_int_equal(dk_event_parse(s, strlen(s), &ev, &err), 0);
	assert_int_equal(ev.health, DK_HEALTH_UNHEALTHY);
	assert_null(ev.detail);
	dk_event_release(&ev);

	/* Docker 29: no status/id/from; exec detail stripped */
	s = "{\"Type\":\"container\",\"Action\":\"exec_start: /bin/sh -c true\",\"Actor\":{\"ID\":\"ab\",\"Attributes\":{\"exitCode\":\"0\"}},\"scope\":\"local\",\"timeNano\":1700000000123456789}";
	assert_int_equal(dk_event_parse(s, strlen(s), &ev, &err), 0);
	assert_string_equal(ev.action, "exec_start");
	assert_string_equal(ev.detail, "/bin/sh -c true");
	assert_true(ev.has_exit_code);
	assert_true(fabs(ev.time - 1700000000.123456789) < 1e-6);
	dk_event_release(&ev);

	char *deep = malloc(20001);
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	all_parsers(deep, 20000);
	free(deep);
}

static void test_time_and_versions(void **state)
{
	(void)state;
	assert_true(dk_time_parse("1970-01-01T00:00:00Z") == 0);
	assert_true(dk_time_parse("2000-03-01T00:00:00Z") == 951868800);
	assert_true(dk_time_parse("2000-03-01T02:00:00+02:00") == 951868800);
	assert_true(fabs(dk_time_parse("2023-07-25T14:55:15.299654437Z") - 1690296915.299654437) < 1e-5);
	assert_true(isnan(dk_time_parse("0001-01-01T00:00:00Z")));
	assert_true(isnan(dk_time_parse("2023-07-25")));
	assert_true(isnan(dk_time_parse("2023-07-25T14:55:15")));
	assert_true(isnan(dk_time_parse("2023-02-30T14:55:15Z")));
	assert_true(isnan(dk_time_parse("2023-07-25T14:55:15.Z")));
	assert_true(isnan(dk_time_parse("2023-07-25T14:55:15Zjunk")));
	assert_true(isnan(dk_time_parse(NULL)));
	assert_int_equal(dk_api_version_num("1.41"), 141);
	assert_int_equal(dk_api_version_num("1.9"), 109);
	assert_int_equal(dk_api_version_num("1."), -1);
	assert_int_equal(dk_api_version_num("v1.41"), -1);
	assert_int_equal(dk_api_version_num("1.41x"), -1);
	assert_true(dk_action_label_ok("exec_start"));
	assert_false(dk_action_label_ok("Exec"));
	assert_false(dk_action_label_ok(""));
	assert_false(dk_action_label_ok("abcdefghijklmnopqrstuvwxyzabcdefg"));
}

/* Every prefix of every recorded file: never a crash, and a truncated JSON document is refused. */
static void test_truncated_fixtures(void **state)
{
	char **files = fixture_list("docker", ".json");
	size_t nfiles = 0;
	(void)state;

	for (char **f = files; *f; f++) {
		size_t len;
		char *buf = fixture_read(*f, &len);
		size_t step = len > 200 ? len / 200 : 1;
		for (size_t n = 0; n < len; n += step)
			all_parsers(buf, n);
		all_parsers(buf, len);
		free(buf);
		nfiles++;
	}
	fixture_list_free(files);
	assert_true(nfiles >= 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_garbage),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_time_and_versions),
		cmocka_unit_test(test_truncated_fixtures),
	};

	fixtures_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
