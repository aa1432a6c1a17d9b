/* test_subprocess.c: argv without shell, env, stdin, capture bounds, timeout kills the group, exec errors */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/subprocess.h"

static void test_argv_is_not_a_shell(void **state)
{
	(void)state;
	struct subprocess sp;
	subprocess_init(&sp);
	const char *argv[] = { "printf", "%s|", "$(id)", "a;b", "`x`", NULL };
	sp.argv = argv;
	assert_int_equal(subprocess_run(&sp), 0);
	assert_true(sp.exited);
	assert_int_equal(sp.exit_code, 0);
	assert_string_equal(strbuf_cstr(&sp.out), "$(id)|a;b|`x`|");
	subprocess_release(&sp);
}

static void test_env_stdin_cwd(void **state)
{
	(void)state;
	struct subprocess sp;
	subprocess_init(&sp);
	const char *argv[] = { "/bin/sh", "-c", "cat; printf '%s:%s' \"$FOO\" \"$(pwd)\"; echo err >&2; exit 3", NULL };
	const char *env[] = { "FOO=bar baz\nqux", "PATH=/usr/bin:/bin", NULL };
	sp.argv = argv;
	sp.env = env;
	sp.cwd = "/tmp";
	sp.stdin_data = "input-data\n";
	sp.stdin_len = strlen("input-data\n");
	assert_int_equal(subprocess_run(&sp), 0);
	assert_int_equal(sp.exit_code, 3);
	assert_string_equal(strbuf_cstr(&sp.out), "input-data\nbar baz\nqux:/tmp");
	assert_string_equal(strbuf_cstr(&sp.err), "err\n");
	char buf[64];
	assert_string_equal(subprocess_describe(&sp, buf, sizeof(buf)), "exit 3");
	subprocess_release(&sp);
}

static void test_large_stdin_and_output_bound(void **state)
{
	(void)state;
	struct subprocess sp;
	subprocess_init(&sp);
	size_t n = 4 << 20;
	char *data = malloc(n);
	memset(data, 'x', n);
	const char *argv[] = { "cat", NULL };
	sp.argv = argv;
	sp.stdin_data = data;
	sp.stdin_len = n;
	sp.max_output = 1000;
	assert_int_equal(subprocess_run(&sp), 0);
	assert_int_equal(sp.exit_code, 0);
	assert_int_equal(sp.out.len, 1000);
	assert_true(sp.out_truncated);
	free(data);
	subprocess_release(&sp);
}

static void test_keep_tail(void **state)
{
	(void)state;
	struct subprocess sp;
	subprocess_init(&sp);
	const char *argv[] = { "/bin/sh", "-c", "i=0; while [ $i -lt 5000 ]; do echo line$i; i=$((i+1)); done; echo last >&2", NULL };
	sp.argv = argv;
	sp.max_output = 100;
	sp.keep_tail = true;
	assert_int_equal(subprocess_run(&sp), 0);
	assert_int_equal(sp.out.len, 100);
	assert_true(sp.out_truncated);
	assert_non_null(strstr(sp.out.buf, "line4999\n"));
	assert_int_equal(sp.out.buf[sp.out.len - 1], '\n');
	assert_false(sp.err_truncated);
	assert_string_equal(strbuf_cstr(&sp.err), "last\n");
	subprocess_release(&sp);
}

static void test_timeout_kills_group(void **state)
{
	(void)state;
	struct subprocess sp;
	char pidfile[] = "/tmp/homeops-sp-XXXXXX";
	int fd = mkstemp(pidfile);
	assert_true(fd >= 0);
	close(fd);
	subprocess_init(&sp);
	char script[256];
	/* The leader ignores SIGTERM; a grandchild sleeps holding stdout. Both must die. */
	snprintf(script, sizeof(script), "trap '' TERM; sleep 60 & echo $! > %s; wait", pidfile);
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	sp.argv = argv;
	sp.timeout = 0.5;
	sp.kill_grace = 0.3;
	assert_int_equal(subprocess_run(&sp), 0);
	assert_true(sp.timed_out);
	assert_true(sp.signaled);
	assert_int_equal(sp.term_signal, SIGKILL);
	assert_true(sp.duration < 5);
	FILE *f = fopen(pidfile, "r");
	int gc = 0;
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &gc), 1);
	fclose(f);
	unlink(pidfile);
	usleep(100000);
	/* The grandchild is gone, or a zombie waiting for init (pid 1 here may not reap). */
	char statpath[64], st[512] = "";
	snprintf(statpath, sizeof(statpath), "/proc/%d/stat", gc);
	f = fopen(statpath, "r");
	if (f) {
		if (!fgets(st, sizeof(st), f))
			st[0] = '\0';
		fclose(f);
		char *paren = strrchr(st, ')');
		assert_non_null(paren);
		assert_int_equal(paren[2], 'Z');
	}
	subprocess_release(&sp);
}

static void test_daemonised_grandchild_does_not_hang(void **state)
{
	(void)state;
	struct subprocess sp;
	subprocess_init(&sp);
	const char *argv[] = { "/bin/sh", "-c", "sleep 60 & echo started", NULL };
	sp.argv = argv;
	sp.timeout = 30;
	assert_int_equal(subprocess_run(&sp), 0);
	assert_int_equal(sp.exit_code, 0);
	assert_false(sp.timed_out);
	assert_true(sp.duration < 10);
	assert_string_equal(strbuf_cstr(&sp.out), "started\n");
	subprocess_release(&sp);
}

static void test_exec_failure(void **state)
{
	(void)state;
	struct subprocess sp;
	subprocess_init(&sp);
	const char *argv[] = { "/nonexistent/homeops-binary", NULL };
	sp.argv = argv;
	assert_int_equal(subprocess_run(&sp), 0);
	assert_int_equal(sp.spawn_errno, ENOENT);
	assert_int_equal(sp.exit_code, 127);
	char buf[128];
	assert_non_null(strstr(subprocess_describe(&sp, buf, sizeof(buf)), "exec:"));
	subprocess_release(&sp);
}

static void test_cancel(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	struct subprocess sp;
	subprocess_init(&sp);
	const char *argv[] = { "sleep", "30", NULL };
	sp.argv = argv;
	sp.cancel_fd = p[0];
	assert_int_equal(subprocess_run(&sp), 0);
	assert_true(sp.cancelled);
	assert_true(sp.duration < 10);
	close(p[0]);
	close(p[1]);
	subprocess_release(&sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_is_not_a_shell),
		cmocka_unit_test(test_env_stdin_cwd),
		cmocka_unit_test(test_large_stdin_and_output_bound),
		cmocka_unit_test(test_keep_tail),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_daemonised_grandchild_does_not_hang),
		cmocka_unit_test(test_exec_failure),
		cmocka_unit_test(test_cancel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
