/* strlist.h: growable list of owned C strings (repeatable flags, argv and env arrays) */
#ifndef HOMEOPS_STRLIST_H
#define HOMEOPS_STRLIST_H

#include <stddef.h>

/* items is NULL-terminated whenever n > 0, so it can be passed as an argv/envp array. */
struct strlist {
	char **items;
	size_t n;
	size_t alloc;
};

#define STRLIST_INIT { NULL, 0, 0 }

void strlist_push(struct strlist *l, const char *s);          /* copies s */
void strlist_push_nodup(struct strlist *l, char *s);          /* takes ownership of s */
void strlist_pushf(struct strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strlist_clear(struct strlist *l);                        /* frees items, keeps nothing */
/* Returns the NULL-terminated array; a static empty array when the list is empty. */
char *const *strlist_argv(const struct strlist *l);

#endif
