/* parse.c: shared helpers of the SnapRAID parsers (tags, numbers) and the snapraid.conf reader */
#include "exporters/snapraid/parse.h"
#include "exporters/snapraid/parse_util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/strlist.h"
#include "common/xalloc.h"

void sr_error_release(struct sr_error *err)
{
	if (!err)
		return;
	free(err->message);
	err->message = NULL;
	err->kind = NULL;
}

const char *sr_tag(const char *line, size_t *name_len)
{
	size_t i = 0;

	if (!islower((unsigned char)line[0]))
		return NULL;
	while (islower((unsigned char)line[i]) || isdigit((unsigned char)line[i]) || line[i] == '_')
		i++;
	if (line[i] != ':')
		return NULL;
	if (name_len)
		*name_len = i;
	return line + i + 1;
}

bool sr_tag_is(const char *line, const char *name, const char **rest)
{
	size_t n;
	const char *r = sr_tag(line, &n);

	if (!r || n != strlen(name) || memcmp(line, name, n) != 0)
		return false;
	if (rest)
		*rest = r;
	return true;
}

const char *sr_skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

bool sr_starts(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return false;
	if (rest)
		*rest = s + n;
	return true;
}

bool sr_parse_int_prefix(const char *s, double *out, const char **endp)
{
	const char *p = s;
	bool neg = false;
	double v = 0;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return false;
	/* doubles hold every count SnapRAID prints exactly up to 2^53; beyond that, rounding is fine */
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		p++;
	}
	if (!isfinite(v))
		return false;
	*out = neg ? -v : v;
	if (endp)
		*endp = p;
	return true;
}

bool sr_parse_int(const char *s, double *out)
{
	const char *end;
	double v;

	if (!sr_parse_int_prefix(s, &v, &end))
		return false;
	if (*sr_skip_ws(end) != '\0')
		return false;
	*out = v;
	return true;
}

bool sr_parse_float(const char *s, double *out)
{
	char *end;
	double v;
	const char *p = s;

	/* strtod also takes "inf", "nan" and hex: SnapRAID prints %g, so insist on a digit start */
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(v))
		return false;
	if (*sr_skip_ws(end) != '\0')
		return false;
	*out = v;
	return true;
}

bool sr_match(const char *s, const char *pat, double *out, size_t nout)
{
	size_t k = 0;

	while (*pat) {
		if (*pat == '#') {
			double v;
			if (!sr_parse_int_prefix(s, &v, &s))
				return false;
			if (k < nout)
				out[k] = v;
			k++;
			pat++;
		} else if (*s++ != *pat++) {
			return false;
		}
	}
	return *s == '\0';
}

const char *sr_split_last_colon(const char *s, char **key)
{
	const char *c = strrchr(s, ':');

	if (!c)
		return NULL;
	*key = xstrndup(s, (size_t)(c - s));
	return c + 1;
}

char *sr_unescape(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len) {
			char c = s[++i];
			switch (c) {
			case 'd': strbuf_addch(&sb, ':'); break;
			case 'n': strbuf_addch(&sb, '\n'); break;
			case 'r': strbuf_addch(&sb, '\r'); break;
			default: strbuf_addch(&sb, c); break;
			}
		} else {
			strbuf_addch(&sb, s[i]);
		}
	}
	return strbuf_detach(&sb, NULL);
}

size_t sr_conf_content_paths(const char *buf, size_t len, struct strlist *paths)
{
	struct line_reader it;
	const char *line;
	size_t found = 0;

	line_reader_init(&it, buf, len, LINES_STRIP_CR);
	while ((line = line_reader_next(&it))) {
		const char *p = sr_skip_ws(line);
		const char *rest;
		size_t n;

		if (!sr_starts(p, "content", &rest) || (*rest != ' ' && *rest != '\t'))
			continue;
		/* like SnapRAID's sgetlasttok(): the rest of the line, trimmed, spaces kept inside */
		rest = sr_skip_ws(rest);
		n = strlen(rest);
		while (n && (rest[n - 1] == ' ' || rest[n - 1] == '\t'))
			n--;
		if (!n)
			continue;
		strlist_push_nodup(paths, xstrndup(rest, n));
		found++;
	}
	line_reader_release(&it);
	return found;
}
