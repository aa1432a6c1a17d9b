/* render.c: cifs_mount_exporter's models to metric families (every cifs_* name lives here) */
#include "exporters/cifs/render.h"

#include <stdlib.h>
#include <string.h>
#include "common/metrics.h"
#include "common/xalloc.h"

void cifs_render_mounts(struct metric_set *ms, const struct cifs_plan *plan, const struct cifs_probe_view *views)
{
	struct metric_family *expected = metric_family(ms, "cifs_mount_expected", METRIC_GAUGE,
		"1 when the mountpoint is expected: a counted type in the fstab, or --cifs.mount.");
	struct metric_family *mounted = metric_family(ms, "cifs_mount_mounted", METRIC_GAUGE,
		"1 when a filesystem of a counted type (--cifs.fstypes) is mounted on the mountpoint.");
	struct metric_family *armed = metric_family(ms, "cifs_mount_automount_armed", METRIC_GAUGE,
		"1 when an automount (autofs) trap is set on the mountpoint.");
	struct metric_family *readonly = metric_family(ms, "cifs_mount_readonly", METRIC_GAUGE,
		"1 when the filesystem is mounted read-only (superblock option ro).");
	struct metric_family *responsive = metric_family(ms, "cifs_mount_responsive", METRIC_GAUGE,
		"1 when the last probe (statfs and one directory entry or the canary) succeeded in time.");
	struct metric_family *stuck = metric_family(ms, "cifs_mount_stuck", METRIC_GAUGE,
		"1 while a probe of the mount is blocked past --cifs.probe-timeout (it is not probed again until it returns).");
	struct metric_family *duration = metric_family(ms, "cifs_mount_probe_duration_seconds", METRIC_GAUGE,
		"Seconds the last probe took, or how long the stuck probe has been blocked.");
	struct metric_family *size = metric_family(ms, "cifs_mount_size_bytes", METRIC_GAUGE,
		"Size of the mounted filesystem (statfs of the last probe).");
	struct metric_family *freeb = metric_family(ms, "cifs_mount_free_bytes", METRIC_GAUGE,
		"Free bytes of the mounted filesystem (statfs of the last probe).");
	struct metric_family *avail = metric_family(ms, "cifs_mount_avail_bytes", METRIC_GAUGE,
		"Bytes available to unprivileged users on the mounted filesystem (statfs of the last probe).");
	struct metric_family *under = metric_family(ms, "cifs_mount_underlying_entries", METRIC_GAUGE,
		"Entries in the local directory of an expected mountpoint that is not mounted: data written underneath.");

	for (size_t i = 0; i < plan->n; i++) {
		const struct cifs_plan_entry *e = &plan->entries[i];
		const struct cifs_probe_view *v = &views[i];
		const char *mp = e->mountpoint;

		metric_add(expected, e->expected ? 1 : 0, "mountpoint", mp, "share", e->share, NULL);
		metric_add(mounted, e->mounted ? 1 : 0, "mountpoint", mp, "share", e->share, NULL);
		metric_add(armed, e->armed ? 1 : 0, "mountpoint", mp, NULL);
		if (e->mounted)
			metric_add(readonly, e->readonly ? 1 : 0, "mountpoint", mp, "share", e->share, NULL);
		if (!v->probed)
			continue;
		if (e->action == CIFS_ACT_UNDERLYING) {
			if (v->fresh && v->result.has_entries)
				metric_add(under, v->result.entries, "mountpoint", mp, NULL);
			continue;
		}
		if (v->stuck) {
			metric_add(responsive, 0, "mountpoint", mp, "share", e->share, NULL);
			metric_add(stuck, 1, "mountpoint", mp, NULL);
			metric_add(duration, v->duration, "mountpoint", mp, NULL);
			continue;
		}
		if (!v->fresh)
			continue;   /* deferred or no thread: nothing measured this round */
		metric_add(responsive, v->result.err ? 0 : 1, "mountpoint", mp, "share", e->share, NULL);
		metric_add(stuck, 0, "mountpoint", mp, NULL);
		metric_add(duration, v->duration, "mountpoint", mp, NULL);
		if (v->result.has_statfs) {
			metric_add(size, v->result.size, "mountpoint", mp, "share", e->share, NULL);
			metric_add(freeb, v->result.free, "mountpoint", mp, "share", e->share, NULL);
			metric_add(avail, v->result.avail, "mountpoint", mp, "share", e->share, NULL);
		}
	}
}

void cifs_render_in_flight(struct metric_set *ms, size_t n)
{
	metric_gauge(ms, "cifs_probes_in_flight",
		     "Probe calls still blocked after the round's deadline: the worker threads stuck mounts hold.",
		     (double)n, NULL);
}

/* "//server/share/path" -> "server" (new string) */
static char *render_server_of(const char *unc)
{
	const char *s = unc;
	const char *end;

	while (*s == '/')
		s++;
	end = strchr(s, '/');
	return end ? xstrndup(s, (size_t)(end - s)) : xstrdup(s);
}

void cifs_render_stats(struct metric_set *ms, const struct cifs_stats *st, bool with_connected)
{
	struct metric_family *ops, *failed, *smbs, *rd, *wr, *conn = NULL;

	if (st->has_sessions)
		metric_gauge(ms, "cifs_sessions", "SMB sessions of the kernel client (fs/cifs/Stats).",
			     st->sessions, NULL);
	if (st->has_shares)
		metric_gauge(ms, "cifs_shares", "Unique mount targets (tree connections) of the kernel client.",
			     st->shares, NULL);
	if (st->has_reconnects) {
		metric_counter(ms, "cifs_reconnects_total", "Reconnects of the kernel client since boot, by kind.",
			       st->session_reconnects, "kind", "session", NULL);
		metric_counter(ms, "cifs_reconnects_total", "Reconnects of the kernel client since boot, by kind.",
			       st->share_reconnects, "kind", "share", NULL);
	}
	if (st->has_vfs)
		metric_counter(ms, "cifs_vfs_operations_total", "VFS operations of the kernel client since boot.",
			       st->vfs_operations, NULL);
	ops = metric_family(ms, "cifs_share_operations_total", METRIC_COUNTER,
			    "SMB operations sent on the share, by operation (kernel names in snake_case).");
	failed = metric_family(ms, "cifs_share_operations_failed_total", METRIC_COUNTER,
			       "SMB operations that failed on the share (SMB2 and later), by operation.");
	smbs = metric_family(ms, "cifs_share_smbs_total", METRIC_COUNTER, "SMB requests sent on the share.");
	rd = metric_family(ms, "cifs_share_read_bytes_total", METRIC_COUNTER, "Bytes read from the share.");
	wr = metric_family(ms, "cifs_share_written_bytes_total", METRIC_COUNTER, "Bytes written to the share.");
	if (with_connected)
		conn = metric_family(ms, "cifs_share_connected", METRIC_GAUGE,
				     "1 when the kernel's tree connection to the share is good (not DISCONNECTED).");
	for (size_t i = 0; i < st->nshare; i++) {
		const struct cifs_stats_share *s = &st->share[i];

		if (s->has_smbs)
			metric_add(smbs, s->smbs, "share", s->name, NULL);
		if (s->has_bytes) {
			metric_add(rd, s->read_bytes, "share", s->name, NULL);
			metric_add(wr, s->written_bytes, "share", s->name, NULL);
		}
		for (size_t j = 0; j < s->nops; j++) {
			metric_add(ops, s->ops[j].total, "share", s->name, "op", s->ops[j].name, NULL);
			if (s->ops[j].has_failed)
				metric_add(failed, s->ops[j].failed, "share", s->name, "op", s->ops[j].name, NULL);
		}
		if (conn) {
			char *server = render_server_of(s->name);
			metric_add(conn, s->disconnected ? 0 : 1, "server", server, "share", s->name, NULL);
			free(server);
		}
	}
}

void cifs_render_debugdata(struct metric_set *ms, const struct cifs_debugdata *dd)
{
	struct metric_family *conn = metric_family(ms, "cifs_share_connected", METRIC_GAUGE,
		"1 when the kernel's tree connection to the share is good (not DISCONNECTED).");

	metric_gauge(ms, "cifs_servers", "SMB server connections of the kernel client (fs/cifs/DebugData).",
		     (double)dd->nservers, NULL);
	for (size_t i = 0; i < dd->nshare; i++) {
		const struct cifs_dd_share *s = &dd->share[i];

		bool up = cifs_dd_share_connected(s), first = true;

		if (s->ipc)
			continue;
		/* one share used by two sessions (multiuser): connected only when all are */
		for (size_t j = 0; j < dd->nshare; j++) {
			const struct cifs_dd_share *o = &dd->share[j];
			if (j == i || o->ipc || strcmp(o->server, s->server) != 0 || strcmp(o->name, s->name) != 0)
				continue;
			if (j < i)
				first = false;
			if (!cifs_dd_share_connected(o))
				up = false;
		}
		if (first)
			metric_add(conn, up ? 1 : 0, "server", s->server, "share", s->name, NULL);
	}
}
