/* redact.c: masking of configured patterns in output before it is stored or sent (pure) */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "receiver/redact.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include "common/strbuf.h"
#include "common/xalloc.h"

#define REDACT_MATCH_LIMIT 200000

int redact_add(struct redact_list *l, const char *pattern, char **err)
{
	int errcode = 0;
	PCRE2_SIZE off = 0;
	pcre2_code *re;

	if (!*pattern) {
		*err = xstrdup("empty redact pattern");
		return -1;
	}
	/* Not UTF mode: output is arbitrary bytes, and a pattern must still match inside it. */
	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &errcode, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		*err = xasprintf("invalid redact pattern '%s': %s at offset %zu", pattern, (const char *)msg,
				 (size_t)off);
		return -1;
	}
	l->codes = xrealloc(l->codes, (l->n + 1) * sizeof(*l->codes));
	l->sources = xrealloc(l->sources, (l->n + 1) * sizeof(*l->sources));
	l->codes[l->n] = re;
	l->sources[l->n] = xstrdup(pattern);
	l->n++;
	return 0;
}

void redact_copy(struct redact_list *dst, const struct redact_list *src)
{
	for (size_t i = 0; i < src->n; i++) {
		dst->codes = xrealloc(dst->codes, (dst->n + 1) * sizeof(*dst->codes));
		dst->sources = xrealloc(dst->sources, (dst->n + 1) * sizeof(*dst->sources));
		dst->codes[dst->n] = pcre2_code_copy(src->codes[i]);
		if (!dst->codes[dst->n])
			abort();
		dst->sources[dst->n] = xstrdup(src->sources[i]);
		dst->n++;
	}
}

void redact_release(struct redact_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		pcre2_code_free(l->codes[i]);
		free(l->sources[i]);
	}
	free(l->codes);
	free(l->sources);
	memset(l, 0, sizeof(*l));
}

/* Masks the matches of one pattern in text into out. */
static void redact_one(pcre2_code *re, pcre2_match_data *md, pcre2_match_context *mc, const char *text,
		       size_t len, struct strbuf *out)
{
	size_t pos = 0, copied = 0;

	while (pos <= len) {
		int rc = pcre2_match(re, (PCRE2_SPTR)text, len, pos, 0, md, mc);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			/* the match gave up (limit): fail closed, mask everything not yet shown */
			strbuf_add(out, text + copied, pos > copied ? pos - copied : 0);
			strbuf_addstr(out, REDACT_MASK);
			return;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		size_t ms = ov[0], me = ov[1];
		if (rc >= 2 && ov[2] != PCRE2_UNSET) {
			ms = ov[2];
			me = ov[3];
		}
		if (me > ms && ms >= copied) {
			strbuf_add(out, text + copied, ms - copied);
			strbuf_addstr(out, REDACT_MASK);
			copied = me;
		}
		/* advance past the whole match; an empty match moves one byte so the loop ends */
		pos = ov[1] > pos ? ov[1] : pos + 1;
	}
	strbuf_add(out, text + copied, len - copied);
}

void redact_apply(const struct redact_list *l, const char *text, size_t len, struct strbuf *out)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	pcre2_match_data *md = NULL;
	pcre2_match_context *mc = NULL;

	if (l->n == 0) {
		strbuf_add(out, text, len);
		return;
	}
	md = pcre2_match_data_create(4, NULL);
	mc = pcre2_match_context_create(NULL);
	if (!md || !mc)
		abort();
	pcre2_set_match_limit(mc, REDACT_MATCH_LIMIT);
	strbuf_add(&a, text, len);
	for (size_t i = 0; i < l->n; i++) {
		strbuf_reset(&b);
		redact_one(l->codes[i], md, mc, a.buf ? a.buf : "", a.len, &b);
		struct strbuf t = a;
		a = b;
		b = t;
	}
	strbuf_add(out, a.buf ? a.buf : "", a.len);
	strbuf_release(&a);
	strbuf_release(&b);
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
}
