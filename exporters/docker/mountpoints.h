/* mountpoints.h: which host mount point a bind-mount source lives under (mountinfo and fstab), for joins with cifs_mount_* */
#ifndef DOCKER_MOUNTPOINTS_H
#define DOCKER_MOUNTPOINTS_H

#include <stddef.h>
#include "common/strlist.h"

/*
 * A bind mount's source is a path; the cifs rules speak of mount points. The label that joins
 * them is the longest known mount point containing the source. Known = mounted now
 * (/proc/self/mountinfo) or expected (/etc/fstab): a share that is missing is not in
 * mountinfo, but its fstab line still names the mount point the container depends on.
 * Pure parsers: append decoded mount points (octal escapes as in the kernel's and fstab's) to out.
 */
void dk_mountpoints_from_mountinfo(const char *buf, size_t len, struct strlist *out);
void dk_mountpoints_from_fstab(const char *buf, size_t len, struct strlist *out);
/* The longest entry of mps equal to source or a parent directory of it; "/" when none. Borrowed. */
const char *dk_mountpoint_for(const struct strlist *mps, const char *source);

#endif
