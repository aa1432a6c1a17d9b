/* test_parse_mountinfo.c: the mountinfo parser on every recorded mountinfo, escapes, odd lines */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/strbuf.h"
#include "exporters/cifs/parse.h"
#include "tests/lib/testlib.h"

static const struct cifs_mount *find_mp(const struct cifs_mountinfo *mi, const char *mp)
{
	const struct cifs_mount *found = NULL;

	for (size_t i = 0; i < mi->n; i++)
		if (strcmp(mi->mounts[i].mountpoint, mp) == 0)
			found = &mi->mounts[i];
	return found;
}

static void parse_fixture(const char *rel, struct cifs_mountinfo *mi)
{
	size_t len;
	char *buf = fixture_read(rel, &len);

	assert_int_equal(cifs_mountinfo_parse(buf, len, mi), 0);
	free(buf);
}

/* Every line of every recorded mountinfo is a mount: nothing skipped. */
static void test_every_fixture(void **state)
{
	char **list = fixture_list("cifs/mountinfo", ".mountinfo");
	size_t files = 0;

	(void)state;
	for (char **p = list; *p; p++) {
		struct cifs_mountinfo mi;
		size_t len;
		char *buf = fixture_read(*p, &len);
		size_t lines = 0;

		for (size_t i = 0; i < len; i++)
			if (buf[i] == '\n')
				lines++;
		if (len && buf[len - 1] != '\n')
			lines++;
		assert_int_equal(cifs_mountinfo_parse(buf, len, &mi), 0);
		assert_int_equal(mi.skipped, 0);
		assert_int_equal(mi.n, lines);
		for (size_t i = 0; i < mi.n; i++) {
			assert_non_null(mi.mounts[i].fstype);
			assert_non_null(mi.mounts[i].source);
			assert_true(mi.mounts[i].mountpoint[0] == '/');
		}
		cifs_mountinfo_release(&mi);
		free(buf);
		files++;
	}
	fixture_list_free(list);
	assert_int_equal(files, 4);
}

static void test_column_cifs_vers1(void **state)
{
	struct cifs_mountinfo mi;
	const struct cifs_mount *m;

	(void)state;
	parse_fixture("cifs/mountinfo/util-linux-column-tests-mountinfo.mountinfo", &mi);
	m = find_mp(&mi, "/mnt/sounds");
	assert_non_null(m);
	assert_string_equal(m->fstype, "cifs");
	assert_string_equal(m->source, "//sr.net.home/sounds");
	assert_int_equal(m->id, 177);
	assert_int_equal(m->parent, 62);
	assert_false(m->readonly);
	assert_true(cifs_option_has(m->super_options, "vers"));
	/* a fired automount: the autofs trap and the real mount on top of it, later in the file */
	m = find_mp(&mi, "/proc/sys/fs/binfmt_misc");
	assert_non_null(m);
	assert_string_equal(m->fstype, "binfmt_misc");
	{
		size_t traps = 0;
		for (size_t i = 0; i < mi.n; i++)
			if (strcmp(mi.mounts[i].mountpoint, "/proc/sys/fs/binfmt_misc") == 0 &&
			    strcmp(mi.mounts[i].fstype, "autofs") == 0 && &mi.mounts[i] < m)
				traps++;
		assert_int_equal(traps, 1);
	}
	cifs_mountinfo_release(&mi);
}

static void test_libmount_cifs_trailing_slash(void **state)
{
	struct cifs_mountinfo mi;
	const struct cifs_mount *m;

	(void)state;
	parse_fixture("cifs/mountinfo/util-linux-libmount-tests-mountinfo.mountinfo", &mi);
	m = find_mp(&mi, "/mnt/sounds");
	assert_non_null(m);
	assert_string_equal(m->source, "//foo.home/bar/");
	/* no optional fields on this line: the separator follows the options at once */
	assert_string_equal(m->options, "rw,relatime");
	assert_true(cifs_option_has(m->super_options, "unc"));
	cifs_mountinfo_release(&mi);
}

static void test_neuvector_and_procfs_smb311(void **state)
{
	struct cifs_mountinfo mi;
	const struct cifs_mount *m;

	(void)state;
	parse_fixture("cifs/mountinfo/neuvector-opensuse-tumbleweed-host.mountinfo", &mi);
	m = find_mp(&mi, "/mnt/nfs");
	assert_non_null(m);
	assert_string_equal(m->fstype, "cifs");
	assert_string_equal(m->source, "//10.1.5.5/share");
	cifs_mountinfo_release(&mi);

	parse_fixture("cifs/mountinfo/procfs-mountinfo_test-cifs-line.mountinfo", &mi);
	assert_int_equal(mi.n, 1);
	assert_string_equal(mi.mounts[0].mountpoint, "/with/a-hyphen");
	assert_string_equal(mi.mounts[0].source, "//remote-storage/Path");
	assert_int_equal(mi.mounts[0].id, 454);
	cifs_mountinfo_release(&mi);
}

/* The recorded CentOS 7 super options: "ro" first. */
static void test_centos_options_readonly(void **state)
{
	size_t len;
	char *opts = fixture_read("cifs/linux-cifs-list/proc-mounts-options.centos7.2020-05-28.txt", &len);
	struct strbuf line = STRBUF_INIT;
	struct cifs_mountinfo mi;

	(void)state;
	while (len && (opts[len - 1] == '\n' || opts[len - 1] == '\r'))
		opts[--len] = '\0';
	assert_true(cifs_option_has(opts, "ro"));
	assert_false(cifs_option_has(opts, "rw"));
	assert_true(cifs_option_has(opts, "vers"));
	assert_false(cifs_option_has(opts, "ver"));
	strbuf_addf(&line, "50 20 0:40 / /srv/docs rw,relatime - cifs //win/docs %s\n", opts);
	assert_int_equal(cifs_mountinfo_parse(line.buf, line.len, &mi), 0);
	assert_true(mi.mounts[0].readonly);
	cifs_mountinfo_release(&mi);
	strbuf_release(&line);
	free(opts);
}

static void test_escapes(void **state)
{
	static const char in[] =
		"60 20 0:50 / /mnt/My\\040Music rw,relatime shared:1 - cifs //nas/My\\040Music rw,vers=3.0\n"
		"61 20 0:51 / /mnt/tab\\011back\\134slash ro,relatime - smb3 //nas/x rw\n"   /* a read-only bind */
		"62 20 0:52 / /mnt/nul\\000byte rw - cifs //nas/y rw\n";
	struct cifs_mountinfo mi;

	(void)state;
	assert_int_equal(cifs_mountinfo_parse(in, strlen(in), &mi), 0);
	assert_int_equal(mi.n, 2);
	assert_int_equal(mi.skipped, 1);
	assert_string_equal(mi.mounts[0].mountpoint, "/mnt/My Music");
	assert_string_equal(mi.mounts[0].source, "//nas/My Music");
	assert_string_equal(mi.mounts[1].mountpoint, "/mnt/tab\tback\\slash");
	assert_false(mi.mounts[1].readonly);    /* per-mount ro only: the filesystem is read-write */
	assert_string_equal(mi.mounts[1].fstype, "smb3");
	cifs_mountinfo_release(&mi);
}

static void test_odd_lines(void **state)
{
	static const char in[] =
		"\n"
		"garbage\n"
		"1 2 3:4 / /a rw - \n"                          /* no type and source */
		"x 2 3:4 / /b rw - ext4 /dev/sda rw\n"          /* id not a number */
		"1 2 34 / /c rw - ext4 /dev/sda rw\n"           /* no major:minor */
		"1 2 3:4 / relative rw - ext4 /dev/sda rw\n"    /* mountpoint not absolute */
		"1 2 3:4 / /d rw shared:1 master:2 - ext4 /dev/sda\r\n"  /* no super options, CRLF */
		"1 2 3:4 / /e rw a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z - ext4 /dev/sda rw\n";
	struct cifs_mountinfo mi;

	(void)state;
	assert_int_equal(cifs_mountinfo_parse(in, strlen(in), &mi), 0);
	assert_int_equal(mi.n, 2);
	assert_string_equal(mi.mounts[0].mountpoint, "/d");
	assert_string_equal(mi.mounts[0].super_options, "");
	assert_string_equal(mi.mounts[1].mountpoint, "/e");   /* 52 optional fields */
	assert_string_equal(mi.mounts[1].fstype, "ext4");
	assert_int_equal(mi.skipped, 5);
	cifs_mountinfo_release(&mi);

	assert_int_equal(cifs_mountinfo_parse("", 0, &mi), -1);
	assert_int_equal(mi.n, 0);
	cifs_mountinfo_release(&mi);
	cifs_mountinfo_release(&mi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fixture),
		cmocka_unit_test(test_column_cifs_vers1),
		cmocka_unit_test(test_libmount_cifs_trailing_slash),
		cmocka_unit_test(test_neuvector_and_procfs_smb311),
		cmocka_unit_test(test_centos_options_readonly),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_odd_lines),
	};

	fixtures_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
