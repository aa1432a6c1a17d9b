/* test_run.c: playbook environment naming and building, output redaction and tail, notification facts, backoff */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "receiver/facts.h"
#include "receiver/redact.h"
#include "receiver/run.h"
#ifdef HOMEOPS_HAVE_NOTIFY
#include "receiver/outbox.h"
#endif

static const char *env_get(const struct strlist *env, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->items[i], name, n) == 0 && env->items[i][n] == '=')
			return env->items[i] + n + 1;
	return NULL;
}

static void name_is(const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	run_env_name(in, &sb);
	assert_string_equal(strbuf_cstr(&sb), want);
	strbuf_release(&sb);
}

static void test_env_names(void **state)
{
	(void)state;
	name_is("instance", "INSTANCE");
	name_is("a-b.c d", "A_B_C_D");
	name_is("__name__", "__NAME__");
	name_is("9lives", "9LIVES");
	name_is("caf\xc3\xa9", "CAF__");
	name_is("x=y$(z)", "X_Y__Z_");
	name_is("", "");
}

static void test_build_env(void **state)
{
	(void)state;
	const char *json = "{\"status\":\"firing\",\"labels\":{\"alertname\":\"Disk$(x)\",\"a_b\":\"second\","
			   "\"a-b\":\"first\",\"multi\":\"l1\\nl2=3\",\"status\":\"resolved\"},"
			   "\"annotations\":{\"summary\":\"s\",\"run book\":\"u\",\"n\":1},"
			   "\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"0001-01-01T00:00:00Z\","
			   "\"generatorURL\":\"http://g\",\"fingerprint\":\"00c04af3484e7319\"}";
	struct strlist extra = STRLIST_INIT, env = STRLIST_INIT;
	strlist_push(&extra, "DOCKER_HOST=unix:///run/docker.sock");
	strlist_push(&extra, "HOMEOPS_STATUS=hijack");
	strlist_push(&extra, "PATH=/opt/bin");
	struct run_context ctx = { .run_id = 42, .playbook = "restart", .attempt = 2, .trigger = "alert", .extra = &extra };
	char *err = NULL;
	assert_int_equal(run_build_env(json, strlen(json), &ctx, &env, &err), 0);
	assert_string_equal(env_get(&env, "HOMEOPS_ALERTNAME"), "Disk$(x)");
	assert_string_equal(env_get(&env, "HOMEOPS_STATUS"), "firing");
	assert_string_equal(env_get(&env, "HOMEOPS_FINGERPRINT"), "00c04af3484e7319");
	assert_string_equal(env_get(&env, "HOMEOPS_STARTS_AT"), "2026-01-01T00:00:00Z");
	assert_string_equal(env_get(&env, "HOMEOPS_RUN_ID"), "42");
	assert_string_equal(env_get(&env, "HOMEOPS_PLAYBOOK"), "restart");
	assert_string_equal(env_get(&env, "HOMEOPS_ATTEMPT"), "2");
	assert_string_equal(env_get(&env, "HOMEOPS_LABEL_MULTI"), "l1\nl2=3");
	/* "a-b" and "a_b" both map to A_B: neither shadows the other, both are left out and named */
	assert_null(env_get(&env, "HOMEOPS_LABEL_A_B"));
	assert_string_equal(env_get(&env, "HOMEOPS_ENV_OMITTED"), "a-b,a_b");
	assert_string_equal(env_get(&env, "HOMEOPS_LABEL_STATUS"), "resolved");
	assert_string_equal(env_get(&env, "HOMEOPS_ANNOTATION_RUN_BOOK"), "u");
	assert_null(env_get(&env, "HOMEOPS_ANNOTATION_N")); /* not a string: left out */
	assert_string_equal(env_get(&env, "DOCKER_HOST"), "unix:///run/docker.sock");
	assert_string_equal(env_get(&env, "PATH"), "/opt/bin");
	/* every name appears once */
	for (size_t i = 0; i < env.n; i++)
		for (size_t j = i + 1; j < env.n; j++) {
			size_t li = strcspn(env.items[i], "="), lj = strcspn(env.items[j], "=");
			assert_false(li == lj && strncmp(env.items[i], env.items[j], li) == 0);
		}
	strlist_clear(&env);
	ctx.extra = NULL;
	assert_int_equal(run_build_env(json, strlen(json), &ctx, &env, &err), 0);
	assert_non_null(env_get(&env, "PATH"));
	strlist_clear(&env);
	assert_int_equal(run_build_env("[1]", 3, &ctx, &env, &err), -1);
	free(err);
	strlist_clear(&extra);
}

/* 81,000 labels (the 1 MiB webhook of issue 8): linear-ish time, bounded environment, a note naming what was left out */
static void test_build_env_flood(void **state)
{
	(void)state;
	struct strbuf js = STRBUF_INIT, note = STRBUF_INIT;
	strbuf_addstr(&js, "{\"status\":\"firing\",\"labels\":{\"alertname\":\"Flood\",\"x.y\":\"1\",\"x-y\":\"2\"");
	for (int i = 0; i < 81000; i++)
		strbuf_addf(&js, ",\"l%05d\":\"v\"", i);
	strbuf_addstr(&js, "},\"annotations\":{\"big\":\"");
	for (int i = 0; i < 20000; i++)
		strbuf_addch(&js, 'b');
	strbuf_addstr(&js, "\",\"ok\":\"fine\"}}");
	struct strlist env = STRLIST_INIT;
	struct run_context ctx = { .run_id = 1, .playbook = "p", .attempt = 1, .trigger = "alert", .note = &note };
	char *err = NULL;
	clock_t t0 = clock();
	assert_int_equal(run_build_env(js.buf, js.len, &ctx, &env, &err), 0);
	double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_true(cpu < 5.0); /* the quadratic build took ~15 s */
	assert_true(env.n <= RUN_ENV_MAX_VARS + 20);
	size_t bytes = 0;
	for (size_t i = 0; i < env.n; i++)
		bytes += strlen(env.items[i]) + 1;
	assert_true(bytes <= RUN_ENV_MAX_BYTES + 8192);
	assert_string_equal(env_get(&env, "HOMEOPS_ALERTNAME"), "Flood");
	assert_null(env_get(&env, "HOMEOPS_LABEL_X_Y"));
	assert_null(env_get(&env, "HOMEOPS_ANNOTATION_BIG"));
	const char *om = env_get(&env, "HOMEOPS_ENV_OMITTED");
	assert_non_null(om);
	assert_true(strlen(om) < RUN_ENV_MAX_OMITTED_LIST + 300);
	assert_non_null(strstr(om, ",..."));      /* the list itself is bounded */
	assert_non_null(strstr(note.buf, " 2 map to the same variable name"));
	assert_non_null(strstr(note.buf, "over the limits"));
	assert_non_null(strstr(note.buf, "over 16384 bytes"));
	strlist_clear(&env);
	strbuf_release(&js);
	strbuf_release(&note);
}

static void test_redact(void **state)
{
	(void)state;
	struct redact_list l = { 0 };
	struct strbuf sb = STRBUF_INIT;
	char *err = NULL;
	assert_int_equal(redact_add(&l, "(?i)password=(\\S+)", &err), 0);
	assert_int_equal(redact_add(&l, "AKIA[0-9A-Z]{16}", &err), 0);
	assert_int_equal(redact_add(&l, "(", &err), -1);
	free(err);
	const char text[] = "login ok\nPASSWORD=hunter2 next\nkey AKIAABCDEFGHIJKLMNOP end\0tail password=x";
	redact_apply(&l, text, sizeof(text) - 1, &sb);
	assert_int_equal(sb.len, strlen("login ok\nPASSWORD=[REDACTED] next\nkey [REDACTED] end") + 1 +
					 strlen("tail password=[REDACTED]"));
	assert_string_equal(sb.buf, "login ok\nPASSWORD=[REDACTED] next\nkey [REDACTED] end");
	assert_string_equal(sb.buf + strlen(sb.buf) + 1, "tail password=[REDACTED]");
	strbuf_release(&sb);
	struct redact_list copy = { 0 };
	redact_copy(&copy, &l);
	redact_apply(&copy, "password=abc", 12, &sb);
	assert_string_equal(sb.buf, "password=[REDACTED]");
	strbuf_release(&sb);
	redact_release(&copy);
	redact_release(&l);
	/* no patterns: unchanged */
	redact_apply(&l, "abc", 3, &sb);
	assert_string_equal(sb.buf, "abc");
	strbuf_release(&sb);
}

static void test_tail_output(void **state)
{
	(void)state;
	struct playbook pb;
	struct strbuf out = STRBUF_INIT;
	bool trunc;
	char *err = NULL;
	memset(&pb, 0, sizeof(pb));
	pb.output_limit = 10;
	assert_int_equal(redact_add(&pb.redact, "secret", &err), 0);
	run_tail_output(&pb, "short", 5, false, &out, &trunc);
	assert_string_equal(out.buf, "short");
	assert_false(trunc);
	strbuf_reset(&out);
	/* redaction happens before the cut, NUL becomes U+FFFD, the cut never splits a character */
	const char raw[] = "0123456789secret\0\xc3\xa9z";
	run_tail_output(&pb, raw, sizeof(raw) - 1, false, &out, &trunc);
	assert_true(trunc);
	assert_string_equal(out.buf, "TED]\xef\xbf\xbd\xc3\xa9z");
	strbuf_release(&out);
	redact_release(&pb.redact);
}

static void test_facts_roundtrip(void **state)
{
	(void)state;
	struct notify_facts f = { .event = NOTIFY_GAVE_UP, .alertname = "Disk \"sda\"\n", .alert_status = "firing",
				  .fingerprint = "00c04af3484e7319", .playbook = "p", .result = "gave up",
				  .output_tail = "line\n\xe2\x9c\x93", .run_id = 12, .attempt = 3, .max_attempts = 3,
				  .started_at = 1700000000.25, .hostname = "nas" };
	struct strbuf sb = STRBUF_INIT;
	struct facts fx;
	facts_encode(&f, &sb);
	assert_int_equal(facts_decode(sb.buf, &fx), 0);
	assert_int_equal(fx.f.event, NOTIFY_GAVE_UP);
	assert_string_equal(fx.f.alertname, "Disk \"sda\"\n");
	assert_string_equal(fx.f.output_tail, "line\n\xe2\x9c\x93");
	assert_null(fx.f.severity);
	assert_int_equal(fx.f.run_id, 12);
	assert_int_equal(fx.f.max_attempts, 3);
	assert_true(fx.f.started_at == 1700000000.25);
	facts_release(&fx);
	strbuf_release(&sb);
	assert_int_equal(facts_decode("{\"event\":\"exploded\"}", &fx), -1);
	assert_int_equal(facts_decode("nope", &fx), -1);
	enum notify_event e;
	assert_int_equal(facts_event_parse("interrupted", &e), 0);
	assert_int_equal(e, NOTIFY_INTERRUPTED);
	assert_string_equal(facts_event_name(NOTIFY_STARTED), "started");
}

static void test_backoff(void **state)
{
	(void)state;
#ifdef HOMEOPS_HAVE_NOTIFY
	assert_true(outbox_backoff(30, 3600, 1) == 30);
	assert_true(outbox_backoff(30, 3600, 2) == 60);
	assert_true(outbox_backoff(30, 3600, 5) == 480);
	assert_true(outbox_backoff(30, 3600, 50) == 3600);
#endif
}

static void test_execute_timeout_and_output(void **state)
{
	(void)state;
	struct playbook pb;
	struct strlist env = STRLIST_INIT;
	struct run_outcome out;
	memset(&pb, 0, sizeof(pb));
	strlist_push(&pb.command, "/bin/sh");
	strlist_push(&pb.command, "-c");
	strlist_push(&pb.command, "read line; echo \"got $line\"; echo err >&2; sleep 30");
	pb.timeout = 0.5;
	pb.kill_grace = 0.5;
	pb.output_limit = 1024;
	strlist_push(&env, "PATH=/usr/bin:/bin");
	assert_int_equal(run_execute(&pb, "{\"a\":1}", 7, &env, -1, NULL, &out), 0);
	assert_string_equal(out.state, "failed");
	assert_string_equal(out.result, "timeout");
	assert_true(out.timed_out);
	assert_string_equal(out.output.buf, "got {\"a\":1}\nerr\n");
	assert_true(out.duration < 5);
	run_outcome_release(&out);
	strlist_clear(&pb.command);
	strlist_push(&pb.command, "/nonexistent/playbook");
	assert_int_equal(run_execute(&pb, "{}", 2, &env, -1, NULL, &out), 0);
	assert_string_equal(out.state, "failed");
	assert_non_null(strstr(out.result, "exec"));
	run_outcome_release(&out);
	strlist_clear(&pb.command);
	strlist_clear(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_names),
		cmocka_unit_test(test_build_env),
		cmocka_unit_test(test_build_env_flood),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_tail_output),
		cmocka_unit_test(test_facts_roundtrip),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_execute_timeout_and_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
