/* workers.c: a collecting thread per Pi-hole with its latest result, stopped and logged out on shutdown */
#include "exporters/pihole/workers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/exporter.h"
#include "common/log.h"
#include "common/xalloc.h"

struct ph_worker {
	struct ph_workers *w;
	const struct ph_target_cfg *cfg;
	struct ph_target *target;
	pthread_t thread;
	bool started;
	bool has_result;
	struct ph_target_result result;
};

struct ph_workers {
	struct ph_worker *items;
	size_t n;
	double interval;
	int stop_pipe[2];          /* readable once stopping: wakes sleeps, cancels requests */
	bool started;
	pthread_mutex_t lock;      /* results and first_done */
	pthread_cond_t cond;
	size_t first_done;
};

struct ph_workers *ph_workers_new(const struct ph_config *cfg, double interval, struct counter_vec *logins)
{
	struct ph_workers *w = xcalloc(1, sizeof(*w));

	w->interval = interval;
	if (pipe2(w->stop_pipe, O_CLOEXEC) < 0) {
		log_error("pihole", "cannot create a pipe", "err", strerror(errno));
		abort();
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->n = cfg->n;
	w->items = xcalloc(cfg->n, sizeof(*w->items));
	for (size_t i = 0; i < cfg->n; i++) {
		w->items[i].w = w;
		w->items[i].cfg = &cfg->targets[i];
		w->items[i].target = ph_target_new(&cfg->targets[i], logins, w->stop_pipe[0]);
	}
	return w;
}

static bool ph_worker_sleep(struct ph_workers *w, double seconds)
{
	struct pollfd p = { w->stop_pipe[0], POLLIN, 0 };
	double until = clock_mono() + seconds;

	for (;;) {
		double left = until - clock_mono();
		if (left <= 0)
			return true;
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return false;
	}
}

static void *ph_worker_main(void *arg)
{
	struct ph_worker *wk = arg;
	struct ph_workers *w = wk->w;
	double next = clock_mono();

	for (;;) {
		struct ph_target_result r, old;
		struct pollfd p = { w->stop_pipe[0], POLLIN, 0 };

		if (poll(&p, 1, 0) > 0)
			break;
		ph_target_collect(wk->target, &r);
		pthread_mutex_lock(&w->lock);
		old = wk->result;
		wk->result = r;
		if (!wk->has_result) {
			wk->has_result = true;
			w->first_done++;
			pthread_cond_broadcast(&w->cond);
		} else {
			ph_target_result_release(&old);
		}
		pthread_mutex_unlock(&w->lock);
		exporter_trigger();
		next += w->interval;
		if (next <= clock_mono())
			next = clock_mono() + w->interval; /* a slow collection does not cause a burst */
		if (!ph_worker_sleep(w, next - clock_mono()))
			break;
	}
	return NULL;
}

static void ph_workers_start(struct ph_workers *w)
{
	pthread_attr_t attr;

	if (w->started)
		return;
	w->started = true;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256u << 10);
	for (size_t i = 0; i < w->n; i++) {
		if (pthread_create(&w->items[i].thread, &attr, ph_worker_main, &w->items[i]) != 0) {
			log_error("pihole", "cannot start a collection thread", "target", w->items[i].cfg->name);
			continue;
		}
		w->items[i].started = true;
	}
	pthread_attr_destroy(&attr);
}

void ph_workers_wait_first(struct ph_workers *w, double timeout, bool (*stopping)(void *), void *stop_arg)
{
	double until = clock_mono() + timeout;

	ph_workers_start(w);
	pthread_mutex_lock(&w->lock);
	while (w->first_done < w->n && clock_mono() < until && !(stopping && stopping(stop_arg))) {
		struct timespec ts = clock_real_after(0.1);
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
}

void ph_workers_foreach(struct ph_workers *w,
			void (*fn)(const struct ph_target_cfg *cfg, const struct ph_target_result *res, void *arg),
			void *arg)
{
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->n; i++)
		fn(w->items[i].cfg, w->items[i].has_result ? &w->items[i].result : NULL, arg);
	pthread_mutex_unlock(&w->lock);
}

void ph_workers_free(struct ph_workers *w, double logout_timeout)
{
	if (!w)
		return;
	if (write(w->stop_pipe[1], "s", 1) < 0)
		log_debug("pihole", "cannot signal the workers");
	for (size_t i = 0; i < w->n; i++)
		if (w->items[i].started)
			pthread_join(w->items[i].thread, NULL);
	for (size_t i = 0; i < w->n; i++) {
		ph_target_logout(w->items[i].target, logout_timeout);
		ph_target_free(w->items[i].target);
		ph_target_result_release(&w->items[i].result);
	}
	free(w->items);
	close(w->stop_pipe[0]);
	close(w->stop_pipe[1]);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}
