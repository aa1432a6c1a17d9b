/* test_fileutil.c: bounded reads, /proc reads, atomic writes, secret files */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "tests/lib/testlib.h"
#include "common/fileutil.h"

static void test_read_bounds(void **state)
{
	(void)state;
	char dir[] = "/tmp/homeops-fu-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(file_write_atomic(path, "hello\n", 6, 0600), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(file_read(path, &sb, 0), 0);
	assert_string_equal(sb.buf, "hello\n");
	strbuf_reset(&sb);
	assert_int_equal(file_read(path, &sb, 3), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(sb.len, 0);
	assert_int_equal(file_read_secret(path, &sb), 0);
	assert_string_equal(sb.buf, "hello");
	strbuf_reset(&sb);
	assert_int_equal(file_read("/proc/self/status", &sb, 0), 0);
	assert_non_null(strstr(sb.buf, "Name:"));
	strbuf_reset(&sb);
	assert_int_equal(file_read("/nonexistent", &sb, 0), -1);
	assert_int_equal(errno, ENOENT);
	strbuf_release(&sb);
	snprintf(path, sizeof(path), "%s/missing-dir/f", dir);
	assert_int_equal(file_write_atomic(path, "x", 1, 0644), -1);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

static int open_fds(void)
{
	return test_dir_entries("/proc/self/fd");
}

/*
 * When fsync fails, the temporary file's descriptor must still be closed. A FIFO where the
 * temporary file goes makes it fail for real: open and write work (a reader holds it open),
 * fsync says EINVAL.
 */
static void test_write_atomic_fsync_failure_closes(void **state)
{
	(void)state;
	char dir[] = "/tmp/homeops-fu-XXXXXX";
	char path[256], tmp[300];
	int reader, before;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	assert_int_equal(mkfifo(tmp, 0600), 0);
	reader = open(tmp, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(reader >= 0);
	before = open_fds();
	assert_int_equal(file_write_atomic(path, "x", 1, 0600), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(open_fds(), before);
	assert_int_equal(access(path, F_OK), -1);   /* nothing renamed into place */
	close(reader);
	unlink(tmp);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_bounds),
		cmocka_unit_test(test_write_atomic_fsync_failure_closes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
