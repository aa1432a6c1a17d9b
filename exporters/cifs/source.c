/* source.c: the only I/O of cifs_mount_exporter besides the probes: mountinfo, fstab, fs/cifs files */
#include "exporters/cifs/source.h"

#include <errno.h>
#include <stdlib.h>
#include "common/fileutil.h"
#include "common/xalloc.h"

#define SOURCE_MAX (16u << 20)

static int source_read(const char *procfs, const char *rel, struct strbuf *out)
{
	char *path = xasprintf("%s/%s", procfs, rel);
	int r, saved;

	strbuf_reset(out);
	r = file_read(path, out, SOURCE_MAX);
	saved = errno;
	free(path);
	errno = saved;
	return r;
}

int cifs_source_mountinfo(const char *procfs, struct strbuf *out, const char **used)
{
	if (source_read(procfs, "1/mountinfo", out) == 0 && out->len > 0) {
		*used = "1";
		return 0;
	}
	*used = "self";
	return source_read(procfs, "self/mountinfo", out);
}

int cifs_source_fstab(const char *path, struct strbuf *out)
{
	strbuf_reset(out);
	return file_read(path, out, SOURCE_MAX);
}

int cifs_source_kernel(const char *procfs, const char *name, struct strbuf *out)
{
	char *rel = xasprintf("fs/cifs/%s", name);
	int r, saved;

	r = source_read(procfs, rel, out);
	saved = errno;
	free(rel);
	errno = saved;
	return r;
}
