/* render.h: docker_health_exporter's metric names: the container table and the engine to metric families */
#ifndef DOCKER_RENDER_H
#define DOCKER_RENDER_H

#include "exporters/docker/table.h"

struct metric_set;

/* docker_engine_info{version,api_version} 1. */
void dk_render_engine(struct metric_set *ms, const char *version, const char *api_version);
/*
 * Every container of t: info (with the --docker.label labels, as label_<key sanitised>), state
 * and health one-hot, failing streak, restarts, counters, OOM, exit code, times, bind mounts.
 * Containers not inspected yet are rendered from what their events said. mountpoints (may be
 * NULL): the host's known mount points, for the mountpoint label of bind mounts (mountpoints.h).
 */
struct strlist;
void dk_render_table(struct metric_set *ms, const struct dk_table *t, const struct strlist *mountpoints);
/* "com.docker.compose.project" -> "label_com_docker_compose_project" (heap; caller frees). */
char *dk_render_label_name(const char *key);

#endif
