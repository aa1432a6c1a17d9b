/* secret.c: explicit_bzero-based wiping of secrets */
#include "common/secret.h"

#include <stdlib.h>
#include <string.h>

void secret_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void secret_free(char *s)
{
	if (!s)
		return;
	secret_wipe(s, strlen(s));
	free(s);
}

void secret_strbuf_release(struct strbuf *sb)
{
	if (!sb)
		return;
	secret_wipe(sb->buf, sb->alloc);
	strbuf_release(sb);
}
