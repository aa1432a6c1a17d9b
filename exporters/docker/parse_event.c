/* parse_event.c: one line of GET /events, read on Type, Action and Actor only */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "exporters/docker/parse_json.h"

bool dk_action_label_ok(const char *action)
{
	size_t n = 0;

	if (!action)
		return false;
	for (const char *p = action; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_') || n >= 32)
			return false;
	return n > 0;
}

/* "exitCode" is a string in every engine ("3"); accept a number too. */
static bool event_exit_code(const json_t *attrs, long *out)
{
	const char *s = dk_json_str(attrs, "exitCode");
	char *end;
	long v;

	if (!s)
		return dk_json_long(attrs, "exitCode", out);
	if (!*s)
		return false;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < -2147483647 || v > 2147483647)
		return false;
	*out = v;
	return true;
}

int dk_event_parse(const char *buf, size_t len, struct dk_event *out, struct dk_perr *err)
{
	json_t *root, *actor, *attrs;
	const char *type, *action, *colon;
	json_int_t tn;

	memset(out, 0, sizeof(*out));
	out->health = DK_HEALTH_UNKNOWN;
	out->time = NAN;
	root = dk_json_load(buf, len, JSON_OBJECT, err);
	if (!root)
		return -1;
	type = dk_json_str(root, "Type");
	action = dk_json_str(root, "Action");
	if (!type || !action || !*action) {
		dk_perr_set(err, "event: no Type or Action");
		json_decref(root);
		return -1;
	}
	out->type = xstrdup(type);
	colon = strchr(action, ':');
	if (colon) {
		const char *d = colon + 1;
		while (*d == ' ')
			d++;
		out->action = xstrndup(action, (size_t)(colon - action));
		out->detail = xstrdup(d);
	} else {
		out->action = xstrdup(action);
	}
	actor = json_object_get(root, "Actor");
	attrs = json_object_get(actor, "Attributes");
	out->id = dk_json_strdup(actor, "ID");
	out->name = dk_json_strdup(attrs, "name");
	out->image = dk_json_strdup(attrs, "image");
	out->has_exit_code = event_exit_code(attrs, &out->exit_code);
	if (strcmp(out->action, "health_status") == 0) {
		out->health = dk_health_from(out->detail);
		if (out->health == DK_HEALTH_UNKNOWN)  /* Podman: Action "health_status", value in the attributes */
			out->health = dk_health_from(dk_json_str(attrs, "health_status"));
	}
	tn = json_integer_value(json_object_get(root, "timeNano"));
	if (tn > 0)
		out->time = (double)tn / 1e9;
	else if (json_is_integer(json_object_get(root, "time")))
		out->time = (double)json_integer_value(json_object_get(root, "time"));
	json_decref(root);
	return 0;
}

void dk_event_release(struct dk_event *ev)
{
	free(ev->type);
	free(ev->action);
	free(ev->detail);
	free(ev->id);
	free(ev->name);
	free(ev->image);
	memset(ev, 0, sizeof(*ev));
}
