/* config.c: the receiver's YAML configuration: strict validation of the common/yamlconf tree into struct rcv_config */
#include "receiver/config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/xalloc.h"
#include "common/yamlconf.h"

/* The receiver's state while it walks the tree: the config being filled and the document (errors, paths). */
struct cfg_ctx {
	struct rcv_config *c;
	struct yamlconf *y;
};

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

/* Adds each pattern of key in map to list, naming the key on a bad pattern. */
static int cfg_redact(struct cfg_ctx *x, const struct yamlconf_node *map, struct redact_list *list)
{
	struct strlist patterns = STRLIST_INIT;
	int ret = -1;

	if (yamlconf_strlist(x->y, map, "redact", true, &patterns))
		goto out;
	for (size_t i = 0; i < patterns.n; i++) {
		char *e = NULL;
		if (redact_add(list, patterns.items[i], &e)) {
			yamlconf_fail_key(x->y, map, "redact", "%s", e);
			free(e);
			goto out;
		}
	}
	ret = 0;
out:
	strlist_clear(&patterns);
	return ret;
}

static int cfg_global(struct cfg_ctx *x, const struct yamlconf_node *g, struct redact_list *global_redact)
{
	static const char *const keys[] = { "external_url", "notify", "redact", "host", "host_label", NULL };

	if (yamlconf_check_map(x->y, g, keys) || yamlconf_string(x->y, g, "external_url", &x->c->external_url) ||
	    yamlconf_strlist(x->y, g, "notify", true, &x->c->default_notify) || cfg_redact(x, g, global_redact) ||
	    yamlconf_string(x->y, g, "host", &x->c->host) || yamlconf_string(x->y, g, "host_label", &x->c->host_label))
		return -1;
	if (x->c->host && !x->c->host[0]) {
		yamlconf_fail_key(x->y, g, "host", "must not be empty (leave it out to act on every host's alerts)");
		return -1;
	}
	if (x->c->host_label && !x->c->host_label[0]) {
		yamlconf_fail_key(x->y, g, "host_label", "must not be empty");
		return -1;
	}
	return 0;
}

static bool cfg_reserved_path(const char *p)
{
	return strcmp(p, "/") == 0 || strcmp(p, "/metrics") == 0 || strncmp(p, "/-/", 3) == 0 ||
	       strncmp(p, "/api/", 5) == 0 || strcmp(p, "/api") == 0 || strncmp(p, "/ui/", 4) == 0 ||
	       strcmp(p, "/ui") == 0;
}

static int cfg_receivers(struct cfg_ctx *x, const struct yamlconf_node *list)
{
	static const char *const keys[] = { "name", "path", "bearer_token_file", "basic_auth", NULL };
	static const char *const bkeys[] = { "username", "password_file", NULL };
	struct rcv_config *c = x->c;
	struct yamlconf *y = x->y;

	if (yamlconf_check_seq(y, list))
		return -1;
	c->receivers = list->n ? xcalloc(list->n, sizeof(*c->receivers)) : NULL;
	for (size_t i = 0; i < list->n; i++) {
		const struct yamlconf_node *m = list->items[i], *ba;
		struct rcv_receiver *r = &c->receivers[i];
		c->nreceivers = i + 1;
		if (yamlconf_check_map(y, m, keys) || yamlconf_string(y, m, "name", &r->name) ||
		    yamlconf_string(y, m, "path", &r->path) ||
		    yamlconf_secret(y, m, "bearer_token_file", &r->bearer_token_file, &r->bearer_token))
			return -1;
		if (!r->name || !cfg_name_ok(r->name))
			return yamlconf_fail_key(y, m, "name", "required, of [A-Za-z0-9_.-]");
		if (!r->path || r->path[0] != '/')
			return yamlconf_fail_key(y, m, "path", "required, and must start with /");
		if (cfg_reserved_path(r->path))
			return yamlconf_fail_key(y, m, "path", "\"%s\" is reserved", r->path);
		if ((ba = yamlconf_get(m, "basic_auth"))) {
			if (yamlconf_check_map(y, ba, bkeys) || yamlconf_string(y, ba, "username", &r->basic_user) ||
			    yamlconf_secret(y, ba, "password_file", &r->basic_password_file, &r->basic_password))
				return -1;
			if (!r->basic_user || !r->basic_user[0] || !r->basic_password)
				return yamlconf_fail(y, ba, "basic_auth needs username and password_file");
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->receivers[j].name, r->name) == 0)
				return yamlconf_fail_key(y, m, "name", "duplicate receiver name \"%s\"", r->name);
			if (strcmp(c->receivers[j].path, r->path) == 0)
				return yamlconf_fail_key(y, m, "path", "duplicate receiver path \"%s\"", r->path);
		}
	}
	return 0;
}

static int cfg_user(struct cfg_ctx *x, const struct yamlconf_node *m, struct playbook *pb)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int e;

	if (!pb->user)
		return 0;
	if (!pb->user[0])
		return yamlconf_fail_key(x->y, m, "user", "empty");
	if (!x->y->load_files)
		return 0;
	e = getpwnam_r(pb->user, &pw, buf, sizeof(buf), &res);
	if (e || !res)
		return yamlconf_fail_key(x->y, m, "user", "user \"%s\" does not exist", pb->user);
	pb->uid = pw.pw_uid;
	pb->gid = pw.pw_gid;
	return 0;
}

static int cfg_env(struct cfg_ctx *x, const struct yamlconf_node *env, struct playbook *pb)
{
	if (yamlconf_check_map(x->y, env, NULL))
		return -1;
	for (size_t i = 0; env && i < env->n; i++) {
		const struct yamlconf_node *v = env->items[i];
		const char *s = NULL;
		if (!cfg_env_name_ok(v->key))
			return yamlconf_fail_key(x->y, env, v->key, "invalid variable name \"%s\"", v->key);
		if (yamlconf_as_string(x->y, v, &s))
			return -1;
		strlist_pushf(&pb->env, "%s=%s", v->key, yamlconf_is_null(v) ? "" : s);
	}
	return 0;
}

static int cfg_playbook(struct cfg_ctx *x, const struct yamlconf_node *m, struct playbook *pb,
			const struct redact_list *global_redact)
{
	static const char *const keys[] = { "command", "working_directory", "env", "timeout", "cooldown",
					    "max_concurrent", "max_attempts", "window", "cancel_on_resolved",
					    "retry_interrupted", "user", "redact", "output_limit", "kill_grace",
					    "enabled", NULL };
	struct yamlconf *y = x->y;
	uint64_t output_limit = 16384;

	pb->name = xstrdup(m->key);
	pb->timeout = 300;
	pb->cooldown = 0;
	pb->max_concurrent = 1;
	pb->max_attempts = 3;
	pb->window = 3600;
	pb->kill_grace = 5;
	pb->enabled = true;
	if (!cfg_name_ok(m->key))
		return yamlconf_fail(y, m, "invalid playbook name \"%s\" ([A-Za-z0-9_.-])", m->key);
	if (yamlconf_check_map(y, m, keys) || yamlconf_strlist(y, m, "command", false, &pb->command) ||
	    yamlconf_file_path(y, m, "working_directory", &pb->workdir) ||
	    yamlconf_duration(y, m, "timeout", false, &pb->timeout) ||
	    yamlconf_duration(y, m, "cooldown", true, &pb->cooldown) ||
	    yamlconf_long(y, m, "max_concurrent", 1, 1024, &pb->max_concurrent) ||
	    yamlconf_long(y, m, "max_attempts", 0, 1000000, &pb->max_attempts) ||
	    yamlconf_duration(y, m, "window", false, &pb->window) ||
	    yamlconf_duration(y, m, "kill_grace", false, &pb->kill_grace) ||
	    yamlconf_bool(y, m, "cancel_on_resolved", &pb->cancel_on_resolved) ||
	    yamlconf_bool(y, m, "retry_interrupted", &pb->retry_interrupted) ||
	    yamlconf_bool(y, m, "enabled", &pb->enabled) || yamlconf_string(y, m, "user", &pb->user) ||
	    yamlconf_size(y, m, "output_limit", 256, 16u << 20, &output_limit))
		return -1;
	pb->output_limit = (size_t)output_limit;
	if (pb->command.n == 0 || !pb->command.items[0][0])
		return yamlconf_fail_key(y, m, "command", "required (an argv list, e.g. [/usr/lib/homeops/playbooks/x])");
	if (cfg_env(x, yamlconf_get(m, "env"), pb) || cfg_user(x, m, pb))
		return -1;
	redact_copy(&pb->redact, global_redact);
	if (cfg_redact(x, m, &pb->redact))
		return -1;
	if (y->load_files && pb->command.items[0][0] == '/' && access(pb->command.items[0], X_OK) != 0)
		strlist_pushf(&x->c->warnings, "playbooks.%s: command \"%s\" is not executable now: %s", pb->name,
			      pb->command.items[0], strerror(errno));
	return 0;
}

static int cfg_playbooks(struct cfg_ctx *x, const struct yamlconf_node *map, const struct redact_list *global_redact)
{
	struct rcv_config *c = x->c;
	if (yamlconf_check_map(x->y, map, NULL))
		return -1;
	c->playbooks = map->n ? xcalloc(map->n, sizeof(*c->playbooks)) : NULL;
	for (size_t i = 0; i < map->n; i++) {
		c->nplaybooks = i + 1;
		if (cfg_playbook(x, map->items[i], &c->playbooks[i], global_redact))
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

static int cfg_notifier(struct cfg_ctx *x, const struct yamlconf_node *m, struct notifier *nf)
{
	static const char *const kinds[] = { "smtp", "ntfy", "gotify", "pushover", "webhook", NULL };
	static const char *const keys[] = { "url", "from", "to", "username", "password_file", "smtp_starttls",
					    "token_file", "user_key_file", "ca_file", "insecure_skip_verify",
					    "timeout", "events", NULL };
	struct yamlconf *y = x->y;
	struct strlist events = STRLIST_INIT;
	const struct yamlconf_node *k;
	char *pwfile = NULL, *tokfile = NULL, *ukfile = NULL;
	int ret = -1;

	nf->name = xstrdup(m->key);
	nf->smtp_starttls = true;
	nf->timeout = 10;
	nf->events = (1u << NOTIFY_EVENT_COUNT) - 1;
	if (!cfg_name_ok(m->key)) {
		yamlconf_fail(y, m, "invalid notifier name \"%s\" ([A-Za-z0-9_.-])", m->key);
		goto out;
	}
	if (yamlconf_check_map(y, m, kinds))
		goto out;
	if (m->kind != YAMLCONF_MAP || m->n != 1) {
		yamlconf_fail(y, m, "expected exactly one of smtp, ntfy, gotify, pushover, webhook");
		goto out;
	}
	k = m->items[0];
	nf->kind = strcmp(k->key, "smtp") == 0	   ? NOTIFIER_SMTP
		   : strcmp(k->key, "ntfy") == 0   ? NOTIFIER_NTFY
		   : strcmp(k->key, "gotify") == 0 ? NOTIFIER_GOTIFY
		   : strcmp(k->key, "pushover") == 0 ? NOTIFIER_PUSHOVER
						     : NOTIFIER_WEBHOOK;
	if (yamlconf_check_map(y, k, keys) || yamlconf_string(y, k, "url", &nf->url) ||
	    yamlconf_string(y, k, "from", &nf->from) || yamlconf_strlist(y, k, "to", true, &nf->to) ||
	    yamlconf_string(y, k, "username", &nf->username) ||
	    yamlconf_secret(y, k, "password_file", &pwfile, &nf->password) ||
	    yamlconf_bool(y, k, "smtp_starttls", &nf->smtp_starttls) ||
	    yamlconf_secret(y, k, "token_file", &tokfile, &nf->token) ||
	    yamlconf_secret(y, k, "user_key_file", &ukfile, &nf->user_key) ||
	    yamlconf_file_path(y, k, "ca_file", &nf->ca_file) ||
	    yamlconf_bool(y, k, "insecure_skip_verify", &nf->insecure_skip_verify) ||
	    yamlconf_duration(y, k, "timeout", false, &nf->timeout) || yamlconf_strlist(y, k, "events", true, &events))
		goto out;
	if (yamlconf_get(k, "events")) {
		nf->events = 0;
		for (size_t i = 0; i < events.n; i++) {
			enum notify_event e;
			if (cfg_event(events.items[i], &e) != 0) {
				yamlconf_fail_key(y, k, "events",
						  "unknown event \"%s\" (started, succeeded, failed, gave_up, interrupted)",
						  events.items[i]);
				goto out;
			}
			nf->events |= 1u << e;
		}
	}
	if (!nf->url && nf->kind != NOTIFIER_PUSHOVER) {
		yamlconf_fail_key(y, k, "url", "required");
		goto out;
	}
#ifdef HOMEOPS_HAVE_NOTIFY
	{
		char *e = NULL;
		if (notifier_validate(nf, &e) != 0) {
			yamlconf_fail(y, k, "%s", e ? e : "invalid notifier");
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
	return ret;
}

static int cfg_notifiers(struct cfg_ctx *x, const struct yamlconf_node *map)
{
	struct rcv_config *c = x->c;
	if (yamlconf_check_map(x->y, map, NULL))
		return -1;
	c->notifiers = map->n ? xcalloc(map->n, sizeof(*c->notifiers)) : NULL;
	for (size_t i = 0; i < map->n; i++) {
		c->nnotifiers = i + 1;
		if (cfg_notifier(x, map->items[i], &c->notifiers[i]))
			return -1;
	}
	return 0;
}

static int cfg_matchers(struct cfg_ctx *x, const struct yamlconf_node *ms, struct route *r)
{
	const struct yamlconf_node *one = ms;

	if (ms->kind != YAMLCONF_SCALAR && ms->kind != YAMLCONF_SEQ)
		return yamlconf_fail(x->y, ms, "expected a list of strings");
	for (size_t j = 0; ms->kind == YAMLCONF_SCALAR || j < ms->n; j++) {
		char *e = NULL;
		if (ms->kind == YAMLCONF_SEQ)
			one = ms->items[j];
		if (one->kind != YAMLCONF_SCALAR)
			return yamlconf_fail(x->y, one, "expected a string");
		if (matchers_parse(one->value, &r->matchers, &e)) {
			yamlconf_fail(x->y, one, "%s", e);
			free(e);
			return -1;
		}
		if (ms->kind == YAMLCONF_SCALAR)
			break;
	}
	return 0;
}

static int cfg_routes(struct cfg_ctx *x, const struct yamlconf_node *list)
{
	static const char *const keys[] = { "matchers", "receiver", "playbook", "on", "continue", "notify", NULL };
	struct rcv_config *c = x->c;
	struct yamlconf *y = x->y;

	if (yamlconf_check_seq(y, list))
		return -1;
	c->routes = list->n ? xcalloc(list->n, sizeof(*c->routes)) : NULL;
	for (size_t i = 0; i < list->n; i++) {
		const struct yamlconf_node *m = list->items[i], *ms, *on;
		struct route *r = &c->routes[i];
		c->nroutes = i + 1;
		r->on = ROUTE_ON_FIRING;
		if (yamlconf_check_map(y, m, keys) || yamlconf_string(y, m, "receiver", &r->receiver) ||
		    yamlconf_string(y, m, "playbook", &r->playbook) || yamlconf_bool(y, m, "continue", &r->cont) ||
		    yamlconf_strlist(y, m, "notify", true, &r->notify))
			return -1;
		if ((ms = yamlconf_get(m, "matchers")) && cfg_matchers(x, ms, r))
			return -1;
		if ((on = yamlconf_get(m, "on"))) {
			if (on->kind != YAMLCONF_SCALAR || route_on_parse(on->value, &r->on) != 0)
				return yamlconf_fail(y, on, "expected firing, resolved or both");
		}
		if (!r->playbook)
			return yamlconf_fail_key(y, m, "playbook", "required");
		if (!config_playbook(c, r->playbook))
			return yamlconf_fail_key(y, m, "playbook", "unknown playbook \"%s\"", r->playbook);
		if (r->receiver) {
			bool found = false;
			for (size_t j = 0; j < c->nreceivers; j++)
				found |= strcmp(c->receivers[j].name, r->receiver) == 0;
			if (!found)
				return yamlconf_fail_key(y, m, "receiver", "unknown receiver \"%s\"", r->receiver);
		}
		if (r->notify.n == 0)
			for (size_t j = 0; j < c->default_notify.n; j++)
				strlist_push(&r->notify, c->default_notify.items[j]);
		for (size_t j = 0; j < r->notify.n; j++)
			if (!config_notifier(c, r->notify.items[j]))
				return yamlconf_fail_key(y, m, "notify", "unknown notifier \"%s\"", r->notify.items[j]);
	}
	return 0;
}

/* ---- public ---- */

/* Fills a new config from the document y. Returns it, or NULL with *err (caller frees). */
static struct rcv_config *config_build(struct yamlconf *y, char **err)
{
	static const char *const keys[] = { "global", "receivers", "playbooks", "notifiers", "routes", NULL };
	struct rcv_config *c = xcalloc(1, sizeof(*c));
	struct redact_list global_redact = { 0 };
	const struct yamlconf_node *root = y->root, *n;
	struct cfg_ctx x = { c, y };
	int ret = -1;

	c->refs = 1;
	if (yamlconf_check_map(y, root, keys))
		goto out;
	if ((n = yamlconf_get(root, "global")) && cfg_global(&x, n, &global_redact))
		goto out;
	if ((n = yamlconf_get(root, "receivers")) && cfg_receivers(&x, n))
		goto out;
	if (c->nreceivers == 0) {
		free(c->receivers);
		c->receivers = xcalloc(1, sizeof(*c->receivers));
		c->nreceivers = 1;
		c->receivers[0].name = xstrdup("default");
		c->receivers[0].path = xstrdup("/webhook");
	}
	if ((n = yamlconf_get(root, "notifiers")) && cfg_notifiers(&x, n))
		goto out;
	for (size_t i = 0; i < c->default_notify.n; i++) {
		if (!config_notifier(c, c->default_notify.items[i])) {
			yamlconf_fail_key(y, yamlconf_get(root, "global"), "notify", "unknown notifier \"%s\"",
					  c->default_notify.items[i]);
			goto out;
		}
	}
	if ((n = yamlconf_get(root, "playbooks")) && cfg_playbooks(&x, n, &global_redact))
		goto out;
	if ((n = yamlconf_get(root, "routes")) && cfg_routes(&x, n))
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
	if (ret) {
		*err = yamlconf_take_error(y);
		if (!*err)
			*err = xstrdup("invalid configuration");
		config_unref(c);
		return NULL;
	}
	return c;
}

struct rcv_config *config_parse(const char *text, size_t len, const char *base_dir, bool load_files, char **err)
{
	struct yamlconf *y = yamlconf_parse(text, len, NULL, base_dir, err);
	struct rcv_config *c = NULL;

	if (y) {
		y->load_files = load_files;
		c = config_build(y, err);
	}
	yamlconf_free(y);
	return c;
}

struct rcv_config *config_load(const char *path, char **err)
{
	struct yamlconf *y = yamlconf_load(path, err);
	struct rcv_config *c = NULL;

	if (y && (c = config_build(y, err)))
		c->path = xstrdup(path);
	yamlconf_free(y);
	return c;
}

struct rcv_config *config_ref(struct rcv_config *c)
{
	if (c)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void config_unref(struct rcv_config *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(c->path);
	free(c->external_url);
	free(c->host);
	free(c->host_label);
	strlist_clear(&c->default_notify);
	for (size_t i = 0; i < c->nreceivers; i++) {
		struct rcv_receiver *r = &c->receivers[i];
		free(r->name);
		free(r->path);
		free(r->bearer_token_file);
		yamlconf_secret_free(r->bearer_token);
		free(r->basic_user);
		free(r->basic_password_file);
		yamlconf_secret_free(r->basic_password);
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
		yamlconf_secret_free(c->notifiers[i].password);
		yamlconf_secret_free(c->notifiers[i].token);
		yamlconf_secret_free(c->notifiers[i].user_key);
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
