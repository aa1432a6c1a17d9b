/* test_deadline.c: deadline workers with a call that really blocks (open of a FIFO): bounded threads, no second call, recovery */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "tests/lib/testlib.h"
#include "common/clock.h"
#include "common/deadline.h"

/* An item is a path: "-" returns at once, anything else is a FIFO opened for reading, which
 * blocks in the kernel until a writer opens it. */
struct item {
	char *path;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int items_freed;
static int returned_late;

static void *call_open(const char *key, void *it, void *arg)
{
	struct item *item = it;
	int *res = malloc(sizeof(*res));
	(void)key;
	(void)arg;
	*res = 0;
	if (strcmp(item->path, "-") != 0) {
		int fd = open(item->path, O_RDONLY | O_CLOEXEC);
		*res = fd >= 0 ? 1 : -errno;
		if (fd >= 0)
			close(fd);
	}
	return res;
}

static void on_returned(const char *key, void *it, const void *result, bool late, void *arg)
{
	(void)key;
	(void)it;
	(void)result;
	(void)arg;
	if (late)
		returned_late++;   /* under the pool's lock */
}

static void item_free(void *it)
{
	struct item *item = it;
	free(item->path);
	free(item);
	pthread_mutex_lock(&lock);
	items_freed++;
	pthread_mutex_unlock(&lock);
}

static struct item *item_new(const char *path)
{
	struct item *it = calloc(1, sizeof(*it));
	it->path = strdup(path);
	return it;
}

static struct deadline_pool *pool_new(size_t max_threads)
{
	struct deadline_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.call = call_open;
	cfg.returned = on_returned;
	cfg.item_free = item_free;
	cfg.max_threads = max_threads;
	return deadline_pool_new(&cfg);
}

/* Runs one round over (key, path) pairs; returns the seconds it took. */
static double round_of(struct deadline_pool *p, const char *const *kv, size_t n, double timeout, size_t *missed)
{
	struct deadline_item items[8];
	double t0 = clock_mono();
	for (size_t i = 0; i < n; i++) {
		items[i].key = kv[2 * i];
		items[i].item = item_new(kv[2 * i + 1]);
	}
	size_t m = deadline_pool_run(p, items, n, timeout, NULL, NULL);
	if (missed)
		*missed = m;
	return clock_mono() - t0;
}

struct seen {
	enum deadline_state state[8];
	const char *key[8];
	int result[8];
	size_t n;
};

static void collect_status(const struct deadline_status *st, void *arg)
{
	struct seen *s = arg;
	s->key[s->n] = st->key;
	s->state[s->n] = st->state;
	s->result[s->n] = st->result ? *(const int *)st->result : 99;
	s->n++;
}

static enum deadline_state state_of(struct deadline_pool *p, const char *key, int *result)
{
	struct seen s;
	memset(&s, 0, sizeof(s));
	deadline_pool_foreach(p, collect_status, &s);
	for (size_t i = 0; i < s.n; i++)
		if (!strcmp(s.key[i], key)) {
			if (result)
				*result = s.result[i];
			return s.state[i];
		}
	fail_msg("no item %s", key);
	return DEADLINE_IDLE;
}

static int threads_now(void)
{
	return test_dir_entries("/proc/self/task");
}

static void wait_idle(struct deadline_pool *p)
{
	for (int i = 0; i < 500 && deadline_pool_in_flight(p) > 0; i++)
		usleep(10000);
	assert_int_equal(deadline_pool_in_flight(p), 0);
}

struct fifo {
	char dir[64];
	char path[96];
	int writer;
};

static void fifo_make(struct fifo *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/homeops-deadline-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	f->writer = -1;
}

/* Lets a reader blocked in open() go (a non-blocking writer open succeeds once a reader waits);
 * the writer stays open, so later opens return at once. */
static void fifo_release(struct fifo *f)
{
	for (int i = 0; i < 500 && f->writer < 0; i++) {
		f->writer = open(f->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (f->writer < 0)
			usleep(10000);
	}
	assert_true(f->writer >= 0);
}

static void fifo_remove(struct fifo *f)
{
	if (f->writer >= 0)
		close(f->writer);
	unlink(f->path);
	rmdir(f->dir);
}

static void test_stuck_item_bounded_then_recovers(void **state)
{
	struct fifo f;
	struct deadline_pool *p;
	size_t missed;
	int threads_before = threads_now(), result;
	(void)state;

	fifo_make(&f);
	const char *kv[] = { "ok", "-", "fifo", f.path };
	returned_late = 0;
	p = pool_new(0);

	/* round 1: the FIFO open blocks; the round ends at its deadline, the other item is done */
	double took = round_of(p, kv, 2, 0.3, &missed);
	assert_true(took >= 0.25 && took < 1.5);
	assert_int_equal(missed, 1);
	assert_int_equal(state_of(p, "ok", &result), DEADLINE_DONE);
	assert_int_equal(result, 0);
	assert_int_equal(state_of(p, "fifo", NULL), DEADLINE_TIMEOUT);
	assert_true(deadline_pool_stuck(p, "fifo"));
	assert_false(deadline_pool_stuck(p, "ok"));
	assert_int_equal(deadline_pool_in_flight(p), 1);

	/* rounds 2-6: never a second call while stuck, no waiting, the thread count stays put */
	for (int i = 0; i < 5; i++) {
		took = round_of(p, kv, 2, 0.3, &missed);
		assert_true(took < 0.25);
		assert_int_equal(missed, 0);
		assert_int_equal(state_of(p, "fifo", NULL), DEADLINE_STUCK);
		assert_int_equal(state_of(p, "ok", NULL), DEADLINE_DONE);
	}
	assert_int_equal(deadline_pool_calls(p, "fifo"), 1);
	assert_int_equal(deadline_pool_calls(p, "ok"), 6);
	assert_int_equal(deadline_pool_in_flight(p), 1);
	/* finished workers exit just after returning: give them a moment, then only the stuck one is left */
	for (int i = 0; i < 100 && threads_now() > threads_before + 1; i++)
		usleep(10000);
	assert_int_equal(threads_now(), threads_before + 1);

	/* the blocked open returns: the item is called normally again */
	fifo_release(&f);
	wait_idle(p);
	assert_int_equal(returned_late, 1);
	assert_false(deadline_pool_stuck(p, "fifo"));
	round_of(p, kv, 2, 2.0, &missed);
	assert_int_equal(missed, 0);
	assert_int_equal(state_of(p, "fifo", &result), DEADLINE_DONE);
	assert_int_equal(result, 1);
	assert_int_equal(deadline_pool_calls(p, "fifo"), 2);

	deadline_pool_free(p);
	fifo_remove(&f);
}

static void test_thread_cap_defers(void **state)
{
	struct fifo a, b;
	struct deadline_pool *p;
	size_t missed;
	(void)state;

	fifo_make(&a);
	fifo_make(&b);
	const char *kv[] = { "a", a.path, "b", b.path, "ok", "-" };
	p = pool_new(1);
	round_of(p, kv, 3, 0.2, &missed);
	assert_int_equal(missed, 1);
	assert_int_equal(state_of(p, "a", NULL), DEADLINE_TIMEOUT);
	assert_int_equal(state_of(p, "b", NULL), DEADLINE_DEFERRED);
	assert_int_equal(state_of(p, "ok", NULL), DEADLINE_DEFERRED);
	assert_int_equal(deadline_pool_in_flight(p), 1);
	fifo_release(&a);
	wait_idle(p);
	round_of(p, kv, 3, 0.2, &missed);
	/* a is free now and takes the one thread first; b and ok wait again */
	assert_int_equal(state_of(p, "a", NULL), DEADLINE_DONE);
	assert_int_equal(state_of(p, "b", NULL), DEADLINE_DEFERRED);
	deadline_pool_free(p);
	fifo_remove(&a);
	fifo_remove(&b);
}

static void test_free_and_drop_never_block(void **state)
{
	struct fifo f;
	struct deadline_pool *p;
	const char *only_ok[] = { "ok", "-" };
	double t0;
	(void)state;

	fifo_make(&f);
	const char *kv[] = { "ok", "-", "fifo", f.path };
	p = pool_new(0);
	items_freed = 0;
	round_of(p, kv, 2, 0.1, NULL);
	/* the stuck item leaves the registry; its call still holds it */
	round_of(p, only_ok, 1, 0.1, NULL);
	pthread_mutex_lock(&lock);
	/* the round's passed duplicates (ok twice) were freed at once, the stuck item not yet */
	assert_int_equal(items_freed, 1);
	pthread_mutex_unlock(&lock);
	assert_int_equal(deadline_pool_in_flight(p), 1);
	t0 = clock_mono();
	deadline_pool_free(p);   /* must not wait for the blocked open */
	assert_true(clock_mono() - t0 < 0.5);
	fifo_release(&f);
	/* the worker frees the item and the pool when it returns (LeakSanitizer checks at exit) */
	for (int i = 0; i < 500; i++) {
		pthread_mutex_lock(&lock);
		int n = items_freed;
		pthread_mutex_unlock(&lock);
		if (n == 3)
			break;
		usleep(10000);
	}
	pthread_mutex_lock(&lock);
	assert_int_equal(items_freed, 3);
	pthread_mutex_unlock(&lock);
	usleep(50000);
	fifo_remove(&f);
}

static bool want_none(const struct deadline_status *prev, void *arg)
{
	(void)prev;
	(void)arg;
	return false;
}

static void test_want_and_duplicate_keys(void **state)
{
	struct deadline_pool *p = pool_new(0);
	struct deadline_item items[2];
	(void)state;

	items[0].key = "k";
	items[0].item = item_new("-");
	items[1].key = "k";
	items[1].item = item_new("-");
	assert_int_equal(deadline_pool_run(p, items, 2, 1.0, NULL, NULL), 0);
	assert_int_equal(deadline_pool_calls(p, "k"), 1);
	items[0].key = "k";
	items[0].item = item_new("-");
	assert_int_equal(deadline_pool_run(p, items, 1, 1.0, want_none, NULL), 0);
	assert_int_equal(state_of(p, "k", NULL), DEADLINE_IDLE);
	assert_int_equal(deadline_pool_calls(p, "k"), 1);
	assert_string_equal(deadline_state_name(DEADLINE_TIMEOUT), "timeout");
	assert_string_equal(deadline_state_name(DEADLINE_STUCK), "stuck");
	deadline_pool_free(p);
	deadline_pool_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stuck_item_bounded_then_recovers),
		cmocka_unit_test(test_thread_cap_defers),
		cmocka_unit_test(test_free_and_drop_never_block),
		cmocka_unit_test(test_want_and_duplicate_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
