/* yamlconf.c: YAML configuration files: libyaml events into a strict tree, key paths, typed getters, secret files */
#include "common/yamlconf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "common/duration.h"
#include "common/fileutil.h"
#include "common/secret.h"
#include "common/xalloc.h"

/* ---- the tree ---- */

static void yc_node_free(struct yamlconf_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		yc_node_free(n->items[i]);
	free(n->items);
	free(n->value);
	free(n->key);
	free(n);
}

void yamlconf_free(struct yamlconf *y)
{
	if (!y)
		return;
	yc_node_free(y->root);
	free(y->name);
	free(y->base_dir);
	free(y->err);
	free(y);
}

char *yamlconf_take_error(struct yamlconf *y)
{
	char *e = y ? y->err : NULL;
	if (y)
		y->err = NULL;
	return e;
}

bool yamlconf_is_null(const struct yamlconf_node *n)
{
	return !n || n->kind == YAMLCONF_NULL;
}

/* YAML 1.1/1.2 core schema nulls, only when written plain. */
static bool yc_plain_null(const char *s)
{
	return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0;
}

/* A key printed bare in a path ("a.b_c-1"), else quoted (["two words"]). */
static bool yc_bare_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '_' ||
		      *k == '-'))
			return false;
	return true;
}

static void yc_path_key(struct strbuf *out, const char *key)
{
	if (yc_bare_key(key)) {
		if (out->len)
			strbuf_addch(out, '.');
		strbuf_addstr(out, key);
		return;
	}
	strbuf_addch(out, '[');
	strbuf_add_json_string(out, key, strlen(key));
	strbuf_addch(out, ']');
}

void yamlconf_path(const struct yamlconf_node *n, struct strbuf *out)
{
	if (!n || !n->parent)
		return;
	yamlconf_path(n->parent, out);
	if (n->parent->kind == YAMLCONF_MAP)
		yc_path_key(out, n->key);
	else
		strbuf_addf(out, "[%zu]", n->index);
}

/* "name:line: " or "line N: " (nothing when line is 0). */
static void yc_where(const struct yamlconf *y, size_t line, struct strbuf *sb)
{
	if (y->name && line)
		strbuf_addf(sb, "%s:%zu: ", y->name, line);
	else if (y->name)
		strbuf_addf(sb, "%s: ", y->name);
	else if (line)
		strbuf_addf(sb, "line %zu: ", line);
}

static int yc_vfail(struct yamlconf *y, size_t line, const struct strbuf *path, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	if (y->err)
		return -1;
	yc_where(y, line, &sb);
	if (path->len)
		strbuf_addf(&sb, "%s: ", strbuf_cstr(path));
	strbuf_vaddf(&sb, fmt, ap);
	y->err = strbuf_detach(&sb, NULL);
	return -1;
}

int yamlconf_fail(struct yamlconf *y, const struct yamlconf_node *n, const char *fmt, ...)
{
	struct strbuf path = STRBUF_INIT;
	va_list ap;
	yamlconf_path(n, &path);
	va_start(ap, fmt);
	yc_vfail(y, n ? n->line : 0, &path, fmt, ap);
	va_end(ap);
	strbuf_release(&path);
	return -1;
}

/* An error at a line, with the path of n (which may be NULL). */
__attribute__((format(printf, 4, 5)))
static int yc_fail_line(struct yamlconf *y, size_t line, const struct yamlconf_node *n, const char *fmt, ...)
{
	struct strbuf path = STRBUF_INIT;
	va_list ap;
	yamlconf_path(n, &path);
	va_start(ap, fmt);
	yc_vfail(y, line, &path, fmt, ap);
	va_end(ap);
	strbuf_release(&path);
	return -1;
}

/* The entry of key in map (null values included), or NULL. */
static const struct yamlconf_node *yc_entry(const struct yamlconf_node *map, const char *key)
{
	if (!map || map->kind != YAMLCONF_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->items[i]->key, key) == 0)
			return map->items[i];
	return NULL;
}

static int yc_vfail_key(struct yamlconf *y, size_t line, const struct yamlconf_node *map, const char *key,
			const char *fmt, va_list ap)
{
	struct strbuf path = STRBUF_INIT;
	yamlconf_path(map, &path);
	yc_path_key(&path, key);
	yc_vfail(y, line, &path, fmt, ap);
	strbuf_release(&path);
	return -1;
}

__attribute__((format(printf, 5, 6)))
static int yc_fail_key_line(struct yamlconf *y, size_t line, const struct yamlconf_node *map, const char *key,
			    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yc_vfail_key(y, line, map, key, fmt, ap);
	va_end(ap);
	return -1;
}

int yamlconf_fail_key(struct yamlconf *y, const struct yamlconf_node *map, const char *key, const char *fmt, ...)
{
	const struct yamlconf_node *e = yc_entry(map, key);
	size_t line = 0;
	va_list ap;
	/* an empty document has no line worth naming */
	if (e)
		line = e->key_line;
	else if (map && (map->parent || map->kind != YAMLCONF_NULL))
		line = map->line;
	va_start(ap, fmt);
	yc_vfail_key(y, line, map, key, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- parsing ---- */

struct yc_frame {
	struct yamlconf_node *node;
	char *key;                 /* a mapping's key waiting for its value */
	size_t key_line;
};

struct yc_builder {
	struct yamlconf *y;
	struct yc_frame stack[YAMLCONF_MAX_DEPTH + 1];
	size_t depth;
	size_t nodes;
};

/* Attaches n under the open collection (or as the root); takes n, frees it on failure. */
static int yc_attach(struct yc_builder *b, struct yamlconf_node *n, size_t line)
{
	struct yc_frame *f;
	if (b->depth == 0) {
		if (b->y->root) {
			yc_node_free(n);
			return yamlconf_fail(b->y, NULL, "unexpected second top-level node");
		}
		b->y->root = n;
		return 0;
	}
	f = &b->stack[b->depth - 1];
	if (f->node->kind == YAMLCONF_MAP && !f->key) {
		/* n is a key */
		if (n->kind != YAMLCONF_SCALAR && n->kind != YAMLCONF_NULL) {
			yc_node_free(n);
			return yc_fail_line(b->y, line, f->node, "mapping keys must be strings");
		}
		f->key = n->value;
		f->key_line = n->line;
		n->value = NULL;
		yc_node_free(n);
		for (size_t i = 0; i < f->node->n; i++)
			if (strcmp(f->node->items[i]->key, f->key) == 0)
				return yc_fail_key_line(b->y, f->key_line, f->node, f->key, "duplicate key (first on line %zu)",
							f->node->items[i]->key_line);
		return 0;
	}
	n->parent = f->node;
	n->index = f->node->n;
	if (f->node->kind == YAMLCONF_MAP) {
		n->key = f->key;
		n->key_line = f->key_line;
		f->key = NULL;
	}
	XGROW(f->node->items, f->node->n + 1, f->node->alloc);
	f->node->items[f->node->n++] = n;
	return 0;
}

static int yc_event(struct yc_builder *b, const yaml_event_t *ev)
{
	struct yamlconf_node *n;
	enum yamlconf_kind kind;
	size_t line = (size_t)ev->start_mark.line + 1;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return yc_fail_line(b->y, line, NULL, "YAML aliases are not supported");
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth > 0)
			b->depth--;
		return 0;
	case YAML_SCALAR_EVENT:
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		break;
	default:
		return 0;
	}
	if (++b->nodes > YAMLCONF_MAX_NODES)
		return yc_fail_line(b->y, line, NULL, "more than %d YAML nodes", YAMLCONF_MAX_NODES);
	n = xcalloc(1, sizeof(*n));
	n->line = n->key_line = line;
	if (ev->type == YAML_SCALAR_EVENT) {
		n->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		n->kind = !n->quoted && yc_plain_null(n->value) ? YAMLCONF_NULL : YAMLCONF_SCALAR;
		if (strlen(n->value) != ev->data.scalar.length) {
			yc_node_free(n);
			return yc_fail_line(b->y, line, NULL, "NUL byte in a scalar");
		}
	} else {
		n->kind = ev->type == YAML_SEQUENCE_START_EVENT ? YAMLCONF_SEQ : YAMLCONF_MAP;
	}
	kind = n->kind;
	/* a scalar may become a key and be freed; a collection is attached or freed on failure */
	if (yc_attach(b, n, line))
		return -1;
	if (kind == YAMLCONF_SEQ || kind == YAMLCONF_MAP) {
		if (b->depth >= YAMLCONF_MAX_DEPTH)
			return yamlconf_fail(b->y, n, "nested deeper than %d levels", YAMLCONF_MAX_DEPTH);
		b->stack[b->depth].node = n;
		b->stack[b->depth].key = NULL;
		b->depth++;
	}
	return 0;
}

/* Line and column (1-based, in bytes) of a byte offset: the reader reports encoding errors by offset only. */
static void yc_offset_position(const char *text, size_t len, size_t offset, size_t *line, size_t *column)
{
	*line = *column = 1;
	for (size_t i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			++*line;
			*column = 1;
		} else {
			++*column;
		}
	}
}

struct yamlconf *yamlconf_parse(const char *text, size_t len, const char *name, const char *base_dir,
				char **err)
{
	struct yamlconf *y = xcalloc(1, sizeof(*y));
	struct yc_builder b;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_parser = false, done = false;
	int docs = 0;

	memset(&b, 0, sizeof(b));
	b.y = y;
	*err = NULL;
	y->name = name ? xstrdup(name) : NULL;
	y->base_dir = base_dir && *base_dir ? xstrdup(base_dir) : NULL;
	if (len > YAMLCONF_MAX_BYTES) {
		yamlconf_fail(y, NULL, "larger than %u KiB", YAMLCONF_MAX_BYTES >> 10);
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		yamlconf_fail(y, NULL, "cannot initialise the YAML parser");
		goto out;
	}
	have_parser = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && !y->err) {
		if (!yaml_parser_parse(&parser, &ev)) {
			struct strbuf sb = STRBUF_INIT;
			size_t line = (size_t)parser.problem_mark.line + 1, column = (size_t)parser.problem_mark.column + 1;
			if (parser.error == YAML_READER_ERROR)
				yc_offset_position(text, len, parser.problem_offset, &line, &column);
			yc_where(y, line, &sb);
			strbuf_addf(&sb, "YAML error: %s", parser.problem ? parser.problem : "syntax error");
			if (parser.context)
				strbuf_addf(&sb, " %s", parser.context);
			strbuf_addf(&sb, " (column %zu)", column);
			y->err = strbuf_detach(&sb, NULL);
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT)
			done = true;
		else if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
			yc_fail_line(y, (size_t)ev.start_mark.line + 1, NULL, "only one YAML document is allowed");
		else
			yc_event(&b, &ev);
		yaml_event_delete(&ev);
	}
out:
	for (size_t i = 0; i <= YAMLCONF_MAX_DEPTH; i++)
		free(b.stack[i].key);
	if (have_parser)
		yaml_parser_delete(&parser);
	if (!y->err && !y->root) {
		y->root = xcalloc(1, sizeof(*y->root));
		y->root->kind = YAMLCONF_NULL;
		y->root->value = xstrdup("");
		y->root->line = y->root->key_line = 1;
	}
	if (y->err) {
		*err = yamlconf_take_error(y);
		yamlconf_free(y);
		return NULL;
	}
	return y;
}

struct yamlconf *yamlconf_load(const char *path, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	struct yamlconf *y = NULL;
	char *dir = NULL, *slash;

	*err = NULL;
	if (file_read(path, &sb, YAMLCONF_MAX_BYTES) != 0) {
		*err = xasprintf("cannot read \"%s\": %s", path,
				 errno == EFBIG ? "larger than 1024 KiB" : strerror(errno));
		goto out;
	}
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		dir[0] = '\0';
	y = yamlconf_parse(strbuf_cstr(&sb), sb.len, path, dir, err);
	if (y)
		y->load_files = true;
out:
	free(dir);
	strbuf_release(&sb);
	return y;
}

/* ---- structure ---- */

const struct yamlconf_node *yamlconf_get(const struct yamlconf_node *map, const char *key)
{
	const struct yamlconf_node *e = yc_entry(map, key);
	return yamlconf_is_null(e) ? NULL : e;
}

int yamlconf_check_map(struct yamlconf *y, const struct yamlconf_node *n, const char *const *allowed)
{
	if (yamlconf_is_null(n))
		return 0;
	if (n->kind != YAMLCONF_MAP)
		return yamlconf_fail(y, n, "expected a mapping");
	for (size_t i = 0; allowed && i < n->n; i++) {
		struct strbuf list = STRBUF_INIT;
		bool known = false;
		for (size_t j = 0; allowed[j]; j++) {
			known |= strcmp(allowed[j], n->items[i]->key) == 0;
			strbuf_addf(&list, "%s%s", j ? ", " : "", allowed[j]);
		}
		if (!known)
			yamlconf_fail_key(y, n, n->items[i]->key, "unknown key (allowed: %s)", strbuf_cstr(&list));
		strbuf_release(&list);
		if (!known)
			return -1;
	}
	return 0;
}

int yamlconf_check_seq(struct yamlconf *y, const struct yamlconf_node *n)
{
	if (yamlconf_is_null(n) || n->kind == YAMLCONF_SEQ)
		return 0;
	return yamlconf_fail(y, n, "expected a list");
}

const struct yamlconf_node *yamlconf_require(struct yamlconf *y, const struct yamlconf_node *map, const char *key)
{
	const struct yamlconf_node *n = yamlconf_get(map, key);
	if (!n)
		yamlconf_fail_key(y, map, key, "required");
	return n;
}

/* ---- typed values ---- */

int yamlconf_as_string(struct yamlconf *y, const struct yamlconf_node *n, const char **out)
{
	if (n->kind != YAMLCONF_SCALAR && n->kind != YAMLCONF_NULL)
		return yamlconf_fail(y, n, "expected a string, got a %s", n->kind == YAMLCONF_SEQ ? "list" : "mapping");
	*out = n->value;
	return 0;
}

int yamlconf_as_bool(struct yamlconf *y, const struct yamlconf_node *n, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" };
	const char *s = NULL;
	if (n->kind != YAMLCONF_SCALAR)
		return yamlconf_fail(y, n, "expected true or false");
	s = n->value;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return yamlconf_fail(y, n, "expected true or false, got \"%s\"", s);
}

int yamlconf_as_long(struct yamlconf *y, const struct yamlconf_node *n, long min, long max, long *out)
{
	char *end;
	long v;
	if (n->kind != YAMLCONF_SCALAR)
		return yamlconf_fail(y, n, "expected an integer from %ld to %ld", min, max);
	errno = 0;
	v = strtol(n->value, &end, 10);
	if (errno || end == n->value || *end || v < min || v > max)
		return yamlconf_fail(y, n, "expected an integer from %ld to %ld, got \"%s\"", min, max, n->value);
	*out = v;
	return 0;
}

int yamlconf_as_double(struct yamlconf *y, const struct yamlconf_node *n, double min, double max, double *out)
{
	char *end;
	double v;
	if (n->kind != YAMLCONF_SCALAR)
		return yamlconf_fail(y, n, "expected a number from %g to %g", min, max);
	errno = 0;
	v = strtod(n->value, &end);
	if (errno || end == n->value || *end || !isfinite(v) || v < min || v > max)
		return yamlconf_fail(y, n, "expected a number from %g to %g, got \"%s\"", min, max, n->value);
	*out = v;
	return 0;
}

int yamlconf_as_duration(struct yamlconf *y, const struct yamlconf_node *n, bool allow_zero, double *out)
{
	double v;
	if (n->kind != YAMLCONF_SCALAR || duration_parse(n->value, &v) != 0)
		return yamlconf_fail(y, n, "invalid duration \"%s\" (e.g. 30s, 5m, 1h)",
				     n->kind == YAMLCONF_SCALAR ? n->value : "");
	if (!allow_zero && v <= 0)
		return yamlconf_fail(y, n, "must be greater than zero");
	*out = v;
	return 0;
}

/* Bytes in the largest binary unit that divides them ("16MiB", "256B"). */
static void yc_size_text(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;
	while (u + 1 < sizeof(units) / sizeof(units[0]) && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%llu%s", (unsigned long long)v, units[u]);
}

int yamlconf_as_size(struct yamlconf *y, const struct yamlconf_node *n, uint64_t min, uint64_t max, uint64_t *out)
{
	char lo[32], hi[32];
	uint64_t v;
	if (n->kind == YAMLCONF_SCALAR && size_parse(n->value, &v) == 0 && v >= min && v <= max) {
		*out = v;
		return 0;
	}
	yc_size_text(min, lo, sizeof(lo));
	yc_size_text(max, hi, sizeof(hi));
	return yamlconf_fail(y, n, "expected a size from %s to %s (e.g. 4KiB, 1MiB), got \"%s\"", lo, hi,
			     n->kind == YAMLCONF_SCALAR ? n->value : "");
}

/* ---- getters of mapping keys ---- */

int yamlconf_string(struct yamlconf *y, const struct yamlconf_node *map, const char *key, char **dest)
{
	const struct yamlconf_node *n = yamlconf_get(map, key);
	const char *s = NULL;
	if (!n)
		return 0;
	if (yamlconf_as_string(y, n, &s))
		return -1;
	free(*dest);
	*dest = xstrdup(s);
	return 0;
}

char *yamlconf_resolve(const struct yamlconf *y, const char *path)
{
	if (path[0] == '/' || !y->base_dir)
		return xstrdup(path);
	return xasprintf("%s/%s", y->base_dir, path);
}

int yamlconf_file_path(struct yamlconf *y, const struct yamlconf_node *map, const char *key, char **dest)
{
	char *s = NULL;
	if (yamlconf_string(y, map, key, &s))
		return -1;
	if (s) {
		free(*dest);
		*dest = yamlconf_resolve(y, s);
		free(s);
	}
	return 0;
}

int yamlconf_bool(struct yamlconf *y, const struct yamlconf_node *map, const char *key, bool *dest)
{
	const struct yamlconf_node *n = yamlconf_get(map, key);
	return n ? yamlconf_as_bool(y, n, dest) : 0;
}

int yamlconf_long(struct yamlconf *y, const struct yamlconf_node *map, const char *key, long min, long max,
		  long *dest)
{
	const struct yamlconf_node *n = yamlconf_get(map, key);
	return n ? yamlconf_as_long(y, n, min, max, dest) : 0;
}

int yamlconf_double(struct yamlconf *y, const struct yamlconf_node *map, const char *key, double min, double max,
		    double *dest)
{
	const struct yamlconf_node *n = yamlconf_get(map, key);
	return n ? yamlconf_as_double(y, n, min, max, dest) : 0;
}

int yamlconf_duration(struct yamlconf *y, const struct yamlconf_node *map, const char *key, bool allow_zero,
		      double *dest)
{
	const struct yamlconf_node *n = yamlconf_get(map, key);
	return n ? yamlconf_as_duration(y, n, allow_zero, dest) : 0;
}

int yamlconf_size(struct yamlconf *y, const struct yamlconf_node *map, const char *key, uint64_t min, uint64_t max,
		  uint64_t *dest)
{
	const struct yamlconf_node *n = yamlconf_get(map, key);
	return n ? yamlconf_as_size(y, n, min, max, dest) : 0;
}

int yamlconf_strlist(struct yamlconf *y, const struct yamlconf_node *map, const char *key, bool single,
		     struct strlist *dest)
{
	const struct yamlconf_node *n = yamlconf_get(map, key);
	if (!n)
		return 0;
	if (n->kind == YAMLCONF_SCALAR && single) {
		strlist_push(dest, n->value);
		return 0;
	}
	if (n->kind != YAMLCONF_SEQ)
		return yamlconf_fail(y, n, "expected a list of strings");
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i]->kind != YAMLCONF_SCALAR)
			return yamlconf_fail(y, n->items[i], "expected a string");
		strlist_push(dest, n->items[i]->value);
	}
	return 0;
}

void yamlconf_secret_free(char *secret)
{
	secret_free(secret);
}

int yamlconf_secret(struct yamlconf *y, const struct yamlconf_node *map, const char *key, char **path,
		    char **secret)
{
	const struct yamlconf_node *n = yamlconf_get(map, key);
	struct strbuf sb = STRBUF_INIT;
	char *resolved = NULL;
	const char *s = NULL;
	int ret = -1;

	if (!n)
		return 0;
	if (yamlconf_as_string(y, n, &s))
		goto out;
	if (!*s) {
		yamlconf_fail(y, n, "expected a file name");
		goto out;
	}
	resolved = yamlconf_resolve(y, s);
	if (!y->load_files) {
		/* a placeholder that passes every syntax check, so tests and fuzzing see the rest */
		strbuf_addstr(&sb, "unloaded-secret");
	} else if (file_read_secret(resolved, &sb) != 0) {
		int e = errno;
		yamlconf_fail(y, n, "cannot read \"%s\": %s", resolved, e == EFBIG ? "larger than 64 KiB" : strerror(e));
		goto out;
	} else if (sb.len == 0 || strlen(strbuf_cstr(&sb)) != sb.len) {
		yamlconf_fail(y, n, "\"%s\" is empty or holds a NUL byte", resolved);
		goto out;
	}
	free(*path);
	*path = resolved;
	resolved = NULL;
	yamlconf_secret_free(*secret);
	*secret = strbuf_detach(&sb, NULL);
	ret = 0;
out:
	free(resolved);
	secret_strbuf_release(&sb);
	return ret;
}
