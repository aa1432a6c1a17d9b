/* parse_list.c: GET /containers/json?all=1: the IDs (and names, states) of every container */
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "exporters/docker/parse_json.h"

int dk_list_parse(const char *buf, size_t len, struct dk_list *out, struct dk_perr *err)
{
	json_t *root, *item;
	size_t i;

	memset(out, 0, sizeof(*out));
	root = dk_json_load(buf, len, JSON_ARRAY, err);
	if (!root)
		return -1;
	out->items = xcalloc(json_array_size(root) + 1, sizeof(*out->items));
	json_array_foreach(root, i, item) {
		struct dk_list_item *it = &out->items[out->n];
		const char *id = dk_json_str(item, "Id");
		const char *name = json_string_value(json_array_get(json_object_get(item, "Names"), 0));

		if (!id || !*id) {
			dk_perr_set(err, "container list: entry %zu has no Id", i);
			json_decref(root);
			dk_list_release(out);
			return -1;
		}
		it->id = xstrdup(id);
		it->name = xstrdup(name ? (name[0] == '/' ? name + 1 : name) : "");
		it->state = dk_state_from(dk_json_str(item, "State"));
		out->n++;
	}
	json_decref(root);
	return 0;
}

void dk_list_release(struct dk_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].id);
		free(l->items[i].name);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}
