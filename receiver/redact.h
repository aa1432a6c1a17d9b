/* redact.h: mask configured secret patterns in playbook output and notifications (pure) */
#ifndef HOMEOPS_RECEIVER_REDACT_H
#define HOMEOPS_RECEIVER_REDACT_H

#include <stddef.h>

struct strbuf;

/*
 * A list of PCRE2 patterns. Every match is replaced by "[REDACTED]"; a pattern with a capture
 * group replaces only what group 1 matched (so 'password=(\S+)' keeps "password="). Matching is
 * byte-oriented (output need not be UTF-8) with a match limit; NUL bytes in the text are kept.
 */
struct redact_list {
	void **codes;     /* pcre2_code * */
	char **sources;
	size_t n;
};

/* Compiles and appends pattern. Returns 0, or -1 with *err (caller frees). */
int redact_add(struct redact_list *l, const char *pattern, char **err);
/* Appends a copy of every pattern of src (already compiled there). */
void redact_copy(struct redact_list *dst, const struct redact_list *src);
void redact_release(struct redact_list *l);
/* Appends text with every match masked to out. With no patterns, appends text unchanged. */
void redact_apply(const struct redact_list *l, const char *text, size_t len, struct strbuf *out);

#define REDACT_MASK "[REDACTED]"

#endif
