/* lines.h: line iteration over a buffer, field splitting, and octal escape decoding for /proc and fstab */
#ifndef HOMEOPS_LINES_H
#define HOMEOPS_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/strbuf.h"

/*
 * Pure helpers for text formats read from /proc, /etc/fstab and tool output: no I/O, no
 * allocation unless said.
 */

/* Flags for lines_init() / line_reader_init(). */
#define LINES_STRIP_CR 1u   /* drop trailing '\r's (CRLF captures); /proc never needs it */

/* Iterates lines of buf without copying; the last line needs no final '\n'. */
struct lines {
	const char *pos;
	const char *end;
	unsigned flags;
};
void lines_init(struct lines *it, const char *buf, size_t len, unsigned flags);
/*
 * Stores the next line (pointer into buf, without its '\n') in *line and its length in *len
 * and returns true; false at the end. Lines may contain NUL bytes.
 */
bool lines_next(struct lines *it, const char **line, size_t *len);

/*
 * The same, but each line is copied into a NUL-terminated buffer so C string functions work
 * on it (a NUL byte in the input ends the C string early). Release frees the copy.
 */
struct line_reader {
	struct lines it;
	struct strbuf line;
};
void line_reader_init(struct line_reader *r, const char *buf, size_t len, unsigned flags);
/* Returns the next line (valid until the next call or release) or NULL at the end. */
const char *line_reader_next(struct line_reader *r);
void line_reader_release(struct line_reader *r);

/* A field: pointer into the line and its length (not NUL-terminated). */
struct field {
	const char *s;
	size_t len;
};

/*
 * Splits line[0..len) at runs of spaces and tabs into at most max fields (no copy). Returns
 * the number of fields in the line, which may exceed max (the extra ones are not stored).
 */
size_t fields_split(const char *line, size_t len, struct field *out, size_t max);

/*
 * The same on a writable C string: writes a NUL after each token and stores pointers to them
 * in tok. Returns the number of tokens (may exceed max).
 */
size_t fields_split_cstr(char *buf, char **tok, size_t max);

/* True when field f equals the C string s. */
bool field_eq(const struct field *f, const char *s);
/* A field that is all decimal digits (1 to 20 of them, no sign) and fits 64 bits: *out, true. */
bool field_u64(const struct field *f, uint64_t *out);

/*
 * Decodes the octal escapes the kernel writes in /proc/mounts, /proc/PID/mountinfo and
 * fstab(5) ("\040" space, "\011" tab, "\012" newline, "\134" backslash: any backslash and
 * three octal digits, \000 to \377) and appends the bytes to out. Anything else, a lone or
 * trailing backslash included, is copied unchanged. Returns false when a decoded byte is NUL
 * (\000: not a valid path byte), true otherwise; out gets the bytes either way.
 */
bool lines_unescape_octal(struct strbuf *out, const char *s, size_t len);
/* The same into a new heap string (caller frees); NUL decodes stop the C string early. */
char *lines_unescape_octal_dup(const char *s, size_t len);
/* The same, but NULL when a byte decodes to NUL (\000 cannot be part of a path or option). */
char *lines_unescape_octal_path(const char *s, size_t len);

#endif
