/* secret.h: wiping passwords and tokens from memory before it is freed (one function for every program) */
#ifndef HOMEOPS_SECRET_H
#define HOMEOPS_SECRET_H

#include <stddef.h>
#include "common/strbuf.h"

/* Overwrites n bytes at p with zeros in a way the compiler cannot drop (explicit_bzero). p may be NULL when n is 0. */
void secret_wipe(void *p, size_t n);
/* Wipes the NUL-terminated string s, then frees it. NULL is fine. */
void secret_free(char *s);
/* Wipes the whole allocation of sb (not only len bytes), then releases it (strbuf_release). */
void secret_strbuf_release(struct strbuf *sb);

#endif
