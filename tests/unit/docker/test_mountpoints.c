/* test_mountpoints.c: the mount point a bind-mount source lives under, from recorded mountinfo files and fstab lines */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/strlist.h"
#include "exporters/docker/mountpoints.h"
#include "tests/lib/testlib.h"

static void from_file(const char *rel, struct strlist *mps)
{
	size_t len;
	char *buf = fixture_read(rel, &len);
	dk_mountpoints_from_mountinfo(buf, len, mps);
	free(buf);
}

static void test_recorded_mountinfo(void **state)
{
	struct strlist mps = STRLIST_INIT;
	(void)state;

	from_file("cifs/mountinfo/procfs-mountinfo_test-cifs-line.mountinfo", &mps);
	assert_int_equal(mps.n, 1);
	assert_string_equal(dk_mountpoint_for(&mps, "/with/a-hyphen/media"), "/with/a-hyphen");
	assert_string_equal(dk_mountpoint_for(&mps, "/with/a-hyphen"), "/with/a-hyphen");
	assert_string_equal(dk_mountpoint_for(&mps, "/with/a-hyphenated"), "/");
	strlist_clear(&mps);

	from_file("cifs/mountinfo/util-linux-column-tests-mountinfo.mountinfo", &mps);
	assert_true(mps.n > 10);
	assert_string_equal(dk_mountpoint_for(&mps, "/mnt/sounds/wav/a.wav"), "/mnt/sounds");
	strlist_clear(&mps);

	from_file("cifs/mountinfo/neuvector-opensuse-tumbleweed-host.mountinfo", &mps);
	assert_string_equal(dk_mountpoint_for(&mps, "/mnt/nfs/x"), "/mnt/nfs");
	strlist_clear(&mps);
}

/* A share that is not mounted is known from fstab; escapes decoded; the longest wins. */
static void test_fstab_and_nesting(void **state)
{
	static const char fstab[] =
		"# <file system> <mount point> <type>\n"
		"UUID=1234 / ext4 defaults 0 1\n"
		"//nas/media /mnt/media cifs credentials=/etc/c,x-systemd.automount 0 0\r\n"
		"//nas/my\\040files /mnt/my\\040files/ cifs guest 0 0\n"
		"/swapfile none swap sw 0 0\n"
		"   \n"
		"//nas/x /mnt/media/inner cifs guest 0 0";
	static const char mountinfo[] = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
					"30 22 0:40 / /mnt rw - tmpfs tmpfs rw\n"
					"bad line\n";
	struct strlist mps = STRLIST_INIT;
	(void)state;

	dk_mountpoints_from_mountinfo(mountinfo, strlen(mountinfo), &mps);
	dk_mountpoints_from_fstab(fstab, strlen(fstab), &mps);
	assert_string_equal(dk_mountpoint_for(&mps, "/mnt/media/movies"), "/mnt/media");
	assert_string_equal(dk_mountpoint_for(&mps, "/mnt/media/inner/a"), "/mnt/media/inner");
	assert_string_equal(dk_mountpoint_for(&mps, "/mnt/my files/doc"), "/mnt/my files");
	assert_string_equal(dk_mountpoint_for(&mps, "/mnt/other"), "/mnt");
	assert_string_equal(dk_mountpoint_for(&mps, "/srv"), "/");
	assert_string_equal(dk_mountpoint_for(&mps, NULL), "/");
	strlist_clear(&mps);
	dk_mountpoints_from_fstab(NULL, 0, &mps);
	dk_mountpoints_from_mountinfo("", 0, &mps);
	assert_int_equal(mps.n, 0);
	assert_string_equal(dk_mountpoint_for(&mps, "/a"), "/");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_mountinfo),
		cmocka_unit_test(test_fstab_and_nesting),
	};
	fixtures_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
