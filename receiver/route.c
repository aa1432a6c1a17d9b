/* route.c: Alertmanager-compatible matcher parsing, PCRE2 regex matching and ordered route selection (pure) */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "receiver/route.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "common/chars.h"

/* Bounds the work one regex match may do: backtracking bombs fail (as a non-match) instead of hanging. */
#define ROUTE_MATCH_LIMIT 100000
#define ROUTE_DEPTH_LIMIT 1000

const char *matcher_op_name(enum matcher_op op)
{
	switch (op) {
	case MATCH_EQ: return "=";
	case MATCH_NE: return "!=";
	case MATCH_RE: return "=~";
	case MATCH_NRE: return "!~";
	}
	return "?";
}

static void route_matcher_release(struct matcher *m)
{
	free(m->name);
	free(m->value);
	if (m->re)
		pcre2_code_free(m->re);
	memset(m, 0, sizeof(*m));
}

void matcher_list_release(struct matcher_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		route_matcher_release(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static bool route_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool route_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool route_name_char(char c)
{
	return route_name_start(c) || (c >= '0' && c <= '9');
}

/*
 * Unescapes a value the way Alertmanager's ParseMatcher does: \n, \" and \\ are escapes,
 * any other backslash pair is kept literally, a final lone backslash is literal; when quoted,
 * the only unescaped quote allowed is the closing one at the very end.
 */
static int route_unescape(const char *raw, size_t len, bool quoted, struct strbuf *out, char **err)
{
	bool escaped = false, expect_close = quoted;

	for (size_t i = 0; i < len; i++) {
		char c = raw[i];
		if (escaped) {
			escaped = false;
			if (c == 'n') {
				strbuf_addch(out, '\n');
			} else if (c == '"' || c == '\\') {
				strbuf_addch(out, c);
			} else {
				strbuf_addch(out, '\\');
				strbuf_addch(out, c);
			}
			continue;
		}
		if (c == '\\') {
			if (i < len - 1) {
				escaped = true;
				continue;
			}
			strbuf_addch(out, '\\');
		} else if (c == '"') {
			if (!expect_close || i < len - 1) {
				*err = xstrdup("value contains an unescaped double quote");
				return -1;
			}
			expect_close = false;
		} else {
			strbuf_addch(out, c);
		}
	}
	if (expect_close) {
		*err = xstrdup("value is missing its closing double quote");
		return -1;
	}
	return 0;
}

static int route_compile(struct matcher *m, char **err)
{
	struct strbuf pat = STRBUF_INIT;
	int errcode = 0;
	PCRE2_SIZE erroff = 0;
	int ret = -1;

	strbuf_addstr(&pat, "^(?:");
	strbuf_addstr(&pat, m->value);
	strbuf_addstr(&pat, ")$");
	/* DOLLAR_ENDONLY: Go's $ never matches before a trailing newline, PCRE's does by default. */
	m->re = pcre2_compile((PCRE2_SPTR)strbuf_cstr(&pat), pat.len, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY,
			      &errcode, &erroff, NULL);
	if (!m->re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		*err = xasprintf("invalid regex: %s", (const char *)msg);
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&pat);
	return ret;
}

/* Parses one matcher token (already split at commas). */
static int route_parse_one(const char *tok, size_t len, struct matcher *m, char **err)
{
	struct strbuf name = STRBUF_INIT, value = STRBUF_INIT;
	size_t i = 0, vstart, vend;
	int ret = -1;

	while (i < len && route_is_space(tok[i]))
		i++;
	if (i < len && tok[i] == '"') {
		/* a quoted (UTF-8) label name */
		size_t start = i;
		i++;
		while (i < len && tok[i] != '"') {
			if (tok[i] == '\\' && i + 1 < len)
				i++;
			i++;
		}
		if (i >= len) {
			*err = xstrdup("label name is missing its closing double quote");
			goto out;
		}
		i++;
		if (route_unescape(tok + start + 1, i - start - 1, true, &name, err))
			goto out;
		if (name.len == 0 || !utf8_valid(name.buf, name.len) ||
		    strlen(strbuf_cstr(&name)) != name.len) {
			free(*err);
			*err = xstrdup("label name is empty or not valid UTF-8");
			goto out;
		}
	} else {
		if (i >= len || !route_name_start(tok[i])) {
			*err = xstrdup("bad matcher format: expected a label name");
			goto out;
		}
		while (i < len && route_name_char(tok[i]))
			strbuf_addch(&name, tok[i++]);
	}
	while (i < len && route_is_space(tok[i]))
		i++;
	if (i + 1 < len && tok[i] == '=' && tok[i + 1] == '~') {
		m->op = MATCH_RE;
		i += 2;
	} else if (i < len && tok[i] == '=') {
		m->op = MATCH_EQ;
		i += 1;
	} else if (i + 1 < len && tok[i] == '!' && tok[i + 1] == '=') {
		m->op = MATCH_NE;
		i += 2;
	} else if (i + 1 < len && tok[i] == '!' && tok[i + 1] == '~') {
		m->op = MATCH_NRE;
		i += 2;
	} else {
		*err = xstrdup("bad matcher format: expected one of = != =~ !~ after the label name");
		goto out;
	}
	while (i < len && route_is_space(tok[i]))
		i++;
	vstart = i;
	vend = len;
	while (vend > vstart && route_is_space(tok[vend - 1]))
		vend--;
	if (!utf8_valid(tok + vstart, vend - vstart)) {
		*err = xstrdup("value is not valid UTF-8");
		goto out;
	}
	if (vend > vstart && tok[vstart] == '"') {
		if (route_unescape(tok + vstart + 1, vend - vstart - 1, true, &value, err))
			goto out;
	} else if (route_unescape(tok + vstart, vend - vstart, false, &value, err)) {
		goto out;
	}
	if (strlen(strbuf_cstr(&value)) != value.len) {
		*err = xstrdup("value contains a NUL byte");
		goto out;
	}
	m->name = strbuf_detach(&name, NULL);
	m->value = strbuf_detach(&value, NULL);
	if ((m->op == MATCH_RE || m->op == MATCH_NRE) && route_compile(m, err))
		goto out;
	ret = 0;
out:
	strbuf_release(&name);
	strbuf_release(&value);
	if (ret)
		route_matcher_release(m);
	return ret;
}

int matchers_parse(const char *s, struct matcher_list *out, char **err)
{
	struct matcher *items = NULL;
	size_t n = 0, alloc = 0, len = strlen(s), start;
	bool inside = false, escaped = false;
	int ret = -1;

	/* Alertmanager trims one leading { and one trailing } (after surrounding space). */
	start = 0;
	while (start < len && route_is_space(s[start]))
		start++;
	while (len > start && route_is_space(s[len - 1]))
		len--;
	if (start < len && s[start] == '{') {
		if (s[len - 1] != '}' || len - start < 2) {
			*err = xasprintf("bad matcher format: unbalanced braces in '%s'", s);
			goto out;
		}
		start++;
		len--;
	}
	for (size_t tok = start, i = start; i <= len; i++) {
		if (i < len) {
			char c = s[i];
			/* Alertmanager's tokenizer: commas split outside double quotes */
			if (c == ',') {
				if (inside)
					continue;
			} else if (c == '"') {
				if (!escaped)
					inside = !inside;
				else
					escaped = false;
				continue;
			} else if (c == '\\') {
				escaped = !escaped;
				continue;
			} else {
				escaped = false;
				continue;
			}
		}
		size_t a = tok, b = i;
		while (a < b && route_is_space(s[a]))
			a++;
		if (a == b) {
			if (i == len)
				break;
			*err = xasprintf("bad matcher format: empty matcher in '%s'", s);
			goto out;
		}
		char *e = NULL;
		XGROW(items, n + 1, alloc);
		memset(&items[n], 0, sizeof(items[n]));
		if (route_parse_one(s + a, b - a, &items[n], &e)) {
			*err = xasprintf("%s in matcher '%.*s'", e, (int)(b - a), s + a);
			free(e);
			goto out;
		}
		n++;
		tok = i + 1;
	}
	if (n == 0) {
		*err = xasprintf("no matcher in '%s'", s);
		goto out;
	}
	out->items = xrealloc(out->items, (out->n + n) * sizeof(*out->items));
	memcpy(out->items + out->n, items, n * sizeof(*items));
	out->n += n;
	n = 0;
	ret = 0;
out:
	for (size_t k = 0; k < n; k++)
		route_matcher_release(&items[k]);
	free(items);
	return ret;
}

static bool route_regex_match(const struct matcher *m, const char *s)
{
	pcre2_match_data *md = NULL;
	pcre2_match_context *mc = NULL;
	bool ok = false;

	md = pcre2_match_data_create(1, NULL);
	mc = pcre2_match_context_create(NULL);
	if (!md || !mc)
		goto out;
	pcre2_set_match_limit(mc, ROUTE_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, ROUTE_DEPTH_LIMIT);
	/* Label values come from jansson and are valid UTF-8; PCRE2 still checks (cheap, and safe). */
	ok = pcre2_match(m->re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, mc) >= 0;
out:
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	return ok;
}

bool matcher_matches(const struct matcher *m, const struct wh_set *labels)
{
	const char *v = wh_set_get(labels, m->name);
	if (!v)
		v = "";
	switch (m->op) {
	case MATCH_EQ: return strcmp(v, m->value) == 0;
	case MATCH_NE: return strcmp(v, m->value) != 0;
	case MATCH_RE: return route_regex_match(m, v);
	case MATCH_NRE: {
		/* A match that fails on its limit is "unknown": never let it satisfy a negative matcher. */
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		pcre2_match_context *mc = pcre2_match_context_create(NULL);
		int rc = -1;
		if (md && mc) {
			pcre2_set_match_limit(mc, ROUTE_MATCH_LIMIT);
			pcre2_set_depth_limit(mc, ROUTE_DEPTH_LIMIT);
			rc = pcre2_match(m->re, (PCRE2_SPTR)v, strlen(v), 0, 0, md, mc);
		}
		pcre2_match_data_free(md);
		pcre2_match_context_free(mc);
		return rc == PCRE2_ERROR_NOMATCH;
	}
	}
	return false;
}

bool matchers_match(const struct matcher_list *l, const struct wh_set *labels)
{
	for (size_t i = 0; i < l->n; i++)
		if (!matcher_matches(&l->items[i], labels))
			return false;
	return true;
}

static void route_add_quoted(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addch(sb, '\\');
		if (*s == '\n') {
			strbuf_addstr(sb, "\\n");
			continue;
		}
		strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '"');
}

void matcher_format(const struct matcher *m, struct strbuf *sb)
{
	bool plain = route_name_start(m->name[0]);
	for (const char *p = m->name; *p && plain; p++)
		plain = route_name_char(*p);
	if (plain)
		strbuf_addstr(sb, m->name);
	else
		route_add_quoted(sb, m->name);
	strbuf_addstr(sb, matcher_op_name(m->op));
	route_add_quoted(sb, m->value);
}

void route_release(struct route *r)
{
	matcher_list_release(&r->matchers);
	free(r->receiver);
	free(r->playbook);
	strlist_clear(&r->notify);
	memset(r, 0, sizeof(*r));
}

size_t route_select(const struct route *routes, size_t nroutes, const char *receiver,
		    const struct wh_set *labels, size_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < nroutes && n < max; i++) {
		const struct route *r = &routes[i];
		if (r->receiver && (!receiver || strcmp(r->receiver, receiver) != 0))
			continue;
		if (!matchers_match(&r->matchers, labels))
			continue;
		out[n++] = i;
		if (!r->cont)
			break;
	}
	return n;
}

int route_on_parse(const char *s, unsigned *out)
{
	if (strcmp(s, "firing") == 0)
		*out = ROUTE_ON_FIRING;
	else if (strcmp(s, "resolved") == 0)
		*out = ROUTE_ON_RESOLVED;
	else if (strcmp(s, "both") == 0)
		*out = ROUTE_ON_FIRING | ROUTE_ON_RESOLVED;
	else
		return -1;
	return 0;
}
