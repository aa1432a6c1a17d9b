/* parse_fstab.c: fstab(5) to a list of entries (comments, blank lines, octal escapes such as \040) */
#include <stdlib.h>
#include <string.h>
#include "common/lines.h"
#include "common/xalloc.h"
#include "exporters/cifs/parse.h"

static void fstab_entry_release(struct cifs_fstab_entry *e)
{
	free(e->spec);
	free(e->file);
	free(e->vfstype);
	free(e->options);
	memset(e, 0, sizeof(*e));
}

int cifs_fstab_parse(const char *buf, size_t len, struct cifs_fstab *out)
{
	struct lines it;
	const char *line;
	size_t llen;
	size_t alloc = 0;

	memset(out, 0, sizeof(*out));
	lines_init(&it, buf, len, LINES_STRIP_CR);
	while (lines_next(&it, &line, &llen)) {
		struct field f[4];
		struct cifs_fstab_entry e;
		size_t n = fields_split(line, llen, f, 4);

		if (n == 0 || f[0].s[0] == '#')
			continue;
		memset(&e, 0, sizeof(e));
		if (n < 3) {
			out->skipped++;
			continue;
		}
		e.spec = lines_unescape_octal_path(f[0].s, f[0].len);
		e.file = lines_unescape_octal_path(f[1].s, f[1].len);
		e.vfstype = lines_unescape_octal_path(f[2].s, f[2].len);
		e.options = n >= 4 ? lines_unescape_octal_path(f[3].s, f[3].len) : xstrdup("defaults");
		if (!e.spec || !e.file || !e.vfstype || !e.options) {
			fstab_entry_release(&e);
			out->skipped++;
			continue;
		}
		e.automount = cifs_option_has(e.options, "x-systemd.automount");
		e.noauto = cifs_option_has(e.options, "noauto");
		e.readonly = cifs_option_has(e.options, "ro");
		XGROW(out->entries, out->n + 1, alloc);
		out->entries[out->n++] = e;
	}
	return 0;
}

void cifs_fstab_release(struct cifs_fstab *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n; i++)
		fstab_entry_release(&fs->entries[i]);
	free(fs->entries);
	memset(fs, 0, sizeof(*fs));
}
