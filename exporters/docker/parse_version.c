/* parse_version.c: GET /version: engine version and the API versions it speaks */
#include <stdlib.h>
#include <string.h>
#include "exporters/docker/parse_json.h"

int dk_version_parse(const char *buf, size_t len, struct dk_version *out, struct dk_perr *err)
{
	json_t *root;

	memset(out, 0, sizeof(*out));
	root = dk_json_load(buf, len, JSON_OBJECT, err);
	if (!root)
		return -1;
	out->version = dk_json_strdup(root, "Version");
	out->api_version = dk_json_strdup(root, "ApiVersion");
	out->min_api_version = dk_json_strdup(root, "MinAPIVersion");
	json_decref(root);
	if (!out->version || dk_api_version_num(out->api_version) < 0) {
		dk_perr_set(err, "version: no Version or ApiVersion");
		dk_version_release(out);
		return -1;
	}
	return 0;
}

void dk_version_release(struct dk_version *v)
{
	free(v->version);
	free(v->api_version);
	free(v->min_api_version);
	memset(v, 0, sizeof(*v));
}
