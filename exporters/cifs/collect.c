/* collect.c: one collection of cifs_mount_exporter: sources -> parsers -> plan -> probes -> render */
#include "exporters/cifs/collect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include "common/exporter.h"
#include "common/metrics.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "exporters/cifs/parse.h"
#include "exporters/cifs/plan.h"
#include "exporters/cifs/probe.h"
#include "exporters/cifs/render.h"
#include "exporters/cifs/source.h"

const char *const cifs_error_reasons[] = { "mountinfo", "fstab", "stats", "debugdata", NULL };

struct cifs_collector {
	const struct cifs_config *cfg;
	struct strlist fstypes;
	struct cifs_prober *prober;
	struct strbuf buf;
	char *message;
};

struct cifs_collector *cifs_collector_new(const struct cifs_config *cfg)
{
	struct cifs_collector *c;
	struct cifs_prober_config pc;
	const char *p;

	if (!(cfg->probe_timeout > 0)) {
		fprintf(stderr, "cifs_mount_exporter: flag '--cifs.probe-timeout' must be greater than 0\n");
		return NULL;
	}
	for (size_t i = 0; i < cfg->mounts.n; i++) {
		if (cfg->mounts.items[i][0] != '/') {
			fprintf(stderr, "cifs_mount_exporter: flag '--cifs.mount' must be an absolute path: '%s'\n",
				cfg->mounts.items[i]);
			return NULL;
		}
	}
	if (cfg->canary && (cfg->canary[0] == '/' || strstr(cfg->canary, ".."))) {
		fprintf(stderr, "cifs_mount_exporter: flag '--cifs.canary' must be a name relative to the mountpoint\n");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->cfg = cfg;
	p = cfg->fstypes ? cfg->fstypes : "";
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len) {
			char *t = xstrndup(p, len);
			strlist_push_nodup(&c->fstypes, t);
		}
		if (!end)
			break;
		p = end + 1;
	}
	if (!c->fstypes.n) {
		fprintf(stderr, "cifs_mount_exporter: flag '--cifs.fstypes' must name at least one type\n");
		strlist_clear(&c->fstypes);
		free(c);
		return NULL;
	}
	memset(&pc, 0, sizeof(pc));
	pc.timeout = cfg->probe_timeout;
	pc.canary = cfg->canary;
	if (cfg->ctx) {
		pc.stopping = cfg->ctx->stopping;
		pc.stop_arg = cfg->ctx->stop_arg;
	}
	c->prober = cifs_prober_new(&pc);
	return c;
}

void cifs_collector_free(struct cifs_collector *c)
{
	if (!c)
		return;
	cifs_prober_free(c->prober);
	strlist_clear(&c->fstypes);
	strbuf_release(&c->buf);
	free(c->message);
	free(c);
}

const char *cifs_collect_message(const struct cifs_collector *c)
{
	return c->message;
}

size_t cifs_collector_in_flight(struct cifs_collector *c)
{
	return cifs_prober_in_flight(c->prober);
}

static const char *collect_fail(struct cifs_collector *c, const char *reason, const char *reason_now,
				const char *fmt, const char *arg, int err)
{
	if (reason)
		return reason;
	free(c->message);
	c->message = err ? xasprintf(fmt, arg, strerror(err)) : xasprintf(fmt, arg, "");
	return reason_now;
}

/* fs/cifs/Stats and DebugData, when the cifs module is loaded. */
static const char *collect_kernel(struct cifs_collector *c, struct metric_set *ms, const char *reason)
{
	const char *procfs = c->cfg->ctx ? c->cfg->ctx->procfs : "/proc";
	struct cifs_debugdata dd;
	struct cifs_stats st;
	bool have_dd = false;

	memset(&dd, 0, sizeof(dd));
	memset(&st, 0, sizeof(st));
	if (cifs_source_kernel(procfs, "DebugData", &c->buf) == 0) {
		if (cifs_debugdata_parse(c->buf.buf, c->buf.len, &dd) == 0) {
			cifs_render_debugdata(ms, &dd);
			have_dd = true;
		} else if (c->buf.len) {
			reason = collect_fail(c, reason, "debugdata", "cannot parse '%s/fs/cifs/DebugData'%s", procfs, 0);
		}
	} else if (errno != ENOENT) {
		reason = collect_fail(c, reason, "debugdata", "cannot read '%s/fs/cifs/DebugData': %s", procfs, errno);
	}
	if (cifs_source_kernel(procfs, "Stats", &c->buf) == 0) {
		if (cifs_stats_parse(c->buf.buf, c->buf.len, &st) == 0)
			cifs_render_stats(ms, &st, !have_dd);
		else if (c->buf.len)
			reason = collect_fail(c, reason, "stats", "cannot parse '%s/fs/cifs/Stats'%s", procfs, 0);
	} else if (errno != ENOENT) {
		reason = collect_fail(c, reason, "stats", "cannot read '%s/fs/cifs/Stats': %s", procfs, errno);
	}
	cifs_stats_release(&st);
	cifs_debugdata_release(&dd);
	return reason;
}

const char *cifs_collect(struct cifs_collector *c, struct metric_set *ms)
{
	const char *procfs = c->cfg->ctx ? c->cfg->ctx->procfs : "/proc";
	const char *reason = NULL, *used = NULL;
	struct cifs_mountinfo mi;
	struct cifs_fstab fstab;
	struct cifs_plan plan;
	struct cifs_plan_config pcfg;
	struct cifs_probe_view *views = NULL;
	bool have_mi = false;

	memset(&mi, 0, sizeof(mi));
	memset(&fstab, 0, sizeof(fstab));
	if (c->cfg->fstab && *c->cfg->fstab) {
		if (cifs_source_fstab(c->cfg->fstab, &c->buf) == 0)
			cifs_fstab_parse(c->buf.buf, c->buf.len, &fstab);
		else
			reason = collect_fail(c, reason, "fstab", "cannot read '%s': %s", c->cfg->fstab, errno);
	}
	if (cifs_source_mountinfo(procfs, &c->buf, &used) != 0)
		reason = collect_fail(c, reason, "mountinfo", "cannot read '%s/self/mountinfo': %s", procfs, errno);
	else if (cifs_mountinfo_parse(c->buf.buf, c->buf.len, &mi) != 0)
		reason = collect_fail(c, reason, "mountinfo", "no mount in '%s/.../mountinfo'%s", procfs, 0);
	else
		have_mi = true;

	/* Without the actual mounts nothing can be said about them: only the kernel statistics. */
	if (have_mi) {
		memset(&pcfg, 0, sizeof(pcfg));
		pcfg.fstypes = (const char *const *)c->fstypes.items;
		pcfg.nfstypes = c->fstypes.n;
		pcfg.mounts = (const char *const *)c->cfg->mounts.items;
		pcfg.nmounts = c->cfg->mounts.n;
		pcfg.probe_automount = c->cfg->probe_automount;
		cifs_plan_build(&pcfg, &fstab, &mi, &plan);
		views = xcalloc(plan.n ? plan.n : 1, sizeof(*views));
		cifs_prober_run(c->prober, &plan, views);
		cifs_render_mounts(ms, &plan, views);
		cifs_render_in_flight(ms, cifs_prober_in_flight(c->prober));
		free(views);
		cifs_plan_release(&plan);
	}
	reason = collect_kernel(c, ms, reason);
	cifs_mountinfo_release(&mi);
	cifs_fstab_release(&fstab);
	strbuf_reset(&c->buf);
#ifdef __GLIBC__
	/* each probe ran on its own short-lived thread, in its own malloc arena: give the pages back */
	malloc_trim(0);
#endif
	return reason;
}
