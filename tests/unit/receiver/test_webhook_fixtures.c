/* test_webhook_fixtures.c: the webhook payload parser on every recorded Alertmanager payload, fields asserted */
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
#include "tests/lib/testlib.h"

/* Parses and validates; returns the validation status; *p stays filled for inspection. */
static int parse_ok(const char *body, size_t len, struct wh_payload *p, char **verr)
{
	char *err = NULL;
	int rc = wh_parse(body, len, p, &err);
	if (rc != 0)
		fail_msg("parse failed: %s", err);
	*verr = NULL;
	return wh_validate(p, verr);
}

static char *read_fixture_body(const char *rel, size_t *len)
{
	char *raw = fixture_read(rel, len);
	const char *sep = strstr(raw, "\r\n\r\n");
	if (sep && strncmp(raw, "POST ", 5) == 0) {
		/* a raw HTTP capture: the body follows the blank line */
		size_t off = (size_t)(sep + 4 - raw);
		memmove(raw, raw + off, *len - off + 1);
		*len -= off;
	}
	return raw;
}

static void check_fingerprint_matches_labels(const struct wh_alert *a)
{
	char fp[17];
	wh_fingerprint(&a->labels, fp);
	assert_string_equal(fp, a->fingerprint);
}

static void test_real_am025_firing(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture_body("alertmanager/real-alertmanager-0.25/alertmanager_webhook_sample.json", &len);
	struct wh_payload p;
	char *verr;
	assert_int_equal(parse_ok(body, len, &p, &verr), 0);
	assert_string_equal(p.version, "4");
	assert_string_equal(p.receiver, "hook");
	assert_int_equal(p.status, WH_STATUS_FIRING);
	assert_string_equal(p.group_key, "{}:{alertname=\"FlagRaised\"}");
	assert_string_equal(p.external_url, "http://vm:19093");
	assert_int_equal(p.truncated_alerts, 0);
	assert_int_equal(p.nalerts, 1);
	const struct wh_alert *a = &p.alerts[0];
	assert_int_equal(a->status, WH_STATUS_FIRING);
	assert_false(a->status_inherited);
	assert_int_equal(a->labels.n, 4);
	assert_string_equal(wh_set_get(&a->labels, "alertname"), "FlagRaised");
	assert_string_equal(wh_set_get(&a->labels, "instance"), "127.0.0.1:19101");
	assert_string_equal(wh_set_get(&a->labels, "job"), "flag");
	assert_string_equal(wh_set_get(&a->labels, "severity"), "critical");
	assert_string_equal(wh_set_get(&a->annotations, "summary"), "flag raised on 127.0.0.1:19101");
	assert_string_equal(a->starts_at_raw, "2026-11-22T15:48:47.272Z");
	assert_string_equal(a->starts_at_key, "2026-11-22T15:48:47.272000000Z");
	assert_true(a->ends_at.zero);
	/* \u0026 decoded */
	assert_string_equal(a->generator_url, "http://vm:19090/graph?g0.expr=feas_flag+%3D%3D+1&g0.tab=1");
	assert_string_equal(a->fingerprint, "00c04af3484e7319");
	assert_false(a->fingerprint_computed);
	/* our FNV-1a over the label set reproduces Alertmanager's own fingerprint */
	check_fingerprint_matches_labels(a);
	assert_non_null(strstr(a->json, "\"fingerprint\":\"00c04af3484e7319\""));
	assert_non_null(strstr(a->json, "\"startsAt\":\"2026-11-22T15:48:47.272Z\""));
	wh_payload_release(&p);
	free(body);
}

static void test_real_am025_resolved(void **state)
{
	(void)state;
	size_t len;
	char *body =
		read_fixture_body("alertmanager/real-alertmanager-0.25/alertmanager_webhook_sample_resolved.json", &len);
	struct wh_payload p;
	char *verr;
	assert_int_equal(parse_ok(body, len, &p, &verr), 0);
	assert_int_equal(p.status, WH_STATUS_RESOLVED);
	assert_int_equal(p.alerts[0].status, WH_STATUS_RESOLVED);
	assert_false(p.alerts[0].ends_at.zero);
	assert_string_equal(p.alerts[0].ends_at_raw, "2026-11-22T15:48:50.272Z");
	assert_true(wh_time_seconds(&p.alerts[0].ends_at) - wh_time_seconds(&p.alerts[0].starts_at) > 2.99);
	/* same alert as the firing capture: same fingerprint and dedupe key */
	assert_string_equal(p.alerts[0].fingerprint, "00c04af3484e7319");
	assert_string_equal(p.alerts[0].starts_at_key, "2026-11-22T15:48:47.272000000Z");
	check_fingerprint_matches_labels(&p.alerts[0]);
	wh_payload_release(&p);
	free(body);
}

static void test_real_am025_raw_http(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture_body("alertmanager/real-alertmanager-0.25/alertmanager_webhook_raw_http.txt", &len);
	struct wh_payload p;
	char *verr;
	assert_int_equal(len, 602); /* the Content-Length of the capture */
	assert_int_equal(parse_ok(body, len, &p, &verr), 0);
	assert_string_equal(p.alerts[0].fingerprint, "c0ffa23080d72166");
	assert_string_equal(p.alerts[0].generator_url, "");
	assert_string_equal(wh_set_get(&p.alerts[0].labels, "instance"), "disk1");
	assert_string_equal(p.alerts[0].starts_at_key, "2026-11-22T15:49:07.238230629Z");
	check_fingerprint_matches_labels(&p.alerts[0]);
	wh_payload_release(&p);
	free(body);
}

static void test_alertmonitor(void **state)
{
	(void)state;
	static const char *const files[] = { "alertmanager/alertmonitor.firing.compact.json",
					     "alertmanager/alertmonitor.resolved.compact.json" };
	for (int f = 0; f < 2; f++) {
		size_t len;
		char *body = read_fixture_body(files[f], &len);
		struct wh_payload p;
		char *verr;
		assert_int_equal(parse_ok(body, len, &p, &verr), 0);
		assert_string_equal(p.receiver, "alertmonitor_swarm");
		assert_int_equal(p.status, f == 0 ? WH_STATUS_FIRING : WH_STATUS_RESOLVED);
		assert_int_equal(p.nalerts, 3);
		assert_string_equal(wh_set_get(&p.alerts[1].labels, "instance"), "172.29.254.50");
		assert_string_equal(wh_set_get(&p.alerts[0].labels, "alertname"), "ICMP ping failed");
		assert_string_equal(wh_set_get(&p.alerts[0].labels, "tags"), "icmp, ping failed");
		assert_int_equal(p.alerts[0].labels.n, 7);
		assert_string_equal(p.alerts[0].starts_at_key, "2019-09-27T16:27:56.612666101Z");
		/* no fingerprint in these bodies: computed from the labels */
		assert_true(p.alerts[0].fingerprint_computed);
		assert_string_equal(p.alerts[0].fingerprint, "4a110cc8dbe76532");
		assert_string_equal(p.alerts[2].fingerprint, "1e1c2fe4c8293484");
		assert_non_null(strstr(p.alerts[0].json, "\"fingerprint\":\"4a110cc8dbe76532\""));
		assert_non_null(strstr(p.alerts[0].generator_url, "&g0.tab=1"));
		assert_string_equal(p.group_key,
				    "{}/{severity=~\"^(?:^(critical|major|minor|warning|informational)$)$\"}:{alertname=\"ICMP ping failed\"}");
		wh_payload_release(&p);
		free(body);
	}
}

static void test_msteams_card(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture_body("alertmanager/prometheus-msteams.card-grafana-inspired-payload.json", &len);
	struct wh_payload p;
	char *verr;
	assert_int_equal(parse_ok(body, len, &p, &verr), 0);
	assert_int_equal(p.nalerts, 3);
	assert_string_equal(p.alerts[0].fingerprint, "ff6a7a0f5f1c1309");
	assert_string_equal(p.alerts[2].fingerprint, "911c76f0240f015b");
	assert_false(p.alerts[0].fingerprint_computed);
	assert_string_equal(wh_set_get(&p.alerts[0].annotations, "summary"),
			    "Ratio(Max(Working Set, RSS) / Reservation) [5m Avg] < 40 %");
	/* "\\n" in JSON is a backslash and an n, kept as two bytes */
	const char *d = wh_set_get(&p.alerts[0].annotations, "description");
	assert_string_equal(d + strlen(d) - 2, "\\n");
	assert_int_equal(p.alerts[0].annotations.n, 7);
	assert_string_equal(p.alerts[1].starts_at_key, "2020-10-11T14:34:11.279383004Z");
	assert_string_equal(wh_set_get(&p.common_labels, "name_space"), "wh_ate_ver/promstack");
	wh_payload_release(&p);
	free(body);
}

static void test_msteams_post_request_inherits_status(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture_body("alertmanager/prometheus-msteams.prom_post_request.json", &len);
	struct wh_payload p;
	char *verr;
	assert_int_equal(parse_ok(body, len, &p, &verr), 0);
	assert_int_equal(p.nalerts, 1);
	/* no alert status, fingerprint or generatorURL in this body */
	assert_int_equal(p.alerts[0].status, WH_STATUS_FIRING);
	assert_true(p.alerts[0].status_inherited);
	assert_true(p.alerts[0].fingerprint_computed);
	assert_string_equal(p.alerts[0].fingerprint, "b29784719d6a11e6");
	assert_string_equal(p.alerts[0].generator_url, "");
	assert_string_equal(p.alerts[0].starts_at_key, "2018-03-07T11:33:21.873077559Z");
	assert_non_null(strstr(p.alerts[0].json, "\"status\":\"firing\""));
	assert_string_equal(wh_set_get(&p.alerts[0].labels, "instance"), "instance-with-hyphen_and_underscore");
	wh_payload_release(&p);
	free(body);
}

static void test_old_versions_parse_but_are_refused(void **state)
{
	(void)state;
	size_t len;
	struct wh_payload p;
	char *verr;
	/* 2016-era body without "version": parsed, refused by validation */
	char *body = read_fixture_body("alertmanager/prometheus-am-executor.alert_payload.json", &len);
	assert_int_equal(parse_ok(body, len, &p, &verr), -1);
	assert_non_null(strstr(verr, "unsupported payload version"));
	free(verr);
	assert_int_equal(p.nalerts, 2);
	assert_string_equal(p.alerts[0].starts_at_key, "2016-04-07T16:08:52.000000000Z");
	assert_string_equal(p.alerts[0].fingerprint, "5714ca6177701704");
	assert_string_equal(p.alerts[1].fingerprint, "4a66b51f01c085c4");
	wh_payload_release(&p);
	free(body);
	/* version "3" */
	body = read_fixture_body("alertmanager/prometheus-webhook-dingtalk.PlaygroundDemoAlert.json", &len);
	assert_int_equal(parse_ok(body, len, &p, &verr), -1);
	assert_non_null(strstr(verr, "\"3\""));
	free(verr);
	assert_string_equal(p.version, "3");
	assert_int_equal(p.nalerts, 2);
	assert_string_equal(wh_set_get(&p.alerts[1].labels, "env"), "staging");
	assert_string_equal(p.alerts[0].starts_at_key, "2016-04-27T20:46:37.903000000Z");
	wh_payload_release(&p);
	free(body);
}

/* Every .json under alertmanager/ must be covered above, and every prefix of each must fail cleanly. */
static void test_every_fixture_known_and_truncations_fail(void **state)
{
	(void)state;
	static const char *const known[] = {
		"alertmanager/alertmonitor.firing.compact.json",
		"alertmanager/alertmonitor.resolved.compact.json",
		"alertmanager/prometheus-am-executor.alert_payload.json",
		"alertmanager/prometheus-msteams.card-grafana-inspired-payload.json",
		"alertmanager/prometheus-msteams.prom_post_request.json",
		"alertmanager/prometheus-webhook-dingtalk.PlaygroundDemoAlert.json",
		"alertmanager/real-alertmanager-0.25/alertmanager_webhook_sample.json",
		"alertmanager/real-alertmanager-0.25/alertmanager_webhook_sample_resolved.json",
	};
	char **list = fixture_list("alertmanager", ".json");
	size_t count = 0;
	for (char **f = list; *f; f++, count++) {
		bool found = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			found |= strcmp(known[i], *f) == 0;
		if (!found)
			fail_msg("fixture %s has no assertions in test_webhook.c", *f);
		size_t len;
		char *body = read_fixture_body(*f, &len);
		/* every strict prefix is invalid JSON: an error, never a crash or a partial model */
		for (size_t cut = 0; cut < len; cut++) {
			struct wh_payload p;
			char *err = NULL;
			char *copy = malloc(cut + 1);
			memcpy(copy, body, cut);
			copy[cut] = 0;
			int rc = wh_parse(copy, cut, &p, &err);
			/* trailing whitespace of pretty-printed files makes a few prefixes complete */
			if (rc == 0) {
				bool only_space = true;
				for (size_t k = cut; k < len; k++)
					only_space &= body[k] == ' ' || body[k] == '\n' || body[k] == '\r';
				assert_true(only_space);
				wh_payload_release(&p);
			} else {
				assert_non_null(err);
				assert_int_equal(p.nalerts, 0);
			}
			free(err);
			free(copy);
		}
		free(body);
	}
	assert_int_equal(count, sizeof(known) / sizeof(known[0]));
	fixture_list_free(list);
}

int main(void)
{
	fixtures_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_am025_firing),
		cmocka_unit_test(test_real_am025_resolved),
		cmocka_unit_test(test_real_am025_raw_http),
		cmocka_unit_test(test_alertmonitor),
		cmocka_unit_test(test_msteams_card),
		cmocka_unit_test(test_msteams_post_request_inherits_status),
		cmocka_unit_test(test_old_versions_parse_but_are_refused),
		cmocka_unit_test(test_every_fixture_known_and_truncations_fail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
