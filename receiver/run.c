/* run.c: playbook execution through common/subprocess: alert environment, stdin JSON, timeout, redacted output tail */
#include "receiver/run.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/subprocess.h"
#include "common/xalloc.h"

#define RUN_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define RUN_MAX_CAPTURE (1u << 20)

void run_env_name(const char *name, struct strbuf *out)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		unsigned c = *p;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			c = '_';
		strbuf_addch(out, (int)c);
	}
}

/* Adds NAME=value unless NAME is already in env (first definition wins). Linear: used only for the
 * fixed variables, the playbook's env: and the passed-through ones, after at most RUN_ENV_MAX_VARS others. */
static void run_env_add(struct strlist *env, const char *name, size_t nlen, const char *value, size_t vlen)
{
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->items[i], name, nlen) == 0 && env->items[i][nlen] == '=')
			return;
	char *s = xmalloc(nlen + vlen + 2);
	memcpy(s, name, nlen);
	s[nlen] = '=';
	memcpy(s + nlen + 1, value, vlen);
	s[nlen + vlen + 1] = '\0';
	strlist_push_nodup(env, s);
}

static void run_env_adds(struct strlist *env, const char *name, const char *value)
{
	run_env_add(env, name, strlen(name), value ? value : "", value ? strlen(value) : 0);
}

static const char *run_json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* One string member of labels or annotations, as a candidate variable. */
struct run_env_item {
	const char *key;
	const char *value;
	size_t vlen;
	char *name;            /* prefix + run_env_name(key) */
	bool collides;
};

static int run_cmp_items(const void *a, const void *b)
{
	const struct run_env_item *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->key, y->key);
}

/* What was left out, for HOMEOPS_ENV_OMITTED and the note in the run's output. */
struct run_omitted {
	struct strbuf names;     /* "a.b,a-b,annotation:x" (bounded) */
	size_t count, colliding, too_long, over_limit;
};

static void run_omit(struct run_omitted *om, const char *kind, const char *key)
{
	om->count++;
	if (om->names.len >= RUN_ENV_MAX_OMITTED_LIST)
		return;
	if (om->names.len)
		strbuf_addch(&om->names, ',');
	if (strcmp(kind, "label") != 0)
		strbuf_addf(&om->names, "%s:", kind);
	strbuf_addstr(&om->names, key);
	if (om->names.len >= RUN_ENV_MAX_OMITTED_LIST)
		strbuf_addstr(&om->names, ",...");
}

/*
 * Adds prefix+NAME for every string member of obj, in bytewise name order, in O(n log n): names
 * that map to the same variable are all left out (none may shadow another), and so is what does
 * not fit the bounds (*nvars, *nbytes count what was added so far).
 */
static void run_env_set(struct strlist *env, json_t *obj, const char *prefix, const char *kind,
			size_t *nvars, size_t *nbytes, struct run_omitted *om)
{
	const char *key;
	json_t *val;
	struct run_env_item *items;
	size_t n = 0;
	struct strbuf name = STRBUF_INIT;

	if (!json_is_object(obj))
		return;
	items = xcalloc(json_object_size(obj) + 1, sizeof(*items));
	json_object_foreach(obj, key, val) {
		if (!json_is_string(val))
			continue;
		strbuf_reset(&name);
		strbuf_addstr(&name, prefix);
		run_env_name(key, &name);
		items[n].key = key;
		items[n].value = json_string_value(val);
		items[n].vlen = json_string_length(val);
		items[n].name = xstrdup(name.buf);
		n++;
	}
	qsort(items, n, sizeof(*items), run_cmp_items);
	for (size_t i = 0; i + 1 < n; i++)
		if (strcmp(items[i].name, items[i + 1].name) == 0)
			items[i].collides = items[i + 1].collides = true;
	for (size_t i = 0; i < n; i++) {
		struct run_env_item *it = &items[i];
		size_t bytes = strlen(it->name) + it->vlen + 2;
		if (it->collides) {
			om->colliding++;
			run_omit(om, kind, it->key);
		} else if (it->vlen > RUN_ENV_MAX_VALUE || memchr(it->value, '\0', it->vlen)) {
			om->too_long++;
			run_omit(om, kind, it->key);
		} else if (*nvars >= RUN_ENV_MAX_VARS || *nbytes + bytes > RUN_ENV_MAX_BYTES) {
			om->over_limit++;
			run_omit(om, kind, it->key);
		} else {
			/* no scan: prefixed names cannot meet the fixed ones, and the sort found the collisions */
			strlist_pushf(env, "%s=%.*s", it->name, (int)it->vlen, it->value);
			(*nvars)++;
			*nbytes += bytes;
		}
		free(it->name);
	}
	strbuf_release(&name);
	free(items);
}

int run_build_env(const char *alert_json, size_t len, const struct run_context *ctx, struct strlist *env,
		  char **err)
{
	struct run_omitted om = { STRBUF_INIT, 0, 0, 0, 0 };
	size_t nvars = 0, nbytes = 0;
	json_error_t jerr;
	json_t *a = json_loadb(alert_json, len, 0, &jerr), *labels;
	char num[32];
	const char *v;

	if (!a || !json_is_object(a)) {
		*err = xasprintf("stored alert is not a JSON object: %s", a ? "wrong type" : jerr.text);
		json_decref(a);
		return -1;
	}
	labels = json_object_get(a, "labels");
	v = json_is_object(labels) ? run_json_str(labels, "alertname") : "";
	run_env_adds(env, "HOMEOPS_ALERTNAME", v);
	run_env_adds(env, "HOMEOPS_STATUS", run_json_str(a, "status"));
	run_env_adds(env, "HOMEOPS_FINGERPRINT", run_json_str(a, "fingerprint"));
	run_env_adds(env, "HOMEOPS_STARTS_AT", run_json_str(a, "startsAt"));
	run_env_adds(env, "HOMEOPS_ENDS_AT", run_json_str(a, "endsAt"));
	run_env_adds(env, "HOMEOPS_GENERATOR_URL", run_json_str(a, "generatorURL"));
	snprintf(num, sizeof(num), "%lld", ctx->run_id);
	run_env_adds(env, "HOMEOPS_RUN_ID", num);
	run_env_adds(env, "HOMEOPS_PLAYBOOK", ctx->playbook);
	snprintf(num, sizeof(num), "%d", ctx->attempt);
	run_env_adds(env, "HOMEOPS_ATTEMPT", num);
	run_env_adds(env, "HOMEOPS_TRIGGER", ctx->trigger ? ctx->trigger : "alert");
	run_env_set(env, labels, "HOMEOPS_LABEL_", "label", &nvars, &nbytes, &om);
	run_env_set(env, json_object_get(a, "annotations"), "HOMEOPS_ANNOTATION_", "annotation", &nvars, &nbytes, &om);
	if (om.count) {
		run_env_adds(env, "HOMEOPS_ENV_OMITTED", om.names.buf);
		if (ctx->note) {
			strbuf_addf(ctx->note, "[homeops] %zu label/annotation variable(s) not in the environment (the alert "
				    "JSON on stdin has them all):", om.count);
			if (om.colliding)
				strbuf_addf(ctx->note, " %zu map to the same variable name as another;", om.colliding);
			if (om.too_long)
				strbuf_addf(ctx->note, " %zu value(s) over %u bytes or with NUL;", om.too_long,
					    (unsigned)RUN_ENV_MAX_VALUE);
			if (om.over_limit)
				strbuf_addf(ctx->note, " %zu over the limits of %u variables / %u bytes;", om.over_limit,
					    (unsigned)RUN_ENV_MAX_VARS, (unsigned)RUN_ENV_MAX_BYTES);
			strbuf_addf(ctx->note, " left out: %s\n", om.names.buf);
		}
	}
	strbuf_release(&om.names);
	for (size_t i = 0; ctx->extra && i < ctx->extra->n; i++) {
		const char *kv = ctx->extra->items[i], *eq = strchr(kv, '=');
		if (eq)
			run_env_add(env, kv, (size_t)(eq - kv), eq + 1, strlen(eq + 1));
	}
	v = getenv("PATH");
	run_env_adds(env, "PATH", v && *v ? v : RUN_DEFAULT_PATH);
	static const char *const pass[] = { "HOME", "LANG", "LC_ALL", "TZ" };
	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		if ((v = getenv(pass[i])))
			run_env_adds(env, pass[i], v);
	json_decref(a);
	return 0;
}

char *run_argv_json(const struct playbook *pb)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addch(&sb, '[');
	for (size_t i = 0; i < pb->command.n; i++) {
		if (i)
			strbuf_addch(&sb, ',');
		strbuf_add_json_string(&sb, pb->command.items[i], strlen(pb->command.items[i]));
	}
	strbuf_addch(&sb, ']');
	return strbuf_detach(&sb, NULL);
}

void run_tail_output(const struct playbook *pb, const char *raw, size_t len, bool truncated_already,
		     struct strbuf *out, bool *truncated)
{
	struct strbuf red = STRBUF_INIT, clean = STRBUF_INIT;
	size_t start = 0;

	redact_apply(&pb->redact, raw, len, &red);
	for (size_t i = 0; i < red.len; i++) {
		if (red.buf[i] == '\0')
			strbuf_addstr(&clean, "\xef\xbf\xbd");
		else
			strbuf_addch(&clean, red.buf[i]);
	}
	*truncated = truncated_already;
	if (clean.len > pb->output_limit) {
		start = clean.len - pb->output_limit;
		/* do not start inside a UTF-8 sequence */
		while (start < clean.len && ((unsigned char)clean.buf[start] & 0xc0) == 0x80)
			start++;
		*truncated = true;
	}
	if (clean.len)
		strbuf_add(out, clean.buf + start, clean.len - start);
	strbuf_release(&red);
	strbuf_release(&clean);
}

void run_outcome_release(struct run_outcome *o)
{
	strbuf_release(&o->output);
}

int run_execute(const struct playbook *pb, const char *alert_json, size_t len, const struct strlist *env,
		int cancel_fd, const char *const *cancel_reason, struct run_outcome *out)
{
	struct subprocess sp;
	char *input = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	subprocess_init(&sp);
	input = xmalloc(len + 1);
	memcpy(input, alert_json, len);
	input[len] = '\n';
	sp.argv = (const char *const *)strlist_argv(&pb->command);
	sp.env = (const char *const *)strlist_argv(env);
	sp.cwd = pb->workdir;
	sp.stdin_data = input;
	sp.stdin_len = len + 1;
	sp.timeout = pb->timeout;
	sp.kill_grace = pb->kill_grace;
	sp.max_output = pb->output_limit * 4 < RUN_MAX_CAPTURE ? pb->output_limit * 4 : RUN_MAX_CAPTURE;
	if (sp.max_output < 65536)
		sp.max_output = 65536;
	sp.merge_stderr = true;
	sp.keep_tail = true;   /* the stored output is the end of what the playbook printed */
	sp.cancel_fd = cancel_fd;
	if (pb->user) {
		if (geteuid() != 0) {
			out->state = "failed";
			snprintf(out->result, sizeof(out->result), "user: receiver is not root, cannot run as %s", pb->user);
			ret = 0;
			goto out;
		}
		sp.set_user = true;
		sp.uid = pb->uid;
		sp.gid = pb->gid;
	}
	if (subprocess_run(&sp) != 0) {
		out->state = "failed";
		snprintf(out->result, sizeof(out->result), "start failed");
		goto out;
	}
	subprocess_describe(&sp, out->result, sizeof(out->result));
	out->duration = sp.duration;
	out->timed_out = sp.timed_out;
	out->has_exit = sp.exited && !sp.spawn_errno;
	out->exit_code = sp.exit_code;
	out->signal = sp.signaled ? sp.term_signal : 0;
	if (sp.cancelled) {
		const char *why = cancel_reason && *cancel_reason ? *cancel_reason : "cancelled";
		out->state = strcmp(why, "interrupted") == 0 ? "interrupted" : "cancelled";
		snprintf(out->result, sizeof(out->result), "%s", why);
	} else if (sp.exited && sp.exit_code == 0 && !sp.spawn_errno && !sp.timed_out) {
		out->state = "succeeded";
	} else {
		out->state = "failed";
	}
	run_tail_output(pb, strbuf_cstr(&sp.out), sp.out.len, sp.out_truncated, &out->output, &out->output_truncated);
	ret = 0;
out:
	subprocess_release(&sp);
	free(input);
	return ret;
}
