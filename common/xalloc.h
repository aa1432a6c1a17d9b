/* xalloc.h: allocation wrappers that abort with a message when memory runs out */
#ifndef HOMEOPS_XALLOC_H
#define HOMEOPS_XALLOC_H

#include <stddef.h>

/*
 * Allocation failure in a small daemon is not recoverable in any useful way; these
 * print "out of memory" and abort() rather than return NULL. xfree(NULL) is a no-op.
 */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated printf-formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grows *array (of element size elsize) so it holds at least need elements; *alloc tracks capacity. */
void *xgrow(void *array, size_t elsize, size_t need, size_t *alloc);
#define XGROW(arr, need, alloc) ((arr) = xgrow((arr), sizeof(*(arr)), (need), &(alloc)))

#endif
