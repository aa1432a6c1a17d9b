/* parse_mountinfo.c: /proc/PID/mountinfo to a list of mounts (proc(5) layout, octal escapes decoded) */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "common/lines.h"
#include "common/xalloc.h"
#include "exporters/cifs/parse.h"

/* id, parent, dev, root, mountpoint, options, up to this many optional fields, "-", type, source, super options */
#define MI_MAX_FIELDS 64

static bool mi_ulong(const struct field *f, unsigned long *out)
{
	uint64_t v;

	if (!field_u64(f, &v) || v > ULONG_MAX)
		return false;
	*out = (unsigned long)v;
	return true;
}

static void mi_mount_release(struct cifs_mount *m)
{
	free(m->root);
	free(m->mountpoint);
	free(m->options);
	free(m->fstype);
	free(m->source);
	free(m->super_options);
	memset(m, 0, sizeof(*m));
}

/* One line into m; false when it is not a mount line (m released). */
static bool mi_parse_line(const char *line, size_t len, struct cifs_mount *m)
{
	struct field f[MI_MAX_FIELDS];
	size_t n = fields_split(line, len, f, MI_MAX_FIELDS);
	size_t sep = 0;
	unsigned long dummy;

	if (n > MI_MAX_FIELDS || n < 9)
		return false;
	for (size_t i = 6; i < n; i++) {
		if (field_eq(&f[i], "-")) {
			sep = i;
			break;
		}
	}
	/* the super options may be missing on very old kernels, type and source may not */
	if (!sep || sep + 2 >= n)
		return false;
	if (!mi_ulong(&f[0], &m->id) || !mi_ulong(&f[1], &m->parent))
		return false;
	/* major:minor */
	{
		const char *colon = memchr(f[2].s, ':', f[2].len);
		struct field a, b;
		if (!colon)
			return false;
		a.s = f[2].s;
		a.len = (size_t)(colon - f[2].s);
		b.s = colon + 1;
		b.len = f[2].len - a.len - 1;
		if (!mi_ulong(&a, &dummy) || !mi_ulong(&b, &dummy))
			return false;
	}
	m->root = lines_unescape_octal_path(f[3].s, f[3].len);
	m->mountpoint = lines_unescape_octal_path(f[4].s, f[4].len);
	m->options = lines_unescape_octal_path(f[5].s, f[5].len);
	m->fstype = lines_unescape_octal_path(f[sep + 1].s, f[sep + 1].len);
	m->source = lines_unescape_octal_path(f[sep + 2].s, f[sep + 2].len);
	m->super_options = sep + 3 < n ? lines_unescape_octal_path(f[sep + 3].s, f[sep + 3].len) : xstrdup("");
	if (!m->root || !m->mountpoint || !m->options || !m->fstype || !m->source || !m->super_options ||
	    m->mountpoint[0] != '/') {
		mi_mount_release(m);
		return false;
	}
	m->readonly = cifs_option_has(m->super_options, "ro");
	return true;
}

int cifs_mountinfo_parse(const char *buf, size_t len, struct cifs_mountinfo *out)
{
	struct lines it;
	const char *line;
	size_t llen;
	size_t alloc = 0;

	memset(out, 0, sizeof(*out));
	lines_init(&it, buf, len, LINES_STRIP_CR);
	while (lines_next(&it, &line, &llen)) {
		struct cifs_mount m;
		struct field f[1];

		if (fields_split(line, llen, f, 1) == 0)
			continue;
		memset(&m, 0, sizeof(m));
		if (!mi_parse_line(line, llen, &m)) {
			mi_mount_release(&m);
			out->skipped++;
			continue;
		}
		XGROW(out->mounts, out->n + 1, alloc);
		out->mounts[out->n++] = m;
	}
	return out->n ? 0 : -1;
}

void cifs_mountinfo_release(struct cifs_mountinfo *mi)
{
	if (!mi)
		return;
	for (size_t i = 0; i < mi->n; i++)
		mi_mount_release(&mi->mounts[i]);
	free(mi->mounts);
	memset(mi, 0, sizeof(*mi));
}
