/* fuzz_yamlconf.c: libFuzzer target for the YAML configuration loader: parse, then every getter on every node */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/yamlconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = { "targets", "name", "url", "password_file", "timeout", "tags", NULL };

/* Calls each getter on n (and each key getter on n's keys), dropping the errors as they come. */
static void visit(struct yamlconf *y, const struct yamlconf_node *n, unsigned depth)
{
	struct strbuf sb = STRBUF_INIT;
	struct strlist l = STRLIST_INIT;
	const char *s;
	bool b;
	long v;
	double d;
	uint64_t z;
	char *str = NULL, *path = NULL, *secret = NULL;

	yamlconf_path(n, &sb);
	(void)yamlconf_as_string(y, n, &s);
	(void)yamlconf_as_bool(y, n, &b);
	(void)yamlconf_as_long(y, n, -5, 5, &v);
	(void)yamlconf_as_double(y, n, -1e9, 1e9, &d);
	(void)yamlconf_as_duration(y, n, depth & 1, &d);
	(void)yamlconf_as_size(y, n, 1, 1u << 20, &z);
	(void)yamlconf_check_seq(y, n);
	(void)yamlconf_check_map(y, n, (depth & 1) ? keys : NULL);
	(void)yamlconf_check_map(y, n, keys);
	free(yamlconf_take_error(y));
	for (size_t i = 0; n->kind == YAMLCONF_MAP && i < n->n; i++) {
		const char *k = n->items[i]->key;
		(void)yamlconf_string(y, n, k, &str);
		(void)yamlconf_file_path(y, n, k, &path);
		(void)yamlconf_secret(y, n, k, &path, &secret);
		(void)yamlconf_strlist(y, n, k, depth & 1, &l);
		(void)yamlconf_require(y, n, k);
		(void)yamlconf_fail_key(y, n, k, "x");
		free(yamlconf_take_error(y));
	}
	for (size_t i = 0; i < n->n; i++)
		visit(y, n->items[i], depth + 1);
	strbuf_release(&sb);
	strlist_clear(&l);
	free(str);
	free(path);
	yamlconf_secret_free(secret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct yamlconf *y = yamlconf_parse((const char *)data, size, size & 1 ? "f.yml" : NULL,
					    size & 2 ? "/nonexistent" : NULL, &err);
	if (y)
		visit(y, y->root, 0);
	yamlconf_free(y);
	free(err);
	return 0;
}
