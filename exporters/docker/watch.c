/* watch.c: the exporter's watch thread: the engine's event stream into the table, reconnecting with backoff */
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/clock.h"
#include "common/exporter.h"
#include "common/log.h"
#include "common/metrics.h"
#include "exporters/docker/parse.h"
#include "exporters/docker/state.h"

#define DK_MOD "docker"
#define DK_BACKOFF_MIN 0.25
#define DK_BACKOFF_MAX 5.0
/* filters={"type":["container"]} */
#define DK_EVENTS_FILTER "filters=%7B%22type%22%3A%5B%22container%22%5D%7D"

static bool watch_stopping(const struct dk_exporter *st)
{
	return st->ctx && st->ctx->stopping && st->ctx->stopping(st->ctx->stop_arg);
}

/* Waits up to seconds or until shutdown begins; true when it began. */
static bool watch_sleep(const struct dk_exporter *st, double seconds)
{
	struct pollfd p = { .fd = st->ctx ? st->ctx->cancel_fd : -1, .events = POLLIN };

	if (p.fd < 0) {
		clock_sleep(seconds);
		return watch_stopping(st);
	}
	(void)poll(&p, 1, (int)(seconds * 1000));
	return watch_stopping(st);
}

static int watch_line(void *arg, const char *line, size_t len)
{
	struct dk_exporter *st = arg;
	struct dk_event ev;
	struct dk_perr perr;

	if (len == 0)
		return 0;
	if (dk_event_parse(line, len, &ev, &perr) < 0) {
		log_debug(DK_MOD, "ignoring an unreadable event", "err", perr.msg);
		return 0;
	}
	if (ev.type && strcmp(ev.type, "container") == 0) {
		counter_vec_add(st->events, 1, dk_action_label_ok(ev.action) ? ev.action : "other", NULL);
		pthread_mutex_lock(&st->mu);
		dk_table_apply_event(st->table, &ev);
		pthread_mutex_unlock(&st->mu);
		exporter_trigger();
	}
	dk_event_release(&ev);
	return watch_stopping(st) ? 1 : 0;
}

void *dk_watch(void *arg)
{
	struct dk_exporter *st = arg;
	struct dk_client wc;
	struct httpc_result res;
	double backoff = DK_BACKOFF_MIN;
	bool was_up = true;   /* log the first failure */

	dk_client_init(&wc, st->socket, st->base, st->cfg.timeout, st->ctx ? st->ctx->cancel_fd : -1);
	httpc_result_init(&res);
	/* the stream stays DK_STREAM_NONE (collections resync by themselves) until a first attempt fails */
	while (!watch_stopping(st)) {
		const char *reason = NULL;
		if (dk_client_negotiate(&wc, &res, &reason) == 0) {
			char path[160];
			double t0 = clock_mono();
			/* since= replays what happens between this and the subscription being in place,
			 * so the resync that starts now misses nothing */
			snprintf(path, sizeof(path), "/events?since=%.0f&%s", floor(clock_real()) - 1, DK_EVENTS_FILTER);
			atomic_store(&st->stream, DK_STREAM_UP);
			atomic_store(&st->resync, true);
			exporter_trigger();
			if (!was_up)
				log_info(DK_MOD, "event stream connected", "engine", wc.version, "api", wc.api);
			was_up = true;
			int rc = dk_client_stream(&wc, path, watch_line, st, &res);
			atomic_store(&st->stream, DK_STREAM_DOWN);
			exporter_trigger();
			if (watch_stopping(st))
				break;
			log_warn(DK_MOD, "event stream ended; reconnecting", "err", rc < 0 ? res.message : "closed by the engine");
			was_up = false;
			if (clock_mono() - t0 > 10)
				backoff = DK_BACKOFF_MIN;
		} else {
			if (atomic_exchange(&st->stream, DK_STREAM_DOWN) != DK_STREAM_DOWN)
				exporter_trigger();
			if (was_up)
				log_warn(DK_MOD, "cannot reach the engine; retrying", "reason", reason, "err", res.message);
			was_up = false;
		}
		if (watch_sleep(st, backoff))
			break;
		backoff = backoff * 2 > DK_BACKOFF_MAX ? DK_BACKOFF_MAX : backoff * 2;
	}
	httpc_result_release(&res);
	dk_client_release(&wc);
	return NULL;
}
