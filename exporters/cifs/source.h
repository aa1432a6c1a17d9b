/* source.h: the only I/O of cifs_mount_exporter besides the probes: mountinfo, fstab, fs/cifs files */
#ifndef CIFS_SOURCE_H
#define CIFS_SOURCE_H

#include "common/strbuf.h"

/*
 * Reads <procfs>/1/mountinfo (the host's mount namespace, as node_exporter reads it), or
 * <procfs>/self/mountinfo when that cannot be read (no CAP_SYS_PTRACE, a container), into out.
 * Stores the path used in *used (static string "1" or "self"). Returns 0, or -1 with errno.
 */
int cifs_source_mountinfo(const char *procfs, struct strbuf *out, const char **used);
/* Reads the fstab at path. Returns 0, or -1 with errno. */
int cifs_source_fstab(const char *path, struct strbuf *out);
/* Reads <procfs>/fs/cifs/<name> ("Stats", "DebugData"). Returns 0, or -1 with errno (ENOENT:
 * no cifs module loaded, not an error for the caller). */
int cifs_source_kernel(const char *procfs, const char *name, struct strbuf *out);

#endif
