/* test_jsonshape.c: nesting depth and value counts of JSON texts, truncated and garbage input */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/jsonshape.h"
#include "common/strbuf.h"

static bool within(const char *s, size_t depth, size_t values)
{
	return jsonshape_within(s, strlen(s), depth, values, NULL);
}

static void test_counts(void **state)
{
	(void)state;
	/* {"a":1,"b":[true,null,"x"]}: the object, 1, the array, true, null, "x" = 6 values, depth 2 */
	const char *j = "{\"a\":1,\"b\":[true,null,\"x\"]}";
	assert_true(within(j, 2, 6));
	assert_false(within(j, 2, 5));
	assert_false(within(j, 1, 100));
	/* strings with brackets, quotes and escapes inside are skipped */
	assert_true(within("{\"k\\\"[[[\":\"v{{{\\\\\"}", 1, 2));
	assert_true(within("", 0, 0));
	assert_true(within("  ", 0, 0));
	assert_true(within("123", 0, 1));
	assert_false(within("123", 0, 0));
}

static void test_bounds_messages(void **state)
{
	(void)state;
	const char *what = NULL;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 100; i++)
		strbuf_addch(&sb, '[');
	assert_false(jsonshape_within(sb.buf, sb.len, 32, 1000, &what));
	assert_string_equal(what, "nesting depth");
	strbuf_reset(&sb);
	strbuf_addch(&sb, '[');
	for (int i = 0; i < 1000; i++)
		strbuf_addstr(&sb, "1,");
	strbuf_addstr(&sb, "1]");
	assert_false(jsonshape_within(sb.buf, sb.len, 32, 500, &what));
	assert_string_equal(what, "number of values");
	assert_true(jsonshape_within(sb.buf, sb.len, 32, 1002, &what));
	strbuf_release(&sb);
}

static void test_truncated_and_garbage(void **state)
{
	(void)state;
	const char *j = "{\"receiver\":\"hook\",\"alerts\":[{\"labels\":{\"a\":\"b\\\"\"}}],\"x\":[1,2,3]}";
	/* every prefix scans without reading past its length (ASan checks) and within generous bounds */
	for (size_t n = 0; n <= strlen(j); n++) {
		char *copy = malloc(n ? n : 1);
		memcpy(copy, j, n);
		assert_true(jsonshape_within(copy, n, 10, 100, NULL));
		free(copy);
	}
	unsigned char garbage[256];
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 37 + 11);
	(void)jsonshape_within((const char *)garbage, sizeof(garbage), 4, 16, NULL);
	assert_true(jsonshape_within("}}}]]]", 6, 0, 0, NULL));
	assert_true(jsonshape_within("\"\\", 2, 0, 1, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_bounds_messages),
		cmocka_unit_test(test_truncated_and_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
