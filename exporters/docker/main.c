/* main.c: docker_health_exporter: --docker.* flags and the wiring into exporter_main() */
#include <stdlib.h>
#include "common/exporter.h"
#include "common/flags.h"
#include "exporters/docker/state.h"

static void docker_register_flags(struct flagset *fs, void *arg)
{
	struct dk_exporter *st = arg;
	const char *env = getenv("DOCKER_HOST");

	flag_string(fs, "docker.host", &st->cfg.host, env && *env ? env : "unix:///var/run/docker.sock",
		    "Docker (or Podman) API socket: unix:///PATH or tcp://HOST:PORT (default: $DOCKER_HOST, else the standard socket).");
	flag_strings(fs, "docker.label", &st->cfg.labels, NULL,
		     "A container label to copy onto docker_container_info as label_<key> (repeatable; e.g. com.docker.compose.project).");
	flag_duration(fs, "docker.resync-interval", &st->cfg.resync_interval, "5m",
		      "How often to list and inspect every container, to heal anything the event stream missed.");
	flag_string(fs, "docker.fstab", &st->cfg.fstab, "/etc/fstab",
		    "Mount points expected besides those mounted now, for the mountpoint label of bind mounts (\"\" = none).");
	flag_duration(fs, "docker.timeout", &st->cfg.timeout, "10s", "Timeout of each API request (not of the event stream).");
}

static int docker_init(void *arg, const struct exporter_ctx *ctx)
{
	return dk_state_init(arg, ctx);
}

static int docker_collect(void *arg, struct metric_set *ms, struct collect_report *rep)
{
	return dk_collect(arg, ms, rep);
}

static void docker_release(void *arg)
{
	dk_state_release(arg);
}

int main(int argc, char **argv)
{
	static struct dk_exporter state;
	static const struct exporter e = {
		.name = "docker_health_exporter",
		.prefix = "docker",
		.summary = "Prometheus exporter for Docker container health, restarts and OOM kills, driven by the event stream.",
		.default_listen = ":9764",
		.default_interval = 300,
		.interval_help = "How often to collect without an event (a full resync happens every --docker.resync-interval).",
		.trigger_spacing = 0.25,
		.error_reasons = dk_error_reasons,
		.arg = &state,
		.register_flags = docker_register_flags,
		.init = docker_init,
		.collect = docker_collect,
		.release = docker_release,
		.watch = dk_watch,
	};

	return exporter_main(&e, argc, argv);
}
