/* test_parse_v6.c: the v6 parsers on the real stats/summary capture, every spec example, and truncations */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#define PH_TEST_CMOCKA
#include "tests/lib/testlib.h"
#include "tests/unit/pihole/ph_test.h"

#define EX "pihole/v6-spec-examples/"

static void test_real_summary(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read("pihole/v6-real/stats_summary.v6.0.5.netdata.json", &len);
	struct ph_summary s;
	char *err = NULL;

	assert_int_equal(ph_v6_summary_parse(buf, len, &s, &err), PH_PARSE_OK);
	assert_null(err);
	assert_num(s.queries_total, 249);
	assert_num(s.queries_blocked, 1);
	assert_num(s.percent_blocked, 1.1);
	assert_num(s.unique_domains, 29);
	assert_num(s.queries_forwarded, 45);
	assert_num(s.queries_cached, 204);
	assert_num(s.query_frequency, 0);
	assert_num(s.clients_active, 2);
	assert_num(s.clients_total, 2);
	assert_num(s.gravity_domains, 131270);
	assert_num(s.gravity_last_update, 1741494842);
	assert_int_equal(s.types.n, 16);
	assert_num(ph_named_get(&s.types, "A"), 84);
	assert_num(ph_named_get(&s.types, "PTR"), 73);
	assert_num(ph_named_get(&s.types, "OTHER"), 1);
	assert_int_equal(s.replies.n, 14);
	assert_num(ph_named_get(&s.replies, "IP"), 124);
	assert_num(ph_named_get(&s.replies, "NODATA"), 49);
	assert_int_equal(s.statuses.n, 19);
	assert_num(ph_named_get(&s.statuses, "CACHE_STALE"), 83);
	assert_int_equal(s.status, PH_BLOCKING_UNKNOWN);
	ph_summary_release(&s);
	free(buf);
}

static void test_spec_summary(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read(EX "GET_stats_summary__200.json", &len);
	struct ph_summary s;

	assert_int_equal(ph_v6_summary_parse(buf, len, &s, NULL), PH_PARSE_OK);
	assert_num(s.queries_total, 7497);
	assert_num(s.percent_blocked, 34.5);
	assert_num(s.query_frequency, 1.1);
	assert_num(s.clients_total, 22);
	assert_num(s.gravity_last_update, 1725194639);
	assert_num(ph_named_get(&s.replies, "NXDOMAIN"), 533);
	ph_summary_release(&s);
	free(buf);
}

static void test_spec_upstreams(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read(EX "GET_stats_upstreams__200.json", &len);
	struct ph_upstreams u;

	assert_int_equal(ph_v6_upstreams_parse(buf, len, &u, NULL), PH_PARSE_OK);
	assert_int_equal(u.n, 1);
	assert_string_equal(u.items[0].name, "localhost");
	assert_string_equal(u.items[0].ip, "127.0.0.1");
	assert_int_equal(u.items[0].port, 53);
	assert_num(u.items[0].count, 65445);
	assert_num(u.items[0].response, 0.0254856);
	assert_num(u.items[0].variance, 0.02058);
	assert_num(u.total_queries, 29160);
	assert_num(u.forwarded_queries, 6379);
	ph_upstreams_release(&u);
	free(buf);
}

static void test_spec_query_types(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read(EX "GET_stats_query_types__200.json", &len);
	struct ph_named_list l;

	assert_int_equal(ph_v6_query_types_parse(buf, len, &l, NULL), PH_PARSE_OK);
	assert_int_equal(l.n, 16);
	assert_num(ph_named_get(&l, "A"), 18268);
	assert_num(ph_named_get(&l, "DS"), 596);
	ph_named_list_release(&l);
	free(buf);
}

static void test_spec_blocking(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read(EX "GET_dns_blocking__200.json", &len);
	struct ph_blocking_state b;

	assert_int_equal(ph_v6_blocking_parse(buf, len, &b, NULL), PH_PARSE_OK);
	assert_int_equal(b.state, PH_BLOCKING_ENABLED);
	assert_num(b.timer, 15);
	free(buf);
	/* the shapes SHAPE-NOTES lists: disabled with a null timer, failure */
	static const char dis[] = "{\"blocking\":\"disabled\",\"timer\":null,\"took\":0.1}";
	static const char fail[] = "{\"blocking\":\"failure\",\"timer\":null}";
	assert_int_equal(ph_v6_blocking_parse(dis, strlen(dis), &b, NULL), PH_PARSE_OK);
	assert_int_equal(b.state, PH_BLOCKING_DISABLED);
	assert_num(b.timer, NAN);
	assert_int_equal(ph_v6_blocking_parse(fail, strlen(fail), &b, NULL), PH_PARSE_OK);
	assert_int_equal(b.state, PH_BLOCKING_FAILURE);
}

static void test_spec_ftl_v63(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read(EX "GET_info_ftl__200.json", &len);
	struct ph_ftl_info f;

	assert_int_equal(ph_v6_ftl_parse(buf, len, &f, NULL), PH_PARSE_OK);
	assert_num(f.gravity, 67906);
	assert_num(f.groups, 6);
	assert_num(f.lists, 1);
	assert_num(f.clients, 5);
	assert_num(f.domains_allowed, 67906);
	assert_num(f.domains_allowed_enabled, 4);
	assert_num(f.domains_denied, 4);
	assert_num(f.domains_denied_enabled, 2);
	assert_num(f.regex_denied, 10);
	assert_num(f.regex_denied_enabled, 2);
	assert_num(f.privacy_level, 0);
	assert_num(f.uptime_seconds, 123456.789);
	free(buf);
}

/* Before v6.3 (FTL src/api/info.c) the four list sizes were plain integers. */
static void test_ftl_pre_v63(void **state)
{
	(void)state;
	static const char pre[] =
		"{\"ftl\":{\"database\":{\"gravity\":131270,\"groups\":1,\"lists\":3,\"clients\":2,"
		"\"domains\":{\"allowed\":5,\"denied\":7},\"regex\":{\"allowed\":0,\"denied\":2}},"
		"\"privacy_level\":0,\"uptime\":5000},\"took\":0.001}";
	struct ph_ftl_info f;

	assert_int_equal(ph_v6_ftl_parse(pre, strlen(pre), &f, NULL), PH_PARSE_OK);
	assert_num(f.gravity, 131270);
	assert_num(f.domains_allowed, 5);
	assert_num(f.domains_allowed_enabled, NAN);
	assert_num(f.domains_denied, 7);
	assert_num(f.regex_allowed, 0);
	assert_num(f.regex_denied, 2);
	assert_num(f.regex_denied_enabled, NAN);
	assert_num(f.uptime_seconds, 5);
}

static void test_spec_version(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read(EX "GET_info_version__200.json", &len);
	struct ph_version v;

	assert_int_equal(ph_v6_version_parse(buf, len, &v, NULL), PH_PARSE_OK);
	assert_string_equal(v.core, "v6.1");
	assert_string_equal(v.web, "v6.1");
	assert_string_equal(v.ftl, "v6.1");
	ph_version_release(&v);
	free(buf);
	/* pi-hole #6099: empty remote strings, null docker: only local counts */
	static const char real[] = "{\"version\":{\"core\":{\"local\":{\"branch\":\"master\",\"version\":\"v6.0.5\","
				   "\"hash\":\"x\"},\"remote\":{\"version\":\"\",\"hash\":\"\"}},\"ftl\":{\"local\":"
				   "{\"hash\":\"y\",\"branch\":\"master\",\"version\":\"v6.0.4\",\"date\":\"d\"},"
				   "\"remote\":{\"version\":null}},\"docker\":{\"local\":null,\"remote\":null}}}";
	assert_int_equal(ph_v6_version_parse(real, strlen(real), &v, NULL), PH_PARSE_OK);
	assert_string_equal(v.core, "v6.0.5");
	assert_null(v.web);
	assert_string_equal(v.ftl, "v6.0.4");
	ph_version_release(&v);
}

static void test_spec_top(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read(EX "GET_stats_top_domains__200.json", &len);
	struct ph_named_list l;

	assert_int_equal(ph_v6_top_domains_parse(buf, len, &l, NULL), PH_PARSE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].name, "pi-hole.net");
	assert_num(l.items[0].value, 8516);
	ph_named_list_release(&l);
	free(buf);
	buf = fixture_read(EX "GET_stats_top_clients__200.json", &len);
	assert_int_equal(ph_v6_top_clients_parse(buf, len, &l, NULL), PH_PARSE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].name, "raspberrypi.lan|192.168.0.44");
	assert_num(l.items[0].value, 5896);
	ph_named_list_release(&l);
	free(buf);
}

static struct ph_auth auth_of(const char *rel)
{
	size_t len;
	char *buf = fixture_read(rel, &len);
	struct ph_auth a;
	char *err = NULL;

	if (ph_v6_auth_parse(buf, len, &a, &err) != PH_PARSE_OK)
		fail_msg("%s: %s", rel, err);
	free(buf);
	return a;
}

static void test_spec_auth(void **state)
{
	(void)state;
	struct ph_auth a = auth_of(EX "POST_auth__200__login_okay.json");
	assert_true(a.has_session);
	assert_true(a.valid);
	assert_false(a.totp);
	assert_string_equal(a.sid, "vFA+EP4MQ5JJvJg+3Q2Jnw=");
	assert_num(a.validity, 300);
	assert_null(a.error_key);
	ph_auth_release(&a);

	a = auth_of(EX "POST_auth__200__no_login_required.json");
	assert_true(a.valid);
	assert_null(a.sid);
	assert_num(a.validity, -1);
	ph_auth_release(&a);

	a = auth_of(EX "GET_auth__401__login_required_2fa.json");
	assert_false(a.valid);
	assert_true(a.totp);
	assert_string_equal(a.message, "password incorrect");
	ph_auth_release(&a);

	a = auth_of(EX "POST_auth__429__no_seats.json");
	assert_false(a.has_session);
	assert_string_equal(a.error_key, "api_seats_exceeded");
	assert_string_equal(a.error_message, "API seats exceeded");
	ph_auth_release(&a);

	a = auth_of(EX "POST_auth__429__rate_limit.json");
	assert_string_equal(a.error_key, "rate_limiting");
	ph_auth_release(&a);
}

/* The exact lines FTL's CI asserts against a running pihole-FTL (v6-real/ftl-test-suite...). */
static void test_real_auth_lines(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read("pihole/v6-real/ftl-test-suite.auth-expectations.txt", &len);
	int seen = 0;
	char *save = NULL;

	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct ph_auth a;
		char *json, *star;
		if (line[0] != '{')
			continue;
		json = strdup(line);
		/* the bats wildcards: "*" for strings, * for the number */
		while ((star = strstr(json, "\"*\"")))
			memcpy(star, "\"x\"", 3);
		while ((star = strchr(json, '*')))
			*star = '1';
		if (ph_v6_auth_parse(json, strlen(json), &a, NULL) == PH_PARSE_OK) {
			seen++;
			if (a.has_session && strstr(json, "password incorrect")) {
				assert_false(a.valid);
				assert_null(a.sid);
			}
			if (a.error_key && strcmp(a.error_key, "api_seats_exceeded") == 0)
				assert_string_equal(a.error_message, "API seats exceeded");
		}
		ph_auth_release(&a);
		free(json);
	}
	assert_true(seen >= 5);
	free(buf);
}

/*
 * Every example of the OpenAPI spec: each 4xx/5xx answer is an "error" object the auth parser
 * reads (key and message), each file goes through every parser without a crash, and every
 * prefix of every file is refused or read without reading past its end.
 */
static void test_every_spec_example(void **state)
{
	(void)state;
	char **files = fixture_list("pihole/v6-spec-examples", ".json");
	size_t n = 0, errors = 0;

	for (char **f = files; *f; f++, n++) {
		size_t len;
		char *buf = fixture_read(*f, &len);
		const char *base = strrchr(*f, '/');
		base = base ? base + 1 : *f;
		const char *st = strstr(base, "__");
		ph_parse_all(buf, len);
		if (st && strncmp(st, "__404", 5) == 0) {
			/* the spec's 404 examples are {"took": ...} alone: not an answer to act on */
			struct ph_auth a;
			char *err = NULL;
			assert_int_equal(ph_v6_auth_parse(buf, len, &a, &err), PH_PARSE_ERROR);
			free(err);
		} else if (st && (st[2] == '4' || st[2] == '5')) {
			struct ph_auth a;
			char *err = NULL;
			if (ph_v6_auth_parse(buf, len, &a, &err) != PH_PARSE_OK)
				fail_msg("%s: %s", *f, err);
			if (!a.has_session && (!a.error_key || !a.error_message))
				fail_msg("%s: no error key/message", *f);
			errors++;
			ph_auth_release(&a);
		}
		/* every prefix of the answers the exporter reads, a spread of prefixes of the others */
		bool ours = strstr(base, "GET_stats_") || strstr(base, "GET_dns_blocking") || strstr(base, "GET_info_ftl") || strstr(base, "GET_info_version") ||
			    strstr(base, "_auth_");
		size_t step = ours ? 1 : len / 32 + 1;
		for (size_t cut = 0; cut < len; cut += step)
			ph_parse_all(buf, cut);
		free(buf);
	}
	fixture_list_free(files);
	assert_true(n >= 150);
	assert_true(errors >= 50);
}

static void test_real_truncated(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read("pihole/v6-real/stats_summary.v6.0.5.netdata.json", &len);

	assert_int_equal(ph_parse_all(buf, len), 1); /* only the summary parser takes it */
	for (size_t cut = 0; cut < len; cut++) {
		struct ph_summary s;
		char *err = NULL;
		/* a JSON document cut anywhere before its last '}' is refused, never half-read */
		int r = ph_v6_summary_parse(buf, cut, &s, &err);
		if (r == PH_PARSE_OK && memchr(buf + cut, '}', len - cut))
			fail_msg("prefix of %zu bytes accepted", cut);
		free(err);
		ph_summary_release(&s);
	}
	free(buf);
}

int main(void)
{
	fixtures_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_summary),
		cmocka_unit_test(test_spec_summary),
		cmocka_unit_test(test_spec_upstreams),
		cmocka_unit_test(test_spec_query_types),
		cmocka_unit_test(test_spec_blocking),
		cmocka_unit_test(test_spec_ftl_v63),
		cmocka_unit_test(test_ftl_pre_v63),
		cmocka_unit_test(test_spec_version),
		cmocka_unit_test(test_spec_top),
		cmocka_unit_test(test_spec_auth),
		cmocka_unit_test(test_real_auth_lines),
		cmocka_unit_test(test_every_spec_example),
		cmocka_unit_test(test_real_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
