/* render.h: cifs_mount_exporter's models to metric families (every cifs_* name lives in render.c) */
#ifndef CIFS_RENDER_H
#define CIFS_RENDER_H

#include <stddef.h>
#include "exporters/cifs/parse.h"
#include "exporters/cifs/plan.h"
#include "exporters/cifs/probe.h"

struct metric_set;

/*
 * Per mountpoint: cifs_mount_expected, _mounted, _automount_armed, _readonly (mounted), and
 * from views[0..plan->n): _responsive, _stuck, _probe_duration_seconds, _size/_free/_avail_bytes
 * (probed), _underlying_entries (expected, unmounted, no mount there). Values a probe did not
 * produce this round are left out, never served stale.
 */
void cifs_render_mounts(struct metric_set *ms, const struct cifs_plan *plan, const struct cifs_probe_view *views);

/* cifs_probes_in_flight: probe calls still blocked after the round (one per stuck mount at most). */
void cifs_render_in_flight(struct metric_set *ms, size_t n);

/* fs/cifs/Stats: cifs_sessions, cifs_shares, cifs_reconnects_total{kind}, cifs_vfs_operations_total,
 * and per share cifs_share_smbs_total, _operations_total{op}, _operations_failed_total{op},
 * _read_bytes_total, _written_bytes_total. With with_connected (no DebugData), also
 * cifs_share_connected{server,share} from the DISCONNECTED marks. */
void cifs_render_stats(struct metric_set *ms, const struct cifs_stats *st, bool with_connected);

/* fs/cifs/DebugData: cifs_share_connected{server,share} (IPC$ connections left out), cifs_servers. */
void cifs_render_debugdata(struct metric_set *ms, const struct cifs_debugdata *dd);

#endif
