/* test_counter_vec.c: labelled counters kept across collections, from several threads */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "tests/lib/testlib.h"

static char *render(struct counter_vec *c)
{
	struct metric_set *ms = metric_set_new();
	counter_vec_render(c, ms);
	return test_render_free(ms);
}

static void test_kept_across_collections(void **state)
{
	static const char *const labels[] = { "target", "reason", NULL };
	struct counter_vec *c = counter_vec_new("x_probe_failures_total", "Probe failures.", labels);
	char *r;
	(void)state;

	r = render(c);
	assert_string_equal(r, "");   /* no series: no family */
	free(r);
	counter_vec_add(c, 0, "a", "timeout", NULL);
	counter_vec_add(c, 1, "b", "dns", NULL);
	counter_vec_add(c, 2, "b", "dns", NULL);
	r = render(c);
	assert_string_equal(r, "# HELP x_probe_failures_total Probe failures.\n"
			       "# TYPE x_probe_failures_total counter\n"
			       "x_probe_failures_total{target=\"a\",reason=\"timeout\"} 0\n"
			       "x_probe_failures_total{target=\"b\",reason=\"dns\"} 3\n");
	free(r);
	/* a second collection sees the same totals, plus what came since */
	counter_vec_add(c, 1, "a", "timeout", NULL);
	assert_true(counter_vec_get(c, "a", "timeout", NULL) == 1);
	assert_true(counter_vec_get(c, "b", "dns", NULL) == 3);
	assert_true(counter_vec_get(c, "c", "dns", NULL) == 0);
	/* misuse: wrong count, negative: nothing changes */
	counter_vec_add(c, 1, "a", NULL);
	counter_vec_add(c, 1, "a", "timeout", "extra", NULL);
	counter_vec_add(c, -1, "a", "timeout", NULL);
	assert_true(counter_vec_get(c, "a", "timeout", NULL) == 1);
	counter_vec_reset(c);
	assert_true(counter_vec_get(c, "b", "dns", NULL) == 0);
	counter_vec_free(c);
	counter_vec_free(NULL);
}

static void test_unlabelled_and_invalid(void **state)
{
	struct counter_vec *c = counter_vec_new("x_events_total", "Events.", NULL);
	struct counter_vec *bad = counter_vec_new("x events", "Bad.", NULL);
	char *r;
	(void)state;

	counter_vec_add(c, 5, NULL);
	counter_vec_add(bad, 5, NULL);
	r = render(c);
	assert_non_null(strstr(r, "x_events_total 5\n"));
	free(r);
	r = render(bad);
	assert_string_equal(r, "");
	free(r);
	counter_vec_free(c);
	counter_vec_free(bad);
}

static void *adder(void *arg)
{
	struct counter_vec *c = arg;
	for (int i = 0; i < 10000; i++)
		counter_vec_add(c, 1, i % 2 ? "odd" : "even", NULL);
	return NULL;
}

static void test_threads(void **state)
{
	static const char *const labels[] = { "kind", NULL };
	struct counter_vec *c = counter_vec_new("x_adds_total", "Adds.", labels);
	pthread_t th[4];
	(void)state;

	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, adder, c), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_true(counter_vec_get(c, "odd", NULL) == 20000);
	assert_true(counter_vec_get(c, "even", NULL) == 20000);
	counter_vec_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept_across_collections),
		cmocka_unit_test(test_unlabelled_and_invalid),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
