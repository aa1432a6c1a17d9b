/* render.c: SnapRAID models to metric families; every snapraid_* metric name is defined here */
#include "exporters/snapraid/render.h"

#include <math.h>
#include <stddef.h>
#include <string.h>
#include "common/metrics.h"

/* Adds a gauge sample unless the value is unknown. Label pairs follow, then NULL. */
#define SR_GAUGE(ms, name, help, value, ...)                                   \
	do {                                                                   \
		double sr_v_ = (value);                                        \
		if (!isnan(sr_v_))                                             \
			metric_gauge((ms), (name), (help), sr_v_, __VA_ARGS__); \
	} while (0)

void sr_render_busy(struct metric_set *ms, bool busy)
{
	metric_gauge(ms, "snapraid_busy",
		     "1 while another SnapRAID process (a sync or scrub) holds the array lock; the status "
		     "values are then the last successful ones, see snapraid_status_timestamp_seconds.",
		     busy ? 1 : 0, (const char *)NULL);
}

static void render_disks(struct metric_set *ms, const struct sr_status *st)
{
	for (size_t i = 0; i < st->ndisks; i++) {
		const struct sr_disk *d = &st->disks[i];
		SR_GAUGE(ms, "snapraid_disk_files", "Files on the data disk.", d->files, "disk", d->name,
			 (const char *)NULL);
		SR_GAUGE(ms, "snapraid_disk_fragmented_files", "Fragmented files on the data disk.",
			 d->fragmented_files, "disk", d->name, (const char *)NULL);
		SR_GAUGE(ms, "snapraid_disk_excess_fragments",
			 "Fragments beyond the first of each file on the data disk.", d->excess_fragments, "disk",
			 d->name, (const char *)NULL);
		SR_GAUGE(ms, "snapraid_disk_zero_subsecond_files",
			 "Files on the data disk with a zero sub-second timestamp (run 'snapraid touch').",
			 d->zero_subsecond_files, "disk", d->name, (const char *)NULL);
		SR_GAUGE(ms, "snapraid_disk_used_bytes",
			 "Size of the files on the data disk (1 GB resolution before SnapRAID 12).",
			 d->used_bytes, "disk", d->name, (const char *)NULL);
		SR_GAUGE(ms, "snapraid_disk_free_bytes",
			 "Free space on the data disk usable by the array, limited by the parity size.",
			 d->free_bytes, "disk", d->name, (const char *)NULL);
		SR_GAUGE(ms, "snapraid_disk_wasted_bytes",
			 "Space on the data disk that cannot be used because the parity is smaller.",
			 d->wasted_bytes, "disk", d->name, (const char *)NULL);
	}
}

static void render_parity(struct metric_set *ms, const struct sr_status *st)
{
	for (size_t i = 0; i < st->nparities; i++) {
		const struct sr_parity *p = &st->parities[i];
		SR_GAUGE(ms, "snapraid_parity_size_bytes", "Capacity of the parity level.", p->size_bytes,
			 "parity", p->name, (const char *)NULL);
		SR_GAUGE(ms, "snapraid_parity_free_bytes", "Free space of the parity level.", p->free_bytes,
			 "parity", p->name, (const char *)NULL);
	}
	SR_GAUGE(ms, "snapraid_parity_allocated_bytes", "Parity in use (allocated blocks times the block size).",
		 st->parity_allocated_bytes, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_parity_max_bytes",
		 "Largest parity possible: allocated plus the minimum free space over all parity levels.",
		 st->parity_max_bytes, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_block_size_bytes", "SnapRAID block size.", st->block_size_bytes,
		 (const char *)NULL);
}

void sr_render_status(struct metric_set *ms, const struct sr_status *st, double timestamp)
{
	SR_GAUGE(ms, "snapraid_status_timestamp_seconds",
		 "When the served status values were taken (Unix time); older than the collection while busy.",
		 timestamp, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_array_files", "Files in the array.", st->files, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_array_fragmented_files", "Fragmented files in the array.", st->fragmented_files,
		 (const char *)NULL);
	SR_GAUGE(ms, "snapraid_array_excess_fragments", "Fragments beyond the first of each file in the array.",
		 st->excess_fragments, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_array_zero_subsecond_files",
		 "Files with a zero sub-second timestamp (run 'snapraid touch').", st->zero_subsecond_files,
		 (const char *)NULL);
	SR_GAUGE(ms, "snapraid_array_used_bytes", "Size of the files in the array.", st->used_bytes,
		 (const char *)NULL);
	SR_GAUGE(ms, "snapraid_array_free_bytes", "Free space usable by the array, limited by the parity size.",
		 st->free_bytes, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_array_wasted_bytes",
		 "Space on the data disks that cannot be used because the parity is smaller.", st->wasted_bytes,
		 (const char *)NULL);
	render_disks(ms, st);
	render_parity(ms, st);

	SR_GAUGE(ms, "snapraid_scrub_oldest_block_age_seconds",
		 "Time since the block scrubbed (or synced) longest ago was last checked.",
		 st->scrub_oldest_age_seconds, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_scrub_median_block_age_seconds", "Median time since blocks were last scrubbed or synced.",
		 st->scrub_median_age_seconds, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_scrub_newest_block_age_seconds", "Time since the most recent scrub or sync of any block.",
		 st->scrub_newest_age_seconds, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_unscrubbed_ratio", "Fraction of the array never scrubbed since it was synced.",
		 st->unscrubbed_ratio, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_sync_in_progress", "1 when a sync was interrupted and parity is partly out of date.",
		 st->sync_in_progress, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_sync_progress_ratio", "Fraction of the parity that is up to date (1 when fully synced).",
		 st->sync_progress_ratio, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_unsynced", "Blocks whose parity is not up to date (summary:has_unsynced).",
		 st->unsynced_blocks, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_rehash_needed", "1 when a rehash is in progress or recommended.", st->rehash_needed,
		 (const char *)NULL);
	SR_GAUGE(ms, "snapraid_array_errors",
		 "Blocks marked bad by a scrub or sync (silent or I/O errors); 'snapraid -e fix' repairs them.",
		 st->bad_blocks, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_array_empty", "1 when the array has never been synced.", st->array_empty ? 1 : 0,
		 (const char *)NULL);
}

void sr_render_run(struct metric_set *ms, const struct sr_run *run, double timestamp, bool success)
{
	static const struct {
		const char *kind;
		size_t off;
	} kinds[] = {
		{ "soft", offsetof(struct sr_run, errors_soft) },
		{ "io", offsetof(struct sr_run, errors_io) },
		{ "data", offsetof(struct sr_run, errors_data) },
	};
	static const struct {
		const char *change;
		size_t off;
	} changes[] = {
		{ "equal", offsetof(struct sr_run, equal) },
		{ "added", offsetof(struct sr_run, added) },
		{ "removed", offsetof(struct sr_run, removed) },
		{ "updated", offsetof(struct sr_run, updated) },
		{ "moved", offsetof(struct sr_run, moved) },
		{ "copied", offsetof(struct sr_run, copied) },
		{ "relocated", offsetof(struct sr_run, relocated) },
		{ "restored", offsetof(struct sr_run, restored) },
	};
	const char *cmd = run->command;

	if (!cmd)
		return;
	SR_GAUGE(ms, "snapraid_last_run_timestamp_seconds",
		 "Start of the newest logged run of the command (Unix time), from --snapraid.log-glob.", timestamp,
		 "command", cmd, (const char *)NULL);
	metric_gauge(ms, "snapraid_last_run_success",
		     "1 when the newest logged run of the command finished without errors.", success ? 1 : 0,
		     "command", cmd, (const char *)NULL);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		double v = *(const double *)((const char *)run + kinds[i].off);
		SR_GAUGE(ms, "snapraid_last_run_errors",
			 "Errors of the newest logged run: soft (file changed or missing), io, data (silent corruption).",
			 v, "command", cmd, "kind", kinds[i].kind, (const char *)NULL);
	}
	if (strcmp(cmd, "diff") != 0)
		return;
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		double v = *(const double *)((const char *)run + changes[i].off);
		SR_GAUGE(ms, "snapraid_last_diff_files", "Files by change in the newest logged 'snapraid diff'.", v,
			 "change", changes[i].change, (const char *)NULL);
	}
}

void sr_render_smart(struct metric_set *ms, bool up, const struct sr_smart *sm, double timestamp)
{
	metric_gauge(ms, "snapraid_smart_up", "1 when the last 'snapraid smart' (--snapraid.smart) succeeded.",
		     up ? 1 : 0, (const char *)NULL);
	if (!sm)
		return;
	SR_GAUGE(ms, "snapraid_smart_timestamp_seconds", "When the served SMART values were taken (Unix time).",
		 timestamp, (const char *)NULL);
	SR_GAUGE(ms, "snapraid_array_failure_probability_ratio",
		 "Estimated probability that at least one disk fails within a year.", sm->array_failure_probability,
		 (const char *)NULL);
	for (size_t i = 0; i < sm->ndisks; i++) {
		const struct sr_smart_disk *d = &sm->disks[i];
#define SR_DEV "disk", d->disk, "device", d->device, "serial", d->serial, (const char *)NULL
		SR_GAUGE(ms, "snapraid_disk_failure_probability_ratio",
			 "Estimated probability that the disk fails within a year (SnapRAID's FP).",
			 d->failure_probability, SR_DEV);
		SR_GAUGE(ms, "snapraid_disk_temperature_celsius", "Disk temperature.", d->temperature_celsius, SR_DEV);
		SR_GAUGE(ms, "snapraid_disk_power_on_seconds", "Disk power-on time.", d->power_on_seconds, SR_DEV);
		SR_GAUGE(ms, "snapraid_disk_smart_errors", "Errors in the disk's SMART error log.", d->error_count,
			 SR_DEV);
		SR_GAUGE(ms, "snapraid_disk_smart_failing", "1 when smartctl reports the disk FAIL or PREFAIL.",
			 d->failing, SR_DEV);
		SR_GAUGE(ms, "snapraid_disk_size_bytes", "Disk size.", d->size_bytes, SR_DEV);
#undef SR_DEV
	}
}
