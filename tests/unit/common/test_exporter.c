/* test_exporter.c: the exporter contract: --<prefix>.interval, --path.procfs, trigger coalescing, pipe cleanup */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/clock.h"
#include "common/exporter.h"
#include "common/metrics.h"
#include "tests/lib/testlib.h"

#define MAX_COLLECTS 64

struct tx {
	const struct exporter_ctx *ctx;
	double interval_seen;
	int inits;
	int releases;
	/* trigger test */
	bool storm;
	pthread_mutex_t lock;
	int ncollects;
	double collect_at[MAX_COLLECTS];
	double last_trigger;
	int storm_ncollects;
};

static struct tx T;

static int tx_init(void *arg, const struct exporter_ctx *ctx)
{
	struct tx *t = arg;
	t->ctx = ctx;
	t->interval_seen = ctx->interval;
	t->inits++;
	assert_true(ctx->cancel_fd >= 0);
	assert_non_null(ctx->stopping);
	assert_false(ctx->stopping(ctx->stop_arg));
	return 0;
}

static void tx_release(void *arg)
{
	struct tx *t = arg;
	t->releases++;
}

static int tx_collect(void *arg, struct metric_set *ms, struct collect_report *rep)
{
	struct tx *t = arg;
	(void)rep;
	pthread_mutex_lock(&t->lock);
	if (t->ncollects < MAX_COLLECTS)
		t->collect_at[t->ncollects] = clock_mono();
	t->ncollects++;
	pthread_mutex_unlock(&t->lock);
	metric_gauge(ms, "tx_value", "A value.", 1, NULL);
	return 0;
}

static int tx_collects(void)
{
	int n;
	pthread_mutex_lock(&T.lock);
	n = T.ncollects;
	pthread_mutex_unlock(&T.lock);
	return n;
}

/* The storm: 1,000 triggers over ~0.3 s once the first collection is done, then shutdown. */
static void *tx_watch(void *arg)
{
	struct tx *t = arg;
	int before;

	if (!t->storm)
		return NULL;
	while (tx_collects() < 1)
		clock_sleep(0.01);
	clock_sleep(0.05);
	before = tx_collects();
	for (int i = 0; i < 1000; i++) {
		exporter_trigger();
		usleep(300);
	}
	pthread_mutex_lock(&t->lock);
	t->last_trigger = clock_mono();
	pthread_mutex_unlock(&t->lock);
	clock_sleep(1.5);
	t->storm_ncollects = tx_collects() - before;
	kill(getpid(), SIGTERM);
	return NULL;
}

static struct exporter tx_exporter(void)
{
	struct exporter e = {
		.name = "tx_exporter",
		.prefix = "tx",
		.summary = "Exporter contract test.",
		.default_listen = "127.0.0.1:0",
		.default_interval = 3600,
		.arg = &T,
		.init = tx_init,
		.collect = tx_collect,
		.release = tx_release,
		.watch = tx_watch,
	};
	return e;
}

static int tx_run(const char *const *args)
{
	char *argv[16];
	int argc = 0;
	struct exporter e = tx_exporter();

	argv[argc++] = (char *)"tx_exporter";
	for (; args && *args && argc < 15; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	return exporter_main(&e, argc, argv);
}

static void tx_reset(void)
{
	pthread_mutex_lock(&T.lock);
	T.ncollects = 0;
	T.storm = false;
	T.storm_ncollects = 0;
	T.inits = T.releases = 0;
	T.interval_seen = 0;
	pthread_mutex_unlock(&T.lock);
}

static char *tx_tmpdir(void)
{
	char tmpl[] = "/tmp/homeops-test-exporter-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

static void test_interval_flag_registered_and_validated(void **state)
{
	static const char *const bad0[] = { "--tx.interval=0", "--once", NULL };
	static const char *const badx[] = { "--tx.interval=soon", "--once", NULL };
	static const char *const good[] = { "--tx.interval=90s", "--once", "--output=/dev/null", NULL };
	static const char *const dflt[] = { "--once", "--output=/dev/null", NULL };
	(void)state;

	tx_reset();
	assert_int_equal(tx_run(bad0), 2);
	assert_int_equal(tx_run(badx), 2);
	assert_int_equal(T.inits, 0);
	assert_int_equal(tx_run(good), 0);
	assert_true(T.interval_seen == 90);
	assert_int_equal(tx_run(dflt), 0);
	assert_true(T.interval_seen == 3600);
	assert_int_equal(T.releases, 2);
}

static void tx_copy(const char *from, const char *to)
{
	size_t len;
	char *buf = test_read_file(from, &len);
	FILE *f;
	assert_non_null(buf);
	f = fopen(to, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

static void test_path_procfs_reaches_process_metrics(void **state)
{
	char *dir = tx_tmpdir();
	char self[512], path[600], out[600], flag[700], oflag[700];
	const char *args[] = { "--once", flag, oflag, NULL };
	char *body;
	size_t len;
	(void)state;

	/* A recorded tree: this process's stat and limits, with the limit rewritten, and no fd dir. */
	snprintf(self, sizeof(self), "%s/self", dir);
	assert_int_equal(mkdir(self, 0755), 0);
	snprintf(path, sizeof(path), "%s/stat", self);
	tx_copy("/proc/self/stat", path);
	snprintf(path, sizeof(path), "%s/limits", self);
	{
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs("Limit                     Soft Limit           Hard Limit           Units     \n"
		      "Max open files            4321                 524288               files     \n", f);
		fclose(f);
	}
	snprintf(flag, sizeof(flag), "--path.procfs=%s", dir);
	snprintf(out, sizeof(out), "%s/out.prom", dir);
	snprintf(oflag, sizeof(oflag), "--output=%s", out);

	tx_reset();
	assert_int_equal(tx_run(args), 0);
	body = test_read_file(out, &len);
	assert_non_null(body);
	assert_non_null(strstr(body, "process_max_fds 4321\n"));
	assert_non_null(strstr(body, "process_cpu_seconds_total "));
	assert_null(strstr(body, "process_open_fds"));
	assert_non_null(strstr(body, "tx_value 1\n"));
	free(body);

	unlink(out);
	unlink(path);
	snprintf(path, sizeof(path), "%s/stat", self);
	unlink(path);
	rmdir(self);
	rmdir(dir);
	free(dir);
}

static bool tx_fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* exporter.c: a failing second pipe2() must not leak the first pipe. */
static void test_second_pipe_failure_leaks_nothing(void **state)
{
	static const char *const args[] = { NULL };
	struct rlimit old, lim;
	int maxfd = -1, fillers[1024], nfill = 0;
	DIR *d;
	struct dirent *de;
	(void)state;

	/* Fill every hole below the highest open descriptor, and allow exactly two more: the
	 * first pipe gets them, the second fails with EMFILE. */
	d = opendir("/proc/self/fd");
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) > maxfd)
			maxfd = atoi(de->d_name);
	closedir(d);
	for (;;) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		if (fd > maxfd) {
			close(fd);
			break;
		}
		assert_true(nfill < 1024);
		fillers[nfill++] = fd;
	}
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)maxfd + 3;

	tx_reset();
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	int rc = tx_run(args);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(rc, 1);
	assert_int_equal(T.inits, 0);
	assert_false(tx_fd_open(maxfd + 1));
	assert_false(tx_fd_open(maxfd + 2));
	for (int i = 0; i < nfill; i++)
		close(fillers[i]);
}

/* exporter_trigger(): 1,000 events are a handful of collections, and the last is collected within a second. */
static void test_trigger_storm_coalesces(void **state)
{
	static const char *const args[] = { NULL };
	sigset_t sigs;
	bool after_last = false;
	(void)state;

	tx_reset();
	T.storm = true;
	/* exporter_main blocks these in its thread; block them here too so that the test's kill()
	 * is taken by its sigwait() whichever thread the kernel picks. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	assert_int_equal(tx_run(args), 0);

	/* 0.3 s of triggers with the default 0.5 s spacing: at most a few collections. */
	assert_true(T.storm_ncollects >= 1);
	assert_true(T.storm_ncollects <= 5);
	for (int i = 0; i < T.ncollects && i < MAX_COLLECTS; i++)
		if (T.collect_at[i] >= T.last_trigger && T.collect_at[i] - T.last_trigger < 1.0)
			after_last = true;
	assert_true(after_last);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_flag_registered_and_validated),
		cmocka_unit_test(test_path_procfs_reaches_process_metrics),
		cmocka_unit_test(test_second_pipe_failure_leaks_nothing),
		cmocka_unit_test(test_trigger_storm_coalesces),
	};
	pthread_mutex_init(&T.lock, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
