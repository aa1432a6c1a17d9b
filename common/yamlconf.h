/* yamlconf.h: YAML configuration files: a tree with lines and key paths, typed getters, strict key checks, secret files */
#ifndef HOMEOPS_YAMLCONF_H
#define HOMEOPS_YAMLCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/strbuf.h"
#include "common/strlist.h"

/*
 * The only code that calls libyaml. A configuration is read into a tree once (yamlconf_parse or
 * yamlconf_load); the caller then walks it with the getters below, which check types and ranges
 * and record the first error in the document, worded with the key path, the file and the line:
 *
 *   /etc/homeops/pihole.yml:12: targets[1].password_file: expected a string
 *   line 4: playbooks.p.timout: unknown key (allowed: command, env, timeout, ...)
 *
 * ("line N:" when the text did not come from a named file; no path for the top level.)
 *
 * The tree is strict where YAML is lax: one document, no aliases or anchors' references (no
 * "billion laughs"), mapping keys are scalars and unique, no NUL bytes, bounded depth and size.
 * A plain (unquoted) empty, "~" or "null" scalar is YAMLCONF_NULL; every getter treats a null value
 * as absent, so "key:" with nothing after it leaves the default, as in exporter-toolkit.
 *
 * Error handling: every function that can fail returns -1 (or NULL) and stores a message in
 * y->err unless one is already there; only the first error is kept, so a caller may chain
 * getters with || and report y->err once. Getters leave *dest unchanged when the key is absent
 * and return 0.
 */

enum yamlconf_kind { YAMLCONF_NULL, YAMLCONF_SCALAR, YAMLCONF_SEQ, YAMLCONF_MAP };

/* A node of the tree; read-only for callers. The document owns every node. */
struct yamlconf_node {
	enum yamlconf_kind kind;
	char *value;                   /* scalar text ("" for a null written as "key:"); NULL for SEQ and MAP */
	bool quoted;                   /* the scalar was quoted (so "null" is a string) */
	size_t line;                   /* 1-based line of the value */
	size_t key_line;               /* line of its key in the parent mapping (= line otherwise) */
	const struct yamlconf_node *parent;
	char *key;                     /* its key in the parent mapping, or NULL */
	size_t index;                  /* its position in the parent sequence or mapping */
	struct yamlconf_node **items;  /* SEQ: the items; MAP: the values, each with ->key, in file order */
	size_t n;
	size_t alloc;
};

struct yamlconf {
	struct yamlconf_node *root;    /* never NULL: an empty text is a YAMLCONF_NULL root */
	char *name;                    /* file name used in messages, or NULL */
	char *base_dir;                /* relative paths resolve against it; NULL = as written */
	bool load_files;               /* false: yamlconf_secret() reads nothing (tests, fuzzing) */
	char *err;                     /* the first error, or NULL; owned by the document */
};

/* Limits of yamlconf_parse. */
#define YAMLCONF_MAX_BYTES (1u << 20)
#define YAMLCONF_MAX_DEPTH 32
#define YAMLCONF_MAX_NODES 100000

/*
 * Parses YAML text (pure: no I/O). name (may be NULL) is used in messages; base_dir (may be NULL)
 * resolves relative paths. load_files is set to false; set it to true to read secret files.
 * Returns the document, or NULL with *err (caller frees) on a syntax error (with its line), an
 * alias, a second document, a non-scalar or duplicate key, a NUL byte, or a text over the limits.
 */
struct yamlconf *yamlconf_parse(const char *text, size_t len, const char *name, const char *base_dir,
				char **err);
/*
 * Reads the file at path (at most YAMLCONF_MAX_BYTES) and parses it with path as name, the file's
 * directory as base_dir and load_files true. Returns NULL with *err naming the file on failure.
 */
struct yamlconf *yamlconf_load(const char *path, char **err);
/* Frees the document, its tree and its error. NULL is a no-op. */
void yamlconf_free(struct yamlconf *y);
/* Hands the first error to the caller (who frees it) and clears it; NULL when there is none. */
char *yamlconf_take_error(struct yamlconf *y);

/*
 * Records an error about node n (its key path and line; n NULL = no place). Returns -1.
 * A message is "expected a string", "unknown playbook \"x\"": lower case, no full stop.
 */
int yamlconf_fail(struct yamlconf *y, const struct yamlconf_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Records an error about key of mapping map (which may be absent), e.g. "targets[1].url: required". */
int yamlconf_fail_key(struct yamlconf *y, const struct yamlconf_node *map, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Appends the key path of n to out ("targets[1].password_file"; "" for the root). */
void yamlconf_path(const struct yamlconf_node *n, struct strbuf *out);

/* ---- structure ---- */

/* The value of key in map, or NULL when map is not a mapping, the key is absent, or its value is null. */
const struct yamlconf_node *yamlconf_get(const struct yamlconf_node *map, const char *key);
/* True for NULL and YAMLCONF_NULL nodes. */
bool yamlconf_is_null(const struct yamlconf_node *n);
/*
 * Checks that n is a mapping ("expected a mapping") whose keys are all in allowed, a
 * NULL-terminated list (NULL = any key): an unknown key is refused naming it and the allowed ones.
 * A null n is accepted as an empty mapping. Returns 0 or -1.
 */
int yamlconf_check_map(struct yamlconf *y, const struct yamlconf_node *n, const char *const *allowed);
/* Checks that n is a sequence ("expected a list"); a null n is an empty list. Returns 0 or -1. */
int yamlconf_check_seq(struct yamlconf *y, const struct yamlconf_node *n);
/* The value of a required key: NULL with "PATH.key: required" when absent or null. */
const struct yamlconf_node *yamlconf_require(struct yamlconf *y, const struct yamlconf_node *map, const char *key);

/* ---- typed values of a node (n must not be NULL) ---- */

/* A scalar's text ("expected a string" for a list or mapping; a null is ""). Points into the tree. */
int yamlconf_as_string(struct yamlconf *y, const struct yamlconf_node *n, const char **out);
/* true/false (also True, TRUE, yes, no, on, off, as YAML 1.1): "expected true or false". */
int yamlconf_as_bool(struct yamlconf *y, const struct yamlconf_node *n, bool *out);
/* A decimal integer in [min, max]: "expected an integer from MIN to MAX, got \"x\"". */
int yamlconf_as_long(struct yamlconf *y, const struct yamlconf_node *n, long min, long max, long *out);
/* A finite number in [min, max]. */
int yamlconf_as_double(struct yamlconf *y, const struct yamlconf_node *n, double min, double max, double *out);
/* A duration (common/duration.h: 30s, 5m, 1h30m); zero is refused unless allow_zero ("must be greater than zero"). */
int yamlconf_as_duration(struct yamlconf *y, const struct yamlconf_node *n, bool allow_zero, double *out);
/* A size (common/duration.h: 512, 4KiB, 10MB) in [min, max] bytes. */
int yamlconf_as_size(struct yamlconf *y, const struct yamlconf_node *n, uint64_t min, uint64_t max, uint64_t *out);

/* ---- typed getters of mapping keys: absent or null leaves *dest unchanged and returns 0 ---- */

/* Replaces *dest (freed) with a copy of the string. */
int yamlconf_string(struct yamlconf *y, const struct yamlconf_node *map, const char *key, char **dest);
/* Like yamlconf_string, then resolves a relative path against y->base_dir. */
int yamlconf_file_path(struct yamlconf *y, const struct yamlconf_node *map, const char *key, char **dest);
int yamlconf_bool(struct yamlconf *y, const struct yamlconf_node *map, const char *key, bool *dest);
int yamlconf_long(struct yamlconf *y, const struct yamlconf_node *map, const char *key, long min, long max,
		  long *dest);
int yamlconf_double(struct yamlconf *y, const struct yamlconf_node *map, const char *key, double min, double max,
		    double *dest);
int yamlconf_duration(struct yamlconf *y, const struct yamlconf_node *map, const char *key, bool allow_zero,
		      double *dest);
int yamlconf_size(struct yamlconf *y, const struct yamlconf_node *map, const char *key, uint64_t min, uint64_t max,
		  uint64_t *dest);
/*
 * Appends the strings of a list to dest ("expected a list of strings"); with single true, a lone
 * scalar counts as a one-item list.
 */
int yamlconf_strlist(struct yamlconf *y, const struct yamlconf_node *map, const char *key, bool single,
		     struct strlist *dest);

/*
 * A secret from a "*_file" key: resolves the path (stored in *path, replacing it) and, when
 * y->load_files, reads the file with file_read_secret() into *secret (replacing it; the old one is
 * wiped). Refuses a missing or unreadable file ("cannot read \"F\": reason"), an empty file and a
 * NUL byte. Without load_files, *secret becomes the placeholder "unloaded-secret". On error both
 * are left as they were. The caller wipes and frees *secret (yamlconf_secret_free).
 */
int yamlconf_secret(struct yamlconf *y, const struct yamlconf_node *map, const char *key, char **path,
		    char **secret);
/* Overwrites a secret with zeroes and frees it. NULL is a no-op. */
void yamlconf_secret_free(char *secret);

/* Resolves a path against y->base_dir (absolute paths and a NULL base are copied). Caller frees. */
char *yamlconf_resolve(const struct yamlconf *y, const char *path);

#endif
