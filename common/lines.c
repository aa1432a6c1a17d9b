/* lines.c: line iteration over a buffer, field splitting, and octal escape decoding for /proc and fstab */
#include "common/lines.h"

#include <string.h>

void lines_init(struct lines *it, const char *buf, size_t len, unsigned flags)
{
	it->pos = buf;
	it->end = buf ? buf + len : NULL;
	it->flags = flags;
}

bool lines_next(struct lines *it, const char **line, size_t *len)
{
	const char *nl;
	size_t n;

	if (!it->pos || it->pos >= it->end)
		return false;
	nl = memchr(it->pos, '\n', (size_t)(it->end - it->pos));
	n = nl ? (size_t)(nl - it->pos) : (size_t)(it->end - it->pos);
	*line = it->pos;
	if (it->flags & LINES_STRIP_CR)
		while (n && it->pos[n - 1] == '\r')
			n--;
	*len = n;
	it->pos = nl ? nl + 1 : it->end;
	return true;
}

void line_reader_init(struct line_reader *r, const char *buf, size_t len, unsigned flags)
{
	lines_init(&r->it, buf, len, flags);
	strbuf_init(&r->line, 0);
}

const char *line_reader_next(struct line_reader *r)
{
	const char *line;
	size_t len;

	if (!lines_next(&r->it, &line, &len))
		return NULL;
	strbuf_reset(&r->line);
	strbuf_add(&r->line, line, len);
	return strbuf_cstr(&r->line);
}

void line_reader_release(struct line_reader *r)
{
	strbuf_release(&r->line);
	r->it.pos = r->it.end = NULL;
}

static bool lines_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

size_t fields_split(const char *line, size_t len, struct field *out, size_t max)
{
	size_t n = 0;
	size_t i = 0;

	for (;;) {
		size_t start;
		while (i < len && lines_is_blank(line[i]))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && !lines_is_blank(line[i]))
			i++;
		if (n < max) {
			out[n].s = line + start;
			out[n].len = i - start;
		}
		n++;
	}
	return n;
}

size_t fields_split_cstr(char *buf, char **tok, size_t max)
{
	size_t n = 0;
	char *p = buf;

	for (;;) {
		while (lines_is_blank(*p))
			p++;
		if (!*p)
			break;
		if (n < max)
			tok[n] = p;
		n++;
		while (*p && !lines_is_blank(*p))
			p++;
		if (!*p)
			break;
		*p++ = '\0';
	}
	return n;
}

bool field_eq(const struct field *f, const char *s)
{
	size_t n = strlen(s);
	return f->len == n && memcmp(f->s, s, n) == 0;
}

static bool lines_is_octal(char c)
{
	return c >= '0' && c <= '7';
}

bool field_u64(const struct field *f, uint64_t *out)
{
	uint64_t v = 0;

	if (f->len == 0 || f->len > 20)
		return false;
	for (size_t i = 0; i < f->len; i++) {
		unsigned d = (unsigned)(unsigned char)f->s[i] - '0';
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool lines_unescape_octal(struct strbuf *out, const char *s, size_t len)
{
	bool ok = true;

	strbuf_grow(out, len);
	for (size_t i = 0; i < len; i++) {
		/* \NNN with a first digit 0-3 fits a byte; \4xx and above are not escapes. */
		if (s[i] == '\\' && len - i >= 4 && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    lines_is_octal(s[i + 2]) && lines_is_octal(s[i + 3])) {
			int v = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
			if (v == 0)
				ok = false;
			strbuf_addch(out, v);
			i += 3;
		} else {
			strbuf_addch(out, (unsigned char)s[i]);
		}
	}
	return ok;
}

char *lines_unescape_octal_dup(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	lines_unescape_octal(&sb, s, len);
	return strbuf_detach(&sb, NULL);
}

char *lines_unescape_octal_path(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	if (!lines_unescape_octal(&sb, s, len)) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}
