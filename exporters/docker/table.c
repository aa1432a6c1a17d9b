/* table.c: the container table: events and inspects applied in order, restart and OOM counting, removal */
#include "exporters/docker/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"

#define DK_GONE_N (sizeof(((struct dk_table *)0)->gone_id) / sizeof(char *))

struct dk_table *dk_table_new(void)
{
	return xcalloc(1, sizeof(struct dk_table));
}

static void entry_free_attrs(struct dk_entry *e)
{
	for (size_t i = 0; i < e->nmounts; i++) {
		free(e->mounts[i].source);
		free(e->mounts[i].destination);
	}
	free(e->mounts);
	e->mounts = NULL;
	e->nmounts = 0;
	for (size_t i = 0; i < e->nlabels; i++) {
		free(e->labels[i].key);
		free(e->labels[i].value);
	}
	free(e->labels);
	e->labels = NULL;
	e->nlabels = 0;
}

static void entry_free(struct dk_entry *e)
{
	if (!e)
		return;
	free(e->id);
	free(e->name);
	free(e->image);
	free(e->restart_policy);
	entry_free_attrs(e);
	free(e);
}

void dk_table_free(struct dk_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		entry_free(t->v[i]);
	free(t->v);
	for (size_t i = 0; i < DK_GONE_N; i++)
		free(t->gone_id[i]);
	free(t);
}

static size_t table_index(const struct dk_table *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i]->id, id) == 0)
			return i;
	return (size_t)-1;
}

struct dk_entry *dk_table_find(const struct dk_table *t, const char *id)
{
	size_t i = id ? table_index(t, id) : (size_t)-1;
	return i == (size_t)-1 ? NULL : t->v[i];
}

static struct dk_entry *table_add(struct dk_table *t, const char *id)
{
	struct dk_entry *e = xcalloc(1, sizeof(*e));

	e->id = xstrdup(id);
	e->name = xstrdup("");
	e->image = xstrdup("");
	e->restart_policy = xstrdup("");
	e->state = DK_STATE_UNKNOWN;
	e->health = DK_HEALTH_NONE;
	e->failing_streak = -1;
	e->restart_count = -1;
	e->started_at = e->finished_at = NAN;
	XGROW(t->v, t->n + 1, t->alloc);
	t->v[t->n++] = e;
	return e;
}

static void table_drop_at(struct dk_table *t, size_t i)
{
	entry_free(t->v[i]);
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(*t->v));
	t->n--;
}

static void table_note_gone(struct dk_table *t, const char *id)
{
	size_t k = t->gone_next++ % DK_GONE_N;
	free(t->gone_id[k]);
	t->gone_id[k] = xstrdup(id);
	t->gone_seq[k] = t->seq;
}

static bool table_gone_after(const struct dk_table *t, const char *id, unsigned long seq)
{
	for (size_t k = 0; k < DK_GONE_N; k++)
		if (t->gone_id[k] && t->gone_seq[k] > seq && strcmp(t->gone_id[k], id) == 0)
			return true;
	return false;
}

static void entry_set_str(char **dst, const char *s)
{
	if (!s || strcmp(*dst, s) == 0)
		return;
	free(*dst);
	*dst = xstrdup(s);
}

bool dk_table_apply_event(struct dk_table *t, const struct dk_event *ev)
{
	struct dk_entry *e;
	const char *a = ev->action;
	bool inspect = false;

	if (!ev->type || strcmp(ev->type, "container") != 0 || !ev->id || !*ev->id || !a)
		return false;
	t->seq++;
	e = dk_table_find(t, ev->id);
	if (strcmp(a, "destroy") == 0) {
		size_t i = table_index(t, ev->id);
		if (i != (size_t)-1)
			table_drop_at(t, i);
		table_note_gone(t, ev->id);
		return false;
	}
	if (!e) {
		e = table_add(t, ev->id);
		inspect = true;
	}
	e->event_seq = t->seq;
	if (ev->name)
		entry_set_str(&e->name, ev->name);
	if (ev->image && !e->inspected)
		entry_set_str(&e->image, ev->image);   /* until an inspect gives Config.Image */
	if (strcmp(a, "create") == 0) {
		e->state = DK_STATE_CREATED;
		e->restart_count = 0;   /* a new container: its RestartCount rises are counted from 0 */
		inspect = true;
	} else if (strcmp(a, "start") == 0) {
		if (e->died) {
			e->restarts_events++;
			if (e->restarts_events > e->restarts_total)
				e->restarts_total = e->restarts_events;
		}
		e->starts_since_inspect++;
		e->died = false;
		e->state = DK_STATE_RUNNING;
		e->oom_killed = false;
		inspect = true;
	} else if (strcmp(a, "die") == 0) {
		e->died = true;
		e->state = DK_STATE_EXITED;
		if (ev->has_exit_code) {
			e->has_exit_code = true;
			e->exit_code = ev->exit_code;
		}
		if (!isnan(ev->time))
			e->finished_at = ev->time;
		inspect = true;
	} else if (strcmp(a, "oom") == 0) {
		e->ooms_total++;
		e->ooms_since_inspect++;
		e->oom_killed = true;
	} else if (strcmp(a, "pause") == 0) {
		e->state = DK_STATE_PAUSED;
	} else if (strcmp(a, "unpause") == 0) {
		e->state = DK_STATE_RUNNING;
	} else if (strcmp(a, "health_status") == 0) {
		if (ev->health != DK_HEALTH_UNKNOWN)
			e->health = ev->health;
		inspect = true;
	} else if (strcmp(a, "rename") == 0) {
		inspect = true;
	} else if (strcmp(a, "exec_die") == 0) {
		/* a health probe ended: the failing streak may have moved without a health_status */
		if (e->health != DK_HEALTH_NONE)
			inspect = true;
	}
	if (inspect)
		e->dirty = true;
	return inspect;
}

bool dk_table_apply_inspect(struct dk_table *t, struct dk_inspect *in, unsigned long asked_seq)
{
	struct dk_entry *e = dk_table_find(t, in->id);

	if (e && e->event_seq > asked_seq)
		goto stale;
	if (!e && table_gone_after(t, in->id, asked_seq))
		goto stale;
	if (!e)
		e = table_add(t, in->id);

	/* Docker raises RestartCount before its die event, and a restart cancelled by a stop still
	 * counts there; a manual start resets it to 0 (not a rise) */
	if (e->restart_count >= 0 && in->restart_count > e->restart_count) {
		e->restarts_rc += (double)(in->restart_count - e->restart_count);
		if (e->restarts_rc > e->restarts_total)
			e->restarts_total = e->restarts_rc;
	}
	/* A start newer than the one known, with no start event since the last inspect: the engine
	 * answered after restarting the container but before its start event reached us (or the
	 * event was missed). Counted now; died is cleared below, so the late event counts nothing. */
	if (e->inspected && e->starts_since_inspect == 0 && !isnan(e->started_at) && !isnan(in->started_at) &&
	    in->started_at > e->started_at) {
		e->restarts_events++;
		if (e->restarts_events > e->restarts_total)
			e->restarts_total = e->restarts_events;
	}
	e->starts_since_inspect = 0;
	if (e->inspected && in->oom_killed && !e->oom_killed && e->ooms_since_inspect == 0)
		e->ooms_total++;
	e->ooms_since_inspect = 0;

	free(e->name);
	e->name = in->name;
	in->name = NULL;
	free(e->image);
	e->image = in->image;
	in->image = NULL;
	free(e->restart_policy);
	e->restart_policy = in->restart_policy;
	in->restart_policy = NULL;
	entry_free_attrs(e);
	e->mounts = in->mounts;
	e->nmounts = in->nmounts;
	e->labels = in->labels;
	e->nlabels = in->nlabels;
	in->mounts = NULL;
	in->labels = NULL;
	in->nmounts = in->nlabels = 0;

	e->state = in->state;
	e->health = in->health;
	e->failing_streak = in->failing_streak;
	e->restart_count = in->restart_count;
	e->oom_killed = in->oom_killed;
	e->has_exit_code = true;
	e->exit_code = in->exit_code;
	e->started_at = in->started_at;
	e->finished_at = in->finished_at;
	e->died = in->state == DK_STATE_EXITED || in->state == DK_STATE_DEAD || in->state == DK_STATE_RESTARTING;
	e->inspected = true;
	e->dirty = false;
	e->seen = true;
	dk_inspect_release(in);
	return true;
stale:
	if (e)
		e->dirty = true;
	dk_inspect_release(in);
	return false;
}

void dk_table_remove(struct dk_table *t, const char *id)
{
	size_t i = table_index(t, id);

	if (i != (size_t)-1)
		table_drop_at(t, i);
}

void dk_table_unmark(struct dk_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->v[i]->seen = false;
}

void dk_table_mark_seen(struct dk_table *t, const char *id)
{
	struct dk_entry *e = dk_table_find(t, id);
	if (e)
		e->seen = true;
}

size_t dk_table_sweep(struct dk_table *t, unsigned long asked_seq)
{
	size_t dropped = 0;

	for (size_t i = 0; i < t->n;) {
		if (!t->v[i]->seen && t->v[i]->event_seq <= asked_seq) {
			table_drop_at(t, i);
			dropped++;
		} else {
			i++;
		}
	}
	return dropped;
}
