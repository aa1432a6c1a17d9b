/* alert_view.c: identifying labels, annotations and safe runbook links from a stored alert's JSON */
#include "receiver/alert_view.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/chars.h"
#include "common/xalloc.h"

/* Copies the string members of obj into set, sorted by name. Returns -1 when a member is not a
 * string and strict is set. */
static int set_from_object(json_t *obj, struct wh_set *set, bool strict)
{
	const char *k;
	json_t *v;
	size_t n = json_object_size(obj), i = 0;

	set->items = n ? xcalloc(n, sizeof(*set->items)) : NULL;
	set->n = 0;
	json_object_foreach(obj, k, v) {
		if (!json_is_string(v)) {
			if (strict)
				return -1;
			continue;
		}
		set->items[i].name = xstrdup(k);
		set->items[i].value = xstrdup(json_string_value(v));
		set->n = ++i;
	}
	wh_set_sort(set);
	return 0;
}

int alert_view_parse(const char *json, struct alert_view *out)
{
	json_t *root = NULL, *labels, *ann;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->alertname = "";
	if (!json || !(root = json_loads(json, JSON_REJECT_DUPLICATES, NULL)) || !json_is_object(root))
		goto out;
	labels = json_object_get(root, "labels");
	if (!json_is_object(labels) || set_from_object(labels, &out->labels, true) != 0)
		goto out;
	ann = json_object_get(root, "annotations");
	if (json_is_object(ann))
		set_from_object(ann, &out->annotations, false);
	const char *name = wh_set_get(&out->labels, "alertname");
	out->alertname = name ? name : "";
	out->summary = wh_set_get(&out->annotations, "summary");
	out->description = wh_set_get(&out->annotations, "description");
	out->runbook_url = wh_set_get(&out->annotations, "runbook_url");
	ret = 0;
out:
	if (ret != 0) {
		alert_view_release(out);
		out->alertname = "";
	}
	json_decref(root);
	return ret;
}

void alert_view_release(struct alert_view *v)
{
	wh_set_release(&v->labels);
	wh_set_release(&v->annotations);
	v->summary = v->description = v->runbook_url = NULL;
	v->alertname = "";
}

static const char *const ident_first[] = { "instance", "name", "mountpoint", "device", "hostname" };
static const char *const ident_never[] = { "alertname", "severity", "job" };

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

size_t alert_view_ident(const struct alert_view *v, size_t *idx, size_t max)
{
	size_t n = 0;
	const size_t nfirst = sizeof(ident_first) / sizeof(ident_first[0]);
	const size_t nnever = sizeof(ident_never) / sizeof(ident_never[0]);

	for (size_t f = 0; f < nfirst && n < max; f++)
		for (size_t i = 0; i < v->labels.n; i++)
			if (strcmp(v->labels.items[i].name, ident_first[f]) == 0) {
				idx[n++] = i;
				break;
			}
	for (size_t i = 0; i < v->labels.n && n < max; i++) {
		const char *name = v->labels.items[i].name;
		if (!in_list(name, ident_first, nfirst) && !in_list(name, ident_never, nnever))
			idx[n++] = i;
	}
	return n;
}

/* Appends at most room bytes of s, never cutting a UTF-8 sequence; returns bytes appended. */
static size_t add_cut(struct strbuf *out, const char *s, size_t room, bool *cut)
{
	size_t len = strlen(s);
	if (len <= room) {
		strbuf_add(out, s, len);
		return len;
	}
	size_t n = utf8_floor(s, len, room);
	strbuf_add(out, s, n);
	*cut = true;
	return n;
}

void alert_view_ident_text(const struct alert_view *v, size_t width, struct strbuf *out)
{
	size_t idx[64], n = alert_view_ident(v, idx, 64), used = 0;
	bool cut = false;

	for (size_t k = 0; k < n && !cut; k++) {
		const struct wh_pair *p = &v->labels.items[idx[k]];
		if (k) {
			if (used + 2 > width) {
				cut = true;
				break;
			}
			strbuf_addstr(out, ", ");
			used += 2;
		}
		used += add_cut(out, p->name, width - used, &cut);
		if (cut || used + 1 > width) {
			cut = true;
			break;
		}
		strbuf_addch(out, '=');
		used++;
		used += add_cut(out, p->value, width - used, &cut);
	}
	if (cut)
		strbuf_addstr(out, "\xE2\x80\xA6");
}

bool alert_view_link_ok(const char *url)
{
	const char *rest;

	if (!url)
		return false;
	if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else
		return false;
	if (!*rest || *rest == '/' || *rest == '?' || *rest == '#')
		return false;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}
