/* parse_stats.c: /proc/fs/cifs/Stats (SMB1 and SMB2/3 layouts, kernels 3.x to 6.x) to counters per share */
#include <stdlib.h>
#include <string.h>
#include "common/lines.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "exporters/cifs/parse.h"

#define ST_MAX_FIELDS 64

static bool st_num(const struct field *f, double *out)
{
	uint64_t v;

	if (!field_u64(f, &v))
		return false;
	*out = (double)v;
	return true;
}

static bool st_word(const struct field *f, const char *w)
{
	return field_eq(f, w);
}

/* "QueryDirectories:" "Posix" "Opens:" -> "query_directories", "posix_opens" */
static void st_snake(struct strbuf *sb, const struct field *f)
{
	bool prev_lower = false;

	if (sb->len)
		strbuf_addch(sb, '_');
	for (size_t i = 0; i < f->len; i++) {
		char c = f->s[i];
		if (c >= 'A' && c <= 'Z') {
			if (prev_lower)
				strbuf_addch(sb, '_');
			strbuf_addch(sb, c - 'A' + 'a');
			prev_lower = false;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			strbuf_addch(sb, c);
			prev_lower = true;
		}
	}
}

static struct cifs_stats_share *st_share(struct cifs_stats *st, const char *unc, size_t len, size_t *alloc)
{
	char *name = cifs_unc_to_slashes(unc, len);
	struct cifs_stats_share *s;

	for (size_t i = 0; i < st->nshare; i++) {
		if (strcmp(st->share[i].name, name) == 0) {
			free(name);
			return &st->share[i];
		}
	}
	XGROW(st->share, st->nshare + 1, *alloc);
	s = &st->share[st->nshare++];
	memset(s, 0, sizeof(*s));
	s->name = name;
	return s;
}

static void st_add_op(struct cifs_stats_share *s, const char *name, double total, bool has_failed, double failed)
{
	struct cifs_op *op = NULL;

	for (size_t i = 0; i < s->nops; i++)
		if (strcmp(s->ops[i].name, name) == 0)
			op = &s->ops[i];
	if (!op) {
		s->ops = xrealloc(s->ops, (s->nops + 1) * sizeof(*s->ops));
		op = &s->ops[s->nops++];
		memset(op, 0, sizeof(*op));
		op->name = xstrdup(name);
	}
	op->total += total;
	if (has_failed) {
		op->has_failed = true;
		op->failed += failed;
	}
}

/* The counters of one line inside a share: "Name: N [sent|total M failed]" pairs. */
static void st_share_line(struct cifs_stats_share *s, const struct field *f, size_t n)
{
	struct strbuf name = STRBUF_INIT;
	char last_op[32] = "";
	size_t i = 0;

	if (n >= 1 && (st_word(&f[0], "Open") || st_word(&f[0], "Max")))
		return;
	while (i < n) {
		double v, failed = 0;
		bool has_failed = false;

		if (!st_num(&f[i], &v)) {
			st_snake(&name, &f[i]);
			i++;
			continue;
		}
		i++;
		if (i + 2 < n && (st_word(&f[i], "sent") || st_word(&f[i], "total")) &&
		    st_num(&f[i + 1], &failed) && st_word(&f[i + 2], "failed")) {
			has_failed = true;
			i += 3;
		}
		if (!name.len) {
			continue;
		} else if (strcmp(name.buf, "smbs") == 0) {
			s->has_smbs = true;
			s->smbs += v;
		} else if (strcmp(name.buf, "bytes_read") == 0) {
			s->has_bytes = true;
			s->read_bytes += v;
		} else if (strcmp(name.buf, "bytes_written") == 0) {
			s->has_bytes = true;
			s->written_bytes += v;
		} else if (strcmp(name.buf, "bytes") == 0) {
			/* SMB1: "Reads:  N Bytes: M", "Writes: N Bytes: M" */
			if (strcmp(last_op, "reads") == 0) {
				s->has_bytes = true;
				s->read_bytes += v;
			} else if (strcmp(last_op, "writes") == 0) {
				s->has_bytes = true;
				s->written_bytes += v;
			}
		} else {
			st_add_op(s, name.buf, v, has_failed, failed);
			if (name.len < sizeof(last_op))
				memcpy(last_op, name.buf, name.len + 1);
		}
		strbuf_reset(&name);
	}
	strbuf_release(&name);
}

/* "3)" */
static bool st_index(const struct field *f)
{
	if (f->len < 2 || f->s[f->len - 1] != ')')
		return false;
	for (size_t i = 0; i + 1 < f->len; i++)
		if (f->s[i] < '0' || f->s[i] > '9')
			return false;
	return true;
}

int cifs_stats_parse(const char *buf, size_t len, struct cifs_stats *out)
{
	struct lines it;
	const char *line;
	size_t llen;
	size_t alloc = 0;
	bool seen = false;
	struct cifs_stats_share *cur = NULL;

	memset(out, 0, sizeof(*out));
	lines_init(&it, buf, len, LINES_STRIP_CR);
	while (lines_next(&it, &line, &llen)) {
		struct field f[ST_MAX_FIELDS];
		size_t n = fields_split(line, llen, f, ST_MAX_FIELDS);
		double v, v2;

		if (n > ST_MAX_FIELDS)
			n = ST_MAX_FIELDS;
		if (n == 0)
			continue;
		if (n >= 2 && st_index(&f[0]) && f[1].len >= 3 && f[1].s[0] == '\\' && f[1].s[1] == '\\') {
			cur = st_share(out, f[1].s, f[1].len, &alloc);
			for (size_t i = 2; i < n; i++)
				if (st_word(&f[i], "DISCONNECTED"))
					cur->disconnected = true;
			seen = true;
			continue;
		}
		if (n == 3 && st_word(&f[0], "CIFS") && st_word(&f[1], "Session:") && st_num(&f[2], &v)) {
			out->has_sessions = true;
			out->sessions = v;
			seen = true;
		} else if (n >= 2 && st_word(&f[0], "Share") && llen > 0 && st_num(&f[n - 1], &v) &&
			   memchr(line, ':', llen)) {
			out->has_shares = true;
			out->shares = v;
			seen = true;
		} else if (n == 5 && st_num(&f[0], &v) && st_word(&f[1], "session") && st_num(&f[2], &v2) &&
			   st_word(&f[3], "share") && st_word(&f[4], "reconnects")) {
			out->has_reconnects = true;
			out->session_reconnects = v;
			out->share_reconnects = v2;
			seen = true;
		} else if (n >= 4 && st_word(&f[0], "Total") && st_word(&f[1], "vfs") && st_word(&f[2], "operations:") &&
			   st_num(&f[3], &v)) {
			out->has_vfs = true;
			out->vfs_operations = v;
			seen = true;
		} else if (cur) {
			st_share_line(cur, f, n);
		}
	}
	if (!seen) {
		cifs_stats_release(out);
		return -1;
	}
	return 0;
}

void cifs_stats_release(struct cifs_stats *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nshare; i++) {
		for (size_t j = 0; j < st->share[i].nops; j++)
			free(st->share[i].ops[j].name);
		free(st->share[i].ops);
		free(st->share[i].name);
	}
	free(st->share);
	memset(st, 0, sizeof(*st));
}
