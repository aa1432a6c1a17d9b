/* test_render.c: metric names, units and absent series; replay files; capability parsing */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/fileutil.h"
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/smart/caps.h"
#include "exporters/smart/nvme_parse.h"
#include "exporters/smart/render.h"
#include "exporters/smart/replay.h"
#include "tests/lib/testlib.h"

static char *render(const struct smart_view *v, size_t n)
{
	struct metric_set *ms = metric_set_new();
	smart_render(ms, v, n);
	return test_render_free(ms);
}

static void view_of(struct smart_view *v, const char *name, const struct smart_reading *r)
{
	memset(v, 0, sizeof(*v));
	v->name = name;
	v->type = r->type;
	v->model = r->model;
	v->serial = r->serial;
	v->firmware = r->firmware;
	v->up = true;
	v->has_last = true;
	v->last_read_ts = 1700000000.5;
	v->reading = r;
}

static bool has(const char *text, const char *needle)
{
	return strstr(text, needle) != NULL;
}

static void test_nvme_units_and_overflow(void **state)
{
	struct smart_reading r;
	struct smart_view v;
	char *out;
	(void)state;

	memset(&r, 0, sizeof(r));
	r.type = SMART_TYPE_NVME;
	strcpy(r.model, "Test NVMe");
	r.nvme.critical_warning = SMART_NVME_CW_SPARE | SMART_NVME_CW_VOLATILE;
	r.nvme.temperature_kelvin = 310;
	r.nvme.available_spare = 95;
	r.nvme.available_spare_threshold = 10;
	r.nvme.percentage_used = 120;
	r.nvme.data_units_read.lo = 1000;
	r.nvme.data_units_written.hi = 1;      /* 2^64 data units: must not wrap to 0 */
	r.nvme.controller_busy_minutes.lo = 2;
	r.nvme.power_on_hours.lo = 10;
	r.nvme.power_cycles.lo = 7;
	r.nvme.media_errors.lo = 3;
	r.nvme.warning_temp_minutes = 5;
	r.nvme.temp_sensor_kelvin[1] = 300;
	r.nvme.wctemp_kelvin = 343;
	view_of(&v, "nvme0n1", &r);
	out = render(&v, 1);
	assert_true(has(out, "smart_device_info{device=\"nvme0n1\",type=\"nvme\",model=\"Test NVMe\",serial=\"\",firmware=\"\"} 1\n"));
	assert_true(has(out, "smart_device_smart_healthy{device=\"nvme0n1\"} 0\n"));
	assert_true(has(out, "smart_device_temperature_celsius{device=\"nvme0n1\"} 37\n"));
	assert_true(has(out, "smart_device_power_on_seconds{device=\"nvme0n1\"} 36000\n"));
	assert_true(has(out, "smart_device_power_cycles_total{device=\"nvme0n1\"} 7\n"));
	assert_true(has(out, "smart_nvme_critical_warning{device=\"nvme0n1\"} 17\n"));
	assert_true(has(out, "smart_nvme_critical_warning_flag{device=\"nvme0n1\",flag=\"available_spare\"} 1\n"));
	assert_true(has(out, "smart_nvme_critical_warning_flag{device=\"nvme0n1\",flag=\"volatile_memory_backup\"} 1\n"));
	assert_true(has(out, "smart_nvme_critical_warning_flag{device=\"nvme0n1\",flag=\"read_only\"} 0\n"));
	assert_true(has(out, "smart_nvme_available_spare_ratio{device=\"nvme0n1\"} 0.95\n"));
	assert_true(has(out, "smart_nvme_available_spare_threshold_ratio{device=\"nvme0n1\"} 0.1\n"));
	assert_true(has(out, "smart_nvme_percentage_used_ratio{device=\"nvme0n1\"} 1.2\n"));
	assert_true(has(out, "smart_nvme_data_read_bytes_total{device=\"nvme0n1\"} 512000000\n"));
	/* 2^64 * 512000 = 9.444732965739290e+24 */
	assert_true(has(out, "smart_nvme_data_written_bytes_total{device=\"nvme0n1\"} 9.44473296573929e+24\n"));
	assert_true(has(out, "smart_nvme_controller_busy_seconds_total{device=\"nvme0n1\"} 120\n"));
	assert_true(has(out, "smart_nvme_media_errors_total{device=\"nvme0n1\"} 3\n"));
	assert_true(has(out, "smart_nvme_warning_temperature_seconds_total{device=\"nvme0n1\"} 300\n"));
	assert_true(has(out, "smart_nvme_temperature_sensor_celsius{device=\"nvme0n1\",sensor=\"2\"} 27\n"));
	assert_false(has(out, "sensor=\"1\""));
	assert_true(has(out, "smart_nvme_temperature_warning_threshold_celsius{device=\"nvme0n1\"} 70\n"));
	assert_false(has(out, "smart_nvme_temperature_critical_threshold_celsius"));
	assert_false(has(out, "smart_device_overall_status"));
	assert_true(has(out, "# TYPE smart_nvme_media_errors_total counter\n"));
	free(out);

	/* no composite temperature reported: no series rather than -273 */
	r.nvme.temperature_kelvin = 0;
	out = render(&v, 1);
	assert_false(has(out, "smart_device_temperature_celsius"));
	free(out);
}

static void test_ata_units_and_absent(void **state)
{
	struct smart_reading r;
	struct smart_view v;
	struct smart_ata_attr *a;
	char *out;
	(void)state;

	memset(&r, 0, sizeof(r));
	r.type = SMART_TYPE_ATA;
	r.ata.overall_valid = true;
	r.ata.overall = SMART_OVERALL_BAD_SECTOR;
	r.ata.power_on_valid = true;
	r.ata.power_on_ms = 3600000;
	r.ata.self_test_valid = true;
	r.ata.self_test_status = 7;
	r.ata.nattrs = 2;
	a = &r.ata.attrs[0];
	a->id = 194;
	strcpy(a->name, "temperature-celsius-2");
	a->value_valid = true;
	a->value = 100;
	a->raw = 0x2a;
	a->pretty_unit = SMART_UNIT_MKELVIN;
	a->pretty_value = 315150;
	a->good_now_valid = true;
	a->good_now = false;
	a = &r.ata.attrs[1];
	a->id = 241;
	strcpy(a->name, "total-lbas-written");
	a->raw = 5;
	a->pretty_unit = SMART_UNIT_MB;
	a->pretty_value = 3;
	view_of(&v, "sda", &r);
	out = render(&v, 1);
	assert_true(has(out, "smart_device_overall_status{device=\"sda\",status=\"bad_sector\"} 1\n"));
	assert_true(has(out, "smart_device_overall_status{device=\"sda\",status=\"good\"} 0\n"));
	assert_true(has(out, "smart_device_power_on_seconds{device=\"sda\"} 3600\n"));
	assert_true(has(out, "smart_ata_self_test_status{device=\"sda\",status=\"error_read\"} 1\n"));
	assert_true(has(out, "smart_ata_attribute_value{device=\"sda\",id=\"194\",name=\"temperature-celsius-2\"} 100\n"));
	assert_true(has(out, "smart_ata_attribute_pretty{device=\"sda\",id=\"194\",name=\"temperature-celsius-2\",unit=\"celsius\"} 42\n"));
	assert_true(has(out, "smart_ata_attribute_failing{device=\"sda\",id=\"194\",name=\"temperature-celsius-2\",when=\"now\"} 1\n"));
	assert_true(has(out, "smart_ata_attribute_pretty{device=\"sda\",id=\"241\",name=\"total-lbas-written\",unit=\"bytes\"} 3000000\n"));
	assert_true(has(out, "smart_ata_attribute_raw{device=\"sda\",id=\"241\",name=\"total-lbas-written\"} 5\n"));
	/* invalid readings have no series at all, never a zero */
	assert_false(has(out, "smart_ata_attribute_value{device=\"sda\",id=\"241\""));
	assert_false(has(out, "smart_ata_attribute_worst"));
	assert_false(has(out, "smart_ata_attribute_threshold"));
	assert_false(has(out, "when=\"past\""));
	assert_false(has(out, "smart_device_temperature_celsius"));
	assert_false(has(out, "smart_device_smart_healthy"));
	assert_false(has(out, "smart_device_bad_sectors"));
	assert_false(has(out, "smart_device_power_cycles_total"));
	free(out);
}

static void test_failed_and_never_read(void **state)
{
	struct smart_view v[2];
	char *out;
	(void)state;

	memset(v, 0, sizeof(v));
	v[0].name = "sdb";
	v[0].type = SMART_TYPE_ATA;
	v[0].model = "Udev \"quoted\" Model";
	v[0].reason = "permission";
	v[1].name = "sdc";
	v[1].type = SMART_TYPE_ATA;
	v[1].up = true;
	v[1].sleeping = true;
	out = render(v, 2);
	assert_true(has(out, "smart_device_up{device=\"sdb\"} 0\n"));
	assert_true(has(out, "smart_device_read_error{device=\"sdb\",reason=\"permission\"} 1\n"));
	assert_true(has(out, "model=\"Udev \\\"quoted\\\" Model\""));
	assert_true(has(out, "smart_device_sleeping{device=\"sdc\"} 1\n"));
	assert_false(has(out, "smart_device_read_error{device=\"sdc\""));
	assert_false(has(out, "smart_device_last_read_timestamp_seconds"));
	free(out);
	assert_string_equal(smart_self_test_name(0), "success_or_never");
	assert_string_equal(smart_self_test_name(15), "in_progress");
	assert_string_equal(smart_self_test_name(12), "reserved");
}

static void test_replay_names_and_roundtrip(void **state)
{
	char dir[] = "/tmp/smart-render-test.XXXXXX";
	struct smart_reading r, back;
	uint8_t image[SMART_NVME_REPLAY_LEN];
	const char *reason;
	char *name, path[256];
	(void)state;

	name = smart_replay_save_name("sda", "WDC WD40EFRX-68N32N0", "82.00A82", false);
	assert_string_equal(name, "sda--WDC_WD40EFRX-68N32N0--82.00A82");
	free(name);
	name = smart_replay_save_name("nvme0n1", "Samsung SSD 970/EVO", "", true);
	assert_string_equal(name, "nvme0n1--Samsung_SSD_970_EVO--unknown.nvme");
	free(name);
	name = smart_replay_save_name("..", "../../etc", "x", false);
	assert_null(strchr(name, '/'));
	assert_true(name[0] != '.');
	free(name);

	assert_non_null(mkdtemp(dir));
	memset(image, 0, sizeof(image));
	memcpy(image + 24, "Roundtrip NVMe", 14);
	image[SMART_NVME_IDENTIFY_LEN + 0] = 0x04;
	image[SMART_NVME_IDENTIFY_LEN + 160] = 9;
	assert_int_equal(smart_nvme_parse_replay(image, sizeof(image), &r, &reason), 0);
	assert_int_equal(smart_replay_save(dir, "nvme0n1", &r, image, sizeof(image)), 0);
	snprintf(path, sizeof(path), "%s/nvme0n1--Roundtrip_NVMe--unknown.nvme", dir);
	assert_int_equal(smart_replay_load_nvme(path, &back, &reason), 0);
	assert_string_equal(back.model, "Roundtrip NVMe");
	assert_int_equal(back.nvme.critical_warning, 4);
	assert_int_equal(back.nvme.media_errors.lo, 9);
	unlink(path);
	/* a file of the wrong size is refused with a reason */
	snprintf(path, sizeof(path), "%s/short.nvme", dir);
	assert_int_equal(file_write_atomic(path, image, 100, 0644), 0);
	assert_int_equal(smart_replay_load_nvme(path, &back, &reason), -1);
	assert_string_equal(reason, "replay_length");
	assert_int_equal(smart_replay_load_blob(path, &back, &reason), -1);
	assert_string_equal(reason, "blob");
	unlink(path);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(smart_replay_load_blob(path, &back, &reason), -1);
	assert_string_equal(reason, "open");
	assert_int_equal(rmdir(dir), 0);
}

static void test_caps_parse(void **state)
{
	static const char status[] = "Name:\tsmart_exporter\nCapInh:\t0000000000000000\n"
				     "CapPrm:\t0000000000220000\nCapEff:\t0000000000220000\nCapBnd:\t000001ffffffffff\n";
	uint64_t eff = 0;
	(void)state;

	assert_int_equal(smart_caps_parse(status, strlen(status), &eff), 0);
	assert_true(eff & (1ull << SMART_CAP_SYS_RAWIO));
	assert_true(eff & (1ull << SMART_CAP_SYS_ADMIN));
	assert_int_equal(eff, 0x220000);
	assert_int_equal(smart_caps_parse("CapEff:\tzz\n", 11, &eff), -1);
	assert_int_equal(smart_caps_parse("Name: x\n", 8, &eff), -1);
	assert_int_equal(smart_caps_parse("", 0, &eff), -1);
}

static void test_ident_copy(void **state)
{
	char out[8];
	(void)state;

	smart_ident_copy(out, sizeof(out), "  a \t b\x7f\x80 c  ", 16);
	assert_string_equal(out, "a b c");
	smart_ident_copy(out, sizeof(out), "abcdefghijkl", 12);
	assert_string_equal(out, "abcdefg");
	smart_ident_copy(out, sizeof(out), "ab\0cd", 5);
	assert_string_equal(out, "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvme_units_and_overflow),
		cmocka_unit_test(test_ata_units_and_absent),
		cmocka_unit_test(test_failed_and_never_read),
		cmocka_unit_test(test_replay_names_and_roundtrip),
		cmocka_unit_test(test_caps_parse),
		cmocka_unit_test(test_ident_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
