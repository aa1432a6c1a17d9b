/* parse_v6.c: pure parsers of Pi-hole v6 API answers (stats, blocking, info, auth sessions and errors) */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/secret.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "exporters/pihole/parse.h"
#include "exporters/pihole/parse_json.h"

enum ph_blocking ph_blocking_from(const char *s)
{
	if (!s)
		return PH_BLOCKING_UNKNOWN;
	if (strcmp(s, "enabled") == 0)
		return PH_BLOCKING_ENABLED;
	if (strcmp(s, "disabled") == 0)
		return PH_BLOCKING_DISABLED;
	if (strcmp(s, "failure") == 0)
		return PH_BLOCKING_FAILURE;
	return PH_BLOCKING_UNKNOWN;
}

/* An object of name -> count into l; entries that are not numbers are skipped. */
static void ph_v6_counts(const json_t *obj, struct ph_named_list *l)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return;
	json_object_foreach((json_t *)obj, key, v) {
		double d = ph_json_num(v);
		if (!isnan(d) && json_is_number(v))
			ph_named_add(l, key, strlen(key), d);
	}
}

int ph_v6_summary_parse(const char *buf, size_t len, struct ph_summary *out, char **err)
{
	json_t *root = ph_json_load(buf, len, err);
	const json_t *q, *c, *g;

	ph_summary_init(out);
	if (!root)
		return PH_PARSE_ERROR;
	q = json_object_get(root, "queries");
	if (!json_is_object(q)) {
		json_decref(root);
		return ph_json_fail(err, "no \"queries\" object");
	}
	out->queries_total = ph_json_num_at(q, "total");
	out->queries_blocked = ph_json_num_at(q, "blocked");
	out->percent_blocked = ph_json_num_at(q, "percent_blocked");
	out->unique_domains = ph_json_num_at(q, "unique_domains");
	out->queries_forwarded = ph_json_num_at(q, "forwarded");
	out->queries_cached = ph_json_num_at(q, "cached");
	out->query_frequency = ph_json_num_at(q, "frequency");
	ph_v6_counts(json_object_get(q, "types"), &out->types);
	ph_v6_counts(json_object_get(q, "replies"), &out->replies);
	ph_v6_counts(json_object_get(q, "status"), &out->statuses);
	c = json_object_get(root, "clients");
	out->clients_active = ph_json_num_at(c, "active");
	out->clients_total = ph_json_num_at(c, "total");
	g = json_object_get(root, "gravity");
	out->gravity_domains = ph_json_num_at(g, "domains_being_blocked");
	out->gravity_last_update = ph_json_num_at(g, "last_update");
	json_decref(root);
	return PH_PARSE_OK;
}

int ph_v6_upstreams_parse(const char *buf, size_t len, struct ph_upstreams *out, char **err)
{
	json_t *root = ph_json_load(buf, len, err);
	const json_t *arr;
	size_t i;
	json_t *u;

	memset(out, 0, sizeof(*out));
	out->total_queries = out->forwarded_queries = NAN;
	if (!root)
		return PH_PARSE_ERROR;
	arr = json_object_get(root, "upstreams");
	if (!json_is_array(arr)) {
		json_decref(root);
		return ph_json_fail(err, "no \"upstreams\" list");
	}
	json_array_foreach(arr, i, u) {
		const char *name = ph_json_str_at(u, "name");
		const char *ip = ph_json_str_at(u, "ip");
		double port = ph_json_num_at(u, "port");
		const json_t *st = json_object_get(u, "statistics");
		struct ph_upstream *up;

		if (!json_is_object(u) || (!name && !ip))
			continue;
		XGROW(out->items, out->n + 1, out->alloc);
		up = &out->items[out->n++];
		up->name = xstrdup(name ? name : "");
		up->ip = xstrdup(ip ? ip : "");
		up->port = isnan(port) || port < -1 || port > 65535 ? -1 : (long)port;
		up->count = ph_json_num_at(u, "count");
		up->response = ph_json_num_at(st, "response");
		up->variance = ph_json_num_at(st, "variance");
	}
	out->total_queries = ph_json_num_at(root, "total_queries");
	out->forwarded_queries = ph_json_num_at(root, "forwarded_queries");
	json_decref(root);
	return PH_PARSE_OK;
}

int ph_v6_query_types_parse(const char *buf, size_t len, struct ph_named_list *out, char **err)
{
	json_t *root = ph_json_load(buf, len, err);
	const json_t *t;

	memset(out, 0, sizeof(*out));
	if (!root)
		return PH_PARSE_ERROR;
	t = json_object_get(root, "types");
	if (!json_is_object(t)) {
		json_decref(root);
		return ph_json_fail(err, "no \"types\" object");
	}
	ph_v6_counts(t, out);
	json_decref(root);
	return PH_PARSE_OK;
}

int ph_v6_blocking_parse(const char *buf, size_t len, struct ph_blocking_state *out, char **err)
{
	json_t *root = ph_json_load(buf, len, err);
	const char *s;

	out->state = PH_BLOCKING_UNKNOWN;
	out->timer = NAN;
	if (!root)
		return PH_PARSE_ERROR;
	s = ph_json_str_at(root, "blocking");
	if (!s) {
		json_decref(root);
		return ph_json_fail(err, "no \"blocking\" string");
	}
	out->state = ph_blocking_from(s);
	out->timer = ph_json_num_at(root, "timer");
	json_decref(root);
	return PH_PARSE_OK;
}

/* version.<part>.local.version, or NULL (empty strings and null count as unknown). */
static char *ph_v6_local_version(const json_t *version, const char *part)
{
	const json_t *p = json_object_get(version, part);
	const json_t *local = json_object_get(p, "local");
	const char *s = json_is_object(local) ? ph_json_str_at(local, "version") : NULL;
	return s && *s ? xstrdup(s) : NULL;
}

int ph_v6_version_parse(const char *buf, size_t len, struct ph_version *out, char **err)
{
	json_t *root = ph_json_load(buf, len, err);
	const json_t *v;

	memset(out, 0, sizeof(*out));
	if (!root)
		return PH_PARSE_ERROR;
	v = json_object_get(root, "version");
	if (!json_is_object(v)) {
		json_decref(root);
		return ph_json_fail(err, "no \"version\" object");
	}
	out->core = ph_v6_local_version(v, "core");
	out->web = ph_v6_local_version(v, "web");
	out->ftl = ph_v6_local_version(v, "ftl");
	json_decref(root);
	return PH_PARSE_OK;
}

/* An integer (before v6.3) or {"total","enabled"} (v6.3 on). */
static void ph_v6_list_size(const json_t *v, double *total, double *enabled)
{
	if (json_is_object(v)) {
		*total = ph_json_num_at(v, "total");
		*enabled = ph_json_num_at(v, "enabled");
	} else if (json_is_number(v)) {
		*total = ph_json_num(v);
	}
}

int ph_v6_ftl_parse(const char *buf, size_t len, struct ph_ftl_info *out, char **err)
{
	json_t *root = ph_json_load(buf, len, err);
	const json_t *ftl, *db, *dom, *re;
	double up;

	ph_ftl_info_init(out);
	if (!root)
		return PH_PARSE_ERROR;
	ftl = json_object_get(root, "ftl");
	if (!json_is_object(ftl)) {
		json_decref(root);
		return ph_json_fail(err, "no \"ftl\" object");
	}
	db = json_object_get(ftl, "database");
	out->gravity = ph_json_num_at(db, "gravity");
	out->groups = ph_json_num_at(db, "groups");
	out->lists = ph_json_num_at(db, "lists");
	out->clients = ph_json_num_at(db, "clients");
	dom = json_is_object(db) ? json_object_get(db, "domains") : NULL;
	re = json_is_object(db) ? json_object_get(db, "regex") : NULL;
	if (json_is_object(dom)) {
		ph_v6_list_size(json_object_get(dom, "allowed"), &out->domains_allowed, &out->domains_allowed_enabled);
		ph_v6_list_size(json_object_get(dom, "denied"), &out->domains_denied, &out->domains_denied_enabled);
	}
	if (json_is_object(re)) {
		ph_v6_list_size(json_object_get(re, "allowed"), &out->regex_allowed, &out->regex_allowed_enabled);
		ph_v6_list_size(json_object_get(re, "denied"), &out->regex_denied, &out->regex_denied_enabled);
	}
	out->privacy_level = ph_json_num_at(ftl, "privacy_level");
	up = ph_json_num_at(ftl, "uptime");
	out->uptime_seconds = isnan(up) ? NAN : up / 1000.0;
	json_decref(root);
	return PH_PARSE_OK;
}

/* A top list: arr[].<name_key> (and for clients "name|ip") with count. */
static int ph_v6_top_parse(const char *buf, size_t len, const char *list_key, bool clients,
			   struct ph_named_list *out, char **err)
{
	json_t *root = ph_json_load(buf, len, err);
	const json_t *arr;
	size_t i;
	json_t *e;

	memset(out, 0, sizeof(*out));
	if (!root)
		return PH_PARSE_ERROR;
	arr = json_object_get(root, list_key);
	if (!json_is_array(arr)) {
		json_decref(root);
		return ph_json_fail(err, clients ? "no \"clients\" list" : "no \"domains\" list");
	}
	json_array_foreach(arr, i, e) {
		double count = ph_json_num_at(e, "count");
		if (isnan(count))
			continue;
		if (clients) {
			const char *name = ph_json_str_at(e, "name");
			const char *ip = ph_json_str_at(e, "ip");
			struct strbuf sb = STRBUF_INIT;
			if (!ip)
				continue;
			if (name && *name)
				strbuf_addf(&sb, "%s|%s", name, ip);
			else
				strbuf_addstr(&sb, ip);
			ph_named_add(out, sb.buf, sb.len, count);
			strbuf_release(&sb);
		} else {
			const char *d = ph_json_str_at(e, "domain");
			if (d)
				ph_named_add(out, d, strlen(d), count);
		}
	}
	json_decref(root);
	return PH_PARSE_OK;
}

int ph_v6_top_domains_parse(const char *buf, size_t len, struct ph_named_list *out, char **err)
{
	return ph_v6_top_parse(buf, len, "domains", false, out, err);
}

int ph_v6_top_clients_parse(const char *buf, size_t len, struct ph_named_list *out, char **err)
{
	return ph_v6_top_parse(buf, len, "clients", true, out, err);
}

static char *ph_v6_dup_str(const json_t *obj, const char *key)
{
	const char *s = ph_json_str_at(obj, key);
	return s ? xstrdup(s) : NULL;
}

int ph_v6_auth_parse(const char *buf, size_t len, struct ph_auth *out, char **err)
{
	json_t *root = ph_json_load(buf, len, err);
	const json_t *s, *e;

	memset(out, 0, sizeof(*out));
	if (!root)
		return PH_PARSE_ERROR;
	s = json_object_get(root, "session");
	e = json_object_get(root, "error");
	if (!json_is_object(s) && !json_is_object(e)) {
		json_decref(root);
		return ph_json_fail(err, "neither a \"session\" nor an \"error\" object");
	}
	if (json_is_object(s)) {
		double v = ph_json_num_at(s, "validity");
		out->has_session = true;
		out->valid = json_is_true(json_object_get(s, "valid"));
		out->totp = json_is_true(json_object_get(s, "totp"));
		out->sid = ph_v6_dup_str(s, "sid");
		out->validity = isnan(v) ? -1 : v;
		out->message = ph_v6_dup_str(s, "message");
	}
	if (json_is_object(e)) {
		out->error_key = ph_v6_dup_str(e, "key");
		out->error_message = ph_v6_dup_str(e, "message");
	}
	/* The session id is a credential: wipe jansson's copy before it is freed. */
	if (out->sid) {
		json_t *sid = json_object_get(s, "sid");
		secret_wipe((void *)json_string_value(sid), json_string_length(sid));
	}
	json_decref(root);
	return PH_PARSE_OK;
}
