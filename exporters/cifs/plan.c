/* plan.c: expected against actual mounts, and what to do with each mountpoint (pure) */
#include "exporters/cifs/plan.h"

#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"

bool cifs_plan_counts(const struct cifs_plan_config *cfg, const char *fstype)
{
	for (size_t i = 0; i < cfg->nfstypes; i++)
		if (strcmp(cfg->fstypes[i], fstype) == 0)
			return true;
	return false;
}

/* "/mnt/a//" -> "/mnt/a" (a new string) */
static char *plan_norm(const char *path)
{
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	return xstrndup(path, len);
}

struct plan_build {
	struct cifs_plan *p;
	size_t alloc;
};

static struct cifs_plan_entry *plan_entry(struct plan_build *b, const char *mountpoint)
{
	char *mp = plan_norm(mountpoint);
	struct cifs_plan_entry *e;

	for (size_t i = 0; i < b->p->n; i++) {
		if (strcmp(b->p->entries[i].mountpoint, mp) == 0) {
			free(mp);
			return &b->p->entries[i];
		}
	}
	XGROW(b->p->entries, b->p->n + 1, b->alloc);
	e = &b->p->entries[b->p->n++];
	memset(e, 0, sizeof(*e));
	e->mountpoint = mp;
	return e;
}

static void plan_set(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

static int plan_cmp(const void *a, const void *b)
{
	const struct cifs_plan_entry *x = a, *y = b;

	return strcmp(x->mountpoint, y->mountpoint);
}

/* True when any mount (any type) has mountpoint mp. */
static bool plan_is_mountpoint(const struct cifs_mountinfo *mi, const char *mp)
{
	if (!mi)
		return false;
	/* the kernel writes mountpoints without a trailing '/' */
	for (size_t i = 0; i < mi->n; i++)
		if (strcmp(mi->mounts[i].mountpoint, mp) == 0)
			return true;
	return false;
}

void cifs_plan_build(const struct cifs_plan_config *cfg, const struct cifs_fstab *fstab,
		     const struct cifs_mountinfo *mi, struct cifs_plan *out)
{
	struct plan_build b;

	memset(out, 0, sizeof(*out));
	b.p = out;
	b.alloc = 0;
	for (size_t i = 0; fstab && i < fstab->n; i++) {
		const struct cifs_fstab_entry *fe = &fstab->entries[i];
		struct cifs_plan_entry *e;

		if (!cifs_plan_counts(cfg, fe->vfstype) || fe->file[0] != '/')
			continue;
		e = plan_entry(&b, fe->file);
		e->expected = true;
		e->in_fstab = true;
		e->automount = fe->automount;
		e->noauto = fe->noauto;
		plan_set(&e->share, fe->spec);
		plan_set(&e->fstype, fe->vfstype);
	}
	for (size_t i = 0; i < cfg->nmounts; i++) {
		if (cfg->mounts[i][0] != '/')
			continue;
		plan_entry(&b, cfg->mounts[i])->expected = true;
	}
	/* mounts in mountinfo order: a later mount on the same point is on top of an earlier one */
	for (size_t i = 0; mi && i < mi->n; i++) {
		const struct cifs_mount *m = &mi->mounts[i];
		struct cifs_plan_entry *e;

		if (!cifs_plan_counts(cfg, m->fstype))
			continue;
		e = plan_entry(&b, m->mountpoint);
		e->mounted = true;
		e->mount_id = m->id;
		e->readonly = m->readonly;
		plan_set(&e->share, m->source);
		plan_set(&e->fstype, m->fstype);
	}
	for (size_t i = 0; i < out->n; i++) {
		struct cifs_plan_entry *e = &out->entries[i];

		for (size_t j = 0; mi && j < mi->n; j++) {
			if (strcmp(mi->mounts[j].fstype, "autofs") == 0 &&
			    strcmp(mi->mounts[j].mountpoint, e->mountpoint) == 0)
				e->armed = true;
		}
		if (!e->share)
			e->share = xstrdup("");
		if (!e->fstype)
			e->fstype = xstrdup("");
		if (e->mounted)
			e->action = CIFS_ACT_PROBE;
		else if (e->armed)
			e->action = cfg->probe_automount ? CIFS_ACT_PROBE : CIFS_ACT_NONE;
		else if (e->expected && !plan_is_mountpoint(mi, e->mountpoint))
			e->action = CIFS_ACT_UNDERLYING;
		else
			e->action = CIFS_ACT_NONE;
	}
	if (out->n > 1)
		qsort(out->entries, out->n, sizeof(*out->entries), plan_cmp);
}

void cifs_plan_release(struct cifs_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->entries[i].mountpoint);
		free(p->entries[i].share);
		free(p->entries[i].fstype);
	}
	free(p->entries);
	memset(p, 0, sizeof(*p));
}
