/* main.c: cifs_mount_exporter: --cifs.* flags and the wiring into exporter_main() */
#include <stdio.h>
#include <stdlib.h>
#include "common/exporter.h"
#include "common/flags.h"
#include "exporters/cifs/collect.h"

struct cifs_main {
	struct cifs_config cfg;
	struct cifs_collector *collector;
};

static void cifs_register_flags(struct flagset *fs, void *arg)
{
	struct cifs_main *m = arg;

	flag_string(fs, "cifs.fstab", &m->cfg.fstab, "/etc/fstab",
		    "fstab whose entries of a counted type are expected mounts (\"\" = none).");
	flag_strings(fs, "cifs.mount", &m->cfg.mounts, NULL,
		     "A mountpoint expected to be mounted besides the fstab's (repeatable).");
	flag_string(fs, "cifs.fstypes", &m->cfg.fstypes, "cifs,smb3",
		    "Comma-separated filesystem types that count as shares (e.g. cifs,smb3,nfs4,fuse.mergerfs).");
	flag_duration(fs, "cifs.probe-timeout", &m->cfg.probe_timeout, "5s",
		      "Longest a probe (statfs and one directory entry) may take before the mount is stuck.");
	flag_bool(fs, "cifs.probe-automount", &m->cfg.probe_automount, false,
		  "Probe armed automount points that are not mounted (this mounts them).");
	flag_string(fs, "cifs.canary", &m->cfg.canary, "",
		    "A file relative to each mountpoint to read one byte of instead of listing the directory.");
}

static int cifs_init(void *arg, const struct exporter_ctx *ctx)
{
	struct cifs_main *m = arg;

	m->cfg.ctx = ctx;
	m->collector = cifs_collector_new(&m->cfg);
	return m->collector ? 0 : -1;
}

static int cifs_collect_cb(void *arg, struct metric_set *ms, struct collect_report *rep)
{
	struct cifs_main *m = arg;
	const char *reason = cifs_collect(m->collector, ms);

	if (reason) {
		collect_report_fail_msg(rep, reason, cifs_collect_message(m->collector));
		return -1;
	}
	return 0;
}

static void cifs_release(void *arg)
{
	struct cifs_main *m = arg;

	cifs_collector_free(m->collector);
	m->collector = NULL;
}

int main(int argc, char **argv)
{
	static struct cifs_main state;
	static const struct exporter e = {
		.name = "cifs_mount_exporter",
		.prefix = "cifs",
		.summary = "Prometheus exporter for CIFS/SMB mounts: expected, mounted, answering, never hanging a scrape.",
		.default_listen = ":9763",
		.error_reasons = cifs_error_reasons,
		.arg = &state,
		.register_flags = cifs_register_flags,
		.init = cifs_init,
		.collect = cifs_collect_cb,
		.release = cifs_release,
		.default_interval = 30,
		.interval_help = "How often to read the mounts and probe each share.",
	};

	return exporter_main(&e, argc, argv);
}
