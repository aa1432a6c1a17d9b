/* probe.c: statfs + one directory entry per mounted share on common/deadline workers, stuck mounts remembered */
#include "exporters/cifs/probe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"

#define PROBE_MOD "cifs"
#define PROBE_STACK_SIZE (128 * 1024)

static void probe_fail(struct cifs_probe_result *r, const char *step, int err)
{
	r->err = err ? err : EIO;
	r->step = step;
}

void cifs_probe_mount(const char *path, const char *canary, struct cifs_probe_result *r)
{
	struct statfs sf;

	memset(r, 0, sizeof(*r));
	if (statfs(path, &sf) != 0) {
		probe_fail(r, "statfs", errno);
		return;
	}
	{
		double bs = sf.f_frsize ? (double)sf.f_frsize : (double)sf.f_bsize;
		r->has_statfs = true;
		r->size = (double)sf.f_blocks * bs;
		r->free = (double)sf.f_bfree * bs;
		r->avail = (double)sf.f_bavail * bs;
	}
	if (canary && *canary) {
		char *p = xasprintf("%s/%s", path, canary);
		char byte;
		int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		free(p);
		if (fd < 0) {
			probe_fail(r, "canary", errno);
			return;
		}
		if (read(fd, &byte, 1) < 0)
			probe_fail(r, "canary", errno);
		close(fd);
		return;
	}
	{
		DIR *d = opendir(path);
		if (!d) {
			probe_fail(r, "opendir", errno);
			return;
		}
		errno = 0;
		if (!readdir(d) && errno)
			probe_fail(r, "readdir", errno);
		closedir(d);
	}
}

void cifs_probe_underlying(const char *path, struct cifs_probe_result *r)
{
	struct stat st, parent;
	int fd;
	DIR *d;
	struct dirent *de;
	double n = 0;

	memset(r, 0, sizeof(*r));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		probe_fail(r, "opendir", errno);
		return;
	}
	if (fstat(fd, &st) != 0 || fstatat(fd, "..", &parent, 0) != 0) {
		probe_fail(r, "opendir", errno);
		close(fd);
		return;
	}
	if (st.st_dev != parent.st_dev || st.st_ino == parent.st_ino) {
		/* mounted since the plan was made (or the root): that is not the local directory */
		probe_fail(r, "mountpoint", EBUSY);
		close(fd);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		probe_fail(r, "opendir", errno);
		close(fd);
		return;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				probe_fail(r, "readdir", errno);
				closedir(d);
				return;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		n++;
	}
	closedir(d);
	r->has_entries = true;
	r->entries = n;
}

/* One mount in the deadline pool: what the call reads never changes after creation; err and
 * logged are written under the pool's lock (probe_returned). */
struct probe_item {
	char *path;
	char *canary;
	enum cifs_action action;
	int logged_err;             /* last error logged, 0 = none */
};

struct probe_call_result {
	struct cifs_probe_result r;
};

struct cifs_prober {
	struct cifs_prober_config cfg;
	char *canary;
	struct deadline_pool *pool;
};

static void probe_item_free(void *x)
{
	struct probe_item *it = x;

	if (!it)
		return;
	free(it->path);
	free(it->canary);
	free(it);
}

static void *probe_call(const char *key, void *item, void *arg)
{
	struct probe_item *it = item;
	struct probe_call_result *res = xcalloc(1, sizeof(*res));

	(void)key;
	(void)arg;
	if (it->action == CIFS_ACT_UNDERLYING)
		cifs_probe_underlying(it->path, &res->r);
	else
		cifs_probe_mount(it->path, it->canary, &res->r);
	return res;
}

/* Under the pool's lock: a failure logged once per errno, its recovery, a stuck call's return. */
static void probe_returned(const char *key, void *item, const void *result, bool late, void *arg)
{
	struct probe_item *it = item;
	const struct probe_call_result *res = result;

	(void)key;
	(void)arg;
	if (late) {
		log_info(PROBE_MOD, "stuck probe returned", "mountpoint", it->path,
			 "result", res->r.err ? strerror(res->r.err) : "ok");
	}
	if (res->r.err && res->r.err != it->logged_err) {
		if (it->action == CIFS_ACT_PROBE)
			log_warn(PROBE_MOD, "mount probe failed", "mountpoint", it->path, "step", res->r.step,
				 "err", strerror(res->r.err));
		else
			log_debug(PROBE_MOD, "underlying directory not read", "mountpoint", it->path, "step",
				  res->r.step, "err", strerror(res->r.err));
		it->logged_err = res->r.err;
	} else if (!res->r.err && it->logged_err) {
		log_info(PROBE_MOD, "mount probe recovered", "mountpoint", it->path);
		it->logged_err = 0;
	}
}

static void probe_result_free(void *x)
{
	free(x);
}

struct cifs_prober *cifs_prober_new(const struct cifs_prober_config *cfg)
{
	struct cifs_prober *p = xcalloc(1, sizeof(*p));
	struct deadline_config dc;

	p->cfg = *cfg;
	p->canary = cfg->canary && *cfg->canary ? xstrdup(cfg->canary) : NULL;
	p->cfg.canary = p->canary;
	memset(&dc, 0, sizeof(dc));
	dc.call = probe_call;
	dc.returned = probe_returned;
	dc.result_free = probe_result_free;
	dc.item_free = probe_item_free;
	dc.stopping = cfg->stopping;
	dc.stop_arg = cfg->stop_arg;
	dc.max_threads = cfg->max_threads;
	dc.stack_size = PROBE_STACK_SIZE;
	p->pool = deadline_pool_new(&dc);
	return p;
}

void cifs_prober_free(struct cifs_prober *p)
{
	if (!p)
		return;
	deadline_pool_free(p->pool);
	free(p->canary);
	free(p);
}

size_t cifs_prober_in_flight(struct cifs_prober *p)
{
	return deadline_pool_in_flight(p->pool);
}

static char *probe_key(const struct cifs_plan_entry *e)
{
	return xasprintf("%d\n%s\n%lu\n%s", (int)e->action, e->mountpoint, e->mount_id, e->share);
}

struct probe_fold {
	const struct cifs_plan *plan;
	struct cifs_probe_view *views;
	size_t *index;          /* plan index of the i-th item given to the round */
	char **keys;
	size_t nitems;
	size_t pos;             /* items are reported in the order given */
	double now;
};

/* Under the pool's lock: each item's round outcome into its view. */
static void probe_fold(const struct deadline_status *st, void *arg)
{
	struct probe_fold *f = arg;
	struct cifs_probe_view *v;
	size_t k = f->pos;
	const struct probe_item *it = st->item;

	if (k >= f->nitems || strcmp(f->keys[k], st->key) != 0) {
		for (k = 0; k < f->nitems; k++)
			if (strcmp(f->keys[k], st->key) == 0)
				break;
		if (k == f->nitems)
			return;
	}
	f->pos = k + 1;
	v = &f->views[f->index[k]];
	v->probed = true;
	v->state = st->state;
	switch (st->state) {
	case DEADLINE_DONE:
		if (st->has_result && st->result) {
			v->fresh = true;
			v->result = ((const struct probe_call_result *)st->result)->r;
		}
		v->duration = st->duration;
		break;
	case DEADLINE_TIMEOUT:
		log_warn(PROBE_MOD, "probe timed out: the mount is stuck, not probed again until the call returns",
			 "mountpoint", it->path);
		/* fall through */
	case DEADLINE_STUCK:
		v->stuck = true;
		v->duration = st->stuck_since > 0 ? f->now - st->stuck_since : 0;
		break;
	case DEADLINE_IDLE:
	case DEADLINE_DEFERRED:
	case DEADLINE_FAILED:
		break;
	}
}

void cifs_prober_run(struct cifs_prober *p, const struct cifs_plan *plan, struct cifs_probe_view *views)
{
	size_t n = plan->n ? plan->n : 1;
	struct deadline_item *items = xcalloc(n, sizeof(*items));
	size_t *index = xcalloc(n, sizeof(*index));
	char **keys = xcalloc(n, sizeof(*keys));
	struct probe_fold f;
	size_t nitems = 0;

	memset(views, 0, plan->n * sizeof(*views));
	for (size_t i = 0; i < plan->n; i++) {
		const struct cifs_plan_entry *e = &plan->entries[i];
		struct probe_item *it;

		if (e->action == CIFS_ACT_NONE)
			continue;
		it = xcalloc(1, sizeof(*it));
		it->path = xstrdup(e->mountpoint);
		it->canary = p->canary ? xstrdup(p->canary) : NULL;
		it->action = e->action;
		keys[nitems] = probe_key(e);
		items[nitems].key = keys[nitems];
		items[nitems].item = it;
		index[nitems] = i;
		nitems++;
	}
	deadline_pool_run(p->pool, items, nitems, p->cfg.timeout, NULL, NULL);

	memset(&f, 0, sizeof(f));
	f.plan = plan;
	f.views = views;
	f.index = index;
	f.keys = keys;
	f.nitems = nitems;
	f.now = clock_mono();
	deadline_pool_foreach(p->pool, probe_fold, &f);

	for (size_t i = 0; i < nitems; i++)
		free(keys[i]);
	free(keys);
	free(index);
	free(items);
}
