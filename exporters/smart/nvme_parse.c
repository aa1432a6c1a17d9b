/* nvme_parse.c: NVMe Identify Controller + SMART / Health log page bytes to the reading model (pure) */
#include "exporters/smart/nvme_parse.h"

#include <string.h>

/* Byte offsets from the NVMe Base Specification (2.0, fig. "SMART / Health Information Log Page"
 * and "Identify Controller Data Structure"); all multi-byte fields are little-endian. */
enum {
	ID_VID = 0, ID_SN = 4, ID_SN_LEN = 20, ID_MN = 24, ID_MN_LEN = 40, ID_FR = 64, ID_FR_LEN = 8,
	ID_WCTEMP = 266, ID_CCTEMP = 268,
	LOG_CW = 0, LOG_TEMP = 1, LOG_SPARE = 3, LOG_SPARE_THRESH = 4, LOG_USED = 5, LOG_EG_CW = 6,
	LOG_DUR = 32, LOG_DUW = 48, LOG_HRC = 64, LOG_HWC = 80, LOG_BUSY = 96, LOG_PCYC = 112,
	LOG_POH = 128, LOG_UNSAFE = 144, LOG_MEDIA = 160, LOG_ERRLOG = 176, LOG_WTEMP_TIME = 192,
	LOG_CTEMP_TIME = 196, LOG_TSENSOR = 200,
};

static uint16_t nvme_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t nvme_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t nvme_le64(const uint8_t *p)
{
	return (uint64_t)nvme_le32(p) | ((uint64_t)nvme_le32(p + 4) << 32);
}

static struct smart_u128 nvme_le128(const uint8_t *p)
{
	struct smart_u128 v = { nvme_le64(p), nvme_le64(p + 8) };
	return v;
}

int smart_nvme_parse(const uint8_t *id, size_t id_len, const uint8_t *log, size_t log_len,
		     struct smart_reading *out, const char **reason)
{
	struct smart_nvme *n = &out->nvme;

	memset(out, 0, sizeof(*out));
	out->type = SMART_TYPE_NVME;
	if (!id || id_len != SMART_NVME_IDENTIFY_LEN) {
		*reason = "identify_length";
		goto fail;
	}
	if (!log || log_len != SMART_NVME_LOG_LEN) {
		*reason = "log_length";
		goto fail;
	}

	n->vid = nvme_le16(id + ID_VID);
	smart_ident_copy(out->serial, sizeof(out->serial), (const char *)id + ID_SN, ID_SN_LEN);
	smart_ident_copy(out->model, sizeof(out->model), (const char *)id + ID_MN, ID_MN_LEN);
	smart_ident_copy(out->firmware, sizeof(out->firmware), (const char *)id + ID_FR, ID_FR_LEN);
	n->wctemp_kelvin = nvme_le16(id + ID_WCTEMP);
	n->cctemp_kelvin = nvme_le16(id + ID_CCTEMP);

	n->critical_warning = log[LOG_CW];
	n->temperature_kelvin = nvme_le16(log + LOG_TEMP);
	n->available_spare = log[LOG_SPARE];
	n->available_spare_threshold = log[LOG_SPARE_THRESH];
	n->percentage_used = log[LOG_USED];
	n->endurance_group_critical_warning = log[LOG_EG_CW];
	n->data_units_read = nvme_le128(log + LOG_DUR);
	n->data_units_written = nvme_le128(log + LOG_DUW);
	n->host_read_commands = nvme_le128(log + LOG_HRC);
	n->host_write_commands = nvme_le128(log + LOG_HWC);
	n->controller_busy_minutes = nvme_le128(log + LOG_BUSY);
	n->power_cycles = nvme_le128(log + LOG_PCYC);
	n->power_on_hours = nvme_le128(log + LOG_POH);
	n->unsafe_shutdowns = nvme_le128(log + LOG_UNSAFE);
	n->media_errors = nvme_le128(log + LOG_MEDIA);
	n->error_log_entries = nvme_le128(log + LOG_ERRLOG);
	n->warning_temp_minutes = nvme_le32(log + LOG_WTEMP_TIME);
	n->critical_temp_minutes = nvme_le32(log + LOG_CTEMP_TIME);
	for (int i = 0; i < SMART_NVME_TEMP_SENSORS; i++)
		n->temp_sensor_kelvin[i] = nvme_le16(log + LOG_TSENSOR + 2 * i);
	return 0;

fail:
	memset(out, 0, sizeof(*out));
	out->type = SMART_TYPE_NVME;
	return -1;
}

int smart_nvme_parse_replay(const void *buf, size_t len, struct smart_reading *out, const char **reason)
{
	const uint8_t *p = buf;

	if (!buf || len != SMART_NVME_REPLAY_LEN) {
		memset(out, 0, sizeof(*out));
		out->type = SMART_TYPE_NVME;
		*reason = "replay_length";
		return -1;
	}
	return smart_nvme_parse(p, SMART_NVME_IDENTIFY_LEN, p + SMART_NVME_IDENTIFY_LEN,
				SMART_NVME_LOG_LEN, out, reason);
}
