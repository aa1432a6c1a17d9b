/* strlist.c: growable list of owned C strings, NULL-terminated for use as argv/envp */
#include "common/strlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "common/xalloc.h"

void strlist_push_nodup(struct strlist *l, char *s)
{
	XGROW(l->items, l->n + 2, l->alloc);
	l->items[l->n++] = s;
	l->items[l->n] = NULL;
}

void strlist_push(struct strlist *l, const char *s)
{
	strlist_push_nodup(l, xstrdup(s));
}

void strlist_pushf(struct strlist *l, const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	va_start(ap, fmt);
	int r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		abort();
	strlist_push_nodup(l, p);
}

void strlist_clear(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
	l->alloc = 0;
}

char *const *strlist_argv(const struct strlist *l)
{
	static char *const empty[] = { NULL };
	return l->n ? l->items : empty;
}
