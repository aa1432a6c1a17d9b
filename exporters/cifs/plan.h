/* plan.h: expected against actual mounts, and what to do with each mountpoint (pure) */
#ifndef CIFS_PLAN_H
#define CIFS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include "exporters/cifs/parse.h"

struct cifs_plan_config {
	const char *const *fstypes;   /* filesystem types that count ("cifs", "smb3", "fuse.bindfs") */
	size_t nfstypes;
	const char *const *mounts;    /* --cifs.mount: expected mountpoints besides the fstab's */
	size_t nmounts;
	bool probe_automount;         /* probe an armed, unmounted automount point (triggers it) */
};

enum cifs_action {
	CIFS_ACT_NONE,         /* nothing to touch (armed automount, or something else mounted there) */
	CIFS_ACT_PROBE,        /* statfs + one directory entry (or the canary) on the mount */
	CIFS_ACT_UNDERLYING,   /* expected, not mounted, no mount at all there: count the local entries */
};

struct cifs_plan_entry {
	char *mountpoint;      /* normalised: no trailing '/' (but "/") */
	char *share;           /* the mount's source when mounted, else the fstab's spec, else "" */
	char *fstype;          /* the mount's type when mounted, else the fstab's, else "" */
	unsigned long mount_id;/* when mounted */
	bool expected;         /* in the fstab with a counted type, or given by --cifs.mount */
	bool in_fstab;
	bool automount;        /* fstab: x-systemd.automount */
	bool noauto;           /* fstab: noauto */
	bool mounted;          /* a counted type is mounted there */
	bool armed;            /* an autofs mount is there */
	bool readonly;         /* when mounted */
	enum cifs_action action;
};

struct cifs_plan {
	struct cifs_plan_entry *entries;   /* sorted by mountpoint, one per mountpoint */
	size_t n;
};

/* True when fstype is one of cfg's fstypes. */
bool cifs_plan_counts(const struct cifs_plan_config *cfg, const char *fstype);

/*
 * Decides the expected and actual state of every mountpoint that is expected (fstab entries of
 * a counted type, --cifs.mount) or has a counted type mounted (mi; the topmost such mount
 * wins). fstab and mi may be NULL. The plan owns its strings; release with cifs_plan_release().
 */
void cifs_plan_build(const struct cifs_plan_config *cfg, const struct cifs_fstab *fstab,
		     const struct cifs_mountinfo *mi, struct cifs_plan *out);
void cifs_plan_release(struct cifs_plan *p);

#endif
