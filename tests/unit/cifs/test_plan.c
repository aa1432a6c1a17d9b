/* test_plan.c: expected against actual mounts: absent, automount armed, readonly, stacked, extra mounts */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/cifs/plan.h"

static const char *const types[] = { "cifs", "smb3" };

static const struct cifs_plan_entry *entry(const struct cifs_plan *p, const char *mp)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->entries[i].mountpoint, mp) == 0)
			return &p->entries[i];
	fail_msg("no plan entry for '%s'", mp);
	return NULL;
}

static void build(const char *fstab, const char *mountinfo, const char *const *mounts, size_t nmounts,
		  bool probe_automount, struct cifs_plan *plan)
{
	struct cifs_plan_config cfg = { types, 2, mounts, nmounts, probe_automount };
	struct cifs_fstab fs;
	struct cifs_mountinfo mi;

	assert_int_equal(cifs_fstab_parse(fstab, strlen(fstab), &fs), 0);
	cifs_mountinfo_parse(mountinfo, strlen(mountinfo), &mi);
	cifs_plan_build(&cfg, &fs, &mi, plan);
	cifs_mountinfo_release(&mi);
	cifs_fstab_release(&fs);
}

static const char fstab[] =
	"# shares\n"
	"//nas/media /srv/media cifs credentials=/root/.smb 0 0\n"
	"//nas/docs /srv/docs/ smb3 x-systemd.automount,noauto 0 0\n"
	"//nas/old /srv/old cifs ro 0 0\n"
	"//nas/My\\040Music /srv/My\\040Music cifs defaults 0 0\n"
	"UUID=1 / ext4 defaults 0 1\n"
	"nas:/x /srv/nfs nfs4 defaults 0 0\n";

static void test_all_mounted(void **state)
{
	static const char mi[] =
		"20 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"30 20 0:40 / /srv/media rw,relatime shared:1 - cifs //nas/media rw,vers=3.1.1\n"
		"31 20 0:41 / /srv/docs rw,relatime shared:2 - autofs systemd-1 rw,fd=40\n"
		"32 31 0:42 / /srv/docs rw,relatime shared:3 - smb3 //nas/docs rw,vers=3.1.1\n"
		"33 20 0:43 / /srv/old ro,relatime - cifs //nas/old ro,vers=3.0\n"
		"34 20 0:44 / /srv/My\\040Music rw - cifs //nas/My\\040Music ro\n"
		"35 20 0:45 / /mnt/extra rw - cifs //other/extra rw\n"
		"36 20 0:46 / /srv/nfs rw - nfs4 nas:/x rw\n";
	struct cifs_plan p;
	const struct cifs_plan_entry *e;

	(void)state;
	build(fstab, mi, NULL, 0, false, &p);
	assert_int_equal(p.n, 5);   /* 4 expected shares + 1 extra cifs mount; ext4 and nfs4 do not count */
	for (size_t i = 1; i < p.n; i++)
		assert_true(strcmp(p.entries[i - 1].mountpoint, p.entries[i].mountpoint) < 0);
	e = entry(&p, "/srv/media");
	assert_true(e->expected && e->mounted && !e->armed && !e->readonly);
	assert_int_equal(e->action, CIFS_ACT_PROBE);
	assert_int_equal(e->mount_id, 30);
	assert_string_equal(e->share, "//nas/media");
	e = entry(&p, "/srv/docs");   /* the fstab's trailing '/' is normalised */
	assert_true(e->expected && e->mounted && e->armed && e->automount && e->noauto);
	assert_string_equal(e->fstype, "smb3");
	assert_int_equal(e->mount_id, 32);
	assert_int_equal(e->action, CIFS_ACT_PROBE);
	e = entry(&p, "/srv/old");
	assert_true(e->mounted && e->readonly);
	e = entry(&p, "/srv/My Music");
	assert_true(e->mounted && e->readonly);   /* superblock ro */
	assert_string_equal(e->share, "//nas/My Music");
	e = entry(&p, "/mnt/extra");
	assert_true(!e->expected && e->mounted && !e->in_fstab);
	assert_int_equal(e->action, CIFS_ACT_PROBE);
	cifs_plan_release(&p);
	cifs_plan_release(&p);
}

static void test_absent_and_armed(void **state)
{
	static const char mi[] =
		"20 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"31 20 0:41 / /srv/docs rw,relatime shared:2 - autofs systemd-1 rw,fd=40\n"
		"33 20 0:43 / /srv/old rw - tmpfs tmpfs rw\n";
	static const char *const extra[] = { "/data/photos/", "relative/ignored" };
	struct cifs_plan p;
	const struct cifs_plan_entry *e;

	(void)state;
	build(fstab, mi, extra, 2, false, &p);
	assert_int_equal(p.n, 5);
	e = entry(&p, "/srv/media");
	assert_true(e->expected && !e->mounted && !e->armed);
	assert_string_equal(e->share, "//nas/media");   /* from the fstab */
	assert_int_equal(e->action, CIFS_ACT_UNDERLYING);
	e = entry(&p, "/srv/docs");
	assert_true(e->expected && !e->mounted && e->armed);
	assert_int_equal(e->action, CIFS_ACT_NONE);     /* not triggered */
	e = entry(&p, "/srv/old");
	assert_true(e->expected && !e->mounted);
	assert_int_equal(e->action, CIFS_ACT_NONE);     /* something else is mounted there: not the local dir */
	e = entry(&p, "/data/photos");
	assert_true(e->expected && !e->in_fstab && !e->mounted);
	assert_string_equal(e->share, "");
	assert_int_equal(e->action, CIFS_ACT_UNDERLYING);
	cifs_plan_release(&p);

	build(fstab, mi, NULL, 0, true, &p);
	e = entry(&p, "/srv/docs");
	assert_int_equal(e->action, CIFS_ACT_PROBE);    /* --cifs.probe-automount */
	cifs_plan_release(&p);
}

/* The topmost counted mount wins; an unmounted (lazily detached) mount is simply gone from mountinfo. */
static void test_stacked(void **state)
{
	static const char mi[] =
		"20 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"40 20 0:50 / /srv/media rw - cifs //nas/old-media rw\n"
		"41 40 0:51 / /srv/media ro - cifs //nas/media ro\n";
	struct cifs_plan p;
	const struct cifs_plan_entry *e;

	(void)state;
	build(fstab, mi, NULL, 0, false, &p);
	e = entry(&p, "/srv/media");
	assert_int_equal(e->mount_id, 41);
	assert_string_equal(e->share, "//nas/media");
	assert_true(e->readonly);
	cifs_plan_release(&p);
}

static void test_counts(void **state)
{
	struct cifs_plan_config cfg = { types, 2, NULL, 0, false };

	(void)state;
	assert_true(cifs_plan_counts(&cfg, "cifs"));
	assert_true(cifs_plan_counts(&cfg, "smb3"));
	assert_false(cifs_plan_counts(&cfg, "smb"));
	assert_false(cifs_plan_counts(&cfg, "autofs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_mounted),
		cmocka_unit_test(test_absent_and_armed),
		cmocka_unit_test(test_stacked),
		cmocka_unit_test(test_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
