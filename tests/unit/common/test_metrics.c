/* test_metrics.c: exposition writer: sorting, escaping, value spelling, histograms, name checks */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/metrics.h"
#include "tests/lib/testlib.h"

static void test_sorted_and_typed(void **state)
{
	(void)state;
	struct metric_set *ms = metric_set_new();
	struct metric_family *f = metric_family(ms, "zeta_bytes", METRIC_GAUGE, "Zeta.");
	metric_add(f, 2, "disk", "d2", NULL);
	metric_add(f, 1, "disk", "d1", NULL);
	metric_counter(ms, "alpha_total", "Alpha.", 7, NULL);
	metric_family(ms, "empty_family", METRIC_GAUGE, "Never has samples.");
	char *out = test_render(ms);
	assert_string_equal(out,
		"# HELP alpha_total Alpha.\n# TYPE alpha_total counter\nalpha_total 7\n"
		"# HELP zeta_bytes Zeta.\n# TYPE zeta_bytes gauge\nzeta_bytes{disk=\"d1\"} 1\nzeta_bytes{disk=\"d2\"} 2\n");
	free(out);
	metric_set_free(ms);
}

static void test_escaping(void **state)
{
	(void)state;
	struct metric_set *ms = metric_set_new();
	metric_gauge(ms, "x", "Help with \\ and\nnewline and \"quotes\".", 1,
		     "path", "C:\\dir\n\"q\"", "bad", "a\xff" "b", NULL);
	char *out = test_render(ms);
	assert_string_equal(out,
		"# HELP x Help with \\\\ and\\nnewline and \"quotes\".\n# TYPE x gauge\n"
		"x{path=\"C:\\\\dir\\n\\\"q\\\"\",bad=\"a\xef\xbf\xbd" "b\"} 1\n");
	free(out);
	metric_set_free(ms);
}

static void test_values(void **state)
{
	(void)state;
	char buf[64];
	metric_format_value(INFINITY, buf, sizeof(buf));
	assert_string_equal(buf, "+Inf");
	metric_format_value(-INFINITY, buf, sizeof(buf));
	assert_string_equal(buf, "-Inf");
	metric_format_value(NAN, buf, sizeof(buf));
	assert_string_equal(buf, "NaN");
	metric_format_value(-0.0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	metric_format_value(1795362600, buf, sizeof(buf));
	assert_string_equal(buf, "1795362600");
	metric_format_value(0.1, buf, sizeof(buf));
	assert_string_equal(buf, "0.1");
	metric_format_value(1e300, buf, sizeof(buf));
	assert_float_equal(strtod(buf, NULL), 1e300, 0);
	metric_format_value(1.0 / 3, buf, sizeof(buf));
	assert_true(strtod(buf, NULL) == 1.0 / 3);
	metric_format_value(18446744073709551615.0, buf, sizeof(buf));
	assert_true(strtod(buf, NULL) == 18446744073709551615.0);
}

static void test_histogram(void **state)
{
	(void)state;
	struct metric_set *ms = metric_set_new();
	struct metric_family *f = metric_family(ms, "run_duration_seconds", METRIC_HISTOGRAM, "Run time.");
	const double b[] = { 0.5, 1, 5 };
	const uint64_t c[] = { 1, 3, 4 };
	const struct metric_label l[] = { { "playbook", "p" } };
	metric_add_histogram(f, b, c, 3, 5, 12.5, l, 1);
	char *out = test_render(ms);
	assert_string_equal(out,
		"# HELP run_duration_seconds Run time.\n# TYPE run_duration_seconds histogram\n"
		"run_duration_seconds_bucket{playbook=\"p\",le=\"0.5\"} 1\n"
		"run_duration_seconds_bucket{playbook=\"p\",le=\"1\"} 3\n"
		"run_duration_seconds_bucket{playbook=\"p\",le=\"5\"} 4\n"
		"run_duration_seconds_bucket{playbook=\"p\",le=\"+Inf\"} 5\n"
		"run_duration_seconds_sum{playbook=\"p\"} 12.5\n"
		"run_duration_seconds_count{playbook=\"p\"} 5\n");
	free(out);
	metric_set_free(ms);
}

static void test_invalid_names_and_duplicates(void **state)
{
	(void)state;
	assert_false(metric_name_valid("1abc"));
	assert_false(metric_name_valid("a-b"));
	assert_true(metric_name_valid("a:b_c1"));
	assert_false(metric_label_name_valid("__reserved"));
	assert_false(metric_label_name_valid("a:b"));
	struct metric_set *ms = metric_set_new();
	assert_null(metric_family(ms, "bad-name", METRIC_GAUGE, ""));
	metric_add(NULL, 1, NULL);   /* no-op */
	metric_gauge(ms, "g", "G.", 1, "bad-label", "v", NULL);
	metric_gauge(ms, "g", "G.", 1, "a", "x", NULL);
	metric_gauge(ms, "g", "G.", 2, "a", "x", NULL);   /* duplicate: first wins */
	assert_null(metric_family(ms, "g", METRIC_COUNTER, ""));   /* type clash */
	char *out = test_render(ms);
	assert_string_equal(out, "# HELP g G.\n# TYPE g gauge\ng{a=\"x\"} 1\n");
	free(out);
	metric_set_free(ms);
}

static void test_many_families(void **state)
{
	(void)state;
	struct metric_set *ms = metric_set_new();
	char name[32];
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "m_%03d", 499 - i);
		metric_gauge(ms, name, "", i, NULL);
		metric_gauge(ms, name, "", i, "x", "y", NULL);   /* lookup of an existing family */
	}
	char *out = test_render(ms);
	assert_non_null(strstr(out, "m_000 499\n"));
	assert_true(strstr(out, "m_000") < strstr(out, "m_499"));
	free(out);
	metric_set_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted_and_typed),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_invalid_names_and_duplicates),
		cmocka_unit_test(test_many_families),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
