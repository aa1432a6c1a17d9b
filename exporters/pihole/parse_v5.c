/* parse_v5.c: pure parsers of Pi-hole v5 admin/api.php answers (summaryRaw, name/number lists, versions) */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "exporters/pihole/parse.h"
#include "exporters/pihole/parse_json.h"

/* PHP's json_encode of an empty array: v5 answers [] to a request without a valid token. */
static bool ph_v5_empty_list(const json_t *root)
{
	return json_is_array(root) && json_array_size(root) == 0;
}

int ph_v5_summary_parse(const char *buf, size_t len, struct ph_summary *out, char **err)
{
	json_t *root = ph_json_load(buf, len, err);
	const char *key;
	json_t *v;

	ph_summary_init(out);
	if (!root)
		return PH_PARSE_ERROR;
	if (ph_v5_empty_list(root)) {
		json_decref(root);
		if (err)
			*err = xstrdup("empty answer: the API token was refused");
		return PH_PARSE_UNAUTHORIZED;
	}
	if (!json_is_object(root) || !json_object_get(root, "dns_queries_today")) {
		json_decref(root);
		return ph_json_fail(err, "no \"dns_queries_today\"");
	}
	out->gravity_domains = ph_json_num_at(root, "domains_being_blocked");
	out->queries_total = ph_json_num_at(root, "dns_queries_today");
	out->queries_blocked = ph_json_num_at(root, "ads_blocked_today");
	out->percent_blocked = ph_json_num_at(root, "ads_percentage_today");
	out->unique_domains = ph_json_num_at(root, "unique_domains");
	out->queries_forwarded = ph_json_num_at(root, "queries_forwarded");
	out->queries_cached = ph_json_num_at(root, "queries_cached");
	out->clients_total = ph_json_num_at(root, "clients_ever_seen");
	out->clients_active = ph_json_num_at(root, "unique_clients");
	out->status = ph_blocking_from(ph_json_str_at(root, "status"));
	out->gravity_last_update = ph_json_num_at(json_object_get(root, "gravity_last_updated"), "absolute");
	json_object_foreach(root, key, v) {
		double d;
		if (strncmp(key, "reply_", 6) != 0 || !key[6])
			continue;
		d = ph_json_num(v);
		if (!isnan(d))
			ph_named_add(&out->replies, key + 6, strlen(key + 6), d);
	}
	json_decref(root);
	return PH_PARSE_OK;
}

int ph_v5_pairs_parse(const char *buf, size_t len, const char *key, struct ph_named_list *out, char **err)
{
	json_t *root = ph_json_load(buf, len, err);
	const json_t *obj;
	const char *name;
	json_t *v;

	memset(out, 0, sizeof(*out));
	if (!root)
		return PH_PARSE_ERROR;
	if (ph_v5_empty_list(root)) {
		json_decref(root);
		if (err)
			*err = xstrdup("empty answer: the API token was refused");
		return PH_PARSE_UNAUTHORIZED;
	}
	obj = json_is_object(root) ? json_object_get(root, key) : NULL;
	if (ph_v5_empty_list(obj)) {
		json_decref(root);
		return PH_PARSE_OK;
	}
	if (!json_is_object(obj)) {
		json_decref(root);
		if (err)
			*err = xasprintf("no \"%s\" object", key);
		return PH_PARSE_ERROR;
	}
	json_object_foreach((json_t *)obj, name, v) {
		double d = ph_json_num(v);
		if (!isnan(d))
			ph_named_add(out, name, strlen(name), d);
	}
	json_decref(root);
	return PH_PARSE_OK;
}

static char *ph_v5_dup_nonempty(const json_t *obj, const char *key)
{
	const char *s = ph_json_str_at(obj, key);
	return s && *s ? xstrdup(s) : NULL;
}

int ph_v5_versions_parse(const char *buf, size_t len, struct ph_version *out, char **err)
{
	json_t *root = ph_json_load(buf, len, err);

	memset(out, 0, sizeof(*out));
	if (!root)
		return PH_PARSE_ERROR;
	if (!json_is_object(root) || !ph_json_str_at(root, "core_current")) {
		json_decref(root);
		return ph_json_fail(err, "no \"core_current\"");
	}
	out->core = ph_v5_dup_nonempty(root, "core_current");
	out->web = ph_v5_dup_nonempty(root, "web_current");
	out->ftl = ph_v5_dup_nonempty(root, "FTL_current");
	json_decref(root);
	return PH_PARSE_OK;
}
