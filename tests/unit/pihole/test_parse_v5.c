/* test_parse_v5.c: the v5 parsers on every recorded admin/api.php answer, formatted numbers, truncations */
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

static struct ph_summary summary_of(const char *rel)
{
	size_t len;
	char *buf = fixture_read(rel, &len);
	struct ph_summary s;
	char *err = NULL;

	if (ph_v5_summary_parse(buf, len, &s, &err) != PH_PARSE_OK)
		fail_msg("%s: %s", rel, err);
	free(buf);
	return s;
}

static void test_summary_raw_openhab(void **state)
{
	(void)state;
	struct ph_summary s = summary_of("pihole/v5/summaryRaw.openhab.json");
	assert_num(s.gravity_domains, 131355);
	assert_num(s.queries_total, 27459);
	assert_num(s.queries_blocked, 2603);
	assert_num(s.percent_blocked, 9.479588);
	assert_num(s.unique_domains, 6249);
	assert_num(s.queries_forwarded, 16030);
	assert_num(s.queries_cached, 8525);
	assert_num(s.clients_total, 2);
	assert_num(s.clients_active, 2);
	assert_num(s.gravity_last_update, 1712457841);
	assert_num(s.query_frequency, NAN);
	assert_int_equal(s.status, PH_BLOCKING_ENABLED);
	assert_int_equal(s.replies.n, 14);
	assert_num(ph_named_get(&s.replies, "CNAME"), 9819);
	assert_num(ph_named_get(&s.replies, "BLOB"), 77);
	assert_int_equal(s.types.n, 0);
	ph_summary_release(&s);
}

static void test_summary_raw_synthetic(void **state)
{
	(void)state;
	struct ph_summary s = summary_of("pihole/v5/summaryRaw.netdata-godplugin.synthetic.json");
	assert_num(s.queries_total, 1);
	assert_num(s.gravity_last_update, 1560443834);
	assert_int_equal(s.replies.n, 4);
	ph_summary_release(&s);
}

/* ?summary (not Raw): thousands separators in strings, "disabled" */
static void test_summary_formatted(void **state)
{
	(void)state;
	struct ph_summary s = summary_of("pihole/v5/summary.formatted.n8n-nodes-pihole.json");
	assert_num(s.gravity_domains, 906175);
	assert_num(s.queries_total, 29350);
	assert_num(s.percent_blocked, 17.2);
	assert_num(s.queries_forwarded, 18978);
	assert_num(ph_named_get(&s.replies, "NODATA"), 6880);
	assert_int_equal(s.status, PH_BLOCKING_DISABLED);
	assert_num(s.gravity_last_update, 1664313721);
	ph_summary_release(&s);

	s = summary_of("pihole/v5/summary.formatted.netdata-godplugin.json");
	assert_num(s.gravity_domains, 113438);
	assert_num(s.percent_blocked, 0);
	ph_summary_release(&s);
}

static void test_unauthorized(void **state)
{
	(void)state;
	struct ph_summary s;
	struct ph_named_list l;
	char *err = NULL;

	assert_int_equal(ph_v5_summary_parse("[]", 2, &s, &err), PH_PARSE_UNAUTHORIZED);
	assert_non_null(err);
	free(err);
	err = NULL;
	assert_int_equal(ph_v5_pairs_parse("[]", 2, "querytypes", &l, &err), PH_PARSE_UNAUTHORIZED);
	free(err);
}

static struct ph_named_list pairs_of(const char *rel, const char *key)
{
	size_t len;
	char *buf = fixture_read(rel, &len);
	struct ph_named_list l;
	char *err = NULL;

	if (ph_v5_pairs_parse(buf, len, key, &l, &err) != PH_PARSE_OK)
		fail_msg("%s: %s", rel, err);
	free(buf);
	return l;
}

static void test_pairs(void **state)
{
	(void)state;
	struct ph_named_list l = pairs_of("pihole/v5/getQueryTypes.netdata-godplugin.json", "querytypes");
	assert_int_equal(l.n, 7);
	assert_num(ph_named_get(&l, "A (IPv4)"), 12.29);
	assert_num(ph_named_get(&l, "PTR"), 71.43);
	ph_named_list_release(&l);

	l = pairs_of("pihole/v5/getForwardDestinations.netdata-godplugin-2019.json", "forward_destinations");
	assert_int_equal(l.n, 4);
	assert_num(ph_named_get(&l, "cache|cache"), 88.89);
	assert_num(ph_named_get(&l, "resolver1.opendns.com|208.67.222.222"), 2.78);
	ph_named_list_release(&l);

	l = pairs_of("pihole/v5/getForwardDestinations.netdata-godplugin.json", "forward_destinations");
	assert_int_equal(l.n, 3);
	ph_named_list_release(&l);

	l = pairs_of("pihole/v5/topClients.netdata-godplugin.json", "top_sources");
	assert_int_equal(l.n, 1);
	assert_num(ph_named_get(&l, "localhost|127.0.0.1"), 36);
	ph_named_list_release(&l);

	l = pairs_of("pihole/v5/topItems.netdata-godplugin.json", "top_queries");
	assert_int_equal(l.n, 3);
	assert_num(ph_named_get(&l, "api.github.com"), 10);
	ph_named_list_release(&l);

	/* "top_ads": [] is PHP's empty object */
	l = pairs_of("pihole/v5/topItems.netdata-godplugin.json", "top_ads");
	assert_int_equal(l.n, 0);
	ph_named_list_release(&l);
}

static void test_versions(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture_read("pihole/v5/versions.n8n-nodes-pihole.json", &len);
	struct ph_version v;

	assert_int_equal(ph_v5_versions_parse(buf, len, &v, NULL), PH_PARSE_OK);
	assert_string_equal(v.core, "v5.12.2");
	assert_string_equal(v.web, "v5.15.1");
	assert_string_equal(v.ftl, "v5.18.1");
	ph_version_release(&v);
	free(buf);
}

/* Every v5 file through every parser, whole and every prefix; status.json is not a summary. */
static void test_every_file_truncated(void **state)
{
	(void)state;
	char **files = fixture_list("pihole/v5", NULL);
	size_t n = 0;

	for (char **f = files; *f; f++, n++) {
		size_t len;
		char *buf = fixture_read(*f, &len);
		ph_parse_all(buf, len);
		for (size_t cut = 0; cut < len; cut++)
			ph_parse_all(buf, cut);
		free(buf);
	}
	fixture_list_free(files);
	assert_int_equal(n, 12);
	struct ph_summary s;
	char *err = NULL;
	size_t len;
	char *buf = fixture_read("pihole/v5/status.n8n-nodes-pihole.json", &len);
	assert_int_equal(ph_v5_summary_parse(buf, len, &s, &err), PH_PARSE_ERROR);
	free(err);
	free(buf);
}

int main(void)
{
	fixtures_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_raw_openhab),
		cmocka_unit_test(test_summary_raw_synthetic),
		cmocka_unit_test(test_summary_formatted),
		cmocka_unit_test(test_unauthorized),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_every_file_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
