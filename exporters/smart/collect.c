/* collect.c: the disks' reads on common/deadline workers, folded into last-known values and rendered */
#include "exporters/smart/collect.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/clock.h"
#include "common/deadline.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "exporters/smart/render.h"

/* Worker stacks: libatasmart needs little (alloca of 516 bytes, regcomp on the heap). */
#define COLLECT_STACK_SIZE (256 * 1024)

/*
 * One disk in the deadline pool. The read (on a worker) uses only t, fn and opts, which never
 * change; the rest is written under the pool's lock when a read returns (collect_returned).
 */
struct collect_dev {
	struct smart_target t;
	smart_read_fn fn;
	struct smart_read_opts opts;
	char *save_dir;               /* opts.save_dir: the item's own copy, it may outlive the collector */
	bool up, sleeping;
	const char *reason;
	bool has_last;
	double last_read_ts;
	struct smart_reading last;
	const char *logged_reason;    /* failure last logged (collectd's LogOnce, per disk) */
};

/* What a read hands back. */
struct collect_result {
	struct smart_read_result res;
	double wall;                  /* clock_real() when it returned */
};

struct smart_collector {
	struct smart_collector_config cfg;
	char *save_dir;
	bool hotplug;                 /* the next round was asked for by a hotplug event; atomic */
	struct deadline_pool *pool;
	struct log_once dup_log;      /* two targets with one name: said once (collection thread only) */
};

static void collect_dev_free(void *item)
{
	struct collect_dev *d = item;

	smart_target_release(&d->t);
	free(d->save_dir);
	free(d);
}

/* Logs a disk's failure once per distinct reason, and its recovery; under the pool's lock. */
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

/* The deadline pool's call: one read, on a worker thread. */
static void *collect_call(const char *key, void *item, void *arg)
{
	struct collect_dev *d = item;
	struct collect_result *r = xcalloc(1, sizeof(*r));

	(void)key;
	(void)arg;
	d->fn(&d->t, &d->opts, &r->res);
	r->wall = clock_real();
	return r;
}

/* The deadline pool's returned hook: the read's outcome into the disk; under the pool's lock. */
static void collect_returned(const char *key, void *item, const void *result, bool late, void *arg)
{
	struct collect_dev *d = item;
	const struct collect_result *r = result;

	(void)key;
	(void)arg;
	switch (r->res.status) {
	case SMART_READ_OK:
		d->up = true;
		d->sleeping = false;
		d->reason = NULL;
		d->has_last = true;
		d->last_read_ts = r->wall;
		d->last = r->res.reading;
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
		d->reason = r->res.reason ? r->res.reason : "read";
		break;
	}
	if (late)
		log_info("smart", "stuck read returned", "device", d->t.name, "result", d->up ? "ok" : d->reason);
	collect_log_outcome(d);
}

struct smart_collector *smart_collector_new(const struct smart_collector_config *cfg)
{
	struct smart_collector *c = xcalloc(1, sizeof(*c));
	struct deadline_config dc;

	c->cfg = *cfg;
	if (!c->cfg.read_fn)
		c->cfg.read_fn = smart_device_read;
	c->save_dir = cfg->read.save_dir && *cfg->read.save_dir ? xstrdup(cfg->read.save_dir) : NULL;
	c->cfg.read.save_dir = c->save_dir;
	memset(&dc, 0, sizeof(dc));
	dc.call = collect_call;
	dc.returned = collect_returned;
	dc.item_free = collect_dev_free;
	dc.stopping = cfg->stopping;
	dc.stop_arg = cfg->stop_arg;
	dc.stack_size = COLLECT_STACK_SIZE;
	c->pool = deadline_pool_new(&dc);
	return c;
}

void smart_collector_free(struct smart_collector *c)
{
	size_t in_flight;

	if (!c)
		return;
	in_flight = deadline_pool_in_flight(c->pool);
	if (in_flight) {
		char count[32];
		snprintf(count, sizeof(count), "%zu", in_flight);
		log_info("smart", "reads still in flight at exit", "count", count);
	}
	/* Never blocks: stuck reads keep their disk and free it when (if ever) they return. */
	deadline_pool_free(c->pool);
	free(c->save_dir);
	log_once_clear(&c->dup_log);
	free(c);
}

static struct collect_dev *collect_dev_new(const struct smart_collector *c, const struct smart_target *t)
{
	struct collect_dev *d = xcalloc(1, sizeof(*d));

	d->t = *t;
	d->t.name = xstrdup(t->name);
	d->t.path = xstrdup(t->path);
	d->fn = c->cfg.read_fn;
	d->opts = c->cfg.read;
	d->save_dir = c->save_dir ? xstrdup(c->save_dir) : NULL;
	d->opts.save_dir = d->save_dir;
	return d;
}

/* The pool key: everything that makes two disks different (a name reused for another path is a new disk). */
static char *collect_key(const struct smart_target *t)
{
	return xasprintf("%s\n%s\n%d\n%d", t->name, t->path, (int)t->kind, (int)t->type);
}

struct collect_want {
	double now;
	double interval;
};

/* A hotplug round leaves alone what was read recently (an interval round close behind it may
 * have been coalesced into it, hence 0.9). */
static bool collect_want_hotplug(const struct deadline_status *prev, void *arg)
{
	const struct collect_want *w = arg;

	return !(prev->started > 0 && w->now - prev->started < w->interval * 0.9);
}

struct collect_views {
	struct smart_view *views;
	struct smart_reading *copies;
	size_t n;
};

/* Under the pool's lock: the disk as the round saw it. Names stay valid after the lock is
 * released: only the collection thread changes the registry. */
static void collect_view(const struct deadline_status *st, void *arg)
{
	struct collect_views *cv = arg;
	const struct collect_dev *d = st->item;
	struct smart_view *v = &cv->views[cv->n];
	struct smart_reading *copy = &cv->copies[cv->n];

	cv->n++;
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
	switch (st->state) {
	case DEADLINE_TIMEOUT:
		log_warn("smart", "read timed out: skipping the disk until it returns", "device", d->t.name,
			 "path", d->t.path);
		/* fall through */
	case DEADLINE_STUCK:
	case DEADLINE_DEFERRED:
	case DEADLINE_FAILED:
		/* Still in the kernel (or not started): do not pile up threads on it. */
		v->up = false;
		v->sleeping = false;
		v->reason = deadline_state_name(st->state);
		break;
	case DEADLINE_IDLE:
	case DEADLINE_DONE:
		break;
	}
	v->has_duration = st->has_result;
	v->duration = st->duration;
	v->has_last = d->has_last;
	v->last_read_ts = d->last_read_ts;
}

void smart_collector_run(struct smart_collector *c, const struct smart_target *targets, size_t n,
			 struct metric_set *ms)
{
	struct deadline_item *items = xcalloc(n ? n : 1, sizeof(*items));
	struct collect_views cv;
	struct collect_want want;
	size_t nitems = 0;
	bool hotplug = __atomic_exchange_n(&c->hotplug, false, __ATOMIC_ACQ_REL);

	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = strcmp(targets[j].name, targets[i].name) == 0;
		if (dup) {
			if (log_once_new(&c->dup_log, targets[i].name))
				log_warn("smart", "two disks with one name: keeping the first", "device", targets[i].name,
					 "path", targets[i].path);
			continue;
		}
		items[nitems].key = collect_key(&targets[i]);
		items[nitems].item = collect_dev_new(c, &targets[i]);
		nitems++;
	}
	want.now = clock_mono();
	want.interval = c->cfg.interval;
	deadline_pool_run(c->pool, items, nitems, c->cfg.timeout, hotplug ? collect_want_hotplug : NULL, &want);
	for (size_t i = 0; i < nitems; i++)
		free((char *)items[i].key);
	free(items);

	memset(&cv, 0, sizeof(cv));
	cv.views = xcalloc(nitems ? nitems : 1, sizeof(*cv.views));
	cv.copies = xcalloc(nitems ? nitems : 1, sizeof(*cv.copies));
	deadline_pool_foreach(c->pool, collect_view, &cv);

	smart_render(ms, cv.views, cv.n);
	free(cv.views);
	free(cv.copies);
	/* The pages the reads dirtied (libatasmart compiles its quirk regexes for every attribute)
	 * are given back by common/exporter after the snapshot is published (malloc_trim), and the
	 * reads share one malloc arena (M_ARENA_MAX 1, also there). */
}

void smart_collector_note_hotplug(struct smart_collector *c)
{
	__atomic_store_n(&c->hotplug, true, __ATOMIC_RELEASE);
}

size_t smart_collector_in_flight(struct smart_collector *c)
{
	return deadline_pool_in_flight(c->pool);
}
