/* test_chars.c: the one UTF-8 decoder and the one hex-digit helper */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "common/chars.h"

struct utf8_case {
	const char *s;
	size_t n;
	size_t len;
	unsigned cp;
};

static void test_utf8_decode(void **state)
{
	static const struct utf8_case cases[] = {
		{ "A", 1, 1, 0x41 },
		{ "\xc3\xa9", 2, 2, 0xe9 },
		{ "\xe2\x82\xac", 3, 3, 0x20ac },
		{ "\xf0\x9f\x92\xbe", 4, 4, 0x1f4be },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		{ "\xc0\xaf", 2, 0, 0 },            /* overlong '/' */
		{ "\xe0\x80\xaf", 3, 0, 0 },        /* overlong */
		{ "\xed\xa0\x80", 3, 0, 0 },        /* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0, 0 },    /* past U+10FFFF */
		{ "\x80", 1, 0, 0 },                /* stray continuation */
		{ "\xe2\x82", 2, 0, 0 },            /* truncated */
		{ "\xc3\x28", 2, 0, 0 },            /* bad continuation */
		{ "\xff", 1, 0, 0 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned cp = 12345;
		size_t len = utf8_decode((const unsigned char *)cases[i].s, cases[i].n, &cp);
		assert_int_equal(len, cases[i].len);
		assert_int_equal(cp, cases[i].len ? cases[i].cp : 12345);
		assert_int_equal(utf8_sequence_len((const unsigned char *)cases[i].s, cases[i].n), cases[i].len);
	}
	assert_int_equal(utf8_decode((const unsigned char *)"", 0, NULL), 0);
}

static void test_utf8_valid_and_floor(void **state)
{
	static const char s[] = "caf\xc3\xa9 \xf0\x9f\x92\xbe";
	(void)state;

	assert_true(utf8_valid(s, strlen(s)));
	assert_true(utf8_valid("", 0));
	assert_false(utf8_valid("ok\xc3", 3));
	assert_false(utf8_valid("a\xed\xa0\x80", 4));
	assert_int_equal(utf8_floor(s, strlen(s), 4), 3);    /* does not split the é */
	assert_int_equal(utf8_floor(s, strlen(s), 5), 5);
	assert_int_equal(utf8_floor(s, strlen(s), 8), 6);    /* nor the emoji */
	assert_int_equal(utf8_floor(s, strlen(s), 100), strlen(s));
}

static void test_hex_digit(void **state)
{
	(void)state;
	assert_int_equal(hex_digit('0'), 0);
	assert_int_equal(hex_digit('9'), 9);
	assert_int_equal(hex_digit('a'), 10);
	assert_int_equal(hex_digit('F'), 15);
	assert_int_equal(hex_digit('g'), -1);
	assert_int_equal(hex_digit('/'), -1);
	assert_int_equal(hex_digit(0), -1);
	assert_int_equal(hex_digit(0xe9), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_decode),
		cmocka_unit_test(test_utf8_valid_and_floor),
		cmocka_unit_test(test_hex_digit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
