/* config.c: the receiver's YAML configuration: libyaml into a small tree, then strict validation */
#include "receiver/config.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>
#include "common/duration.h"
#include "common/fileutil.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#define CFG_MAX_FILE (1u << 20)
#define CFG_MAX_DEPTH 32
#define CFG_MAX_NODES 100000
#define CFG_MAX_ROUTE_MATCHES 64

/* ---- a small YAML tree ---- */

enum cfg_kind { CFG_SCALAR, CFG_SEQ, CFG_MAP };

struct cfg_node {
	enum cfg_kind kind;
	char *value;               /* scalar text */
	bool plain;                /* unquoted scalar (so "null" and "~" mean null) */
	size_t line;
	struct cfg_node **kids;    /* sequence items, or map key, value, key, value... */
	size_t n;
	size_t alloc;
};

static void cfg_node_free(struct cfg_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		cfg_node_free(n->kids[i]);
	free(n->kids);
	free(n->value);
	free(n);
}

static void cfg_node_add(struct cfg_node *parent, struct cfg_node *kid)
{
	XGROW(parent->kids, parent->n + 1, parent->alloc);
	parent->kids[parent->n++] = kid;
}

/* Builds the tree of a single-document YAML text. Aliases are refused (no billion laughs). */
static struct cfg_node *cfg_yaml_load(const char *text, size_t len, char **err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct cfg_node *stack[CFG_MAX_DEPTH + 1];
	struct cfg_node *root = NULL;
	size_t depth = 0, nodes = 0;
	int docs = 0;
	bool done = false, ok = false;

	if (!yaml_parser_initialize(&parser)) {
		*err = xstrdup("cannot initialise the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		struct cfg_node *n = NULL;
		if (!yaml_parser_parse(&parser, &ev)) {
			*err = xasprintf("YAML error: %s at line %zu column %zu",
					 parser.problem ? parser.problem : "unknown",
					 (size_t)parser.problem_mark.line + 1, (size_t)parser.problem_mark.column + 1);
			goto out;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				*err = xasprintf("line %zu: only one YAML document is allowed", (size_t)ev.start_mark.line + 1);
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_ALIAS_EVENT:
			*err = xasprintf("line %zu: YAML aliases are not supported", (size_t)ev.start_mark.line + 1);
			yaml_event_delete(&ev);
			goto out;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++nodes > CFG_MAX_NODES) {
				*err = xstrdup("configuration has too many nodes");
				yaml_event_delete(&ev);
				goto out;
			}
			n = xcalloc(1, sizeof(*n));
			n->line = (size_t)ev.start_mark.line + 1;
			if (ev.type == YAML_SCALAR_EVENT) {
				n->kind = CFG_SCALAR;
				n->value = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
				n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
				if (strlen(n->value) != ev.data.scalar.length) {
					*err = xasprintf("line %zu: NUL byte in a scalar", n->line);
					cfg_node_free(n);
					yaml_event_delete(&ev);
					goto out;
				}
			} else {
				n->kind = ev.type == YAML_SEQUENCE_START_EVENT ? CFG_SEQ : CFG_MAP;
			}
			if (depth == 0) {
				if (root) {
					cfg_node_free(n);
					*err = xstrdup("unexpected second top-level node");
					yaml_event_delete(&ev);
					goto out;
				}
				root = n;
			} else {
				cfg_node_add(stack[depth - 1], n);
			}
			if (n->kind != CFG_SCALAR) {
				if (depth >= CFG_MAX_DEPTH) {
					*err = xasprintf("line %zu: configuration nested too deeply", n->line);
					yaml_event_delete(&ev);
					goto out;
				}
				stack[depth++] = n;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	ok = true;
out:
	yaml_parser_delete(&parser);
	if (!ok) {
		cfg_node_free(root);
		return NULL;
	}
	return root;
}

/* ---- walking helpers ---- */

struct cfg_ctx {
	struct rcv_config *c;
	const char *base_dir;
	bool load_files;
	char **err;
};

__attribute__((format(printf, 4, 5)))
static int cfg_fail(struct cfg_ctx *x, const struct cfg_node *n, const char *where, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (*x->err)
		return -1;
	if (where && *where)
		strbuf_addf(&sb, "%s: ", where);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (n)
		strbuf_addf(&sb, " (line %zu)", n->line);
	*x->err = strbuf_detach(&sb, NULL);
	return -1;
}

static bool cfg_is_null(const struct cfg_node *n)
{
	return !n || (n->kind == CFG_SCALAR && n->plain &&
		      (!n->value[0] || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0));
}

static const struct cfg_node *cfg_get(const struct cfg_node *map, const char *key)
{
	if (!map || map->kind != CFG_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->kind == CFG_SCALAR && strcmp(map->kids[i]->value, key) == 0)
			return cfg_is_null(map->kids[i + 1]) ? NULL : map->kids[i + 1];
	return NULL;
}

/* Checks that map is a mapping whose keys are scalars, unique, and among allowed (NULL-terminated). */
static int cfg_check_map(struct cfg_ctx *x, const struct cfg_node *map, const char *where, const char *const *allowed)
{
	if (map->kind != CFG_MAP)
		return cfg_fail(x, map, where, "expected a mapping");
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct cfg_node *k = map->kids[i];
		bool known = allowed == NULL;
		if (k->kind != CFG_SCALAR)
			return cfg_fail(x, k, where, "mapping keys must be scalars");
		for (size_t j = 0; allowed && allowed[j]; j++)
			if (strcmp(allowed[j], k->value) == 0)
				known = true;
		if (!known)
			return cfg_fail(x, k, where, "unknown key \"%s\"", k->value);
		for (size_t j = 0; j < i; j += 2)
			if (strcmp(map->kids[j]->value, k->value) == 0)
				return cfg_fail(x, k, where, "duplicate key \"%s\"", k->value);
	}
	return 0;
}

static int cfg_scalar(struct cfg_ctx *x, const struct cfg_node *n, const char *where, const char **out)
{
	if (n->kind != CFG_SCALAR)
		return cfg_fail(x, n, where, "expected a scalar");
	*out = n->value;
	return 0;
}

static int cfg_string(struct cfg_ctx *x, const struct cfg_node *map, const char *key, const char *where,
		      char **dest)
{
	const struct cfg_node *n = cfg_get(map, key);
	const char *s = NULL;
	if (!n)
		return 0;
	if (cfg_scalar(x, n, where, &s))
		return -1;
	free(*dest);
	*dest = xstrdup(s);
	return 0;
}

static int cfg_bool(struct cfg_ctx *x, const struct cfg_node *map, const char *key, const char *where, bool *dest)
{
	const struct cfg_node *n = cfg_get(map, key);
	const char *s = NULL;
	if (!n)
		return 0;
	if (cfg_scalar(x, n, where, &s))
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "yes") == 0)
		*dest = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "no") == 0)
		*dest = false;
	else
		return cfg_fail(x, n, where, "%s: expected true or false, got \"%s\"", key, s);
	return 0;
}

static int cfg_duration(struct cfg_ctx *x, const struct cfg_node *map, const char *key, const char *where,
			double *dest, bool allow_zero)
{
	const struct cfg_node *n = cfg_get(map, key);
	const char *s = NULL;
	double v;
	if (!n)
		return 0;
	if (cfg_scalar(x, n, where, &s))
		return -1;
	if (duration_parse(s, &v) != 0)
		return cfg_fail(x, n, where, "%s: invalid duration \"%s\" (e.g. 30s, 5m, 1h)", key, s);
	if (!allow_zero && v <= 0)
		return cfg_fail(x, n, where, "%s: must be greater than zero", key);
	*dest = v;
	return 0;
}

static int cfg_long(struct cfg_ctx *x, const struct cfg_node *map, const char *key, const char *where,
		    long *dest, long min, long max)
{
	const struct cfg_node *n = cfg_get(map, key);
	const char *s = NULL;
	char *end;
	long v;
	if (!n)
		return 0;
	if (cfg_scalar(x, n, where, &s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return cfg_fail(x, n, where, "%s: expected an integer from %ld to %ld, got \"%s\"", key, min, max, s);
	*dest = v;
	return 0;
}

/* A list of scalars (a lone scalar is accepted as a one-element list where single is true). */
static int cfg_list(struct cfg_ctx *x, const struct cfg_node *map, const char *key, const char *where,
		    struct strlist *dest, bool single)
{
	const struct cfg_node *n = cfg_get(map, key);
	if (!n)
		return 0;
	if (n->kind == CFG_SCALAR && single) {
		strlist_push(dest, n->value);
		return 0;
	}
	if (n->kind != CFG_SEQ)
		return cfg_fail(x, n, where, "%s: expected a list", key);
	for (size_t i = 0; i < n->n; i++) {
		if (n->kids[i]->kind != CFG_SCALAR)
			return cfg_fail(x, n->kids[i], where, "%s: items must be strings", key);
		strlist_push(dest, n->kids[i]->value);
	}
	return 0;
}

static char *cfg_path(struct cfg_ctx *x, const char *p)
{
	if (p[0] == '/' || !x->base_dir || !x->base_dir[0])
		return xstrdup(p);
	return xasprintf("%s/%s", x->base_dir, p);
}

/* Reads a secret file (key of map) into *secret, keeping the resolved path in *path. */
static int cfg_secret(struct cfg_ctx *x, const struct cfg_node *map, const char *key, const char *where,
		      char **path, char **secret)
{
	const struct cfg_node *n = cfg_get(map, key);
	struct strbuf sb = STRBUF_INIT;
	const char *s = NULL;
	if (!n)
		return 0;
	if (cfg_scalar(x, n, where, &s))
		return -1;
	free(*path);
	*path = cfg_path(x, s);
	if (!x->load_files) {
		/* a placeholder that passes every syntax check, so tests and fuzzing see the rest */
		free(*secret);
		*secret = xstrdup("unloaded-secret");
		return 0;
	}
	if (file_read_secret(*path, &sb) != 0) {
		int e = errno;
		strbuf_release(&sb);
		return cfg_fail(x, n, where, "%s: cannot read \"%s\": %s", key, *path, strerror(e));
	}
	if (sb.len == 0 || strlen(strbuf_cstr(&sb)) != sb.len) {
		strbuf_release(&sb);
		return cfg_fail(x, n, where, "%s: \"%s\" is empty or holds a NUL byte", key, *path);
	}
	free(*secret);
	*secret = strbuf_detach(&sb, NULL);
	return 0;
}

static bool cfg_name_ok(const char *s)
{
	if (!*s || strlen(s) > 128)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-' || *s == '.'))
			return false;
	return true;
}

static bool cfg_env_name_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* ---- sections ---- */

static int cfg_global(struct cfg_ctx *x, const struct cfg_node *g, struct redact_list *global_redact)
{
	static const char *const keys[] = { "external_url", "notify", "redact", NULL };
	struct strlist redact = STRLIST_INIT;
	int ret = -1;

	if (cfg_check_map(x, g, "global", keys) || cfg_string(x, g, "external_url", "global", &x->c->external_url) ||
	    cfg_list(x, g, "notify", "global", &x->c->default_notify, true) ||
	    cfg_list(x, g, "redact", "global", &redact, true))
		goto out;
	for (size_t i = 0; i < redact.n; i++) {
		char *e = NULL;
		if (redact_add(global_redact, redact.items[i], &e)) {
			cfg_fail(x, cfg_get(g, "redact"), "global.redact", "%s", e);
			free(e);
			goto out;
		}
	}
	ret = 0;
out:
	strlist_clear(&redact);
	return ret;
}

static bool cfg_reserved_path(const char *p)
{
	return strcmp(p, "/") == 0 || strcmp(p, "/metrics") == 0 || strncmp(p, "/-/", 3) == 0 ||
	       strncmp(p, "/api/", 5) == 0 || strcmp(p, "/api") == 0 || strncmp(p, "/ui/", 4) == 0 ||
	       strcmp(p, "/ui") == 0;
}

static int cfg_receivers(struct cfg_ctx *x, const struct cfg_node *list)
{
	static const char *const keys[] = { "name", "path", "bearer_token_file", "basic_auth", NULL };
	static const char *const bkeys[] = { "username", "password_file", NULL };
	struct rcv_config *c = x->c;

	if (list->kind != CFG_SEQ)
		return cfg_fail(x, list, "receivers", "expected a list");
	c->receivers = list->n ? xcalloc(list->n, sizeof(*c->receivers)) : NULL;
	for (size_t i = 0; i < list->n; i++) {
		const struct cfg_node *m = list->kids[i], *ba;
		struct rcv_receiver *r = &c->receivers[i];
		char where[64];
		c->nreceivers = i + 1;
		snprintf(where, sizeof(where), "receivers[%zu]", i);
		if (cfg_check_map(x, m, where, keys) || cfg_string(x, m, "name", where, &r->name) ||
		    cfg_string(x, m, "path", where, &r->path) ||
		    cfg_secret(x, m, "bearer_token_file", where, &r->bearer_token_file, &r->bearer_token))
			return -1;
		if (!r->name || !cfg_name_ok(r->name))
			return cfg_fail(x, m, where, "name is required ([A-Za-z0-9_.-])");
		if (!r->path || r->path[0] != '/')
			return cfg_fail(x, m, where, "path is required and must start with /");
		if (cfg_reserved_path(r->path))
			return cfg_fail(x, m, where, "path \"%s\" is reserved", r->path);
		if ((ba = cfg_get(m, "basic_auth"))) {
			if (cfg_check_map(x, ba, where, bkeys) || cfg_string(x, ba, "username", where, &r->basic_user) ||
			    cfg_secret(x, ba, "password_file", where, &r->basic_password_file, &r->basic_password))
				return -1;
			if (!r->basic_user || !r->basic_user[0] || !r->basic_password)
				return cfg_fail(x, ba, where, "basic_auth needs username and password_file");
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->receivers[j].name, r->name) == 0)
				return cfg_fail(x, m, where, "duplicate receiver name \"%s\"", r->name);
			if (strcmp(c->receivers[j].path, r->path) == 0)
				return cfg_fail(x, m, where, "duplicate receiver path \"%s\"", r->path);
		}
	}
	return 0;
}

static int cfg_user(struct cfg_ctx *x, const struct cfg_node *m, const char *where, struct playbook *pb)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int e;

	if (!pb->user)
		return 0;
	if (!pb->user[0])
		return cfg_fail(x, m, where, "user is empty");
	if (!x->load_files)
		return 0;
	e = getpwnam_r(pb->user, &pw, buf, sizeof(buf), &res);
	if (e || !res)
		return cfg_fail(x, cfg_get(m, "user"), where, "user \"%s\" does not exist", pb->user);
	pb->uid = pw.pw_uid;
	pb->gid = pw.pw_gid;
	return 0;
}

static int cfg_playbook(struct cfg_ctx *x, const char *name, const struct cfg_node *m, struct playbook *pb,
			const struct redact_list *global_redact)
{
	static const char *const keys[] = { "command", "working_directory", "env", "timeout", "cooldown",
					    "max_concurrent", "max_attempts", "window", "cancel_on_resolved",
					    "retry_interrupted", "user", "redact", "output_limit", "kill_grace",
					    "enabled", NULL };
	struct strlist redact = STRLIST_INIT;
	const struct cfg_node *env, *ol;
	char *where = xasprintf("playbooks.%s", name);
	int ret = -1;

	pb->name = xstrdup(name);
	pb->timeout = 300;
	pb->cooldown = 0;
	pb->max_concurrent = 1;
	pb->max_attempts = 3;
	pb->window = 3600;
	pb->kill_grace = 5;
	pb->enabled = true;
	pb->output_limit = 16384;
	if (!cfg_name_ok(name)) {
		cfg_fail(x, m, "playbooks", "invalid playbook name \"%s\" ([A-Za-z0-9_.-])", name);
		goto out;
	}
	if (cfg_check_map(x, m, where, keys) || cfg_list(x, m, "command", where, &pb->command, false) ||
	    cfg_string(x, m, "working_directory", where, &pb->workdir) ||
	    cfg_duration(x, m, "timeout", where, &pb->timeout, false) ||
	    cfg_duration(x, m, "cooldown", where, &pb->cooldown, true) ||
	    cfg_long(x, m, "max_concurrent", where, &pb->max_concurrent, 1, 1024) ||
	    cfg_long(x, m, "max_attempts", where, &pb->max_attempts, 0, 1000000) ||
	    cfg_duration(x, m, "window", where, &pb->window, false) ||
	    cfg_duration(x, m, "kill_grace", where, &pb->kill_grace, false) ||
	    cfg_bool(x, m, "cancel_on_resolved", where, &pb->cancel_on_resolved) ||
	    cfg_bool(x, m, "retry_interrupted", where, &pb->retry_interrupted) ||
	    cfg_bool(x, m, "enabled", where, &pb->enabled) || cfg_string(x, m, "user", where, &pb->user) ||
	    cfg_list(x, m, "redact", where, &redact, true))
		goto out;
	if (pb->command.n == 0 || !pb->command.items[0][0]) {
		cfg_fail(x, m, where, "command is required (an argv list, e.g. [/usr/lib/homeops/playbooks/x])");
		goto out;
	}
	if (pb->workdir && pb->workdir[0] != '/') {
		char *abs = cfg_path(x, pb->workdir);
		free(pb->workdir);
		pb->workdir = abs;
	}
	if ((env = cfg_get(m, "env"))) {
		if (cfg_check_map(x, env, where, NULL))
			goto out;
		for (size_t i = 0; i + 1 < env->n; i += 2) {
			const char *v = "";
			if (!cfg_env_name_ok(env->kids[i]->value)) {
				cfg_fail(x, env->kids[i], where, "env: invalid variable name \"%s\"", env->kids[i]->value);
				goto out;
			}
			if (cfg_is_null(env->kids[i + 1]))
				v = "";
			else if (cfg_scalar(x, env->kids[i + 1], where, &v))
				goto out;
			strlist_pushf(&pb->env, "%s=%s", env->kids[i]->value, v);
		}
	}
	if ((ol = cfg_get(m, "output_limit"))) {
		uint64_t v;
		if (ol->kind != CFG_SCALAR || size_parse(ol->value, &v) != 0 || v < 256 || v > (16u << 20)) {
			cfg_fail(x, ol, where, "output_limit: expected a size from 256B to 16MiB");
			goto out;
		}
		pb->output_limit = (size_t)v;
	}
	if (cfg_user(x, m, where, pb))
		goto out;
	redact_copy(&pb->redact, global_redact);
	for (size_t i = 0; i < redact.n; i++) {
		char *e = NULL;
		if (redact_add(&pb->redact, redact.items[i], &e)) {
			cfg_fail(x, cfg_get(m, "redact"), where, "%s", e);
			free(e);
			goto out;
		}
	}
	if (x->load_files && pb->command.items[0][0] == '/' && access(pb->command.items[0], X_OK) != 0)
		strlist_pushf(&x->c->warnings, "%s: command \"%s\" is not executable now: %s", where,
			      pb->command.items[0], strerror(errno));
	ret = 0;
out:
	strlist_clear(&redact);
	free(where);
	return ret;
}

static int cfg_playbooks(struct cfg_ctx *x, const struct cfg_node *map, const struct redact_list *global_redact)
{
	struct rcv_config *c = x->c;
	if (cfg_check_map(x, map, "playbooks", NULL))
		return -1;
	c->playbooks = map->n ? xcalloc(map->n / 2, sizeof(*c->playbooks)) : NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		c->nplaybooks = i / 2 + 1;
		if (cfg_playbook(x, map->kids[i]->value, map->kids[i + 1], &c->playbooks[i / 2], global_redact))
			return -1;
	}
	return 0;
}

static int cfg_event(const char *s, enum notify_event *out)
{
#ifdef HOMEOPS_HAVE_NOTIFY
	return notify_event_parse(s, out);
#else
	static const char *const names[] = { "started", "succeeded", "failed", "gave_up", "interrupted" };
	for (int i = 0; i < NOTIFY_EVENT_COUNT; i++) {
		if (strcmp(names[i], s) == 0) {
			*out = (enum notify_event)i;
			return 0;
		}
	}
	return -1;
#endif
}

static void cfg_notifier_release(struct notifier *n)
{
#ifdef HOMEOPS_HAVE_NOTIFY
	notifier_release(n);
#else
	free(n->name);
	free(n->url);
	free(n->from);
	strlist_clear(&n->to);
	free(n->username);
	free(n->password);
	free(n->token);
	free(n->user_key);
	free(n->ca_file);
	memset(n, 0, sizeof(*n));
#endif
}

static int cfg_notifier(struct cfg_ctx *x, const char *name, const struct cfg_node *m, struct notifier *nf)
{
	static const char *const kinds[] = { "smtp", "ntfy", "gotify", "pushover", "webhook", NULL };
	static const char *const keys[] = { "url", "from", "to", "username", "password_file", "smtp_starttls",
					    "token_file", "user_key_file", "ca_file", "insecure_skip_verify",
					    "timeout", "events", NULL };
	struct strlist events = STRLIST_INIT;
	const struct cfg_node *k;
	char *where = xasprintf("notifiers.%s", name), *pwfile = NULL, *tokfile = NULL, *ukfile = NULL;
	int ret = -1;

	nf->name = xstrdup(name);
	nf->smtp_starttls = true;
	nf->timeout = 10;
	nf->events = (1u << NOTIFY_EVENT_COUNT) - 1;
	if (!cfg_name_ok(name)) {
		cfg_fail(x, m, "notifiers", "invalid notifier name \"%s\" ([A-Za-z0-9_.-])", name);
		goto out;
	}
	if (cfg_check_map(x, m, where, kinds))
		goto out;
	if (m->n != 2) {
		cfg_fail(x, m, where, "expected exactly one of smtp, ntfy, gotify, pushover, webhook");
		goto out;
	}
	const char *kind = m->kids[0]->value;
	nf->kind = strcmp(kind, "smtp") == 0	 ? NOTIFIER_SMTP
		   : strcmp(kind, "ntfy") == 0	 ? NOTIFIER_NTFY
		   : strcmp(kind, "gotify") == 0 ? NOTIFIER_GOTIFY
		   : strcmp(kind, "pushover") == 0 ? NOTIFIER_PUSHOVER
						 : NOTIFIER_WEBHOOK;
	k = m->kids[1];
	if (cfg_check_map(x, k, where, keys) || cfg_string(x, k, "url", where, &nf->url) ||
	    cfg_string(x, k, "from", where, &nf->from) || cfg_list(x, k, "to", where, &nf->to, true) ||
	    cfg_string(x, k, "username", where, &nf->username) ||
	    cfg_secret(x, k, "password_file", where, &pwfile, &nf->password) ||
	    cfg_bool(x, k, "smtp_starttls", where, &nf->smtp_starttls) ||
	    cfg_secret(x, k, "token_file", where, &tokfile, &nf->token) ||
	    cfg_secret(x, k, "user_key_file", where, &ukfile, &nf->user_key) ||
	    cfg_string(x, k, "ca_file", where, &nf->ca_file) ||
	    cfg_bool(x, k, "insecure_skip_verify", where, &nf->insecure_skip_verify) ||
	    cfg_duration(x, k, "timeout", where, &nf->timeout, false) || cfg_list(x, k, "events", where, &events, true))
		goto out;
	if (nf->ca_file) {
		char *abs = cfg_path(x, nf->ca_file);
		free(nf->ca_file);
		nf->ca_file = abs;
	}
	if (cfg_get(k, "events")) {
		nf->events = 0;
		for (size_t i = 0; i < events.n; i++) {
			enum notify_event e;
			if (cfg_event(events.items[i], &e) != 0) {
				cfg_fail(x, cfg_get(k, "events"), where,
					 "events: unknown event \"%s\" (started, succeeded, failed, gave_up, interrupted)",
					 events.items[i]);
				goto out;
			}
			nf->events |= 1u << e;
		}
	}
	if (!nf->url && nf->kind != NOTIFIER_PUSHOVER) {
		cfg_fail(x, k, where, "url is required");
		goto out;
	}
#ifdef HOMEOPS_HAVE_NOTIFY
	{
		char *e = NULL;
		if (notifier_validate(nf, &e) != 0) {
			cfg_fail(x, k, where, "%s", e ? e : "invalid notifier");
			free(e);
			goto out;
		}
	}
#endif
	ret = 0;
out:
	strlist_clear(&events);
	free(pwfile);
	free(tokfile);
	free(ukfile);
	free(where);
	return ret;
}

static int cfg_notifiers(struct cfg_ctx *x, const struct cfg_node *map)
{
	struct rcv_config *c = x->c;
	if (cfg_check_map(x, map, "notifiers", NULL))
		return -1;
	c->notifiers = map->n ? xcalloc(map->n / 2, sizeof(*c->notifiers)) : NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		c->nnotifiers = i / 2 + 1;
		if (cfg_notifier(x, map->kids[i]->value, map->kids[i + 1], &c->notifiers[i / 2]))
			return -1;
	}
	return 0;
}

static int cfg_routes(struct cfg_ctx *x, const struct cfg_node *list)
{
	static const char *const keys[] = { "matchers", "receiver", "playbook", "on", "continue", "notify", NULL };
	struct rcv_config *c = x->c;

	if (list->kind != CFG_SEQ)
		return cfg_fail(x, list, "routes", "expected a list");
	c->routes = list->n ? xcalloc(list->n, sizeof(*c->routes)) : NULL;
	for (size_t i = 0; i < list->n; i++) {
		const struct cfg_node *m = list->kids[i], *ms, *on;
		struct route *r = &c->routes[i];
		char where[64];
		c->nroutes = i + 1;
		snprintf(where, sizeof(where), "routes[%zu]", i);
		r->on = ROUTE_ON_FIRING;
		if (cfg_check_map(x, m, where, keys) || cfg_string(x, m, "receiver", where, &r->receiver) ||
		    cfg_string(x, m, "playbook", where, &r->playbook) || cfg_bool(x, m, "continue", where, &r->cont) ||
		    cfg_list(x, m, "notify", where, &r->notify, true))
			return -1;
		if ((ms = cfg_get(m, "matchers"))) {
			if (ms->kind == CFG_SCALAR) {
				char *e = NULL;
				if (matchers_parse(ms->value, &r->matchers, &e)) {
					cfg_fail(x, ms, where, "matchers: %s", e);
					free(e);
					return -1;
				}
			} else if (ms->kind == CFG_SEQ) {
				for (size_t j = 0; j < ms->n; j++) {
					char *e = NULL;
					if (ms->kids[j]->kind != CFG_SCALAR)
						return cfg_fail(x, ms->kids[j], where, "matchers: items must be strings");
					if (matchers_parse(ms->kids[j]->value, &r->matchers, &e)) {
						cfg_fail(x, ms->kids[j], where, "matchers: %s", e);
						free(e);
						return -1;
					}
				}
			} else {
				return cfg_fail(x, ms, where, "matchers: expected a list of strings");
			}
		}
		if ((on = cfg_get(m, "on"))) {
			if (on->kind != CFG_SCALAR || route_on_parse(on->value, &r->on) != 0)
				return cfg_fail(x, on, where, "on: expected firing, resolved or both");
		}
		if (!r->playbook)
			return cfg_fail(x, m, where, "playbook is required");
		if (!config_playbook(c, r->playbook))
			return cfg_fail(x, m, where, "unknown playbook \"%s\"", r->playbook);
		if (r->receiver) {
			bool found = false;
			for (size_t j = 0; j < c->nreceivers; j++)
				found |= strcmp(c->receivers[j].name, r->receiver) == 0;
			if (!found)
				return cfg_fail(x, m, where, "unknown receiver \"%s\"", r->receiver);
		}
		if (r->notify.n == 0)
			for (size_t j = 0; j < c->default_notify.n; j++)
				strlist_push(&r->notify, c->default_notify.items[j]);
		for (size_t j = 0; j < r->notify.n; j++)
			if (!config_notifier(c, r->notify.items[j]))
				return cfg_fail(x, m, where, "unknown notifier \"%s\"", r->notify.items[j]);
	}
	return 0;
}

/* ---- public ---- */

struct rcv_config *config_parse(const char *text, size_t len, const char *base_dir, bool load_files, char **err)
{
	static const char *const keys[] = { "global", "receivers", "playbooks", "notifiers", "routes", NULL };
	struct rcv_config *c = xcalloc(1, sizeof(*c));
	struct redact_list global_redact = { 0 };
	struct cfg_node *root = NULL;
	const struct cfg_node *n;
	struct cfg_ctx x = { c, base_dir, load_files, err };
	int ret = -1;

	*err = NULL;
	c->refs = 1;
	if (len > CFG_MAX_FILE) {
		*err = xstrdup("configuration is larger than 1 MiB");
		goto out;
	}
	root = cfg_yaml_load(text, len, err);
	if (!root && *err)
		goto out;
	if (root && !cfg_is_null(root) && cfg_check_map(&x, root, "", keys))
		goto out;
	if (root && root->kind != CFG_MAP)
		root = (cfg_node_free(root), NULL);
	if ((n = cfg_get(root, "global")) && cfg_global(&x, n, &global_redact))
		goto out;
	if ((n = cfg_get(root, "receivers"))) {
		if (cfg_receivers(&x, n))
			goto out;
	}
	if (c->nreceivers == 0) {
		c->receivers = xcalloc(1, sizeof(*c->receivers));
		c->nreceivers = 1;
		c->receivers[0].name = xstrdup("default");
		c->receivers[0].path = xstrdup("/webhook");
	}
	if ((n = cfg_get(root, "notifiers")) && cfg_notifiers(&x, n))
		goto out;
	for (size_t i = 0; i < c->default_notify.n; i++) {
		if (!config_notifier(c, c->default_notify.items[i])) {
			cfg_fail(&x, cfg_get(root, "global"), "global.notify", "unknown notifier \"%s\"",
				 c->default_notify.items[i]);
			goto out;
		}
	}
	if ((n = cfg_get(root, "playbooks")) && cfg_playbooks(&x, n, &global_redact))
		goto out;
	if ((n = cfg_get(root, "routes")) && cfg_routes(&x, n))
		goto out;
	for (size_t i = 0; i < c->nplaybooks; i++) {
		bool used = false;
		for (size_t j = 0; j < c->nroutes; j++)
			used |= strcmp(c->routes[j].playbook, c->playbooks[i].name) == 0;
		if (!used)
			strlist_pushf(&c->warnings, "playbooks.%s: no route uses this playbook", c->playbooks[i].name);
	}
	ret = 0;
out:
	redact_release(&global_redact);
	cfg_node_free(root);
	if (ret) {
		if (!*err)
			*err = xstrdup("invalid configuration");
		config_unref(c);
		return NULL;
	}
	return c;
}

struct rcv_config *config_load(const char *path, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	struct rcv_config *c = NULL;
	char *dir = NULL, *slash;

	*err = NULL;
	if (file_read(path, &sb, CFG_MAX_FILE) != 0) {
		*err = xasprintf("cannot read \"%s\": %s", path, errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		goto out;
	}
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		dir[0] = '\0';
	c = config_parse(strbuf_cstr(&sb), sb.len, dir, true, err);
	if (c)
		c->path = xstrdup(path);
	else {
		char *e = xasprintf("%s: %s", path, *err);
		free(*err);
		*err = e;
	}
out:
	free(dir);
	strbuf_release(&sb);
	return c;
}

struct rcv_config *config_ref(struct rcv_config *c)
{
	if (c)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

static void cfg_secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void config_unref(struct rcv_config *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(c->path);
	free(c->external_url);
	strlist_clear(&c->default_notify);
	for (size_t i = 0; i < c->nreceivers; i++) {
		struct rcv_receiver *r = &c->receivers[i];
		free(r->name);
		free(r->path);
		free(r->bearer_token_file);
		cfg_secret_free(r->bearer_token);
		free(r->basic_user);
		free(r->basic_password_file);
		cfg_secret_free(r->basic_password);
	}
	free(c->receivers);
	for (size_t i = 0; i < c->nplaybooks; i++) {
		struct playbook *p = &c->playbooks[i];
		free(p->name);
		strlist_clear(&p->command);
		free(p->workdir);
		strlist_clear(&p->env);
		free(p->user);
		redact_release(&p->redact);
	}
	free(c->playbooks);
	for (size_t i = 0; i < c->nnotifiers; i++) {
		cfg_secret_free(c->notifiers[i].password);
		cfg_secret_free(c->notifiers[i].token);
		cfg_secret_free(c->notifiers[i].user_key);
		c->notifiers[i].password = c->notifiers[i].token = c->notifiers[i].user_key = NULL;
		cfg_notifier_release(&c->notifiers[i]);
	}
	free(c->notifiers);
	for (size_t i = 0; i < c->nroutes; i++)
		route_release(&c->routes[i]);
	free(c->routes);
	strlist_clear(&c->warnings);
	free(c);
}

const struct playbook *config_playbook(const struct rcv_config *c, const char *name)
{
	for (size_t i = 0; i < c->nplaybooks; i++)
		if (c->playbooks[i].name && strcmp(c->playbooks[i].name, name) == 0)
			return &c->playbooks[i];
	return NULL;
}

const struct rcv_receiver *config_receiver_by_path(const struct rcv_config *c, const char *path)
{
	for (size_t i = 0; i < c->nreceivers; i++)
		if (strcmp(c->receivers[i].path, path) == 0)
			return &c->receivers[i];
	return NULL;
}

const struct notifier *config_notifier(const struct rcv_config *c, const char *name)
{
	for (size_t i = 0; i < c->nnotifiers; i++)
		if (c->notifiers[i].name && strcmp(c->notifiers[i].name, name) == 0)
			return &c->notifiers[i];
	return NULL;
}

bool config_has_webhook_auth(const struct rcv_config *c)
{
	for (size_t i = 0; i < c->nreceivers; i++)
		if (c->receivers[i].bearer_token || c->receivers[i].basic_password)
			return true;
	return false;
}

bool config_all_receivers_authenticated(const struct rcv_config *c)
{
	for (size_t i = 0; i < c->nreceivers; i++)
		if (!c->receivers[i].bearer_token && !c->receivers[i].basic_password)
			return false;
	return true;
}
