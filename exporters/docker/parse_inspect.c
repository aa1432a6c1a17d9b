/* parse_inspect.c: GET /containers/{id}/json: state, health, restarts, OOM, times, bind mounts, chosen labels */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "exporters/docker/parse_json.h"

static void inspect_mounts(const json_t *mounts, struct dk_inspect *out)
{
	const json_t *m;
	size_t i;

	if (!json_is_array(mounts) || json_array_size(mounts) == 0)
		return;
	out->mounts = xcalloc(json_array_size(mounts), sizeof(*out->mounts));
	json_array_foreach(mounts, i, m) {
		const char *type = dk_json_str(m, "Type");
		const char *src = dk_json_str(m, "Source");
		const char *dst = dk_json_str(m, "Destination");
		const json_t *rw = json_object_get(m, "RW");

		/* before API 1.25 Mounts had no Type: a volume then has a Name and a Driver */
		bool bind = type ? strcmp(type, "bind") == 0
				 : !dk_json_str(m, "Name") && !dk_json_str(m, "Driver");
		if (!bind || !src || !dst)
			continue;
		out->mounts[out->nmounts].source = xstrdup(src);
		out->mounts[out->nmounts].destination = xstrdup(dst);
		out->mounts[out->nmounts].rw = json_is_boolean(rw) ? json_is_true(rw) : true;
		out->nmounts++;
	}
}

static void inspect_labels(const json_t *labels, const char *const *keep, size_t nkeep, struct dk_inspect *out)
{
	if (!json_is_object(labels) || nkeep == 0)
		return;
	out->labels = xcalloc(nkeep, sizeof(*out->labels));
	for (size_t i = 0; i < nkeep; i++) {
		const char *v = dk_json_str(labels, keep[i]);
		if (!v)
			continue;
		out->labels[out->nlabels].key = xstrdup(keep[i]);
		out->labels[out->nlabels].value = xstrdup(v);
		out->nlabels++;
	}
}

int dk_inspect_parse(const char *buf, size_t len, const char *const *keep, size_t nkeep,
		     struct dk_inspect *out, struct dk_perr *err)
{
	json_t *root, *state, *health, *config;
	const char *id, *name, *image;

	memset(out, 0, sizeof(*out));
	out->state = DK_STATE_UNKNOWN;
	out->health = DK_HEALTH_NONE;
	out->failing_streak = -1;
	out->restart_count = -1;
	out->started_at = out->finished_at = NAN;
	root = dk_json_load(buf, len, JSON_OBJECT, err);
	if (!root)
		return -1;
	id = dk_json_str(root, "Id");
	state = json_object_get(root, "State");
	if (!id || !*id || !json_is_object(state)) {
		dk_perr_set(err, "inspect: no Id or State");
		json_decref(root);
		return -1;
	}
	out->id = xstrdup(id);
	name = dk_json_str(root, "Name");
	out->name = xstrdup(name ? (name[0] == '/' ? name + 1 : name) : "");
	config = json_object_get(root, "Config");
	image = dk_json_str(config, "Image");
	if (!image)
		image = dk_json_str(root, "Image");
	out->image = xstrdup(image ? image : "");
	{
		const char *rp = dk_json_str(json_object_get(json_object_get(root, "HostConfig"), "RestartPolicy"), "Name");
		out->restart_policy = xstrdup(rp && *rp ? rp : (rp ? "no" : ""));  /* Docker writes "" for "no" at times */
	}

	out->state = dk_state_from(dk_json_str(state, "Status"));
	if (out->state == DK_STATE_UNKNOWN) {
		/* API < 1.21 had no Status: derive it from the booleans */
		if (json_is_true(json_object_get(state, "Dead")))
			out->state = DK_STATE_DEAD;
		else if (json_is_true(json_object_get(state, "Paused")))
			out->state = DK_STATE_PAUSED;
		else if (json_is_true(json_object_get(state, "Restarting")))
			out->state = DK_STATE_RESTARTING;
		else if (json_is_true(json_object_get(state, "Running")))
			out->state = DK_STATE_RUNNING;
		else if (json_is_boolean(json_object_get(state, "Running")))
			out->state = DK_STATE_EXITED;
	}
	health = json_object_get(state, "Health");
	if (json_is_object(health)) {
		out->health = dk_health_from(dk_json_str(health, "Status"));
		if (out->health == DK_HEALTH_UNKNOWN)
			out->health = DK_HEALTH_NONE;
		if (out->health != DK_HEALTH_NONE && !dk_json_long(health, "FailingStreak", &out->failing_streak))
			out->failing_streak = 0;
	}
	out->oom_killed = json_is_true(json_object_get(state, "OOMKilled"));
	if (!dk_json_long(state, "ExitCode", &out->exit_code))
		out->exit_code = 0;
	out->started_at = dk_time_parse(dk_json_str(state, "StartedAt"));
	out->finished_at = dk_time_parse(dk_json_str(state, "FinishedAt"));
	if (!dk_json_long(root, "RestartCount", &out->restart_count) || out->restart_count < 0)
		out->restart_count = -1;
	inspect_mounts(json_object_get(root, "Mounts"), out);
	inspect_labels(json_object_get(config, "Labels"), keep, nkeep, out);
	json_decref(root);
	return 0;
}

void dk_inspect_release(struct dk_inspect *in)
{
	free(in->id);
	free(in->name);
	free(in->image);
	free(in->restart_policy);
	for (size_t i = 0; i < in->nmounts; i++) {
		free(in->mounts[i].source);
		free(in->mounts[i].destination);
	}
	free(in->mounts);
	for (size_t i = 0; i < in->nlabels; i++) {
		free(in->labels[i].key);
		free(in->labels[i].value);
	}
	free(in->labels);
	memset(in, 0, sizeof(*in));
}
