/* main.c: snapraid_exporter: --snapraid.* flags and the wiring into exporter_main() */
#include <stdio.h>
#include <stdlib.h>
#include "common/exporter.h"
#include "common/flags.h"
#include "common/log.h"
#include "exporters/snapraid/collect.h"

static struct sr_config cfg;
static struct sr_collector *collector;

static void snapraid_register_flags(struct flagset *fs, void *arg)
{
	(void)arg;
	flag_string(fs, "snapraid.path", &cfg.snapraid, "snapraid",
		    "The snapraid program (looked up in PATH unless it contains '/').");
	flag_string(fs, "snapraid.config", &cfg.config, "/etc/snapraid.conf",
		    "SnapRAID configuration file (passed as -c; its content files locate the lock).");
	flag_duration(fs, "snapraid.timeout", &cfg.timeout, "2m",
		      "Longest a snapraid run may take before its process group is killed.");
	flag_bool(fs, "snapraid.smart", &cfg.smart, false,
		  "Also run 'snapraid smart' for per-disk failure probability (it can spin disks up).");
	flag_duration(fs, "snapraid.smart-interval", &cfg.smart_interval, "1h",
		      "How often to run 'snapraid smart' (with --snapraid.smart).");
	flag_string(fs, "snapraid.log-glob", &cfg.log_glob, "",
		    "Glob of logs written by scheduled 'snapraid sync|scrub -l FILE' runs "
		    "(e.g. /var/log/snapraid/*.log); the newest of each command is exported.");
}

static int snapraid_init(void *arg, const struct exporter_ctx *ctx)
{
	(void)arg;
	cfg.ctx = ctx;
	if (!(cfg.timeout > 0)) {
		fprintf(stderr, "snapraid_exporter: flag '--snapraid.timeout' must be greater than 0\n");
		return -1;
	}
	if (!(cfg.smart_interval > 0)) {
		fprintf(stderr, "snapraid_exporter: flag '--snapraid.smart-interval' must be greater than 0\n");
		return -1;
	}
	if (!*cfg.snapraid || !*cfg.config) {
		fprintf(stderr, "snapraid_exporter: flags '--snapraid.path' and '--snapraid.config' must not be empty\n");
		return -1;
	}
	collector = sr_collector_new(&cfg);
	return 0;
}

static int snapraid_collect(void *arg, struct metric_set *ms, struct collect_report *rep)
{
	const char *reason;

	(void)arg;
	reason = sr_collect(collector, ms);
	if (reason) {
		collect_report_fail_msg(rep, reason, sr_collect_message(collector));
		return -1;
	}
	return 0;
}

static void snapraid_release(void *arg)
{
	(void)arg;
	sr_collector_free(collector);
	collector = NULL;
}

int main(int argc, char **argv)
{
	static const struct exporter e = {
		.name = "snapraid_exporter",
		.prefix = "snapraid",
		.summary = "Prometheus exporter for SnapRAID arrays: status, scheduled sync/scrub results, SMART.",
		.default_listen = ":9761",
		.error_reasons = sr_error_reasons,
		.register_flags = snapraid_register_flags,
		.init = snapraid_init,
		.collect = snapraid_collect,
		.release = snapraid_release,
		.default_interval = 300,
		.interval_help = "How often to run 'snapraid status'.",
	};

	return exporter_main(&e, argc, argv);
}
