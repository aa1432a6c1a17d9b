/* test_nvme_parse_binary.c: the NVMe parser on real controller bytes, against what nvme-cli and fwupd decoded from them */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/smart/nvme_parse.h"
#include "tests/lib/testlib.h"

/* ../shared/fixtures/smart/nvme-binary (PROVENANCE.md): the SMART / Health log page and Identify
 * Controller captured by google/ecclesia-machine-management from a Samsung PM1733, and the Identify
 * Controller of a Toshiba THNSN5512GPU7 from fwupd's tests. The expected values are the ones
 * nvme-cli printed (quoted in ecclesia's test) and fwupd's self-test asserts: independent decoders. */
static uint8_t *load(const char *rel, size_t want)
{
	size_t len = 0;
	char *buf = fixture_read(rel, &len);
	assert_int_equal(len, want);
	return (uint8_t *)buf;
}

static void test_ecclesia_smart_log_and_identify(void **state)
{
	(void)state;
	uint8_t *id = load("smart/nvme-binary/ecclesia.id-ctrl.padded4096.bin", SMART_NVME_IDENTIFY_LEN);
	uint8_t *log = load("smart/nvme-binary/ecclesia.smart-log.bin", SMART_NVME_LOG_LEN);
	struct smart_reading r;
	const char *reason = NULL;
	assert_int_equal(smart_nvme_parse(id, SMART_NVME_IDENTIFY_LEN, log, SMART_NVME_LOG_LEN, &r, &reason), 0);
	assert_int_equal(r.type, SMART_TYPE_NVME);

	/* Identify Controller: vid, sn, fr, mn as uploaded (anonymised), thresholds */
	assert_int_equal(r.nvme.vid, 0x144d);
	assert_string_equal(r.serial, "S5L0NYZM9A0014");
	assert_string_equal(r.firmware, "MPKD0P21");
	assert_string_equal(r.model, "ABCDEFGHIJKL-000GG");
	assert_int_equal(r.nvme.wctemp_kelvin, 345);
	assert_int_equal(r.nvme.cctemp_kelvin, 358);

	/* SMART / Health log page, as nvme-cli decoded it */
	const struct smart_nvme *n = &r.nvme;
	assert_int_equal(n->critical_warning, 0);
	assert_int_equal(n->temperature_kelvin, 314);
	assert_int_equal(n->available_spare, 98);
	assert_int_equal(n->available_spare_threshold, 10);
	assert_int_equal(n->percentage_used, 0);
	assert_true(smart_u128_to_double(n->data_units_read) == 1044.0);
	assert_true(smart_u128_to_double(n->data_units_written) == 15.0);
	assert_true(smart_u128_to_double(n->host_read_commands) == 1027083.0);
	assert_true(smart_u128_to_double(n->host_write_commands) == 1905.0);
	assert_true(smart_u128_to_double(n->controller_busy_minutes) == 0.0);
	assert_true(smart_u128_to_double(n->power_cycles) == 4.0);
	assert_true(smart_u128_to_double(n->power_on_hours) == 408.0);
	assert_true(smart_u128_to_double(n->unsafe_shutdowns) == 1.0);
	assert_true(smart_u128_to_double(n->media_errors) == 0.0);
	assert_true(smart_u128_to_double(n->error_log_entries) == 0.0);
	assert_int_equal(n->warning_temp_minutes, 0);
	assert_int_equal(n->critical_temp_minutes, 0);
	free(id);
	free(log);
}

/* The Toshiba's serial is right-aligned with leading spaces; its controller reports neither a
 * version nor a capacity. The strings must come out trimmed, as fwupd asserts them. */
static void test_fwupd_toshiba_identify(void **state)
{
	(void)state;
	uint8_t *id = load("smart/nvme-binary/fwupd.TOSHIBA_THNSN5512GPU7.id-ctrl.bin", SMART_NVME_IDENTIFY_LEN);
	uint8_t *log = load("smart/nvme-binary/ecclesia.smart-log.bin", SMART_NVME_LOG_LEN);
	struct smart_reading r;
	const char *reason = NULL;
	assert_int_equal(smart_nvme_parse(id, SMART_NVME_IDENTIFY_LEN, log, SMART_NVME_LOG_LEN, &r, &reason), 0);
	assert_string_equal(r.model, "THNSN5512GPU7 TOSHIBA");
	assert_string_equal(r.firmware, "410557LA");
	assert_string_equal(r.serial, "37RSDEADBEEF");
	assert_int_equal(r.nvme.wctemp_kelvin, 351);
	assert_int_equal(r.nvme.cctemp_kelvin, 355);
	/* Identify Controller bytes 80..83 (VER) and 280..295 (TNVMCAP) really are zero here: the
	 * parser must not invent them (they are not part of the reading). */
	for (int i = 80; i < 84; i++)
		assert_int_equal(id[i], 0);
	for (int i = 280; i < 296; i++)
		assert_int_equal(id[i], 0);
	free(id);
	free(log);
}

/* The replay file format is exactly nvme-cli's `id-ctrl -b` followed by `smart-log -b`. */
static void test_replay_image_from_real_bytes(void **state)
{
	(void)state;
	uint8_t *id = load("smart/nvme-binary/ecclesia.id-ctrl.padded4096.bin", SMART_NVME_IDENTIFY_LEN);
	uint8_t *log = load("smart/nvme-binary/ecclesia.smart-log.bin", SMART_NVME_LOG_LEN);
	uint8_t *img = malloc(SMART_NVME_REPLAY_LEN);
	assert_non_null(img);
	memcpy(img, id, SMART_NVME_IDENTIFY_LEN);
	memcpy(img + SMART_NVME_IDENTIFY_LEN, log, SMART_NVME_LOG_LEN);
	struct smart_reading r;
	const char *reason = NULL;
	assert_int_equal(smart_nvme_parse_replay(img, SMART_NVME_REPLAY_LEN, &r, &reason), 0);
	assert_string_equal(r.serial, "S5L0NYZM9A0014");
	assert_true(smart_u128_to_double(r.nvme.power_on_hours) == 408.0);
	/* cut by one byte: a clear error, not a reading */
	assert_int_equal(smart_nvme_parse_replay(img, SMART_NVME_REPLAY_LEN - 1, &r, &reason), -1);
	assert_string_equal(reason, "replay_length");
	/* the Identify Namespace structure is not an Identify Controller + log image */
	uint8_t *ns = load("smart/nvme-binary/ecclesia.id-ns.padded4096.bin", 4096);
	assert_int_equal(smart_nvme_parse_replay(ns, 4096, &r, &reason), -1);
	free(ns);
	free(img);
	free(id);
	free(log);
}

int main(void)
{
	fixtures_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecclesia_smart_log_and_identify),
		cmocka_unit_test(test_fwupd_toshiba_identify),
		cmocka_unit_test(test_replay_image_from_real_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
