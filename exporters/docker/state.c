/* state.c: set-up and release of what docker_health_exporter's threads share */
#include "exporters/docker/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/exporter.h"
#include "common/metrics.h"
#include "common/xalloc.h"

#define DK_MAX_LABELS 16

/* Docker's container actions, pre-initialised so that rate() works from the start. */
static const char *const dk_known_actions[] = {
	"create", "start", "die", "oom", "kill", "stop", "destroy", "rename", "pause", "unpause",
	"restart", "health_status", NULL,
};

int dk_state_init(struct dk_exporter *st, const struct exporter_ctx *ctx)
{
	char err[256];
	static const char *const action_label[] = { "action", NULL };

	st->ctx = ctx;
	if (dk_host_parse(st->cfg.host, &st->socket, &st->base, err, sizeof(err)) < 0) {
		fprintf(stderr, "docker_health_exporter: flag '--docker.host': %s\n", err);
		return -1;
	}
	if (!(st->cfg.timeout > 0)) {
		fprintf(stderr, "docker_health_exporter: flag '--docker.timeout' must be greater than 0\n");
		return -1;
	}
	if (!(st->cfg.resync_interval > 0)) {
		fprintf(stderr, "docker_health_exporter: flag '--docker.resync-interval' must be greater than 0\n");
		return -1;
	}
	if (st->cfg.labels.n > DK_MAX_LABELS) {
		fprintf(stderr, "docker_health_exporter: flag '--docker.label' given more than %d times\n", DK_MAX_LABELS);
		return -1;
	}
	for (size_t i = 0; i < st->cfg.labels.n; i++) {
		if (!*st->cfg.labels.items[i]) {
			fprintf(stderr, "docker_health_exporter: flag '--docker.label' must not be empty\n");
			return -1;
		}
	}
	pthread_mutex_init(&st->mu, NULL);
	st->table = dk_table_new();
	st->events = counter_vec_new("docker_events_total",
				     "Container events received from the engine, by action (without its detail).",
				     action_label);
	for (size_t i = 0; dk_known_actions[i]; i++)
		counter_vec_add(st->events, 0, dk_known_actions[i], NULL);
	atomic_store(&st->stream, DK_STREAM_NONE);
	atomic_store(&st->resync, true);
	dk_client_init(&st->cc, st->socket, st->base, st->cfg.timeout, ctx ? ctx->cancel_fd : -1);
	return 0;
}

void dk_state_release(struct dk_exporter *st)
{
	if (st->table) {
		dk_client_release(&st->cc);
		dk_table_free(st->table);
		counter_vec_free(st->events);
		pthread_mutex_destroy(&st->mu);
	}
	st->table = NULL;
	st->events = NULL;
	free(st->socket);
	free(st->base);
	st->socket = st->base = NULL;
}
