/* test_flags.c: flag forms, defaults, repeatable flags, errors naming the flag */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "common/flags.h"

struct opts {
	struct common_flags cf;
	char *path;
	double interval;
	bool smart;
	long n;
	uint64_t size;
	char *mode;
};

static const char *const modes[] = { "never", "always", NULL };

static struct flagset *setup(struct opts *o)
{
	struct flagset *fs = flagset_new("test_exporter", "Test.");
	memset(o, 0, sizeof(*o));
	common_flags_register(fs, &o->cf, ":9999");
	flag_string(fs, "x.path", &o->path, "snapraid", "Path.");
	flag_duration(fs, "x.interval", &o->interval, "5m", "Interval.");
	flag_bool(fs, "x.smart", &o->smart, false, "Smart.");
	flag_int(fs, "x.n", &o->n, 4, 1, 64, "N.");
	flag_size(fs, "x.size", &o->size, "1MiB", "Size.");
	flag_enum(fs, "x.mode", &o->mode, "never", modes, "Mode.");
	return fs;
}

static int parse(struct flagset *fs, int argc, const char **argv)
{
	return flagset_parse(fs, argc, (char **)argv);
}

static void test_defaults(void **state)
{
	(void)state;
	struct opts o;
	struct flagset *fs = setup(&o);
	const char *argv[] = { "prog" };
	assert_int_equal(parse(fs, 1, argv), 0);
	assert_string_equal(o.path, "snapraid");
	assert_float_equal(o.interval, 300, 0);
	assert_false(o.smart);
	assert_int_equal(o.n, 4);
	assert_int_equal(o.size, 1048576);
	assert_int_equal(o.cf.listen.n, 1);
	assert_string_equal(o.cf.listen.items[0], ":9999");
	assert_string_equal(o.cf.telemetry_path, "/metrics");
	assert_string_equal(o.cf.log_level, "info");
	assert_false(o.cf.once);
	strlist_clear(&o.cf.listen);
	flagset_free(fs);
}

static void test_forms(void **state)
{
	(void)state;
	struct opts o;
	struct flagset *fs = setup(&o);
	const char *argv[] = { "prog", "--x.path=/usr/bin/snapraid", "--x.interval", "30s", "--x.smart",
			       "--web.listen-address=127.0.0.1:1", "--web.listen-address", "[::1]:2",
			       "--x.n=64", "--x.mode", "always", "--log.level=debug", "--no-once" };
	assert_int_equal(parse(fs, 13, argv), 0);
	assert_string_equal(o.path, "/usr/bin/snapraid");
	assert_float_equal(o.interval, 30, 0);
	assert_true(o.smart);
	assert_int_equal(o.cf.listen.n, 2);
	assert_string_equal(o.cf.listen.items[1], "[::1]:2");
	assert_int_equal(o.n, 64);
	assert_string_equal(o.mode, "always");
	assert_true(flagset_is_set(fs, "x.smart"));
	assert_false(flagset_is_set(fs, "x.size"));
	strlist_clear(&o.cf.listen);
	flagset_free(fs);
}

static void test_errors(void **state)
{
	(void)state;
	const char *cases[][2] = {
		{ "--nope", NULL }, { "--x.interval=5", NULL }, { "--x.n=65", NULL }, { "--x.n=abc", NULL },
		{ "--x.mode=sometimes", NULL }, { "--x.smart=maybe", NULL }, { "stray", NULL },
		{ "--x.path", NULL }, { "--x.size=1QB", NULL }, { "--log.format=xml", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct opts o;
		struct flagset *fs = setup(&o);
		const char *argv[] = { "prog", cases[i][0] };
		assert_int_equal(parse(fs, 2, argv), -1);
		strlist_clear(&o.cf.listen);
		flagset_free(fs);
	}
}

static void test_help_version(void **state)
{
	(void)state;
	struct opts o;
	struct flagset *fs = setup(&o);
	const char *argv[] = { "prog", "--version" };
	FILE *saved = stdout;
	stdout = fopen("/dev/null", "w");
	assert_int_equal(parse(fs, 2, argv), 1);
	const char *argv2[] = { "prog", "--help" };
	assert_int_equal(parse(fs, 2, argv2), 1);
	fclose(stdout);
	stdout = saved;
	strlist_clear(&o.cf.listen);
	flagset_free(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
