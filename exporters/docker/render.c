/* render.c: docker_health_exporter's metric names: container table and engine to metric families */
#include "exporters/docker/render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "common/strlist.h"
#include "common/xalloc.h"
#include "exporters/docker/mountpoints.h"

void dk_render_engine(struct metric_set *ms, const char *version, const char *api_version)
{
	metric_gauge(ms, "docker_engine_info", "The Docker engine answering: its version and negotiated API version.",
		     1, "version", version ? version : "", "api_version", api_version ? api_version : "", NULL);
}

char *dk_render_label_name(const char *key)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "label_");
	for (const char *p = key; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
		strbuf_addch(&sb, ok ? c : '_');
	}
	return strbuf_detach(&sb, NULL);
}

static void render_info(struct metric_set *ms, const struct dk_entry *e)
{
	struct metric_family *f = metric_family(ms, "docker_container_info", METRIC_GAUGE,
						"A container: its name (without '/'), ID, image, restart policy (\"\" until inspected), and the labels chosen with --docker.label.");
	struct metric_label l[4 + 16];
	char *names[16];
	size_t n = 0, nl = 0;

	l[n++] = (struct metric_label){ "name", e->name };
	l[n++] = (struct metric_label){ "id", e->id };
	l[n++] = (struct metric_label){ "image", e->image };
	l[n++] = (struct metric_label){ "restart_policy", e->restart_policy };
	for (size_t i = 0; i < e->nlabels && nl < 16; i++) {
		names[nl] = dk_render_label_name(e->labels[i].key);
		l[n++] = (struct metric_label){ names[nl], e->labels[i].value };
		nl++;
	}
	metric_addv(f, 1, l, n);
	for (size_t i = 0; i < nl; i++)
		free(names[i]);
}

static void render_entry(struct metric_set *ms, const struct dk_entry *e, const struct strlist *mps)
{
	const char *n = e->name;
	struct metric_family *f;

	render_info(ms, e);
	if (e->state != DK_STATE_UNKNOWN) {
		f = metric_family(ms, "docker_container_state", METRIC_GAUGE,
				  "Container state, one-hot: created, running, paused, restarting, removing, exited, dead.");
		for (int s = 0; s < DK_STATE_COUNT; s++)
			metric_add(f, s == (int)e->state ? 1 : 0, "name", n, "state", dk_state_name((enum dk_state)s), NULL);
	}
	f = metric_family(ms, "docker_container_health_status", METRIC_GAUGE,
			  "Health check status, one-hot: healthy, unhealthy, starting, none (no health check).");
	for (int h = 0; h < DK_HEALTH_COUNT; h++)
		metric_add(f, h == (int)e->health ? 1 : 0, "name", n, "status", dk_health_name((enum dk_health)h), NULL);
	if (e->health != DK_HEALTH_NONE && e->failing_streak >= 0)
		metric_gauge(ms, "docker_container_health_failing_streak",
			     "Consecutive failed health probes (Docker's FailingStreak).", (double)e->failing_streak,
			     "name", n, NULL);
	if (e->restart_count >= 0)
		metric_gauge(ms, "docker_container_restarts", "Docker's RestartCount: restarts by the restart policy since the container was started by hand.",
			     (double)e->restart_count, "name", n, NULL);
	metric_counter(ms, "docker_container_restarts_total",
		       "Restarts seen since the exporter started: a start after a die, or a rise of RestartCount.",
		       e->restarts_total, "name", n, NULL);
	metric_counter(ms, "docker_container_ooms_total", "OOM kills seen since the exporter started (oom events).",
		       e->ooms_total, "name", n, NULL);
	metric_gauge(ms, "docker_container_oom_killed", "1 when the container's last exit was an OOM kill.",
		     e->oom_killed ? 1 : 0, "name", n, NULL);
	if (e->has_exit_code)
		metric_gauge(ms, "docker_container_exit_code", "Exit code of the container's last run (0 while it has not exited).",
			     (double)e->exit_code, "name", n, NULL);
	if (!isnan(e->started_at))
		metric_gauge(ms, "docker_container_started_at_timestamp_seconds", "When the container last started.",
			     e->started_at, "name", n, NULL);
	if (!isnan(e->finished_at))
		metric_gauge(ms, "docker_container_finished_at_timestamp_seconds", "When the container last exited.",
			     e->finished_at, "name", n, NULL);
	f = metric_family(ms, "docker_container_bind_mount_info", METRIC_GAUGE,
			  "A bind mount of a container: host source, the host mount point it lives under (mounted or in fstab), "
			  "destination in the container, rw 'true' or 'false'.");
	for (size_t i = 0; i < e->nmounts; i++) {
		struct strlist none = STRLIST_INIT;
		metric_add(f, 1, "name", n, "source", e->mounts[i].source,
			   "mountpoint", dk_mountpoint_for(mps ? mps : &none, e->mounts[i].source),
			   "destination", e->mounts[i].destination, "rw", e->mounts[i].rw ? "true" : "false", NULL);
	}
}

void dk_render_table(struct metric_set *ms, const struct dk_table *t, const struct strlist *mountpoints)
{
	size_t running = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (!*t->v[i]->name)
			continue;  /* neither an event nor an inspect named it yet */
		render_entry(ms, t->v[i], mountpoints);
		running += t->v[i]->state == DK_STATE_RUNNING;
	}
	metric_gauge(ms, "docker_containers", "Containers known to the engine.", (double)t->n, NULL);
	metric_gauge(ms, "docker_containers_running", "Containers running.", (double)running, NULL);
}
