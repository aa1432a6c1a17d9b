/* collect.c: one collection of docker_health_exporter: full resync or inspects of what events marked, then render */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/clock.h"
#include "common/exporter.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/strlist.h"
#include "common/xalloc.h"
#include "common/fileutil.h"
#include "exporters/docker/mountpoints.h"
#include "exporters/docker/parse.h"
#include "exporters/docker/render.h"
#include "exporters/docker/state.h"

#define DK_MOD "docker"
#define DK_LIST_MAX (32u << 20)
#define DK_INSPECT_MAX (4u << 20)

const char *const dk_error_reasons[] = { "connect", "timeout", "io", "http", "parse", "version", "too_large", "events",
					 NULL };

/* Why a request failed, as a reason label and a message kept in res. */
static const char *collect_reason(const struct httpc_result *res)
{
	switch (res->error) {
	case HTTPC_E_CONNECT:
	case HTTPC_E_TIMEOUT:
	case HTTPC_E_IO:
	case HTTPC_E_HTTP:
	case HTTPC_E_TOO_LARGE:
		return httpc_error_name(res->error);
	case HTTPC_E_CANCELED:
		return "canceled";
	default:
		return "io";
	}
}

/* Container IDs go into a URL path: only what Docker IDs and names are made of. */
static bool collect_id_ok(const char *id)
{
	if (!*id || strlen(id) > 128)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* Inspects one container and applies it. 0 (also when it is gone: 404), or -1 with *reason. */
static int collect_inspect(struct dk_exporter *st, const char *id, struct httpc_result *res, const char **reason)
{
	const char *const *keep = (const char *const *)st->cfg.labels.items;
	struct dk_inspect in;
	struct dk_perr perr;
	unsigned long seq;
	char *path;
	int rc;

	if (!collect_id_ok(id))
		return 0;
	pthread_mutex_lock(&st->mu);
	seq = st->table->seq;
	pthread_mutex_unlock(&st->mu);
	path = xasprintf("/containers/%s/json", id);
	rc = dk_client_get(&st->cc, path, DK_INSPECT_MAX, res);
	free(path);
	if (rc < 0 && res->status == 404) {
		/* removed between the list (or its event) and now */
		pthread_mutex_lock(&st->mu);
		dk_table_remove(st->table, id);
		pthread_mutex_unlock(&st->mu);
		return 0;
	}
	if (rc < 0) {
		*reason = collect_reason(res);
		return -1;
	}
	if (dk_inspect_parse(strbuf_cstr(&res->body), res->body.len, keep, st->cfg.labels.n, &in, &perr) < 0) {
		snprintf(res->message, sizeof(res->message), "inspect %.64s: %s", id, perr.msg);
		*reason = "parse";
		return -1;
	}
	pthread_mutex_lock(&st->mu);
	dk_table_apply_inspect(st->table, &in, seq);
	pthread_mutex_unlock(&st->mu);
	dk_inspect_release(&in);
	return 0;
}

/* Version, list, inspect of every container; drops the containers that are gone. */
static int collect_full(struct dk_exporter *st, struct httpc_result *res, const char **reason)
{
	struct dk_list list;
	struct dk_perr perr;
	unsigned long seq0;
	int rc = -1;

	if (dk_client_negotiate(&st->cc, res, reason) < 0)
		return -1;
	pthread_mutex_lock(&st->mu);
	dk_table_unmark(st->table);
	seq0 = st->table->seq;
	pthread_mutex_unlock(&st->mu);
	if (dk_client_get(&st->cc, "/containers/json?all=1", DK_LIST_MAX, res) < 0) {
		*reason = collect_reason(res);
		return -1;
	}
	if (dk_list_parse(strbuf_cstr(&res->body), res->body.len, &list, &perr) < 0) {
		snprintf(res->message, sizeof(res->message), "container list: %s", perr.msg);
		*reason = "parse";
		return -1;
	}
	pthread_mutex_lock(&st->mu);
	for (size_t i = 0; i < list.n; i++)
		dk_table_mark_seen(st->table, list.items[i].id);
	pthread_mutex_unlock(&st->mu);
	for (size_t i = 0; i < list.n; i++)
		if (collect_inspect(st, list.items[i].id, res, reason) < 0)
			goto out;
	pthread_mutex_lock(&st->mu);
	size_t dropped = dk_table_sweep(st->table, seq0);
	pthread_mutex_unlock(&st->mu);
	if (dropped) {
		char n[32];
		snprintf(n, sizeof(n), "%zu", dropped);
		log_debug(DK_MOD, "resync dropped containers that no longer exist", "count", n);
	}
	st->last_full = clock_mono();
	st->last_full_real = clock_real();
	rc = 0;
out:
	dk_list_release(&list);
	return rc;
}

/* Inspects the containers events marked dirty. */
static int collect_dirty(struct dk_exporter *st, struct httpc_result *res, const char **reason)
{
	struct strlist ids = STRLIST_INIT;
	int rc = 0;

	pthread_mutex_lock(&st->mu);
	for (size_t i = 0; i < st->table->n; i++)
		if (st->table->v[i]->dirty)
			strlist_push(&ids, st->table->v[i]->id);
	pthread_mutex_unlock(&st->mu);
	for (size_t i = 0; i < ids.n && rc == 0; i++)
		rc = collect_inspect(st, ids.items[i], res, reason);
	strlist_clear(&ids);
	return rc;
}

/* The host's mount points now (PROCFS/self/mountinfo) and expected (fstab); unreadable files add nothing. */
static void collect_mountpoints(const struct dk_exporter *st, struct strlist *out)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = xasprintf("%s/self/mountinfo", st->ctx && st->ctx->procfs ? st->ctx->procfs : "/proc");

	if (file_read(path, &sb, 16u << 20) == 0)
		dk_mountpoints_from_mountinfo(strbuf_cstr(&sb), sb.len, out);
	free(path);
	strbuf_reset(&sb);
	if (st->cfg.fstab && *st->cfg.fstab && file_read(st->cfg.fstab, &sb, 1u << 20) == 0)
		dk_mountpoints_from_fstab(strbuf_cstr(&sb), sb.len, out);
	strbuf_release(&sb);
}

int dk_collect(struct dk_exporter *st, struct metric_set *ms, struct collect_report *rep)
{
	struct httpc_result res;
	const char *reason = NULL;
	bool full;
	int rc;

	httpc_result_init(&res);
	full = atomic_exchange(&st->resync, false) || atomic_load(&st->stream) != DK_STREAM_UP ||
	       st->last_full == 0 || clock_mono() - st->last_full >= st->cfg.resync_interval || !st->cc.api[0];
	rc = full ? collect_full(st, &res, &reason) : collect_dirty(st, &res, &reason);
	if (rc == 0 && atomic_load(&st->stream) == DK_STREAM_DOWN) {
		/* the engine answers but the event stream is not (yet) back: what happens now would be
		 * missed, so the data is not called fresh; the watch thread resyncs when it reconnects */
		snprintf(res.message, sizeof(res.message), "the event stream is disconnected; reconnecting");
		reason = "events";
		rc = -1;
	}
	counter_vec_render(st->events, ms);
	if (rc < 0) {
		if (full)
			atomic_store(&st->resync, true);
		/* a partial table is not served: what could not be read is left out */
		collect_report_fail_msg(rep, reason ? reason : "io", res.message);
		httpc_result_release(&res);
		return -1;
	}
	httpc_result_release(&res);
	dk_render_engine(ms, st->cc.version, st->cc.api);
	if (st->last_full_real > 0)
		metric_gauge(ms, "docker_last_resync_timestamp_seconds",
			     "When the exporter last listed and inspected every container (--docker.resync-interval).",
			     st->last_full_real, NULL);
	metric_gauge(ms, "docker_event_stream_up", "1 while the exporter is subscribed to the engine's event stream.",
		     atomic_load(&st->stream) == DK_STREAM_UP ? 1 : 0, NULL);
	struct strlist mps = STRLIST_INIT;
	collect_mountpoints(st, &mps);
	pthread_mutex_lock(&st->mu);
	dk_render_table(ms, st->table, &mps);
	pthread_mutex_unlock(&st->mu);
	strlist_clear(&mps);
	return 0;
}
