/* test_collect.c: the collector with a stand-in reader: sleeping disks, hung disks, failures, hotplug */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/clock.h"
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/smart/collect.h"
#include "tests/lib/testlib.h"

/* The stand-in reader. Its behaviour is chosen by the disk name:
 *   ok*      always reads (temperature 27 C)
 *   sleepy   reads once, then reports standby
 *   asleep   always in standby (asleep since start)
 *   flaky    reads once, then fails with "read"
 *   hang     blocks until the test releases it, then reads */
static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fake_cond = PTHREAD_COND_INITIALIZER;
static bool fake_release;
static int fake_calls[8];
static int fake_finished;

static int fake_slot(const char *name)
{
	static const char *const names[] = { "ok-a", "ok-b", "sleepy", "asleep", "flaky", "hang" };
	for (int i = 0; i < 6; i++)
		if (!strcmp(name, names[i]))
			return i;
	return 7;
}

static void fake_read(const struct smart_target *t, const struct smart_read_opts *o, struct smart_read_result *res)
{
	int slot = fake_slot(t->name);
	int call;
	(void)o;

	pthread_mutex_lock(&fake_lock);
	call = ++fake_calls[slot];
	if (!strcmp(t->name, "hang"))
		while (!fake_release)
			pthread_cond_wait(&fake_cond, &fake_lock);
	pthread_mutex_unlock(&fake_lock);

	memset(res, 0, sizeof(*res));
	res->reading.type = SMART_TYPE_ATA;
	snprintf(res->reading.model, sizeof(res->reading.model), "Model %s", t->name);
	snprintf(res->reading.serial, sizeof(res->reading.serial), "SN-%s", t->name);
	snprintf(res->reading.firmware, sizeof(res->reading.firmware), "FW1");
	res->reading.ata.temperature_valid = true;
	res->reading.ata.temperature_mkelvin = 300150;
	res->status = SMART_READ_OK;
	if ((!strcmp(t->name, "sleepy") && call > 1) || !strcmp(t->name, "asleep"))
		res->status = SMART_READ_SLEEPING;
	if (!strcmp(t->name, "flaky") && call > 1) {
		res->status = SMART_READ_FAILED;
		res->reason = "read";
	}
	pthread_mutex_lock(&fake_lock);
	fake_finished++;
	pthread_mutex_unlock(&fake_lock);
}

static int fake_get(int *v)
{
	int r;
	pthread_mutex_lock(&fake_lock);
	r = *v;
	pthread_mutex_unlock(&fake_lock);
	return r;
}

static void fake_reset(void)
{
	pthread_mutex_lock(&fake_lock);
	memset(fake_calls, 0, sizeof(fake_calls));
	fake_finished = 0;
	fake_release = false;
	pthread_mutex_unlock(&fake_lock);
}

static void fake_let_go(void)
{
	pthread_mutex_lock(&fake_lock);
	fake_release = true;
	pthread_cond_broadcast(&fake_cond);
	pthread_mutex_unlock(&fake_lock);
}

static struct smart_target *targets_of(const char *const *names, size_t n)
{
	struct smart_target *t = calloc(n, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		t[i].name = strdup(names[i]);
		t[i].path = strdup("/dev/null");
		t[i].kind = SMART_TARGET_DEVICE;
		t[i].type = SMART_TYPE_ATA;
		if (!strcmp(names[i], "asleep")) {
			snprintf(t[i].model, sizeof(t[i].model), "Udev Model");
			snprintf(t[i].serial, sizeof(t[i].serial), "UDEVSERIAL");
			snprintf(t[i].firmware, sizeof(t[i].firmware), "UFW");
		}
	}
	return t;
}

static char *run_round(struct smart_collector *c, const char *const *names, size_t n, double *took)
{
	struct smart_target *t = targets_of(names, n);
	struct metric_set *ms = metric_set_new();
	double t0 = clock_mono();

	smart_collector_run(c, t, n, ms);
	if (took)
		*took = clock_mono() - t0;
	char *out = test_render_free(ms);
	smart_targets_free(t, n);
	return out;
}

static bool has(const char *text, const char *needle)
{
	return strstr(text, needle) != NULL;
}

static struct smart_collector *new_collector(double interval, double timeout)
{
	struct smart_collector_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.interval = interval;
	cfg.timeout = timeout;
	cfg.read_fn = fake_read;
	return smart_collector_new(&cfg);
}

static double series_value(const char *text, const char *series)
{
	const char *p = strstr(text, series);
	assert_non_null(p);
	return strtod(p + strlen(series), NULL);
}

static void test_sleeping_keeps_last_values(void **state)
{
	static const char *const names[] = { "ok-a", "sleepy", "asleep" };
	struct smart_collector *c;
	char *r1, *r2;
	double ts1, ts2;
	(void)state;

	fake_reset();
	c = new_collector(0, 5);
	r1 = run_round(c, names, 3, NULL);
	assert_true(has(r1, "smart_device_sleeping{device=\"sleepy\"} 0\n"));
	assert_true(has(r1, "smart_device_temperature_celsius{device=\"sleepy\"} 27\n"));
	/* asleep since start: identity from udev, sleeping, no values and no read time */
	assert_true(has(r1, "smart_device_info{device=\"asleep\",type=\"ata\",model=\"Udev Model\",serial=\"UDEVSERIAL\",firmware=\"UFW\"} 1\n"));
	assert_true(has(r1, "smart_device_sleeping{device=\"asleep\"} 1\n"));
	assert_true(has(r1, "smart_device_up{device=\"asleep\"} 1\n"));
	assert_false(has(r1, "smart_device_temperature_celsius{device=\"asleep\"}"));
	assert_false(has(r1, "smart_device_last_read_timestamp_seconds{device=\"asleep\"}"));
	ts1 = series_value(r1, "smart_device_last_read_timestamp_seconds{device=\"sleepy\"} ");

	usleep(20000);
	r2 = run_round(c, names, 3, NULL);
	/* now in standby: last-known values stay, marked sleeping, with the old read time */
	assert_true(has(r2, "smart_device_sleeping{device=\"sleepy\"} 1\n"));
	assert_true(has(r2, "smart_device_up{device=\"sleepy\"} 1\n"));
	assert_true(has(r2, "smart_device_temperature_celsius{device=\"sleepy\"} 27\n"));
	assert_true(has(r2, "smart_device_info{device=\"sleepy\",type=\"ata\",model=\"Model sleepy\",serial=\"SN-sleepy\",firmware=\"FW1\"} 1\n"));
	ts2 = series_value(r2, "smart_device_last_read_timestamp_seconds{device=\"sleepy\"} ");
	assert_true(ts1 == ts2);
	assert_true(series_value(r2, "smart_device_last_read_timestamp_seconds{device=\"ok-a\"} ") > ts1);
	assert_int_equal(fake_get(&fake_calls[fake_slot("sleepy")]), 2);
	free(r1);
	free(r2);
	smart_collector_free(c);
}

static void test_hung_disk_blocks_nothing(void **state)
{
	static const char *const names[] = { "ok-a", "hang", "ok-b" };
	struct smart_collector *c;
	char *r;
	double took;
	(void)state;

	fake_reset();
	c = new_collector(0, 0.3);
	r = run_round(c, names, 3, &took);
	assert_true(took < 2.0);
	assert_true(has(r, "smart_device_up{device=\"hang\"} 0\n"));
	assert_true(has(r, "smart_device_read_error{device=\"hang\",reason=\"timeout\"} 1\n"));
	assert_true(has(r, "smart_device_up{device=\"ok-a\"} 1\n"));
	assert_true(has(r, "smart_device_up{device=\"ok-b\"} 1\n"));
	assert_true(has(r, "smart_device_temperature_celsius{device=\"ok-b\"} 27\n"));
	free(r);

	/* the next round does not start a second read on the stuck disk, nor wait for it */
	r = run_round(c, names, 3, &took);
	assert_true(took < 0.25);
	assert_true(has(r, "smart_device_read_error{device=\"hang\",reason=\"stuck\"} 1\n"));
	assert_true(has(r, "smart_device_up{device=\"ok-a\"} 1\n"));
	assert_int_equal(fake_get(&fake_calls[fake_slot("hang")]), 1);
	assert_int_equal(fake_get(&fake_calls[fake_slot("ok-a")]), 2);
	assert_int_equal(smart_collector_in_flight(c), 1);
	free(r);

	/* once the stuck read returns, the disk is read again and is fine */
	fake_let_go();
	for (int i = 0; i < 500 && smart_collector_in_flight(c) > 0; i++)
		usleep(10000);
	assert_int_equal(smart_collector_in_flight(c), 0);
	r = run_round(c, names, 3, NULL);
	assert_true(has(r, "smart_device_up{device=\"hang\"} 1\n"));
	assert_false(has(r, "smart_device_read_error{device=\"hang\""));
	assert_int_equal(fake_get(&fake_calls[fake_slot("hang")]), 2);
	free(r);
	smart_collector_free(c);
}

static void test_failed_read_drops_values(void **state)
{
	static const char *const names[] = { "flaky" };
	struct smart_collector *c;
	char *r;
	(void)state;

	fake_reset();
	c = new_collector(0, 5);
	r = run_round(c, names, 1, NULL);
	assert_true(has(r, "smart_device_temperature_celsius{device=\"flaky\"} 27\n"));
	free(r);
	r = run_round(c, names, 1, NULL);
	assert_true(has(r, "smart_device_up{device=\"flaky\"} 0\n"));
	assert_true(has(r, "smart_device_read_error{device=\"flaky\",reason=\"read\"} 1\n"));
	assert_true(has(r, "smart_device_info{device=\"flaky\",type=\"ata\",model=\"Model flaky\""));
	assert_true(has(r, "smart_device_last_read_timestamp_seconds{device=\"flaky\"}"));
	/* not served stale (DESIGN.md): values vanish while the disk fails */
	assert_false(has(r, "smart_device_temperature_celsius{device=\"flaky\"}"));
	free(r);
	smart_collector_free(c);
}

static void test_hotplug_and_interval(void **state)
{
	static const char *const first[] = { "ok-a" };
	static const char *const second[] = { "ok-a", "ok-b" };
	static const char *const third[] = { "ok-b" };
	struct smart_collector *c;
	char *r;
	(void)state;

	fake_reset();
	c = new_collector(3600, 5);
	r = run_round(c, first, 1, NULL);
	free(r);
	/* a hotplug-triggered round reads only the new disk; ok-a was read moments ago */
	smart_collector_note_hotplug(c);
	r = run_round(c, second, 2, NULL);
	assert_true(has(r, "smart_device_up{device=\"ok-a\"} 1\n"));
	assert_true(has(r, "smart_device_temperature_celsius{device=\"ok-a\"} 27\n"));
	assert_true(has(r, "smart_device_up{device=\"ok-b\"} 1\n"));
	assert_int_equal(fake_get(&fake_calls[fake_slot("ok-a")]), 1);
	assert_int_equal(fake_get(&fake_calls[fake_slot("ok-b")]), 1);
	free(r);
	/* an interval (or SIGHUP) round reads every disk again */
	r = run_round(c, second, 2, NULL);
	assert_int_equal(fake_get(&fake_calls[fake_slot("ok-a")]), 2);
	assert_int_equal(fake_get(&fake_calls[fake_slot("ok-b")]), 2);
	free(r);
	/* a removed disk disappears */
	smart_collector_note_hotplug(c);
	r = run_round(c, third, 1, NULL);
	assert_false(has(r, "device=\"ok-a\""));
	assert_true(has(r, "smart_device_up{device=\"ok-b\"} 1\n"));
	assert_int_equal(fake_get(&fake_calls[fake_slot("ok-b")]), 2);
	free(r);
	smart_collector_free(c);
}

static void test_free_with_read_in_flight(void **state)
{
	static const char *const names[] = { "hang" };
	struct smart_collector *c;
	char *r;
	double t0;
	(void)state;

	fake_reset();
	c = new_collector(0, 0.05);
	r = run_round(c, names, 1, NULL);
	free(r);
	t0 = clock_mono();
	smart_collector_free(c);   /* must not wait for the stuck read */
	assert_true(clock_mono() - t0 < 0.5);
	fake_let_go();
	/* the worker frees what is left when it returns (LeakSanitizer checks at exit) */
	for (int i = 0; i < 500 && fake_get(&fake_finished) < 1; i++)
		usleep(10000);
	assert_int_equal(fake_get(&fake_finished), 1);
	usleep(50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sleeping_keeps_last_values),
		cmocka_unit_test(test_hung_disk_blocks_nothing),
		cmocka_unit_test(test_failed_read_drops_values),
		cmocka_unit_test(test_hotplug_and_interval),
		cmocka_unit_test(test_free_with_read_in_flight),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
