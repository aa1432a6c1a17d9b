/* test_strbuf.c: strbuf growth, formatting, JSON and HTML escaping */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/strbuf.h"
#include "common/strlist.h"

static void test_add_and_grow(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	assert_string_equal(strbuf_cstr(&sb), "");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	assert_int_equal(strlen(sb.buf), sb.len);
	assert_memory_equal(sb.buf, "0,1,2,", 6);
	strbuf_setlen(&sb, 2);
	assert_string_equal(sb.buf, "0,");
	size_t len;
	char *p = strbuf_detach(&sb, &len);
	assert_int_equal(len, 2);
	assert_null(sb.buf);
	free(p);
	p = strbuf_detach(&sb, &len);   /* empty buffer detaches as "" */
	assert_string_equal(p, "");
	free(p);
}

static void test_json_escape(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	const char in[] = "a\"b\\c\n\t\x01\xff\xc3\xa9";
	strbuf_add_json_string(&sb, in, sizeof(in) - 1);
	assert_string_equal(sb.buf, "\"a\\\"b\\\\c\\n\\t\\u0001\xef\xbf\xbd\xc3\xa9\"");
	strbuf_release(&sb);
}

static void test_html_escape(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	strbuf_add_html(&sb, "<a href=\"x\">&'</a>");
	assert_string_equal(sb.buf, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	strbuf_release(&sb);
}

static void test_strlist(void **state)
{
	struct strlist l = STRLIST_INIT;
	(void)state;
	assert_null(strlist_argv(&l)[0]);
	strlist_push(&l, "a");
	strlist_pushf(&l, "%s=%d", "b", 2);
	assert_int_equal(l.n, 2);
	assert_string_equal(strlist_argv(&l)[1], "b=2");
	assert_null(strlist_argv(&l)[2]);
	strlist_clear(&l);
	assert_int_equal(l.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_grow),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_strlist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
