/* collect.c: the disk registry and its reads: one worker thread per read, a deadline, stuck-disk memory */
#include "exporters/smart/collect.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "exporters/smart/render.h"

/* Worker stacks: libatasmart needs little (alloca of 516 bytes, regcomp on the heap). */
#define COLLECT_STACK_SIZE (256 * 1024)

struct collect_dev {
	struct smart_target t;        /* immutable after creation */
	int refs;                     /* registry + in-flight worker; under c->lock */
	/* everything below is under c->lock */
	bool busy;                    /* a read is in flight */
	bool timed_out;               /* ... and it missed its round's deadline */
	unsigned long round;          /* round that started the read in flight */
	bool attempted;
	double started;               /* clock_mono() when the last read started */
	bool up, sleeping;
	const char *reason;
	bool has_duration;
	double duration;
	bool has_last;
	double last_read_ts;
	struct smart_reading last;
	const char *logged_reason;    /* failure last logged (collectd's LogOnce, per disk) */
};

struct smart_collector {
	pthread_mutex_t lock;
	pthread_cond_t done;          /* a read finished */
	int refs;                     /* owner + in-flight workers */
	struct smart_collector_config cfg;
	char *save_dir;
	unsigned long round;
	bool hotplug;                 /* the next round was asked for by a hotplug event */
	struct collect_dev **devs;
	size_t ndevs;
	size_t in_flight;
	struct log_once dup_log;      /* two targets with one name: said once (collection thread only) */
};

struct collect_job {
	struct smart_collector *c;
	struct collect_dev *d;
};

static void collect_free_locked_dev(struct collect_dev *d)
{
	smart_target_release(&d->t);
	free(d);
}

static void collect_destroy(struct smart_collector *c)
{
	for (size_t i = 0; i < c->ndevs; i++)
		collect_free_locked_dev(c->devs[i]);
	free(c->devs);
	free(c->save_dir);
	log_once_clear(&c->dup_log);
	pthread_cond_destroy(&c->done);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

struct smart_collector *smart_collector_new(const struct smart_collector_config *cfg)
{
	struct smart_collector *c = xcalloc(1, sizeof(*c));
	pthread_condattr_t ca;

	c->cfg = *cfg;
	if (!c->cfg.read_fn)
		c->cfg.read_fn = smart_device_read;
	c->save_dir = cfg->read.save_dir && *cfg->read.save_dir ? xstrdup(cfg->read.save_dir) : NULL;
	c->cfg.read.save_dir = c->save_dir;
	c->refs = 1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->done, &ca);
	pthread_condattr_destroy(&ca);
	return c;
}

/* Drops one reference on d and on c (both under c->lock); frees what reaches zero. Returns
 * true when the collector itself was freed (the lock is then gone too). */
static bool collect_unref_locked(struct smart_collector *c, struct collect_dev *d)
{
	if (d && --d->refs == 0)
		collect_free_locked_dev(d);
	if (--c->refs == 0) {
		pthread_mutex_unlock(&c->lock);
		collect_destroy(c);
		return true;
	}
	return false;
}

void smart_collector_free(struct smart_collector *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	/* Registry references go now; in-flight workers keep theirs. */
	for (size_t i = 0; i < c->ndevs; i++)
		if (--c->devs[i]->refs == 0)
			collect_free_locked_dev(c->devs[i]);
	free(c->devs);
	c->devs = NULL;
	c->ndevs = 0;
	if (c->in_flight) {
		char count[32];
		snprintf(count, sizeof(count), "%zu", c->in_flight);
		log_info("smart", "reads still in flight at exit", "count", count);
	}
	if (!collect_unref_locked(c, NULL))
		pthread_mutex_unlock(&c->lock);
}

/* Logs a disk's failure once per distinct reason, and its recovery; under c->lock. */
static void collect_log_outcome(struct collect_dev *d)
{
	if (!d->up && (!d->logged_reason || strcmp(d->logged_reason, d->reason) != 0)) {
		log_warn("smart", "disk read failed", "device", d->t.name, "path", d->t.path, "reason", d->reason);
		d->logged_reason = d->reason;
	} else if (d->up && d->logged_reason) {
		log_info("smart", "disk read recovered", "device", d->t.name);
		d->logged_reason = NULL;
	}
	if (d->sleeping)
		log_debug("smart", "disk in standby: not read", "device", d->t.name);
}

static void *collect_worker(void *arg)
{
	struct collect_job *job = arg;
	struct smart_collector *c = job->c;
	struct collect_dev *d = job->d;
	struct smart_read_result *res = xcalloc(1, sizeof(*res));
	double t0 = clock_mono();
	double wall;

	free(job);
	c->cfg.read_fn(&d->t, &c->cfg.read, res);
	wall = clock_real();

	pthread_mutex_lock(&c->lock);
	d->busy = false;
	d->has_duration = true;
	d->duration = clock_mono() - t0;
	switch (res->status) {
	case SMART_READ_OK:
		d->up = true;
		d->sleeping = false;
		d->reason = NULL;
		d->has_last = true;
		d->last_read_ts = wall;
		d->last = res->reading;
		break;
	case SMART_READ_SLEEPING:
		d->up = true;
		d->sleeping = true;
		d->reason = NULL;
		break;
	case SMART_READ_FAILED:
	default:
		d->up = false;
		d->sleeping = false;
		d->reason = res->reason ? res->reason : "read";
		break;
	}
	if (d->timed_out)
		log_info("smart", "stuck read returned", "device", d->t.name,
			 "result", d->up ? "ok" : d->reason);
	d->timed_out = false;
	collect_log_outcome(d);
	c->in_flight--;
	pthread_cond_broadcast(&c->done);
	if (!collect_unref_locked(c, d))
		pthread_mutex_unlock(&c->lock);
	free(res);
	return NULL;
}

static bool collect_same_target(const struct smart_target *a, const struct smart_target *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->path, b->path) == 0 && a->kind == b->kind &&
	       a->type == b->type;
}

static struct collect_dev *collect_dev_new(const struct smart_target *t)
{
	struct collect_dev *d = xcalloc(1, sizeof(*d));

	d->t = *t;
	d->t.name = xstrdup(t->name);
	d->t.path = xstrdup(t->path);
	d->refs = 1;
	return d;
}

/* Makes the registry follow targets; under c->lock. */
static void collect_sync(struct smart_collector *c, const struct smart_target *targets, size_t n)
{
	struct collect_dev **next = xcalloc(n ? n : 1, sizeof(*next));
	size_t nnext = 0;

	for (size_t i = 0; i < n; i++) {
		struct collect_dev *found = NULL;
		bool dup = false;
		for (size_t j = 0; j < nnext; j++)
			if (strcmp(next[j]->t.name, targets[i].name) == 0)
				dup = true;
		if (dup) {
			if (log_once_new(&c->dup_log, targets[i].name))
				log_warn("smart", "two disks with one name: keeping the first", "device", targets[i].name,
					 "path", targets[i].path);
			continue;
		}
		for (size_t j = 0; j < c->ndevs; j++)
			if (c->devs[j] && collect_same_target(&c->devs[j]->t, &targets[i])) {
				found = c->devs[j];
				c->devs[j] = NULL;
				break;
			}
		if (!found)
			found = collect_dev_new(&targets[i]);
		next[nnext++] = found;
	}
	for (size_t j = 0; j < c->ndevs; j++) {
		struct collect_dev *d = c->devs[j];
		if (!d)
			continue;
		log_info("smart", "disk gone", "device", d->t.name);
		if (--d->refs == 0)
			collect_free_locked_dev(d);
	}
	free(c->devs);
	c->devs = next;
	c->ndevs = nnext;
}

/* Starts a detached worker for d; under c->lock. */
static void collect_start(struct smart_collector *c, struct collect_dev *d, double now)
{
	struct collect_job *job = xcalloc(1, sizeof(*job));
	pthread_attr_t attr;
	pthread_t th;
	int rc;

	job->c = c;
	job->d = d;
	d->busy = true;
	d->timed_out = false;
	d->round = c->round;
	d->attempted = true;
	d->started = now;
	d->refs++;
	c->refs++;
	c->in_flight++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, COLLECT_STACK_SIZE);
	rc = pthread_create(&th, &attr, collect_worker, job);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		log_error("smart", "cannot start a read thread", "device", d->t.name, "err", strerror(rc));
		free(job);
		d->busy = false;
		d->up = false;
		d->sleeping = false;
		d->reason = "thread";
		d->refs--;
		c->refs--;
		c->in_flight--;
	}
}

static bool collect_round_pending(const struct smart_collector *c)
{
	for (size_t i = 0; i < c->ndevs; i++)
		if (c->devs[i]->busy && c->devs[i]->round == c->round && !c->devs[i]->timed_out)
			return true;
	return false;
}

static void collect_view(const struct collect_dev *d, struct smart_view *v, struct smart_reading *copy)
{
	memset(v, 0, sizeof(*v));
	v->name = d->t.name;
	v->type = d->has_last ? d->last.type : d->t.type;
	if (d->has_last) {
		*copy = d->last;
		v->reading = copy;
		v->model = copy->model;
		v->serial = copy->serial;
		v->firmware = copy->firmware;
	} else {
		v->model = d->t.model;
		v->serial = d->t.serial;
		v->firmware = d->t.firmware;
	}
	v->up = d->up;
	v->reason = d->reason;
	v->sleeping = d->sleeping;
	v->has_duration = d->has_duration;
	v->duration = d->duration;
	v->has_last = d->has_last;
	v->last_read_ts = d->last_read_ts;
}

void smart_collector_run(struct smart_collector *c, const struct smart_target *targets, size_t n,
			 struct metric_set *ms)
{
	struct smart_view *views = NULL;
	struct smart_reading *copies = NULL;
	struct timespec deadline;
	double now, end;
	size_t nviews;
	bool hotplug;

	pthread_mutex_lock(&c->lock);
	c->round++;
	hotplug = c->hotplug;
	c->hotplug = false;
	collect_sync(c, targets, n);
	now = clock_mono();
	for (size_t i = 0; i < c->ndevs; i++) {
		struct collect_dev *d = c->devs[i];
		if (d->busy) {
			/* Still in the kernel since an earlier round: do not pile up threads on it. */
			d->up = false;
			d->sleeping = false;
			d->reason = "stuck";
			continue;
		}
		/* A hotplug round leaves alone what was read recently (an interval round close behind
		 * it may have been coalesced into it, hence 0.9). */
		if (hotplug && d->attempted && now - d->started < c->cfg.interval * 0.9)
			continue;
		collect_start(c, d, now);
	}

	end = now + c->cfg.timeout;
	while (collect_round_pending(c)) {
		/* Wake at least every 250 ms to notice a shutdown. */
		double until = clock_mono() + 0.25;
		if (until > end)
			until = end;
		deadline.tv_sec = (time_t)until;
		deadline.tv_nsec = (long)((until - (double)deadline.tv_sec) * 1e9);
		if (pthread_cond_timedwait(&c->done, &c->lock, &deadline) == ETIMEDOUT && clock_mono() >= end)
			break;
		if (c->cfg.stopping && c->cfg.stopping(c->cfg.stop_arg))
			break;
	}
	for (size_t i = 0; i < c->ndevs; i++) {
		struct collect_dev *d = c->devs[i];
		if (d->busy && d->round == c->round) {
			d->timed_out = true;
			d->up = false;
			d->sleeping = false;
			d->reason = "timeout";
			log_warn("smart", "read timed out: skipping the disk until it returns", "device", d->t.name,
				 "path", d->t.path);
		}
	}

	nviews = c->ndevs;
	views = xcalloc(nviews ? nviews : 1, sizeof(*views));
	copies = xcalloc(nviews ? nviews : 1, sizeof(*copies));
	for (size_t i = 0; i < nviews; i++)
		collect_view(c->devs[i], &views[i], &copies[i]);
	/* Names stay valid after unlocking: only this thread removes disks from the registry. */
	pthread_mutex_unlock(&c->lock);

	smart_render(ms, views, nviews);
	free(views);
	free(copies);
	/* The reads ran on many threads, each in its own malloc arena, and libatasmart compiles its
	 * quirk regexes for every attribute: give the freed pages back instead of keeping them. */
	malloc_trim(0);
}

void smart_collector_note_hotplug(struct smart_collector *c)
{
	pthread_mutex_lock(&c->lock);
	c->hotplug = true;
	pthread_mutex_unlock(&c->lock);
}

size_t smart_collector_in_flight(struct smart_collector *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->in_flight;
	pthread_mutex_unlock(&c->lock);
	return n;
}
