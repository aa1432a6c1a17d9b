/* test_webhook.c: the webhook payload parser on malformed, wrong-version, oversized and hostile input; RFC 3339 times */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/strbuf.h"
#include "receiver/webhook.h"

static void expect_parse_error(const char *body, const char *needle)
{
	struct wh_payload p;
	char *err = NULL;
	assert_int_equal(wh_parse(body, strlen(body), &p, &err), -1);
	assert_non_null(err);
	if (needle && !strstr(err, needle))
		fail_msg("error \"%s\" lacks \"%s\" for %s", err, needle, body);
	free(err);
}

static void expect_validate_error(const char *body, const char *needle)
{
	struct wh_payload p;
	char *err = NULL;
	assert_int_equal(wh_parse(body, strlen(body), &p, &err), 0);
	assert_int_equal(wh_validate(&p, &err), -1);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
	free(err);
	wh_payload_release(&p);
}

#define ALERT_OK "{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\"},\"startsAt\":\"2024-01-01T00:00:00Z\"}"

static void test_malformed(void **state)
{
	(void)state;
	expect_parse_error("", "invalid JSON");
	expect_parse_error("not json", "invalid JSON");
	expect_parse_error("[]", "not a JSON object");
	expect_parse_error("\"x\"", NULL);
	expect_parse_error("{\"version\":\"4\"}", "alerts is missing");
	expect_parse_error("{\"version\":4,\"alerts\":[]}", "version is not a string");
	expect_parse_error("{\"version\":\"4\",\"alerts\":{}}", "alerts is not an array");
	expect_parse_error("{\"version\":\"4\",\"alerts\":[1]}", "alerts[0] is not an object");
	expect_parse_error("{\"version\":\"4\",\"alerts\":[{\"labels\":[]}]}", "alerts[0].labels is not an object");
	expect_parse_error("{\"version\":\"4\",\"alerts\":[{}]}", "alerts[0].labels is missing");
	expect_parse_error("{\"version\":\"4\",\"alerts\":[{\"labels\":{\"a\":1}}]}", "alerts[0].labels.a is not a string");
	expect_parse_error("{\"version\":\"4\",\"alerts\":[{\"labels\":{\"a\":\"1\",\"a\":\"2\"}}]}", "duplicate");
	expect_parse_error("{\"version\":\"4\",\"alerts\":[{\"labels\":{\"a\":\"\\u0000\"}}]}", "invalid JSON");
	expect_parse_error("{\"version\":\"4\",\"alerts\":[{\"labels\":{\"a\\u0000b\":\"x\"}}]}", "invalid JSON");
	expect_parse_error("{\"version\":\"4\",\"alerts\":[{\"labels\":{\"a\":\"\xff\"}}]}", "invalid JSON");
	expect_parse_error("{\"version\":\"4\",\"alerts\":[{\"labels\":{},\"fingerprint\":\"xyz\"}]}", "fingerprint");
	expect_parse_error("{\"version\":\"4\",\"alerts\":[{\"labels\":{},\"endsAt\":\"yesterday\"}]}", "endsAt");
	expect_parse_error("{\"version\":\"4\",\"truncatedAlerts\":-1,\"alerts\":[]}", "truncatedAlerts");
	expect_parse_error("{\"version\":\"4\",\"alerts\":[]} trailing", "invalid JSON");

	expect_validate_error("{\"version\":\"5\",\"alerts\":[" ALERT_OK "]}", "unsupported payload version \"5\"");
	expect_validate_error("{\"alerts\":[" ALERT_OK "]}", "unsupported payload version");
	expect_validate_error("{\"version\":\"4\",\"alerts\":[]}", "no alerts");
	expect_validate_error("{\"version\":\"4\",\"alerts\":[{\"status\":\"pending\",\"labels\":{\"a\":\"b\"},"
			      "\"startsAt\":\"2024-01-01T00:00:00Z\"}]}",
			      "status is not firing or resolved");
	expect_validate_error("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":\"b\"}}]}",
			      "startsAt");
	expect_validate_error("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":\"b\"},"
			      "\"startsAt\":\"2024-02-30T00:00:00Z\"}]}",
			      "startsAt");
	expect_validate_error("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{},"
			      "\"startsAt\":\"2024-01-01T00:00:00Z\"}]}",
			      "labels is empty");
	expect_validate_error("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"\":\"x\"},"
			      "\"startsAt\":\"2024-01-01T00:00:00Z\"}]}",
			      "empty name");
}

static void test_deep_nesting_and_big_payloads(void **state)
{
	(void)state;
	/* 100k nested arrays inside an ignored key: jansson's depth limit answers, no stack overflow */
	size_t depth = 100000;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "{\"version\":\"4\",\"x\":");
	for (size_t i = 0; i < depth; i++)
		strbuf_addch(&sb, '[');
	for (size_t i = 0; i < depth; i++)
		strbuf_addch(&sb, ']');
	strbuf_addstr(&sb, ",\"alerts\":[]}");
	expect_parse_error(sb.buf, "invalid JSON");
	strbuf_release(&sb);

	/* 5,000 alerts in one body parse and keep their order */
	strbuf_addstr(&sb, "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[");
	for (int i = 0; i < 5000; i++)
		strbuf_addf(&sb, "%s{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\",\"i\":\"%d\"},"
			    "\"startsAt\":\"2024-01-01T00:00:00.%03dZ\"}",
			    i ? "," : "", i, i % 1000);
	strbuf_addstr(&sb, "]}");
	struct wh_payload p;
	char *err = NULL;
	assert_int_equal(wh_parse(sb.buf, sb.len, &p, &err), 0);
	assert_int_equal(wh_validate(&p, &err), 0);
	assert_int_equal(p.nalerts, 5000);
	assert_string_equal(wh_set_get(&p.alerts[4321].labels, "i"), "4321");
	assert_string_not_equal(p.alerts[0].fingerprint, p.alerts[1].fingerprint);
	wh_payload_release(&p);
	strbuf_release(&sb);
}

/* Hostile label names and values are kept byte for byte; nothing is interpreted. */
static void test_hostile_labels_kept_exactly(void **state)
{
	(void)state;
	const char *body =
		"{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{"
		"\"alertname\":\"$(touch /tmp/pwned); `id` | rm -rf / ; echo ${HOME} > x && y || z\","
		"\"multi\":\"line1\\nline2\\r\\nHOMEOPS_STATUS=resolved\","
		"\"eq\":\"a=b==c\","
		"\"name=with=eq\":\"v\","
		"\"caf\\u00e9-na\\u00efve \\ud83d\\udd25\":\"\\u65e5\\u672c\\u8a9e \\\"quoted\\\" 'single'\","
		"\"dollar$name\":\"*?[glob]\""
		"},\"annotations\":{\"summary\":\"\\t<script>alert(1)</script>&amp;\"},"
		"\"startsAt\":\"2024-01-01T00:00:00Z\"}]}";
	struct wh_payload p;
	char *err = NULL;
	assert_int_equal(wh_parse(body, strlen(body), &p, &err), 0);
	assert_int_equal(wh_validate(&p, &err), 0);
	const struct wh_set *l = &p.alerts[0].labels;
	assert_string_equal(wh_set_get(l, "alertname"), "$(touch /tmp/pwned); `id` | rm -rf / ; echo ${HOME} > x && y || z");
	assert_string_equal(wh_set_get(l, "multi"), "line1\nline2\r\nHOMEOPS_STATUS=resolved");
	assert_string_equal(wh_set_get(l, "eq"), "a=b==c");
	assert_string_equal(wh_set_get(l, "name=with=eq"), "v");
	assert_string_equal(wh_set_get(l, "caf\xc3\xa9-na\xc3\xafve \xf0\x9f\x94\xa5"),
			    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \"quoted\" 'single'");
	assert_string_equal(wh_set_get(l, "dollar$name"), "*?[glob]");
	assert_string_equal(wh_set_get(&p.alerts[0].annotations, "summary"), "\t<script>alert(1)</script>&amp;");
	/* sorted bytewise, as Alertmanager sorts for its fingerprint */
	for (size_t i = 1; i < l->n; i++)
		assert_true(strcmp(l->items[i - 1].name, l->items[i].name) < 0);
	wh_payload_release(&p);
}

static void test_time_parse(void **state)
{
	(void)state;
	struct wh_time t;
	char buf[40];
	assert_int_equal(wh_time_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t.sec, 0);
	assert_int_equal(wh_time_parse("2016-04-07T10:08:52-06:00", &t), 0);
	assert_int_equal(t.sec, 1460045332);
	assert_int_equal(wh_time_parse("2024-02-29T23:59:59.123456789123+01:30", &t), 0);
	assert_int_equal(t.nsec, 123456789);
	wh_time_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29T22:29:59.123456789Z");
	assert_int_equal(wh_time_parse("0001-01-01T00:00:00Z", &t), 0);
	assert_true(t.zero);
	wh_time_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "0001-01-01T00:00:00.000000000Z");
	assert_false(wh_time_parse("1969-12-31T23:59:59.5Z", &t));
	assert_int_equal(t.sec, -1);
	wh_time_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31T23:59:59.500000000Z");
	static const char *const bad[] = { "", "2024-01-01", "2024-01-01T00:00:00", "2024-13-01T00:00:00Z",
					   "2023-02-29T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00.Z",
					   "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00Zjunk", "x024-01-01T00:00:00Z",
					   "2024-01-01 00:00:00Z" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (wh_time_parse(bad[i], &t) == 0)
			fail_msg("accepted bad time \"%s\"", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_deep_nesting_and_big_payloads),
		cmocka_unit_test(test_hostile_labels_kept_exactly),
		cmocka_unit_test(test_time_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
