/* test_parse_garbage.c: every Pi-hole parser on garbage, wrong shapes and hostile JSON (no fixtures needed) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#define PH_TEST_CMOCKA
#include "tests/unit/pihole/ph_test.h"

static void test_garbage(void **state)
{
	(void)state;
	static const char *const inputs[] = {
		"", " ", "null", "true", "0", "\"x\"", "[]", "{}", "[{}]", "{\"queries\":null}",
		"<html><body>502 Bad Gateway</body></html>", "{\"queries\":", "{\"a\":1}{\"b\":2}",
		"{\"queries\":{\"total\":\"many\",\"types\":[1,2]},\"clients\":[],\"gravity\":7}",
		"{\"upstreams\":[null,1,\"x\",{\"port\":\"x\"},{\"ip\":5}]}",
		"{\"blocking\":5}", "{\"blocking\":\"maybe\"}", "{\"version\":[]}", "{\"ftl\":{\"database\":[]}}",
		"{\"ftl\":{\"database\":{\"domains\":{\"allowed\":\"x\",\"denied\":{\"total\":null}}}}}",
		"{\"domains\":[{\"domain\":null,\"count\":1},{\"domain\":\"a\"}]}",
		"{\"clients\":[{\"ip\":null,\"count\":1},{\"name\":\"n\",\"count\":2}]}",
		"{\"session\":[]}", "{\"error\":\"x\"}", "{\"session\":{\"sid\":5,\"valid\":\"yes\"}}",
		"{\"dns_queries_today\":{}}", "{\"querytypes\":\"x\"}", "{\"core_current\":7}",
		"{\"x\":1e999}", "{\"queries\":{\"total\":1e308,\"blocked\":-0,\"percent_blocked\":\"1,2,3\"}}",
		"{\"dns_queries_today\":\",\",\"ads_percentage_today\":\"-\",\"unique_domains\":\"1.2.3\"}",
		"{\"\\u0000\":1}", "\xff\xfe{", "{\"a\":\"\xc3\x28\"}",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		ph_parse_all(inputs[i], strlen(inputs[i]));
}

static void test_deep_nesting(void **state)
{
	(void)state;
	size_t n = 100000;
	char *buf = malloc(2 * n);
	memset(buf, '[', n);
	memset(buf + n, ']', n);
	assert_int_equal(ph_parse_all(buf, 2 * n), 0);
	memset(buf, '{', n);
	assert_int_equal(ph_parse_all(buf, n), 0);
	free(buf);
}

/* A NUL byte inside the document is refused, not read as the end of the text. */
static void test_nul_byte(void **state)
{
	(void)state;
	static const char b[] = "{\"blocking\":\"enabled\"}\0garbage";
	struct ph_blocking_state bl;
	char *err = NULL;
	assert_int_equal(ph_v6_blocking_parse(b, sizeof(b) - 1, &bl, &err), PH_PARSE_ERROR);
	free(err);
	assert_int_equal(ph_v6_blocking_parse(b, strlen(b), &bl, NULL), PH_PARSE_OK);
}

static void test_formatted_numbers(void **state)
{
	(void)state;
	static const char b[] = "{\"dns_queries_today\":\"1,234,567\",\"ads_percentage_today\":\"12.5\","
				"\"unique_domains\":\"12a\",\"queries_cached\":\"\",\"status\":\"enabled\"}";
	struct ph_summary s;
	assert_int_equal(ph_v5_summary_parse(b, strlen(b), &s, NULL), PH_PARSE_OK);
	assert_num(s.queries_total, 1234567);
	assert_num(s.percent_blocked, 12.5);
	assert_num(s.unique_domains, NAN);
	assert_num(s.queries_cached, NAN);
	ph_summary_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_formatted_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
