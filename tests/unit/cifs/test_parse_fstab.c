/* test_parse_fstab.c: the fstab parser: comments, options, escapes, short lines */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/cifs/parse.h"

static void test_entries(void **state)
{
	static const char in[] =
		"# /etc/fstab: static file system information.\n"
		"#\n"
		"UUID=1234-abcd / ext4 errors=remount-ro 0 1\n"
		"\n"
		"   # indented comment\n"
		"//nas/media\t/srv/media  cifs  credentials=/root/.smb,x-systemd.automount,_netdev 0 0\n"
		"//nas/My\\040Docs /srv/My\\040Docs smb3 ro,noauto,vers=3.1.1\n"
		"//nas/backup /srv/backup cifs\n"
		"/dev/sdb1 /mnt/disk1\n";
	struct cifs_fstab fs;

	(void)state;
	assert_int_equal(cifs_fstab_parse(in, strlen(in), &fs), 0);
	assert_int_equal(fs.n, 4);
	assert_int_equal(fs.skipped, 1);
	assert_string_equal(fs.entries[0].vfstype, "ext4");
	assert_string_equal(fs.entries[1].spec, "//nas/media");
	assert_string_equal(fs.entries[1].file, "/srv/media");
	assert_true(fs.entries[1].automount);
	assert_false(fs.entries[1].noauto);
	assert_false(fs.entries[1].readonly);
	assert_string_equal(fs.entries[2].spec, "//nas/My Docs");
	assert_string_equal(fs.entries[2].file, "/srv/My Docs");
	assert_string_equal(fs.entries[2].vfstype, "smb3");
	assert_true(fs.entries[2].noauto);
	assert_true(fs.entries[2].readonly);
	assert_false(fs.entries[2].automount);
	assert_string_equal(fs.entries[3].options, "defaults");
	cifs_fstab_release(&fs);
	cifs_fstab_release(&fs);
}

static void test_empty_and_nul(void **state)
{
	static const char in[] = "//a/b /x\\000y cifs defaults\n//c/d /z cifs rw";
	struct cifs_fstab fs;

	(void)state;
	assert_int_equal(cifs_fstab_parse("", 0, &fs), 0);
	assert_int_equal(fs.n, 0);
	cifs_fstab_release(&fs);
	assert_int_equal(cifs_fstab_parse(in, strlen(in), &fs), 0);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.skipped, 1);
	assert_string_equal(fs.entries[0].file, "/z");
	cifs_fstab_release(&fs);
}

static void test_option_has(void **state)
{
	(void)state;
	assert_true(cifs_option_has("rw,x-systemd.automount", "x-systemd.automount"));
	assert_false(cifs_option_has("rw,x-systemd.automount-timeout=5", "x-systemd.automount"));
	assert_true(cifs_option_has("ro", "ro"));
	assert_false(cifs_option_has("root=1,rol", "ro"));
	assert_true(cifs_option_has("a,ro=1", "ro"));
	assert_false(cifs_option_has("", "ro"));
	assert_false(cifs_option_has(NULL, "ro"));
	assert_false(cifs_option_has("ro", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_empty_and_nul),
		cmocka_unit_test(test_option_has),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
