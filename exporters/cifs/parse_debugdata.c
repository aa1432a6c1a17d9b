/* parse_debugdata.c: /proc/fs/cifs/DebugData to the tree connections per server and their state */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/lines.h"
#include "common/xalloc.h"
#include "exporters/cifs/parse.h"

#define DD_MAX_FIELDS 64

static bool dd_int(const struct field *f, int *out)
{
	long v = 0;
	struct field g = *f;

	/* kernels before 4.x print the tree connection status as "Status: 0x%d" (decimal after "0x") */
	if (g.len > 2 && g.s[0] == '0' && g.s[1] == 'x') {
		g.s += 2;
		g.len -= 2;
	}
	f = &g;
	if (f->len == 0 || f->len > 9)
		return false;
	for (size_t i = 0; i < f->len; i++) {
		if (f->s[i] < '0' || f->s[i] > '9')
			return false;
		v = v * 10 + (f->s[i] - '0');
	}
	*out = (int)v;
	return true;
}

/* "3)" */
static bool dd_index(const struct field *f)
{
	if (f->len < 2 || f->s[f->len - 1] != ')')
		return false;
	for (size_t i = 0; i + 1 < f->len; i++)
		if (f->s[i] < '0' || f->s[i] > '9')
			return false;
	return true;
}

struct dd_state {
	struct cifs_debugdata *dd;
	size_t alloc;
	char *server;                 /* current server's name (owned) */
	int tcp_status;
	size_t server_first;          /* first share of the current server */
	struct cifs_dd_share *cur;    /* share whose block we are in */
};

/* The current server's TCP status goes to all its shares (it may be printed after them). */
static void dd_server_end(struct dd_state *s)
{
	for (size_t i = s->server_first; i < s->dd->nshare; i++)
		s->dd->share[i].tcp_status = s->tcp_status;
	free(s->server);
	s->server = NULL;
	s->tcp_status = -1;
	s->server_first = s->dd->nshare;
	s->cur = NULL;
}

static void dd_scan_tcp(struct dd_state *s, const struct field *f, size_t n)
{
	int v;

	for (size_t i = 0; i + 2 < n; i++)
		if (field_eq(&f[i], "TCP") && field_eq(&f[i + 1], "status:") && dd_int(&f[i + 2], &v))
			s->tcp_status = v;
}

/* The field after "Name:" or "Hostname:", or NULL. */
static const struct field *dd_server_name(const struct field *f, size_t n)
{
	for (size_t i = 1; i + 1 < n; i++)
		if (field_eq(&f[i], "Name:") || field_eq(&f[i], "Hostname:"))
			return &f[i + 1];
	return NULL;
}

int cifs_debugdata_parse(const char *buf, size_t len, struct cifs_debugdata *out)
{
	struct lines it;
	const char *line;
	size_t llen;
	bool seen = false;
	struct dd_state s;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.dd = out;
	s.tcp_status = -1;
	lines_init(&it, buf, len, LINES_STRIP_CR);
	while (lines_next(&it, &line, &llen)) {
		struct field f[DD_MAX_FIELDS];
		size_t n = fields_split(line, llen, f, DD_MAX_FIELDS);
		bool indented = llen > 0 && (line[0] == ' ' || line[0] == '\t');
		int v;

		if (n > DD_MAX_FIELDS)
			n = DD_MAX_FIELDS;
		if (n == 0)
			continue;
		if (!indented && (field_eq(&f[0], "Display") || (n >= 2 && field_eq(&f[0], "CIFS") &&
								   field_eq(&f[1], "Version")))) {
			seen = true;
			continue;
		}
		if (!indented && dd_index(&f[0]) && dd_server_name(f, n)) {
			/* a server: "1) Name: ADDR ..." (< 5.x) or "1) ConnectionId: 0x2 Hostname: NAME" */
			const struct field *name = dd_server_name(f, n);
			dd_server_end(&s);
			s.server = xstrndup(name->s, name->len);
			out->nservers++;
			seen = true;
			dd_scan_tcp(&s, f, n);
			continue;
		}
		if (indented && n >= 3 && dd_index(&f[0])) {
			size_t k = 1;
			bool ipc = false;
			if (field_eq(&f[k], "IPC:")) {
				ipc = true;
				k++;
			}
			if (k + 1 < n && f[k].len >= 3 && f[k].s[0] == '\\' && f[k].s[1] == '\\' &&
			    field_eq(&f[k + 1], "Mounts:")) {
				XGROW(out->share, out->nshare + 1, s.alloc);
				s.cur = &out->share[out->nshare++];
				memset(s.cur, 0, sizeof(*s.cur));
				s.cur->server = xstrdup(s.server ? s.server : "");
				s.cur->name = cifs_unc_to_slashes(f[k].s, f[k].len);
				/* older kernels list the session's IPC$ tree like a share, without "IPC:" */
				s.cur->ipc = ipc || (f[k].len >= 5 && strncasecmp(f[k].s + f[k].len - 5, "\\IPC$", 5) == 0);
				s.cur->status = -1;
				s.cur->tcp_status = -1;
				seen = true;
			} else {
				s.cur = NULL;   /* a session or an interface */
			}
			continue;
		}
		if (!indented || field_eq(&f[0], "MIDs:") || field_eq(&f[0], "Server") || field_eq(&f[0], "Sessions:") ||
		    field_eq(&f[0], "Shares:"))
			s.cur = NULL;
		if (s.server)
			dd_scan_tcp(&s, f, n);
		if (!s.cur)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (field_eq(&f[i], "DISCONNECTED"))
				s.cur->disconnected = true;
			else if (field_eq(&f[i], "Status:") && i + 1 < n && dd_int(&f[i + 1], &v) &&
				 !(i > 0 && (field_eq(&f[i - 1], "Session") || field_eq(&f[i - 1], "TCP"))))
				s.cur->status = v;
		}
	}
	dd_server_end(&s);
	if (!seen) {
		cifs_debugdata_release(out);
		return -1;
	}
	return 0;
}

void cifs_debugdata_release(struct cifs_debugdata *dd)
{
	if (!dd)
		return;
	for (size_t i = 0; i < dd->nshare; i++) {
		free(dd->share[i].server);
		free(dd->share[i].name);
	}
	free(dd->share);
	memset(dd, 0, sizeof(*dd));
}

bool cifs_dd_share_connected(const struct cifs_dd_share *s)
{
	return (s->status == 1 || s->status < 0) && (s->tcp_status == 1 || s->tcp_status < 0) && !s->disconnected;
}
