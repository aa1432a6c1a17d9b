/* render.c: disk states to metric families; every smart_* metric name and unit conversion lives here */
#include "exporters/smart/render.h"

#include <stdio.h>
#include "common/metrics.h"

/* NVMe reports Kelvin as integers computed by the drive as Celsius + 273; smartctl subtracts 273 too. */
#define NVME_KELVIN_OFFSET 273.0
#define NVME_DATA_UNIT_BYTES 512000.0   /* "thousand 512-byte units" (NVMe base spec) */

struct render_families {
	struct metric_family *info, *up, *error, *sleeping, *last_read, *duration;
	struct metric_family *healthy, *overall, *temp, *power_on, *power_cycles, *bad_sectors;
	struct metric_family *self_test;
	struct metric_family *a_value, *a_worst, *a_thresh, *a_raw, *a_pretty, *a_failing;
	struct metric_family *n_cw, *n_cw_flag, *n_spare, *n_spare_thresh, *n_used, *n_media, *n_errlog;
	struct metric_family *n_read, *n_written, *n_read_cmds, *n_write_cmds, *n_unsafe, *n_busy;
	struct metric_family *n_warn_time, *n_crit_time, *n_sensor, *n_warn_thresh, *n_crit_thresh;
};

static void render_families_init(struct metric_set *ms, struct render_families *f)
{
	f->info = metric_family(ms, "smart_device_info", METRIC_GAUGE,
				"Disk identification: type (ata or nvme), model, serial and firmware; always 1.");
	f->up = metric_family(ms, "smart_device_up", METRIC_GAUGE,
			      "1 when the last read succeeded (or the disk answered that it is in standby), 0 when it failed.");
	f->error = metric_family(ms, "smart_device_read_error", METRIC_GAUGE,
				 "1 with the reason of the failed last read, present only while smart_device_up is 0.");
	f->sleeping = metric_family(ms, "smart_device_sleeping", METRIC_GAUGE,
				    "1 when the disk was in standby and was not read, so its values are the last-known ones.");
	f->last_read = metric_family(ms, "smart_device_last_read_timestamp_seconds", METRIC_GAUGE,
				     "Unix time of the last successful read of the disk's SMART data.");
	f->duration = metric_family(ms, "smart_device_read_duration_seconds", METRIC_GAUGE,
				    "Seconds the last finished read attempt of the disk took.");
	f->healthy = metric_family(ms, "smart_device_smart_healthy", METRIC_GAUGE,
				   "1 when the disk's own health assessment passes: ATA SMART RETURN STATUS, or no NVMe critical warning bit set.");
	f->overall = metric_family(ms, "smart_device_overall_status", METRIC_GAUGE,
				   "libatasmart's overall disk state, one-hot over its states (ATA only).");
	f->temp = metric_family(ms, "smart_device_temperature_celsius", METRIC_GAUGE,
				"Disk temperature (ATA: highest temperature attribute; NVMe: composite temperature).");
	f->power_on = metric_family(ms, "smart_device_power_on_seconds", METRIC_GAUGE,
				    "Time the disk has been powered on over its life.");
	f->power_cycles = metric_family(ms, "smart_device_power_cycles_total", METRIC_COUNTER,
					"Power on/off cycles of the disk over its life.");
	f->bad_sectors = metric_family(ms, "smart_device_bad_sectors", METRIC_GAUGE,
				       "Reallocated plus pending sectors, as libatasmart counts them (ATA only).");
	f->self_test = metric_family(ms, "smart_ata_self_test_status", METRIC_GAUGE,
				     "Result of the last ATA self-test (or in_progress), as a status label; always 1.");
	f->a_value = metric_family(ms, "smart_ata_attribute_value", METRIC_GAUGE,
				   "Normalised current value of an ATA SMART attribute.");
	f->a_worst = metric_family(ms, "smart_ata_attribute_worst", METRIC_GAUGE,
				   "Worst normalised value an ATA SMART attribute has had.");
	f->a_thresh = metric_family(ms, "smart_ata_attribute_threshold", METRIC_GAUGE,
				    "Failure threshold of an ATA SMART attribute.");
	f->a_raw = metric_family(ms, "smart_ata_attribute_raw", METRIC_GAUGE,
				 "Raw value of an ATA SMART attribute: its 6 raw bytes as a little-endian integer.");
	f->a_pretty = metric_family(ms, "smart_ata_attribute_pretty", METRIC_GAUGE,
				    "libatasmart's interpretation of an ATA SMART attribute's raw value, in the base unit named by the unit label.");
	f->a_failing = metric_family(ms, "smart_ata_attribute_failing", METRIC_GAUGE,
				     "1 when an attribute is at or below its threshold now (when=now) or was in the past (when=past).");
	f->n_cw = metric_family(ms, "smart_nvme_critical_warning", METRIC_GAUGE,
				"NVMe critical warning bit field of the SMART / Health log (0 = no warning).");
	f->n_cw_flag = metric_family(ms, "smart_nvme_critical_warning_flag", METRIC_GAUGE,
				     "One NVMe critical warning bit, named by the flag label.");
	f->n_spare = metric_family(ms, "smart_nvme_available_spare_ratio", METRIC_GAUGE,
				   "Remaining spare capacity of the NVMe disk.");
	f->n_spare_thresh = metric_family(ms, "smart_nvme_available_spare_threshold_ratio", METRIC_GAUGE,
					  "Available spare below which the NVMe disk raises a critical warning.");
	f->n_used = metric_family(ms, "smart_nvme_percentage_used_ratio", METRIC_GAUGE,
				  "Vendor estimate of the NVMe disk's life used; may exceed 1.");
	f->n_media = metric_family(ms, "smart_nvme_media_errors_total", METRIC_COUNTER,
				   "Unrecovered data integrity errors of the NVMe disk.");
	f->n_errlog = metric_family(ms, "smart_nvme_error_log_entries_total", METRIC_COUNTER,
				    "Error information log entries over the NVMe controller's life.");
	f->n_read = metric_family(ms, "smart_nvme_data_read_bytes_total", METRIC_COUNTER,
				  "Data read from the NVMe disk by the host (data units x 512000).");
	f->n_written = metric_family(ms, "smart_nvme_data_written_bytes_total", METRIC_COUNTER,
				     "Data written to the NVMe disk by the host (data units x 512000).");
	f->n_read_cmds = metric_family(ms, "smart_nvme_host_read_commands_total", METRIC_COUNTER,
				       "Read commands completed by the NVMe controller.");
	f->n_write_cmds = metric_family(ms, "smart_nvme_host_write_commands_total", METRIC_COUNTER,
					"Write commands completed by the NVMe controller.");
	f->n_unsafe = metric_family(ms, "smart_nvme_unsafe_shutdowns_total", METRIC_COUNTER,
				    "Shutdowns of the NVMe disk without a shutdown notification.");
	f->n_busy = metric_family(ms, "smart_nvme_controller_busy_seconds_total", METRIC_COUNTER,
				  "Time the NVMe controller was busy with I/O commands.");
	f->n_warn_time = metric_family(ms, "smart_nvme_warning_temperature_seconds_total", METRIC_COUNTER,
				       "Time the NVMe composite temperature was at or above the warning threshold.");
	f->n_crit_time = metric_family(ms, "smart_nvme_critical_temperature_seconds_total", METRIC_COUNTER,
				       "Time the NVMe composite temperature was at or above the critical threshold.");
	f->n_sensor = metric_family(ms, "smart_nvme_temperature_sensor_celsius", METRIC_GAUGE,
				    "Temperature reported by one of the NVMe disk's sensors (1-8).");
	f->n_warn_thresh = metric_family(ms, "smart_nvme_temperature_warning_threshold_celsius", METRIC_GAUGE,
					 "Composite temperature threshold of the NVMe warning (Identify WCTEMP).");
	f->n_crit_thresh = metric_family(ms, "smart_nvme_temperature_critical_threshold_celsius", METRIC_GAUGE,
					 "Composite temperature threshold of the NVMe critical warning (Identify CCTEMP).");
}

const char *smart_self_test_name(unsigned status)
{
	static const char *const names[] = {
		"success_or_never", "aborted", "interrupted", "fatal", "error_unknown",
		"error_electrical", "error_servo", "error_read", "error_handling",
	};
	if (status < sizeof(names) / sizeof(names[0]))
		return names[status];
	if (status == 15)
		return "in_progress";
	return "reserved";
}

/* Attribute pretty values in base units, or false when libatasmart has no unit for it. */
static bool render_pretty(const struct smart_ata_attr *a, double *v, const char **unit)
{
	double p = (double)a->pretty_value;

	switch (a->pretty_unit) {
	case SMART_UNIT_NONE:
		*v = p;
		*unit = "none";
		return true;
	case SMART_UNIT_MSECONDS:
		*v = p / 1000.0;
		*unit = "seconds";
		return true;
	case SMART_UNIT_SECTORS:
		*v = p;
		*unit = "sectors";
		return true;
	case SMART_UNIT_MKELVIN:
		*v = (p - 273150.0) / 1000.0;
		*unit = "celsius";
		return true;
	case SMART_UNIT_SMALL_PERCENT:
	case SMART_UNIT_PERCENT:
		*v = p / 100.0;
		*unit = "ratio";
		return true;
	case SMART_UNIT_MB:
		*v = p * 1e6;
		*unit = "bytes";
		return true;
	case SMART_UNIT_UNKNOWN:
	case SMART_UNIT_MAX:
	default:
		return false;
	}
}

static void render_ata(const struct render_families *f, const char *dev, const struct smart_ata *a)
{
	if (a->status_valid)
		metric_add(f->healthy, a->status_good ? 1 : 0, "device", dev, NULL);
	if (a->overall_valid)
		for (int s = 0; s < SMART_OVERALL_MAX; s++)
			metric_add(f->overall, (int)a->overall == s ? 1 : 0, "device", dev,
				   "status", smart_overall_name((enum smart_ata_overall)s), NULL);
	if (a->temperature_valid)
		metric_add(f->temp, ((double)a->temperature_mkelvin - 273150.0) / 1000.0, "device", dev, NULL);
	if (a->power_on_valid)
		metric_add(f->power_on, (double)a->power_on_ms / 1000.0, "device", dev, NULL);
	if (a->power_cycles_valid)
		metric_add(f->power_cycles, (double)a->power_cycles, "device", dev, NULL);
	if (a->bad_sectors_valid)
		metric_add(f->bad_sectors, (double)a->bad_sectors, "device", dev, NULL);
	if (a->self_test_valid)
		metric_add(f->self_test, 1, "device", dev, "status", smart_self_test_name(a->self_test_status), NULL);

	for (size_t i = 0; i < a->nattrs && i < SMART_ATA_MAX_ATTRS; i++) {
		const struct smart_ata_attr *at = &a->attrs[i];
		char id[8];
		double pv;
		const char *unit;

		snprintf(id, sizeof(id), "%u", (unsigned)at->id);
		if (at->value_valid)
			metric_add(f->a_value, at->value, "device", dev, "id", id, "name", at->name, NULL);
		if (at->worst_valid)
			metric_add(f->a_worst, at->worst, "device", dev, "id", id, "name", at->name, NULL);
		if (at->threshold_valid)
			metric_add(f->a_thresh, at->threshold, "device", dev, "id", id, "name", at->name, NULL);
		metric_add(f->a_raw, (double)at->raw, "device", dev, "id", id, "name", at->name, NULL);
		if (render_pretty(at, &pv, &unit))
			metric_add(f->a_pretty, pv, "device", dev, "id", id, "name", at->name, "unit", unit, NULL);
		if (at->good_now_valid)
			metric_add(f->a_failing, at->good_now ? 0 : 1, "device", dev, "id", id, "name", at->name,
				   "when", "now", NULL);
		if (at->good_past_valid)
			metric_add(f->a_failing, at->good_past ? 0 : 1, "device", dev, "id", id, "name", at->name,
				   "when", "past", NULL);
	}
}

static void render_nvme(const struct render_families *f, const char *dev, const struct smart_nvme *n)
{
	static const struct {
		unsigned bit;
		const char *name;
	} flags[] = {
		{ SMART_NVME_CW_SPARE, "available_spare" },
		{ SMART_NVME_CW_TEMPERATURE, "temperature" },
		{ SMART_NVME_CW_RELIABILITY, "reliability" },
		{ SMART_NVME_CW_READ_ONLY, "read_only" },
		{ SMART_NVME_CW_VOLATILE, "volatile_memory_backup" },
		{ SMART_NVME_CW_PMR, "persistent_memory_region" },
	};

	metric_add(f->healthy, n->critical_warning == 0 ? 1 : 0, "device", dev, NULL);
	if (n->temperature_kelvin)
		metric_add(f->temp, n->temperature_kelvin - NVME_KELVIN_OFFSET, "device", dev, NULL);
	metric_add(f->power_on, smart_u128_to_double(n->power_on_hours) * 3600.0, "device", dev, NULL);
	metric_add(f->power_cycles, smart_u128_to_double(n->power_cycles), "device", dev, NULL);

	metric_add(f->n_cw, n->critical_warning, "device", dev, NULL);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		metric_add(f->n_cw_flag, (n->critical_warning & flags[i].bit) ? 1 : 0, "device", dev,
			   "flag", flags[i].name, NULL);
	metric_add(f->n_spare, n->available_spare / 100.0, "device", dev, NULL);
	metric_add(f->n_spare_thresh, n->available_spare_threshold / 100.0, "device", dev, NULL);
	metric_add(f->n_used, n->percentage_used / 100.0, "device", dev, NULL);
	metric_add(f->n_media, smart_u128_to_double(n->media_errors), "device", dev, NULL);
	metric_add(f->n_errlog, smart_u128_to_double(n->error_log_entries), "device", dev, NULL);
	metric_add(f->n_read, smart_u128_to_double(n->data_units_read) * NVME_DATA_UNIT_BYTES, "device", dev, NULL);
	metric_add(f->n_written, smart_u128_to_double(n->data_units_written) * NVME_DATA_UNIT_BYTES, "device", dev, NULL);
	metric_add(f->n_read_cmds, smart_u128_to_double(n->host_read_commands), "device", dev, NULL);
	metric_add(f->n_write_cmds, smart_u128_to_double(n->host_write_commands), "device", dev, NULL);
	metric_add(f->n_unsafe, smart_u128_to_double(n->unsafe_shutdowns), "device", dev, NULL);
	metric_add(f->n_busy, smart_u128_to_double(n->controller_busy_minutes) * 60.0, "device", dev, NULL);
	metric_add(f->n_warn_time, n->warning_temp_minutes * 60.0, "device", dev, NULL);
	metric_add(f->n_crit_time, n->critical_temp_minutes * 60.0, "device", dev, NULL);
	for (int i = 0; i < SMART_NVME_TEMP_SENSORS; i++) {
		char sensor[4];
		if (!n->temp_sensor_kelvin[i])
			continue;
		snprintf(sensor, sizeof(sensor), "%d", i + 1);
		metric_add(f->n_sensor, n->temp_sensor_kelvin[i] - NVME_KELVIN_OFFSET, "device", dev,
			   "sensor", sensor, NULL);
	}
	if (n->wctemp_kelvin)
		metric_add(f->n_warn_thresh, n->wctemp_kelvin - NVME_KELVIN_OFFSET, "device", dev, NULL);
	if (n->cctemp_kelvin)
		metric_add(f->n_crit_thresh, n->cctemp_kelvin - NVME_KELVIN_OFFSET, "device", dev, NULL);
}

void smart_render(struct metric_set *ms, const struct smart_view *v, size_t n)
{
	struct render_families f;

	render_families_init(ms, &f);
	for (size_t i = 0; i < n; i++) {
		const struct smart_view *d = &v[i];
		const char *dev = d->name;

		metric_add(f.info, 1, "device", dev, "type", d->type == SMART_TYPE_NVME ? "nvme" : "ata",
			   "model", d->model ? d->model : "", "serial", d->serial ? d->serial : "",
			   "firmware", d->firmware ? d->firmware : "", NULL);
		metric_add(f.up, d->up ? 1 : 0, "device", dev, NULL);
		if (!d->up)
			metric_add(f.error, 1, "device", dev, "reason", d->reason ? d->reason : "unknown", NULL);
		metric_add(f.sleeping, d->sleeping ? 1 : 0, "device", dev, NULL);
		if (d->has_last)
			metric_add(f.last_read, d->last_read_ts, "device", dev, NULL);
		if (d->has_duration)
			metric_add(f.duration, d->duration, "device", dev, NULL);
		/* Values only from a disk that answered; a failed disk's old values are not served. */
		if (!d->up || !d->has_last || !d->reading)
			continue;
		if (d->reading->type == SMART_TYPE_NVME)
			render_nvme(&f, dev, &d->reading->nvme);
		else
			render_ata(&f, dev, &d->reading->ata);
	}
}
