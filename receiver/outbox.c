/* outbox.c: per-notifier delivery threads reading the durable outbox, with exponential backoff */
#include "receiver/outbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "receiver/facts.h"
#include "receiver/metrics.h"
#include "receiver/notify.h"

struct outbox_worker {
	struct outbox_worker *next;
	struct outbox *ob;
	char *name;
	pthread_t thread;
	bool stop;
};

struct outbox {
	struct store *store;
	double base;
	double max;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned long generation;   /* bumped by kick */
	struct rcv_config *cfg;
	struct outbox_worker *workers;
};

double outbox_backoff(double base, double max, int attempts)
{
	double d = base;
	for (int i = 1; i < attempts && d < max; i++)
		d *= 2;
	return d < max ? d : max;
}

struct outbox_result {
	long long id;
	bool sent;
	bool give_up;
	double next_at;
	const char *error;
};

static int outbox_result_apply(struct store *st, void *arg)
{
	struct outbox_result *r = arg;
	return store_w_outbox_result(st, r->id, r->sent, r->give_up, r->next_at, r->error, clock_real());
}

/* Sleeps up to secs or until a kick; returns true when the worker is told to stop. */
static bool outbox_sleep(struct outbox_worker *w, double secs)
{
	struct outbox *ob = w->ob;
	struct timespec ts = clock_real_after(secs);
	pthread_mutex_lock(&ob->lock);
	if (!w->stop)
		pthread_cond_timedwait(&ob->cond, &ob->lock, &ts);
	bool stop = w->stop;
	pthread_mutex_unlock(&ob->lock);
	return stop;
}

/*
 * Records a delivery's result. While the store cannot commit (disk full, read-only) the row stays
 * due in the store: going back to the loop would deliver it again at once, over and over (a sent
 * message repeated until the disk has room). So the result is kept here and its commit retried
 * every 0.25 s, doubling up to 5 s, and nothing else is delivered meanwhile.
 */
static void outbox_record(struct outbox_worker *w, struct outbox_result *r, const char *idbuf)
{
	double wait = 0.25;
	for (int attempt = 0; store_exec(w->ob->store, outbox_result_apply, r) != 0; attempt++) {
		if (attempt == 0)
			log_error("outbox", "cannot record a delivery result: retrying until the store is writable",
				  "notifier", w->name, "id", idbuf);
		if (outbox_sleep(w, wait)) {
			log_error("outbox", "stopping with a delivery result not recorded: it may be delivered again",
				  "notifier", w->name, "id", idbuf);
			return;
		}
		wait = wait * 2 < 5 ? wait * 2 : 5;
	}
}

static void outbox_deliver(struct outbox_worker *w, struct store_outbox *row)
{
	struct outbox *ob = w->ob;
	struct facts fx;
	struct notify_message msg;
	struct notify_result res;
	struct outbox_result r = { .id = row->id };
	char mid[96], idbuf[32];
	struct rcv_config *cfg;

	pthread_mutex_lock(&ob->lock);
	cfg = config_ref(ob->cfg);
	pthread_mutex_unlock(&ob->lock);
	const struct notifier *n = config_notifier(cfg, w->name);
	memset(&msg, 0, sizeof(msg));
	memset(&res, 0, sizeof(res));
	snprintf(idbuf, sizeof(idbuf), "%lld", row->id);
	if (!n) {
		config_unref(cfg);
		return;
	}
	if (facts_decode(row->facts, &fx) != 0) {
		r.give_up = true;
		r.error = "stored facts are unreadable";
	} else {
		notify_format(&fx.f, &msg);
		snprintf(mid, sizeof(mid), "homeops-%lld-%.0f", row->id, row->created_at * 1000);
		if (notify_send(n, &msg, mid, &res) == 0) {
			r.sent = true;
		} else if (res.retryable) {
			r.next_at = clock_real() + outbox_backoff(ob->base, ob->max, row->attempts + 1);
			r.error = res.error;
		} else {
			r.give_up = true;
			r.error = res.error;
		}
		notify_message_release(&msg);
		facts_release(&fx);
	}
	rmetrics_notification(w->name, r.sent ? "sent" : r.give_up ? "failed" : "retry");
	if (r.sent)
		log_info("outbox", "notification sent", "notifier", w->name, "id", idbuf, "event", row->event);
	else
		log_warn("outbox", r.give_up ? "notification failed for good" : "notification failed, will retry",
			 "notifier", w->name, "id", idbuf, "event", row->event, "reason", r.error ? r.error : "");
	outbox_record(w, &r, idbuf);
	config_unref(cfg);
}

static void *outbox_worker_main(void *arg)
{
	struct outbox_worker *w = arg;
	struct outbox *ob = w->ob;

	for (;;) {
		struct store_outbox row;
		pthread_mutex_lock(&ob->lock);
		bool stop = w->stop;
		unsigned long gen = ob->generation;
		pthread_mutex_unlock(&ob->lock);
		if (stop)
			break;
		double now = clock_real();
		int rc = store_outbox_due(ob->store, w->name, now, &row);
		if (rc == 0) {
			outbox_deliver(w, &row);
			store_outbox_release(&row);
			continue;
		}
		/* nothing due: sleep until the next retry, a kick, or a minute */
		double next = store_outbox_next_at(ob->store, w->name);
		double wait = next > 0 ? next - now : 60;
		if (wait > 60)
			wait = 60;
		if (wait < 0.01)
			wait = 0.01;
		struct timespec ts = clock_real_after(wait);
		pthread_mutex_lock(&ob->lock);
		while (!w->stop && ob->generation == gen)
			if (pthread_cond_timedwait(&ob->cond, &ob->lock, &ts) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&ob->lock);
	}
	return NULL;
}

static void outbox_spawn_locked(struct outbox *ob, const char *name)
{
	struct outbox_worker *w = xcalloc(1, sizeof(*w));
	w->ob = ob;
	w->name = xstrdup(name);
	if (pthread_create(&w->thread, NULL, outbox_worker_main, w) != 0) {
		log_error("outbox", "cannot start a notifier thread", "notifier", name);
		free(w->name);
		free(w);
		return;
	}
	w->next = ob->workers;
	ob->workers = w;
}

struct outbox *outbox_start(const struct outbox_options *o, struct rcv_config *cfg)
{
	struct outbox *ob = xcalloc(1, sizeof(*ob));
	ob->store = o->store;
	ob->base = o->backoff_base > 0 ? o->backoff_base : 30;
	ob->max = o->backoff_max > 0 ? o->backoff_max : 3600;
	pthread_mutex_init(&ob->lock, NULL);
	pthread_cond_init(&ob->cond, NULL);
	ob->cfg = config_ref(cfg);
	pthread_mutex_lock(&ob->lock);
	for (size_t i = 0; i < cfg->nnotifiers; i++)
		outbox_spawn_locked(ob, cfg->notifiers[i].name);
	pthread_mutex_unlock(&ob->lock);
	return ob;
}

void outbox_reload(struct outbox *ob, struct rcv_config *cfg)
{
	struct outbox_worker *gone = NULL;

	pthread_mutex_lock(&ob->lock);
	struct rcv_config *old = ob->cfg;
	ob->cfg = config_ref(cfg);
	for (struct outbox_worker **pp = &ob->workers; *pp;) {
		struct outbox_worker *w = *pp;
		if (!config_notifier(cfg, w->name)) {
			*pp = w->next;
			w->stop = true;
			w->next = gone;
			gone = w;
			continue;
		}
		pp = &w->next;
	}
	for (size_t i = 0; i < cfg->nnotifiers; i++) {
		bool have = false;
		for (struct outbox_worker *w = ob->workers; w; w = w->next)
			have |= strcmp(w->name, cfg->notifiers[i].name) == 0;
		if (!have)
			outbox_spawn_locked(ob, cfg->notifiers[i].name);
	}
	ob->generation++;
	pthread_cond_broadcast(&ob->cond);
	pthread_mutex_unlock(&ob->lock);
	config_unref(old);
	while (gone) {
		struct outbox_worker *w = gone;
		gone = w->next;
		pthread_join(w->thread, NULL);
		free(w->name);
		free(w);
	}
}

void outbox_kick(void *arg)
{
	struct outbox *ob = arg;
	pthread_mutex_lock(&ob->lock);
	ob->generation++;
	pthread_cond_broadcast(&ob->cond);
	pthread_mutex_unlock(&ob->lock);
}

void outbox_stop(struct outbox *ob)
{
	if (!ob)
		return;
	pthread_mutex_lock(&ob->lock);
	for (struct outbox_worker *w = ob->workers; w; w = w->next)
		w->stop = true;
	pthread_cond_broadcast(&ob->cond);
	pthread_mutex_unlock(&ob->lock);
	while (ob->workers) {
		struct outbox_worker *w = ob->workers;
		ob->workers = w->next;
		pthread_join(w->thread, NULL);
		free(w->name);
		free(w);
	}
	config_unref(ob->cfg);
	pthread_mutex_destroy(&ob->lock);
	pthread_cond_destroy(&ob->cond);
	free(ob);
}
