/* mountpoints.c: the host mount point a bind-mount source lives under, from mountinfo and fstab (pure) */
#include "exporters/docker/mountpoints.h"

#include <stdlib.h>
#include <string.h>
#include "common/lines.h"

static void mp_push(struct strlist *out, const struct field *f)
{
	char *mp = lines_unescape_octal_dup(f->s, f->len);
	size_t l = strlen(mp);

	while (l > 1 && mp[l - 1] == '/')
		mp[--l] = '\0';   /* "/mnt/share/" in fstab */
	if (mp[0] == '/')
		strlist_push_nodup(out, mp);
	else
		free(mp);
}

void dk_mountpoints_from_mountinfo(const char *buf, size_t len, struct strlist *out)
{
	struct lines it;
	const char *line;
	size_t n;

	lines_init(&it, buf, len, 0);
	while (lines_next(&it, &line, &n)) {
		struct field f[5];
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
		if (fields_split(line, n, f, 5) >= 5)
			mp_push(out, &f[4]);
	}
}

void dk_mountpoints_from_fstab(const char *buf, size_t len, struct strlist *out)
{
	struct lines it;
	const char *line;
	size_t n;

	lines_init(&it, buf, len, LINES_STRIP_CR);
	while (lines_next(&it, &line, &n)) {
		struct field f[3];
		size_t nf = fields_split(line, n, f, 3);
		/* SPEC FILE TYPE ...; comments and swap ("none") have no absolute FILE */
		if (nf >= 2 && f[0].s[0] != '#')
			mp_push(out, &f[1]);
	}
}

const char *dk_mountpoint_for(const struct strlist *mps, const char *source)
{
	const char *best = "/";
	size_t best_len = 1;

	if (!source)
		return best;
	for (size_t i = 0; i < mps->n; i++) {
		const char *mp = mps->items[i];
		size_t l = strlen(mp);
		if (l <= best_len || strncmp(source, mp, l) != 0)
			continue;
		if (source[l] == '\0' || source[l] == '/') {
			best = mp;
			best_len = l;
		}
	}
	return best;
}
