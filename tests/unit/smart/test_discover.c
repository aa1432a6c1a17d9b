/* test_discover.c: disk selection on a device list recorded from a real /sys, plus table cases */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/strbuf.h"
#include "exporters/smart/discover.h"
#include "tests/lib/testlib.h"

/* A device list in "udevadm info --export-db" format: P: devpath, E: KEY=VALUE, blank line. */
struct udevdb {
	char *text;
	size_t n;
	struct smart_udev_dev devs[256];
	char sysnames[256][64];
};

static void udevdb_load(struct udevdb *db, const char *path)
{
	struct smart_udev_dev *cur = NULL;
	char *line;

	memset(db, 0, sizeof(*db));
	db->text = test_read_file(path, NULL);
	assert_non_null(db->text);
	line = db->text;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(line, "P: ", 3)) {
			const char *base = strrchr(line + 3, '/');
			assert_true(db->n < 256);
			cur = &db->devs[db->n];
			snprintf(db->sysnames[db->n], sizeof(db->sysnames[0]), "%s", base ? base + 1 : line + 3);
			cur->sysname = db->sysnames[db->n];
			cur->devpath = line + 3;
			db->n++;
		} else if (cur && !strncmp(line, "E: SUBSYSTEM=", 13)) {
			cur->subsystem = line + 13;
		} else if (cur && !strncmp(line, "E: DEVTYPE=", 11)) {
			cur->devtype = line + 11;
		} else if (*line == '\0') {
			cur = NULL;
		}
		line = nl ? nl + 1 : NULL;
	}
}

static void kept_names(const struct udevdb *db, const struct smart_filter *f, struct strbuf *out)
{
	bool keep[256];
	smart_discover_select(db->devs, db->n, f, keep);
	for (size_t i = 0; i < db->n; i++)
		if (keep[i])
			strbuf_addf(out, "%s%s", out->len ? " " : "", db->devs[i].sysname);
}

/* Recorded on the build VM with smart_record_udev: a virtio disk, loop0-7 and zram0. */
static void test_recorded_build_vm(void **state)
{
	struct udevdb *db = calloc(1, sizeof(*db));
	struct smart_filter f;
	struct strbuf sb = STRBUF_INIT;
	const char *bad;
	(void)state;

	udevdb_load(db, source_path("tests/unit/smart/data/build-vm.udevdb"));
	assert_int_equal(db->n, 10);
	assert_int_equal(smart_filter_init(&f, "", "", &bad), 0);
	kept_names(db, &f, &sb);
	assert_string_equal(strbuf_cstr(&sb), "vda");
	for (size_t i = 0; i < db->n; i++) {
		const char *why = smart_discover_skip_reason(&db->devs[i], &f);
		if (!strcmp(db->devs[i].sysname, "vda"))
			assert_null(why);
		else
			assert_string_equal(why, "virtual");   /* loopN and zram0 */
	}
	smart_filter_release(&f);

	/* the exclude regex is unanchored, like node_exporter's device filters */
	strbuf_reset(&sb);
	assert_int_equal(smart_filter_init(&f, "", "^vd", &bad), 0);
	kept_names(db, &f, &sb);
	assert_string_equal(strbuf_cstr(&sb), "");
	smart_filter_release(&f);
	/* include cannot bring back what is virtual */
	strbuf_reset(&sb);
	assert_int_equal(smart_filter_init(&f, "loop|zram|vda", "", &bad), 0);
	kept_names(db, &f, &sb);
	assert_string_equal(strbuf_cstr(&sb), "vda");
	smart_filter_release(&f);
	strbuf_release(&sb);
	free(db->text);
	free(db);
}

/* Table cases for what the build VM does not have (typical home-server names and devpaths). */
static void test_table(void **state)
{
	static const struct {
		const char *sysname, *devpath, *subsystem, *devtype, *why;
	} rows[] = {
		{ "sda", "/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda", "block", "disk", NULL },
		{ "sda1", "/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1", "block", "partition", "partition" },
		{ "sdb", "/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb", "block", "disk", NULL },
		{ "nvme0n1", "/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1", "block", "disk", NULL },
		{ "nvme0n1p2", "/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1/nvme0n1p2", "block", "partition", "partition" },
		{ "nvme1c1n1", "/devices/pci0000:00/0000:00:1c.0/0000:3e:00.0/nvme/nvme1/nvme1c1n1", "block", "disk", "nvme_path" },
		{ "dm-0", "/devices/virtual/block/dm-0", "block", "disk", "virtual" },
		{ "md127", "/devices/virtual/block/md127", "block", "disk", "virtual" },
		{ "loop3", "/devices/virtual/block/loop3", "block", "disk", "virtual" },
		{ "ram0", "/devices/virtual/block/ram0", "block", "disk", "virtual" },
		{ "zram0", "/devices/virtual/block/zram0", "block", "disk", "virtual" },
		{ "sr0", "/devices/pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0/block/sr0", "block", "disk", "virtual" },
		{ "nbd0", "/devices/virtual/block/nbd0", "block", "disk", "virtual" },
		{ "sg0", "/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/scsi_generic/sg0", "scsi_generic", NULL, "subsystem" },
		{ "mmcblk0", "/devices/platform/mmc/mmc0/mmc0:0001/block/mmcblk0", "block", "disk", NULL },
	};
	struct smart_filter f;
	const char *bad;
	(void)state;

	assert_int_equal(smart_filter_init(&f, NULL, NULL, &bad), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct smart_udev_dev d = { rows[i].sysname, rows[i].devpath, rows[i].subsystem, rows[i].devtype };
		const char *why = smart_discover_skip_reason(&d, &f);
		if (rows[i].why == NULL && why != NULL)
			fail_msg("%s skipped (%s)", rows[i].sysname, why);
		if (rows[i].why != NULL && (why == NULL || strcmp(why, rows[i].why) != 0))
			fail_msg("%s: want %s, got %s", rows[i].sysname, rows[i].why, why ? why : "kept");
	}
	smart_filter_release(&f);

	assert_int_equal(smart_filter_init(&f, "^(sd|nvme)", "sdb", &bad), 0);
	{
		struct smart_udev_dev a = { "sda", "/x/block/sda", "block", "disk" };
		struct smart_udev_dev b = { "sdb", "/x/block/sdb", "block", "disk" };
		struct smart_udev_dev m = { "mmcblk0", "/x/block/mmcblk0", "block", "disk" };
		assert_null(smart_discover_skip_reason(&a, &f));
		assert_string_equal(smart_discover_skip_reason(&b, &f), "exclude");
		assert_string_equal(smart_discover_skip_reason(&m, &f), "include");
	}
	smart_filter_release(&f);
}

static void test_bad_regex(void **state)
{
	struct smart_filter f;
	const char *bad = NULL;
	(void)state;

	assert_int_equal(smart_filter_init(&f, "sd(", "", &bad), -1);
	assert_string_equal(bad, "--smart.device-include");
	assert_int_equal(smart_filter_init(&f, "", "[z-a]", &bad), -1);
	assert_string_equal(bad, "--smart.device-exclude");
}

/* Two namespaces of one controller share one SMART / Health log: only the first is read. */
static void test_one_namespace_per_controller(void **state)
{
	struct smart_udev_dev d[] = {
		{ "nvme0n1", "/devices/pci0000:00/0000:3d:00.0/nvme/nvme0/nvme0n1", "block", "disk" },
		{ "nvme0n2", "/devices/pci0000:00/0000:3d:00.0/nvme/nvme0/nvme0n2", "block", "disk" },
		{ "nvme1n1", "/devices/pci0000:00/0000:3e:00.0/nvme/nvme1/nvme1n1", "block", "disk" },
		{ "sda", "/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda", "block", "disk" },
	};
	bool keep[4];
	struct smart_filter f;
	const char *bad;
	(void)state;

	assert_int_equal(smart_filter_init(&f, "", "nvme0n1", &bad), 0);
	smart_discover_select(d, 4, NULL, keep);
	assert_true(keep[0]);
	assert_false(keep[1]);
	assert_true(keep[2]);
	assert_true(keep[3]);
	/* excluding the first namespace lets the second stand for the controller */
	smart_discover_select(d, 4, &f, keep);
	assert_false(keep[0]);
	assert_true(keep[1]);
	smart_filter_release(&f);
	assert_int_equal(smart_discover_type("nvme0n1"), SMART_TYPE_NVME);
	assert_int_equal(smart_discover_type("sda"), SMART_TYPE_ATA);
}

static void test_udev_decode(void **state)
{
	char out[48];
	(void)state;

	smart_udev_decode("WDC\\x20WD40EFRX-68N32N0\\x20\\x20\\x20", out, sizeof(out));
	assert_string_equal(out, "WDC WD40EFRX-68N32N0");
	smart_udev_decode("bad\\x2escape\\xZZ\\x", out, sizeof(out));
	assert_string_equal(out, "bad.scape\\xZZ\\x");
	smart_udev_decode(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_build_vm),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_bad_regex),
		cmocka_unit_test(test_one_namespace_per_controller),
		cmocka_unit_test(test_udev_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
