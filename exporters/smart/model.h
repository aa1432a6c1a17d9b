/* model.h: what one read of one disk yields (ATA or NVMe), independent of how it was read */
#ifndef HOMEOPS_SMART_MODEL_H
#define HOMEOPS_SMART_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum smart_dev_type {
	SMART_TYPE_ATA,
	SMART_TYPE_NVME,
};

/* libatasmart's SkSmartOverall, in its order (render names them). */
enum smart_ata_overall {
	SMART_OVERALL_GOOD,
	SMART_OVERALL_BAD_ATTRIBUTE_IN_THE_PAST,
	SMART_OVERALL_BAD_SECTOR,
	SMART_OVERALL_BAD_ATTRIBUTE_NOW,
	SMART_OVERALL_BAD_SECTOR_MANY,
	SMART_OVERALL_BAD_STATUS,
	SMART_OVERALL_MAX,
};

/* libatasmart's SkSmartAttributeUnit, in its order. */
enum smart_ata_unit {
	SMART_UNIT_UNKNOWN,
	SMART_UNIT_NONE,
	SMART_UNIT_MSECONDS,
	SMART_UNIT_SECTORS,
	SMART_UNIT_MKELVIN,
	SMART_UNIT_SMALL_PERCENT,
	SMART_UNIT_PERCENT,
	SMART_UNIT_MB,
	SMART_UNIT_MAX,
};

#define SMART_ATA_MAX_ATTRS 30   /* the SMART data page has 30 attribute slots */
#define SMART_NAME_MAX 48        /* attribute names: libatasmart's are < 32, "attribute-255" */
#define SMART_IDENT_MAX 48       /* model 40, serial 20, firmware 8 characters on the wire */

/* One ATA SMART attribute, as libatasmart parsed it. A *_valid false means "absent". */
struct smart_ata_attr {
	uint8_t id;
	char name[SMART_NAME_MAX];
	bool value_valid, worst_valid, threshold_valid;
	uint8_t value, worst, threshold;
	uint64_t raw;                   /* the 6 raw bytes as a little-endian 48-bit integer */
	uint8_t raw_bytes[6];
	enum smart_ata_unit pretty_unit;
	uint64_t pretty_value;          /* in pretty_unit; meaningless when SMART_UNIT_UNKNOWN */
	bool prefailure, online;
	bool good_now_valid, good_now;
	bool good_past_valid, good_past;
};

struct smart_ata {
	bool status_valid, status_good;           /* SMART RETURN STATUS self-assessment */
	bool overall_valid;
	enum smart_ata_overall overall;
	bool temperature_valid;
	uint64_t temperature_mkelvin;
	bool power_on_valid;
	uint64_t power_on_ms;
	bool power_cycles_valid;
	uint64_t power_cycles;
	bool bad_sectors_valid;
	uint64_t bad_sectors;
	bool self_test_valid;
	unsigned self_test_status;                /* SkSmartSelfTestExecutionStatus */
	unsigned self_test_remaining_percent;
	size_t nattrs;
	struct smart_ata_attr attrs[SMART_ATA_MAX_ATTRS];
};

/* An unsigned 128-bit NVMe counter, kept whole so that nothing wraps silently. */
struct smart_u128 {
	uint64_t lo, hi;
};

/* Critical warning bits (NVMe base spec, SMART / Health log byte 0). */
#define SMART_NVME_CW_SPARE        0x01
#define SMART_NVME_CW_TEMPERATURE  0x02
#define SMART_NVME_CW_RELIABILITY  0x04
#define SMART_NVME_CW_READ_ONLY    0x08
#define SMART_NVME_CW_VOLATILE     0x10
#define SMART_NVME_CW_PMR          0x20

#define SMART_NVME_TEMP_SENSORS 8

/* The SMART / Health Information log page (0x02) plus the Identify Controller fields we use. */
struct smart_nvme {
	uint16_t vid;
	uint16_t wctemp_kelvin, cctemp_kelvin;   /* Identify: warning / critical composite thresholds, 0 = not reported */
	uint8_t critical_warning;
	uint16_t temperature_kelvin;             /* composite; 0 = not reported */
	uint8_t available_spare;                 /* percent */
	uint8_t available_spare_threshold;       /* percent */
	uint8_t percentage_used;                 /* percent, may exceed 100 */
	uint8_t endurance_group_critical_warning;
	struct smart_u128 data_units_read;       /* thousands of 512-byte units */
	struct smart_u128 data_units_written;
	struct smart_u128 host_read_commands;
	struct smart_u128 host_write_commands;
	struct smart_u128 controller_busy_minutes;
	struct smart_u128 power_cycles;
	struct smart_u128 power_on_hours;
	struct smart_u128 unsafe_shutdowns;
	struct smart_u128 media_errors;
	struct smart_u128 error_log_entries;
	uint32_t warning_temp_minutes;
	uint32_t critical_temp_minutes;
	uint16_t temp_sensor_kelvin[SMART_NVME_TEMP_SENSORS];   /* 0 = sensor not implemented */
};

/* One successful read of a disk. Plain data, no pointers: copy with '='. */
struct smart_reading {
	enum smart_dev_type type;
	char model[SMART_IDENT_MAX];
	char serial[SMART_IDENT_MAX];
	char firmware[SMART_IDENT_MAX];
	struct smart_ata ata;     /* type == SMART_TYPE_ATA */
	struct smart_nvme nvme;   /* type == SMART_TYPE_NVME */
};

/* The NVMe 128-bit counter as a double (exact below 2^53, never wrapped). */
double smart_u128_to_double(struct smart_u128 v);

/* Copies an identification string, replacing control and non-ASCII bytes by spaces, squeezing
 * runs of spaces and trimming both ends (as libatasmart does for IDENTIFY strings). */
void smart_ident_copy(char *dst, size_t dstlen, const char *src, size_t srclen);

/* Lower-case libatasmart name of an overall state ("good", "bad_sector"...); NULL when out of range. */
const char *smart_overall_name(enum smart_ata_overall o);

#endif
