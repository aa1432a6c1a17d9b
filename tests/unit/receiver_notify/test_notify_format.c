/* test_notify_format.c: notify_format() titles, bodies and JSON, with ordinary and hostile facts */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "common/strbuf.h"
#include "receiver/notify.h"

static struct notify_facts base_facts(void)
{
	struct notify_facts f;

	memset(&f, 0, sizeof(f));
	f.event = NOTIFY_FAILED;
	f.alertname = "DockerContainerUnhealthy";
	f.alert_status = "firing";
	f.fingerprint = "1a2b3c4d5e6f7a8b";
	f.severity = "critical";
	f.summary = "Container nginx has been unhealthy for 5 minutes";
	f.instance = "web1:9323";
	f.playbook = "restart-container";
	f.result = "exit 3";
	f.output_tail = "restarting nginx\nerror: container did not become healthy\n";
	f.run_id = 42;
	f.attempt = 2;
	f.max_attempts = 3;
	f.started_at = 1714564800;
	f.ended_at = 1714564812.5;
	f.hostname = "homeserver";
	f.external_url = "https://homeops.example.org/runs/42";
	return f;
}

/* No C0/DEL controls (except those allowed), no C1, no line/paragraph separators, no bidi controls. */
static int text_clean(const char *s, const char *allowed)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if ((*p < 0x20 || *p == 0x7f) && !strchr(allowed, *p))
			return 0;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 0;
		if (p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0xa8 && p[2] <= 0xae) || (p[2] >= 0x8b && p[2] <= 0x8f)))
			return 0;
		if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
			return 0;
	}
	return 1;
}

static json_t *parse_json(const struct notify_message *m)
{
	json_error_t err;
	json_t *j = json_loads(m->json, 0, &err);

	if (!j)
		fail_msg("json does not parse: %s at %d: %s", err.text, err.position, m->json);
	assert_true(json_is_object(j));
	return j;
}

static void check_invariants(const struct notify_message *m)
{
	json_t *j;

	assert_non_null(m->title);
	assert_non_null(m->body);
	assert_non_null(m->json);
	assert_true(utf8_valid(m->title, strlen(m->title)));   /* common/chars.h */
	assert_true(utf8_valid(m->body, strlen(m->body)));
	assert_true(text_clean(m->title, ""));
	assert_true(text_clean(m->body, "\n\t"));
	assert_true(strlen(m->title) <= 256);
	j = parse_json(m);
	assert_string_equal(json_string_value(json_object_get(j, "title")), m->title);
	assert_string_equal(json_string_value(json_object_get(j, "message")), m->body);
	json_decref(j);
}

static void test_golden_failed(void **state)
{
	struct notify_facts f = base_facts();
	struct notify_message m;

	(void)state;
	notify_format(&f, &m);
	check_invariants(&m);
	assert_int_equal(m.event, NOTIFY_FAILED);
	assert_string_equal(m.title, "[homeops] FAILED restart-container for DockerContainerUnhealthy on web1:9323");
	assert_string_equal(m.body,
			    "Playbook restart-container failed (exit 3) for DockerContainerUnhealthy.\n"
			    "\n"
			    "Alert: DockerContainerUnhealthy (firing)\n"
			    "Severity: critical\n"
			    "Instance: web1:9323\n"
			    "Summary: Container nginx has been unhealthy for 5 minutes\n"
			    "Playbook: restart-container\n"
			    "Result: exit 3\n"
			    "Attempt: 2 of 3\n"
			    "Started: 1 May 2024 12:00:00 UTC\n"
			    "Duration: 12.5s\n"
			    "Run: #42 on homeserver\n"
			    "Fingerprint: 1a2b3c4d5e6f7a8b\n"
			    "Details: https://homeops.example.org/runs/42\n"
			    "\n"
			    "Output (last lines):\n"
			    "restarting nginx\n"
			    "error: container did not become healthy\n");
	notify_message_release(&m);
	assert_null(m.title);
	notify_message_release(&m);
}

static void test_title_per_event(void **state)
{
	static const char *const want[] = {
		"[homeops] STARTED restart-container for DockerContainerUnhealthy on web1:9323",
		"[homeops] SUCCEEDED restart-container for DockerContainerUnhealthy on web1:9323",
		"[homeops] FAILED restart-container for DockerContainerUnhealthy on web1:9323",
		"[homeops] GAVE UP restart-container for DockerContainerUnhealthy on web1:9323",
		"[homeops] INTERRUPTED restart-container for DockerContainerUnhealthy on web1:9323",
	};
	static const char *const headline[] = {
		"Running playbook restart-container for DockerContainerUnhealthy.\n",
		"Playbook restart-container succeeded for DockerContainerUnhealthy.\n",
		"Playbook restart-container failed (exit 3) for DockerContainerUnhealthy.\n",
		("Gave up: playbook restart-container ran 2 times without fixing it and will not be retried "
		 "automatically. Please take a look.\n"),
		"Playbook restart-container was interrupted: the receiver stopped while it ran.\n",
	};

	(void)state;
	for (int e = 0; e < NOTIFY_EVENT_COUNT; e++) {
		struct notify_facts f = base_facts();
		struct notify_message m;
		json_t *j;

		f.event = (enum notify_event)e;
		notify_format(&f, &m);
		check_invariants(&m);
		assert_string_equal(m.title, want[e]);
		assert_true(strncmp(m.body, headline[e], strlen(headline[e])) == 0);
		j = parse_json(&m);
		assert_string_equal(json_string_value(json_object_get(j, "event")), notify_event_name(f.event));
		json_decref(j);
		if (e == NOTIFY_STARTED) {
			/* nothing has a result or output yet */
			assert_null(strstr(m.body, "Result:"));
			assert_null(strstr(m.body, "Output"));
			assert_null(strstr(m.body, "Duration:"));
		}
		notify_message_release(&m);
	}
}

static void test_title_resolved_and_missing_parts(void **state)
{
	struct notify_facts f = base_facts();
	struct notify_message m;

	(void)state;
	f.alert_status = "resolved";
	notify_format(&f, &m);
	assert_string_equal(m.title, "[homeops] FAILED restart-container for DockerContainerUnhealthy (resolved) on web1:9323");
	notify_message_release(&m);

	f = base_facts();
	f.playbook = NULL;
	f.instance = "  \t ";
	notify_format(&f, &m);
	assert_string_equal(m.title, "[homeops] FAILED DockerContainerUnhealthy");
	assert_null(strstr(m.body, "Instance:"));
	assert_non_null(strstr(m.body, "Playbook (unknown) failed"));
	notify_message_release(&m);

	memset(&f, 0, sizeof(f));
	f.event = NOTIFY_SUCCEEDED;
	notify_format(&f, &m);
	check_invariants(&m);
	assert_string_equal(m.title, "[homeops] SUCCEEDED");
	assert_string_equal(m.body, "Playbook (unknown) succeeded.\n\n");
	{
		json_t *j = parse_json(&m);
		assert_true(json_is_null(json_object_get(j, "alertname")));
		assert_true(json_is_null(json_object_get(j, "run_id")));
		assert_true(json_is_null(json_object_get(j, "started_at")));
		assert_true(json_is_null(json_object_get(j, "duration_seconds")));
		json_decref(j);
	}
	notify_message_release(&m);
}

static void test_durations_and_times(void **state)
{
	static const struct {
		double start, end;
		const char *want; /* NULL: no Duration line */
	} cases[] = {
		{ 1714564800, 1714564800.04, "Duration: 0.0s\n" },
		{ 1714564800, 1714564875, "Duration: 1m 15s\n" },
		{ 1714564800, 1714568525, "Duration: 1h 02m\n" },
		{ 1714564800, 1714564700, NULL },
		{ 0, 1714564700, NULL },
		{ NAN, 1714564700, NULL },
		{ 1714564800, INFINITY, NULL },
		{ -5, 10, NULL },
		{ 1e300, 1e301, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct notify_facts f = base_facts();
		struct notify_message m;

		f.started_at = cases[i].start;
		f.ended_at = cases[i].end;
		notify_format(&f, &m);
		check_invariants(&m);
		if (cases[i].want)
			assert_non_null(strstr(m.body, cases[i].want));
		else
			assert_null(strstr(m.body, "Duration:"));
		notify_message_release(&m);
	}
}

static void test_attempts(void **state)
{
	struct notify_facts f = base_facts();
	struct notify_message m;

	(void)state;
	f.max_attempts = 0;
	notify_format(&f, &m);
	assert_non_null(strstr(m.body, "Attempt: 2\n"));
	notify_message_release(&m);
	f.attempt = 0;
	f.event = NOTIFY_GAVE_UP;
	notify_format(&f, &m);
	assert_null(strstr(m.body, "Attempt:"));
	assert_non_null(strstr(m.body, "used all its attempts"));
	notify_message_release(&m);
}

static void test_hostile_title_stays_one_clean_line(void **state)
{
	struct notify_facts f = base_facts();
	struct notify_message m;

	(void)state;
	f.alertname = "Disk\r\nBcc: evil@attacker.example\r\n\r\nbody";
	f.playbook = "re\tstart\x1b[31m\x7f\xc2\x85pb"; /* tab, colour code, DEL, C1 NEL */
	f.instance = "web1\xe2\x80\xa8" "Subject: x\xe2\x80\xae" "exe.txt\xe2\x80\x8b!"; /* LS, RLO, ZWSP */
	notify_format(&f, &m);
	check_invariants(&m);
	assert_string_equal(m.title,
			    "[homeops] FAILED re start pb for Disk Bcc: evil@attacker.example body on web1 Subject: xexe.txt!");
	/* each fact stays on its own line in the body */
	assert_non_null(strstr(m.body, "\nAlert: Disk Bcc: evil@attacker.example body (firing)\n"));
	assert_null(strstr(m.body, "\nBcc:"));
	notify_message_release(&m);
}

static void test_invalid_utf8_becomes_replacement(void **state)
{
	struct notify_facts f = base_facts();
	struct notify_message m;
	json_t *j;

	(void)state;
	f.alertname = "A\xff" "B\xc3(" "C\xe2\x82" "D\xed\xa0\x80" "E\xc0\xaf" "F\xf4\x90\x80\x80";
	f.output_tail = "ok\n\x80\x81\n";
	notify_format(&f, &m);
	check_invariants(&m);
	assert_non_null(strstr(m.title, "A\xef\xbf\xbd" "B\xef\xbf\xbd(C\xef\xbf\xbd\xef\xbf\xbd" "D"));
	assert_non_null(strstr(m.body, "\nok\n\xef\xbf\xbd\xef\xbf\xbd\n"));
	j = parse_json(&m);
	/* the JSON keeps the raw value, with U+FFFD for each byte that is not UTF-8 */
	assert_non_null(strstr(json_string_value(json_object_get(j, "alertname")), "A\xef\xbf\xbd" "B"));
	json_decref(j);
	notify_message_release(&m);
}

static void test_json_round_trips_hostile_strings(void **state)
{
	struct notify_facts f = base_facts();
	struct notify_message m;
	json_t *j;

	(void)state;
	f.alertname = "quote\" backslash\\ nl\n cr\r tab\t bell\a </script>";
	f.summary = "\xc3\x9c" "berwachung \xf0\x9f\x9a\xa8";
	f.external_url = NULL;
	notify_format(&f, &m);
	check_invariants(&m);
	j = parse_json(&m);
	assert_string_equal(json_string_value(json_object_get(j, "alertname")), f.alertname);
	assert_string_equal(json_string_value(json_object_get(j, "summary")), f.summary);
	assert_string_equal(json_string_value(json_object_get(j, "output_tail")), f.output_tail);
	assert_int_equal(json_integer_value(json_object_get(j, "run_id")), 42);
	assert_int_equal(json_integer_value(json_object_get(j, "attempt")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 3);
	assert_string_equal(json_string_value(json_object_get(j, "started_at")), "2024-05-01T12:00:00Z");
	assert_string_equal(json_string_value(json_object_get(j, "ended_at")), "2024-05-01T12:00:12Z");
	assert_true(fabs(json_number_value(json_object_get(j, "duration_seconds")) - 12.5) < 1e-9);
	assert_true(json_is_null(json_object_get(j, "url")));
	assert_string_equal(json_string_value(json_object_get(j, "hostname")), "homeserver");
	json_decref(j);
	notify_message_release(&m);
}

static void test_very_long_values_are_bounded(void **state)
{
	size_t big = 1 << 20;
	char *huge = malloc(big + 1);
	char *accents = malloc(2 * 300 + 1);
	struct notify_facts f = base_facts();
	struct notify_message m;
	json_t *j;
	const char *s;

	(void)state;
	memset(huge, 'a', big);
	huge[big] = '\0';
	for (int i = 0; i < 300; i++)
		memcpy(accents + 2 * i, "\xc3\xa9", 2);
	accents[600] = '\0';
	f.alertname = accents;
	f.playbook = huge;
	f.instance = huge;
	f.summary = huge;
	f.result = huge;
	f.hostname = huge;
	f.output_tail = huge;
	notify_format(&f, &m);
	check_invariants(&m);
	assert_true(strlen(m.title) <= 250);
	assert_true(strlen(m.body) <= 8192);
	assert_true(strlen(m.json) <= 64 * 1024 + 2 * 8192);
	/* cut on a character boundary, marked with an ellipsis */
	assert_non_null(strstr(m.title, "\xc3\xa9\xe2\x80\xa6 on "));
	j = parse_json(&m);
	s = json_string_value(json_object_get(j, "output_tail"));
	assert_true(strlen(s) <= 16384 + 3);
	assert_true(strncmp(s, "\xe2\x80\xa6", 3) == 0);
	s = json_string_value(json_object_get(j, "summary"));
	assert_true(strlen(s) <= 4096 + 3);
	json_decref(j);
	notify_message_release(&m);
	free(huge);
	free(accents);
}

static void test_output_tail_is_cleaned(void **state)
{
	struct notify_facts f = base_facts();
	struct notify_message m;
	const char *out;

	(void)state;
	f.output_tail = "\n\n\x1b[1;32mok\x1b[0m\r\n"
			"progress 10%\rprogress 55%\rprogress 100%\n"
			"\x1b]0;window title\x07" "col1\tcol2   \n"
			"bell\a zero\xe2\x80\x8bwidth\n"
			"\n\n";
	notify_format(&f, &m);
	check_invariants(&m);
	out = strstr(m.body, "Output (last lines):\n");
	assert_non_null(out);
	assert_string_equal(out, "Output (last lines):\nok\nprogress 100%\ncol1\tcol2\nbell zerowidth\n");
	notify_message_release(&m);
}

static void test_output_tail_keeps_the_last_lines(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct notify_facts f = base_facts();
	struct notify_message m;
	const char *out;

	(void)state;
	for (int i = 1; i <= 100; i++)
		strbuf_addf(&sb, "line %d\n", i);
	f.output_tail = sb.buf;
	notify_format(&f, &m);
	check_invariants(&m);
	out = strstr(m.body, "Output (last lines):\n");
	assert_non_null(out);
	out += strlen("Output (last lines):\n");
	assert_true(strncmp(out, "\xe2\x80\xa6\nline 81\n", 12) == 0);
	assert_non_null(strstr(out, "line 100\n"));
	notify_message_release(&m);

	/* one enormous line: the end of it, on a character boundary */
	strbuf_reset(&sb);
	for (int i = 0; i < 5000; i++)
		strbuf_addstr(&sb, "\xe2\x82\xac"); /* euro signs */
	strbuf_addstr(&sb, "END");
	f.output_tail = sb.buf;
	notify_format(&f, &m);
	check_invariants(&m);
	out = strstr(m.body, "Output (last lines):\n\xe2\x80\xa6\n");
	assert_non_null(out);
	assert_true(strlen(out) < 1600);
	assert_non_null(strstr(out, "END\n"));
	notify_message_release(&m);
	strbuf_release(&sb);
}

static void test_unknown_event_does_not_crash(void **state)
{
	struct notify_facts f = base_facts();
	struct notify_message m;
	json_t *j;

	(void)state;
	f.event = (enum notify_event)99;
	notify_format(&f, &m);
	check_invariants(&m);
	assert_true(strncmp(m.title, "[homeops] EVENT ", 16) == 0);
	j = parse_json(&m);
	assert_string_equal(json_string_value(json_object_get(j, "event")), "unknown");
	json_decref(j);
	notify_message_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_failed),
		cmocka_unit_test(test_title_per_event),
		cmocka_unit_test(test_title_resolved_and_missing_parts),
		cmocka_unit_test(test_durations_and_times),
		cmocka_unit_test(test_attempts),
		cmocka_unit_test(test_hostile_title_stays_one_clean_line),
		cmocka_unit_test(test_invalid_utf8_becomes_replacement),
		cmocka_unit_test(test_json_round_trips_hostile_strings),
		cmocka_unit_test(test_very_long_values_are_bounded),
		cmocka_unit_test(test_output_tail_is_cleaned),
		cmocka_unit_test(test_output_tail_keeps_the_last_lines),
		cmocka_unit_test(test_unknown_event_does_not_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
