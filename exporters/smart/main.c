/* main.c: smart_exporter: flags and wiring of discovery, replays and the collector into exporter_main() */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "common/exporter.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/strlist.h"
#include "common/xalloc.h"
#include "exporters/smart/caps.h"
#include "exporters/smart/collect.h"
#include "exporters/smart/discover.h"

struct smart_main {
	const struct exporter_ctx *ctx;
	double timeout;
	struct strlist devices;
	struct strlist blobs;
	struct strlist nvme_replays;
	char *include;
	char *exclude;
	char *save_dir;
	char *wake;
	bool discovery;
	struct smart_filter filter;
	struct smart_collector *coll;
};

static const char *const smart_wake_choices[] = { "never", "always", NULL };
static const char *const smart_error_reasons[] = { "discovery", NULL };

static void smart_register_flags(struct flagset *fs, void *arg)
{
	struct smart_main *m = arg;

	flag_duration(fs, "smart.timeout", &m->timeout, "30s",
		      "How long a collection waits for one disk; a disk still busy after it is reported "
		      "smart_device_up 0 (timeout) and skipped until its read returns.");
	flag_strings(fs, "smart.device", &m->devices, NULL,
		     "Disk to read, e.g. /dev/sda or /dev/disk/by-id/... (repeatable). Given: no udev discovery.");
	flag_string(fs, "smart.device-include", &m->include, "",
		    "Regex (POSIX extended, unanchored) that discovered disk names (sda, nvme0n1) must match.");
	flag_string(fs, "smart.device-exclude", &m->exclude, "",
		    "Regex (POSIX extended, unanchored) of discovered disk names to leave out.");
	flag_bool(fs, "smart.discovery", &m->discovery, true,
		  "Find disks with udev (and follow hotplug) when no --smart.device is given.");
	flag_strings(fs, "smart.blob", &m->blobs, NULL,
		     "A saved libatasmart blob (skdump --save) to serve as a disk named after the file (repeatable).");
	flag_strings(fs, "smart.nvme-replay", &m->nvme_replays, NULL,
		     "An NVMe replay file (Identify Controller 4096 bytes + SMART log 512 bytes) to serve as a "
		     "disk named after the file (repeatable).");
	flag_string(fs, "smart.save-dir", &m->save_dir, "",
		    "Directory where every successful disk read is also saved as a replay file (for bug reports).");
	flag_enum(fs, "smart.wake", &m->wake, "never", smart_wake_choices,
		  "never: a disk in standby is not read (last-known values, smart_device_sleeping 1); "
		  "always: read it anyway, spinning it up.");
}

static bool smart_reads_real_disks(const struct smart_main *m)
{
	return m->devices.n > 0 || m->discovery;
}

static int smart_init(void *arg, const struct exporter_ctx *ctx)
{
	struct smart_main *m = arg;
	struct smart_collector_config cfg;
	const char *bad = NULL;
	struct stat st;

	m->ctx = ctx;
	if (smart_filter_init(&m->filter, m->include, m->exclude, &bad) < 0) {
		log_error("smart", "invalid regular expression", "flag", bad);
		return -1;
	}
	if (m->timeout <= 0) {
		log_error("smart", "must be positive", "flag", "--smart.timeout");
		return -1;
	}
	if (m->save_dir && *m->save_dir &&
	    (stat(m->save_dir, &st) < 0 || !S_ISDIR(st.st_mode) || access(m->save_dir, W_OK) < 0)) {
		log_error("smart", "not a writable directory", "flag", "--smart.save-dir", "path", m->save_dir);
		return -1;
	}
	if (smart_reads_real_disks(m))
		smart_caps_check();
	memset(&cfg, 0, sizeof(cfg));
	cfg.interval = ctx->interval;
	cfg.timeout = m->timeout;
	cfg.read.wake = m->wake && strcmp(m->wake, "always") == 0 ? SMART_WAKE_ALWAYS : SMART_WAKE_NEVER;
	/* Each command may take a share of the per-disk deadline, at most 10 s. */
	cfg.read.cmd_timeout_ms = m->timeout >= 20 ? 10000 : (unsigned)(m->timeout * 500);
	cfg.read.save_dir = m->save_dir;
	cfg.stopping = ctx->stopping;
	cfg.stop_arg = ctx->stop_arg;
	m->coll = smart_collector_new(&cfg);
	return 0;
}

static const char *smart_basename(const char *path)
{
	const char *b = strrchr(path, '/');
	return b && b[1] ? b + 1 : path;
}

static void smart_add_replays(const struct strlist *paths, enum smart_target_kind kind, enum smart_dev_type type,
			      struct smart_target **targets, size_t *n, size_t *alloc)
{
	for (size_t i = 0; i < paths->n; i++) {
		struct smart_target *t;
		XGROW(*targets, *n + 1, *alloc);
		t = &(*targets)[(*n)++];
		memset(t, 0, sizeof(*t));
		t->name = xstrdup(smart_basename(paths->items[i]));
		t->path = xstrdup(paths->items[i]);
		t->kind = kind;
		t->type = type;
	}
}

static int smart_collect(void *arg, struct metric_set *ms, struct collect_report *rep)
{
	struct smart_main *m = arg;
	struct smart_target *targets = NULL;
	size_t n = 0, alloc = 0;
	int ret = 0;

	if (m->devices.n > 0) {
		targets = xcalloc(m->devices.n, sizeof(*targets));
		alloc = m->devices.n;
		for (size_t i = 0; i < m->devices.n; i++)
			smart_discover_lookup(m->devices.items[i], &targets[n++]);
	} else if (m->discovery) {
		if (smart_discover(&m->filter, &targets, &n) < 0) {
			collect_report_fail(rep, "discovery");
			ret = -1;
		}
		alloc = n;
	}
	smart_add_replays(&m->blobs, SMART_TARGET_BLOB, SMART_TYPE_ATA, &targets, &n, &alloc);
	smart_add_replays(&m->nvme_replays, SMART_TARGET_NVME_REPLAY, SMART_TYPE_NVME, &targets, &n, &alloc);
	smart_collector_run(m->coll, targets, n, ms);
	smart_targets_free(targets, n);
	return ret;
}

static void smart_release(void *arg)
{
	struct smart_main *m = arg;

	smart_collector_free(m->coll);
	m->coll = NULL;
	smart_filter_release(&m->filter);
}

static void smart_hotplug(void *arg)
{
	struct smart_main *m = arg;

	smart_collector_note_hotplug(m->coll);
	exporter_trigger();
}

static void *smart_watch(void *arg)
{
	struct smart_main *m = arg;

	/* Hotplug only matters when disks are discovered. */
	if (m->devices.n > 0 || !m->discovery)
		return NULL;
	return smart_discover_watch(&m->filter, m->ctx->cancel_fd, smart_hotplug, m);
}

int main(int argc, char **argv)
{
	static struct smart_main m;
	struct exporter e = {
		.name = "smart_exporter",
		.prefix = "smart",
		.summary = "ATA and NVMe disk health (SMART) that never wakes a sleeping disk.",
		.default_listen = ":9762",
		.error_reasons = smart_error_reasons,
		.arg = &m,
		.register_flags = smart_register_flags,
		.init = smart_init,
		.collect = smart_collect,
		.release = smart_release,
		.watch = smart_watch,
		.default_interval = 300,
		.interval_help = "How often disks are read in the background.",
	};

	return exporter_main(&e, argc, argv);
}
