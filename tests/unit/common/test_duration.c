/* test_duration.c: duration and size parsing/formatting */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "common/duration.h"

static void test_durations(void **state)
{
	(void)state;
	double d;
	assert_int_equal(duration_parse("30s", &d), 0);
	assert_float_equal(d, 30, 0);
	assert_int_equal(duration_parse("5m", &d), 0);
	assert_float_equal(d, 300, 0);
	assert_int_equal(duration_parse("1h30m", &d), 0);
	assert_float_equal(d, 5400, 0);
	assert_int_equal(duration_parse("250ms", &d), 0);
	assert_float_equal(d, 0.25, 1e-12);
	assert_int_equal(duration_parse("1d", &d), 0);
	assert_float_equal(d, 86400, 0);
	assert_int_equal(duration_parse("2w", &d), 0);
	assert_int_equal(duration_parse("0", &d), 0);
	assert_float_equal(d, 0, 0);
	const char *bad[] = { "", "5", "m", "5x", "1.5h", "-1s", "1h 2m", "99999999999999999s" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(duration_parse(bad[i], &d), -1);
}

static void test_format(void **state)
{
	(void)state;
	char buf[32];
	duration_format(300, buf, sizeof(buf));
	assert_string_equal(buf, "5m");
	duration_format(5400, buf, sizeof(buf));
	assert_string_equal(buf, "1h30m");
	duration_format(0.25, buf, sizeof(buf));
	assert_string_equal(buf, "250ms");
	duration_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
}

static void test_sizes(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(size_parse("1MiB", &v), 0);
	assert_int_equal(v, 1048576);
	assert_int_equal(size_parse("10KB", &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(size_parse("512", &v), 0);
	assert_int_equal(v, 512);
	assert_int_equal(size_parse("2GiB", &v), 0);
	assert_int_equal(v, 2147483648ULL);
	assert_int_equal(size_parse("1XB", &v), -1);
	assert_int_equal(size_parse("", &v), -1);
	assert_int_equal(size_parse("99999999999999999999", &v), -1);
	assert_int_equal(size_parse("99999999999TiB", &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
