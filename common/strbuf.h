/* strbuf.h: growable, always NUL-terminated byte buffer (after git's strbuf) */
#ifndef HOMEOPS_STRBUF_H
#define HOMEOPS_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include "common/chars.h"   /* utf8_sequence_len, used with strbufs */

/*
 * buf is NULL until something is added; strbuf_cstr() is always a valid string.
 * The buffer owns buf; strbuf_detach() hands it to the caller (free() it),
 * strbuf_release() frees it and resets the strbuf to STRBUF_INIT.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Returns the buffer (never NULL; "" when empty), stores its length in *len if len. Caller frees. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Appends s as a JSON string literal, quotes included; invalid UTF-8 bytes become U+FFFD. */
void strbuf_add_json_string(struct strbuf *sb, const char *s, size_t len);
/* Appends s with &<>"' escaped for HTML text and attribute values. */
void strbuf_add_html(struct strbuf *sb, const char *s);
const char *strbuf_cstr(const struct strbuf *sb);

#endif
