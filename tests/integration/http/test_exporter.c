/* test_exporter.c: a minimal exporter on common/exporter.h, to test the shared HTTP and collection layer */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/clock.h"
#include "common/exporter.h"
#include "common/flags.h"
#include "common/metrics.h"

struct test_exporter {
	double delay;
	bool fail;
	long series;
	long collections;
	char *fail_file;
};

static void test_register(struct flagset *fs, void *arg)
{
	struct test_exporter *t = arg;
	flag_duration(fs, "test.delay", &t->delay, "0", "How long each collection takes (to test that scrapes never wait).");
	flag_bool(fs, "test.fail", &t->fail, false, "Make every collection fail with reason 'injected'.");
	flag_string(fs, "test.fail-file", &t->fail_file, "", "Fail while this file exists.");
	flag_int(fs, "test.series", &t->series, 10, 0, 1000000, "Number of test_series_value series (body size).");
}

static int test_collect(void *arg, struct metric_set *ms, struct collect_report *rep)
{
	struct test_exporter *t = arg;
	char name[32];
	clock_sleep(t->delay);
	t->collections++;
	metric_counter(ms, "test_collections_total", "Collections run by this process.", (double)t->collections, NULL);
	metric_gauge(ms, "test_escaping", "Label values with \\ backslash, \"quotes\" and\nnewlines.", 1,
		     "path", "C:\\temp\n\"x\"", "utf8", "caf\xc3\xa9 \xf0\x9f\x92\xbe", NULL);
	struct metric_family *f = metric_family(ms, "test_series_value", METRIC_GAUGE, "Synthetic series.");
	for (long i = 0; i < t->series; i++) {
		snprintf(name, sizeof(name), "disk%06ld", i);
		metric_add(f, (double)i * 1.5, "device", name, "kind", i % 2 ? "odd" : "even", NULL);
	}
	bool fail = t->fail;
	if (*t->fail_file) {
		FILE *ff = fopen(t->fail_file, "r");
		if (ff) {
			fail = true;
			fclose(ff);
		}
	}
	if (fail) {
		collect_report_fail(rep, "injected");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const reasons[] = { "injected", NULL };
	struct test_exporter t;
	memset(&t, 0, sizeof(t));
	struct exporter e = {
		.name = "test_exporter",
		.prefix = "test",
		.summary = "Exercises the homeops common library.",
		.default_listen = "127.0.0.1:0",
		.error_reasons = reasons,
		.arg = &t,
		.register_flags = test_register,
		.collect = test_collect,
		.default_interval = 1,
	};
	return exporter_main(&e, argc, argv);
}
