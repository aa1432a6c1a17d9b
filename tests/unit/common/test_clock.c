/* test_clock.c: condition-wait deadlines (clock_real_after) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>
#include "common/clock.h"

static double ts_seconds(struct timespec ts)
{
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_real_after(void **state)
{
	(void)state;
	const double cases[] = { 0.1, 0.25, 0.999999, 1, 5, 60, 3600.5 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double before = clock_real();
		struct timespec ts = clock_real_after(cases[i]);
		double after = clock_real();
		/* normalised, as pthread_cond_timedwait requires (EINVAL otherwise) */
		assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
		assert_true(ts_seconds(ts) >= before + cases[i] - 1e-6);
		assert_true(ts_seconds(ts) <= after + cases[i] + 1e-6);
	}
}

static void test_real_after_not_positive_is_now(void **state)
{
	(void)state;
	const double cases[] = { 0, -1, -1e9 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double before = clock_real();
		struct timespec ts = clock_real_after(cases[i]);
		assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
		assert_true(ts_seconds(ts) >= before - 1e-6 && ts_seconds(ts) <= clock_real() + 1e-6);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_after),
		cmocka_unit_test(test_real_after_not_positive_is_now),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
