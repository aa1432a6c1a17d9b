/* test_nvme_parse_fixtures.c: the NVMe parser against every real smartctl NVMe record, encoded as the spec lays it out */
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/smart/nvme_parse.h"
#include "tests/lib/testlib.h"

/* Little-endian writers for building pages the way a controller returns them (NVMe base spec). */
static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_str(uint8_t *p, const char *s, size_t n)
{
	size_t l = s ? strlen(s) : 0;
	memset(p, ' ', n);
	memcpy(p, s, l < n ? l : n);
}

static json_int_t jint(json_t *o, const char *key, int *present)
{
	json_t *v = json_object_get(o, key);
	*present = v != NULL;
	if (!v)
		return 0;
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* Offsets of the SMART / Health Information log page, spelled out again here on purpose:
 * the test encodes from the spec, the parser decodes from its own table. */
static const struct {
	const char *key;
	int off, len;
} log_fields[] = {
	{ "critical_warning", 0, 1 }, { "available_spare", 3, 1 }, { "available_spare_threshold", 4, 1 },
	{ "percentage_used", 5, 1 }, { "data_units_read", 32, 16 }, { "data_units_written", 48, 16 },
	{ "host_reads", 64, 16 }, { "host_writes", 80, 16 }, { "controller_busy_time", 96, 16 },
	{ "power_cycles", 112, 16 }, { "power_on_hours", 128, 16 }, { "unsafe_shutdowns", 144, 16 },
	{ "media_errors", 160, 16 }, { "num_err_log_entries", 176, 16 }, { "warning_temp_time", 192, 4 },
	{ "critical_comp_time", 196, 4 },
};

static uint64_t parsed_field(const struct smart_nvme *n, const char *key)
{
	if (!strcmp(key, "critical_warning")) return n->critical_warning;
	if (!strcmp(key, "available_spare")) return n->available_spare;
	if (!strcmp(key, "available_spare_threshold")) return n->available_spare_threshold;
	if (!strcmp(key, "percentage_used")) return n->percentage_used;
	if (!strcmp(key, "data_units_read")) return n->data_units_read.lo;
	if (!strcmp(key, "data_units_written")) return n->data_units_written.lo;
	if (!strcmp(key, "host_reads")) return n->host_read_commands.lo;
	if (!strcmp(key, "host_writes")) return n->host_write_commands.lo;
	if (!strcmp(key, "controller_busy_time")) return n->controller_busy_minutes.lo;
	if (!strcmp(key, "power_cycles")) return n->power_cycles.lo;
	if (!strcmp(key, "power_on_hours")) return n->power_on_hours.lo;
	if (!strcmp(key, "unsafe_shutdowns")) return n->unsafe_shutdowns.lo;
	if (!strcmp(key, "media_errors")) return n->media_errors.lo;
	if (!strcmp(key, "num_err_log_entries")) return n->error_log_entries.lo;
	if (!strcmp(key, "warning_temp_time")) return n->warning_temp_minutes;
	if (!strcmp(key, "critical_comp_time")) return n->critical_temp_minutes;
	fail_msg("unknown key %s", key);
	return 0;
}

static uint64_t parsed_hi(const struct smart_nvme *n, const char *key)
{
	if (!strcmp(key, "data_units_read")) return n->data_units_read.hi;
	if (!strcmp(key, "data_units_written")) return n->data_units_written.hi;
	if (!strcmp(key, "host_reads")) return n->host_read_commands.hi;
	if (!strcmp(key, "host_writes")) return n->host_write_commands.hi;
	if (!strcmp(key, "controller_busy_time")) return n->controller_busy_minutes.hi;
	if (!strcmp(key, "power_cycles")) return n->power_cycles.hi;
	if (!strcmp(key, "power_on_hours")) return n->power_on_hours.hi;
	if (!strcmp(key, "unsafe_shutdowns")) return n->unsafe_shutdowns.hi;
	if (!strcmp(key, "media_errors")) return n->media_errors.hi;
	if (!strcmp(key, "num_err_log_entries")) return n->error_log_entries.hi;
	return 0;
}

/* Checks one smartctl JSON; returns 1 when it had an NVMe health log (and was checked). */
static int check_json(const char *rel, int *with_cw, int *with_media)
{
	json_error_t err;
	json_t *root = json_load_file(fixture_path(rel), 0, &err);
	json_t *log;
	uint8_t image[SMART_NVME_REPLAY_LEN];
	uint8_t *id = image, *lp = image + SMART_NVME_IDENTIFY_LEN;
	struct smart_reading r;
	const char *reason = NULL;
	int present, checked = 0;
	json_int_t v;

	if (!root)
		fail_msg("%s: %s", rel, err.text);
	log = json_object_get(root, "nvme_smart_health_information_log");
	if (!log)
		goto out;
	memset(image, 0, sizeof(image));
	put_str(id + 4, json_string_value(json_object_get(root, "serial_number")), 20);
	put_str(id + 24, json_string_value(json_object_get(root, "model_name")), 40);
	put_str(id + 64, json_string_value(json_object_get(root, "firmware_version")), 8);
	for (size_t i = 0; i < sizeof(log_fields) / sizeof(log_fields[0]); i++) {
		v = jint(log, log_fields[i].key, &present);
		assert_true(v >= 0);
		put_le(lp + log_fields[i].off, (uint64_t)v, log_fields[i].len < 8 ? log_fields[i].len : 8);
	}
	v = jint(log, "temperature", &present);
	if (present)
		put_le(lp + 1, (uint64_t)(v + 273), 2);
	json_t *sensors = json_object_get(log, "temperature_sensors");
	for (size_t i = 0; sensors && i < json_array_size(sensors) && i < 8; i++)
		put_le(lp + 200 + 2 * i, (uint64_t)(json_integer_value(json_array_get(sensors, i)) + 273), 2);

	assert_int_equal(smart_nvme_parse_replay(image, sizeof(image), &r, &reason), 0);
	assert_int_equal(r.type, SMART_TYPE_NVME);
	assert_string_equal(r.model, json_string_value(json_object_get(root, "model_name")));
	assert_string_equal(r.serial, json_string_value(json_object_get(root, "serial_number")));
	assert_string_equal(r.firmware, json_string_value(json_object_get(root, "firmware_version")));
	for (size_t i = 0; i < sizeof(log_fields) / sizeof(log_fields[0]); i++) {
		v = jint(log, log_fields[i].key, &present);
		if (!present)
			continue;
		if (parsed_field(&r.nvme, log_fields[i].key) != (uint64_t)v)
			fail_msg("%s: %s parsed %llu, smartctl said %lld", rel, log_fields[i].key,
				 (unsigned long long)parsed_field(&r.nvme, log_fields[i].key), (long long)v);
		assert_int_equal(parsed_hi(&r.nvme, log_fields[i].key), 0);
	}
	v = jint(log, "temperature", &present);
	if (present)
		assert_int_equal(r.nvme.temperature_kelvin - 273, v);
	for (size_t i = 0; sensors && i < json_array_size(sensors) && i < 8; i++)
		assert_int_equal(r.nvme.temp_sensor_kelvin[i] - 273, json_integer_value(json_array_get(sensors, i)));
	if (r.nvme.critical_warning)
		(*with_cw)++;
	if (r.nvme.media_errors.lo)
		(*with_media)++;
	checked = 1;
out:
	json_decref(root);
	return checked;
}

static void test_all_smartctl_nvme_records(void **state)
{
	char **files = fixture_list("smart/smartctl-json", ".json");
	int checked = 0, with_cw = 0, with_media = 0;
	(void)state;

	for (size_t i = 0; files[i]; i++) {
		checked += check_json(files[i], &with_cw, &with_media);
	}
	fixture_list_free(files);
	/* PROVENANCE.md: 58 NVMe records in smartctl-json/ (nvme-health-summary.tsv has one row each). */
	print_message("checked %d NVMe records (%d with critical_warning, %d with media errors)\n", checked,
		      with_cw, with_media);
	assert_int_equal(checked, 58);
	assert_true(with_cw >= 1);
	assert_true(with_media >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_smartctl_nvme_records),
	};
	fixtures_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
