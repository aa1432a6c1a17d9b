/* test_procmetrics.c: /proc/PID/stat and limits parsing, and the live process_* set */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/metrics.h"
#include "common/procmetrics.h"

static void test_parse_stat(void **state)
{
	(void)state;
	/* comm with spaces and ')' as a process may name itself */
	const char stat[] = "4242 (evil) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 "
			    "123456 10485760 512 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
	struct proc_stat st;
	assert_int_equal(procmetrics_parse_stat(stat, strlen(stat), 100, &st), 0);
	assert_float_equal(st.utime_seconds, 2.5, 1e-9);
	assert_float_equal(st.stime_seconds, 0.5, 1e-9);
	assert_float_equal(st.start_time_seconds, 1234.56, 1e-6);
	assert_int_equal(st.vsize_bytes, 10485760);
	assert_int_equal(st.rss_pages, 512);
	assert_int_equal(procmetrics_parse_stat("4242 (x) S 1 2", 14, 100, &st), -1);
	assert_int_equal(procmetrics_parse_stat("garbage", 7, 100, &st), -1);
	for (size_t n = 0; n < sizeof(stat) - 30; n++)
		(void)procmetrics_parse_stat(stat, n, 100, &st);   /* every prefix: no crash */
}

static void test_parse_limits(void **state)
{
	(void)state;
	const char limits[] = "Limit                     Soft Limit           Hard Limit           Units\n"
			      "Max open files            1024                 1048576              files\n";
	uint64_t v;
	assert_int_equal(procmetrics_parse_max_fds(limits, strlen(limits), &v), 0);
	assert_int_equal(v, 1024);
	const char unl[] = "Max open files            unlimited            unlimited            files\n";
	assert_int_equal(procmetrics_parse_max_fds(unl, strlen(unl), &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(procmetrics_parse_max_fds("nothing", 7, &v), -1);
}

static void test_live(void **state)
{
	(void)state;
	struct metric_set *ms = metric_set_new();
	struct strbuf sb = STRBUF_INIT;
	procmetrics_collect(ms, "/proc");
	metric_set_render(ms, &sb);
	const char *names[] = { "process_cpu_seconds_total ", "process_resident_memory_bytes ",
				"process_virtual_memory_bytes ", "process_start_time_seconds ",
				"process_open_fds ", "process_max_fds " };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strstr(sb.buf, names[i]))
			fail_msg("missing %s in:\n%s", names[i], sb.buf);
	strbuf_release(&sb);
	metric_set_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
