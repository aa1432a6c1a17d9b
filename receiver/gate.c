/* gate.c: per (playbook, fingerprint) dedupe, cooldown, attempt window and give-up state (time passed in) */
#include "receiver/gate.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"

/*
 * One key per (playbook, fingerprint) ever seen within the retention horizon: a burst of 10,000
 * distinct alerts makes 10,000 keys, so a key is kept small (about 140 bytes with its first attempt,
 * it was about 290):
 * the playbook name is interned once per gate, startsAt is kept as a 64-bit hash (it is only
 * ever compared for equality, between deliveries of the same alert), attempts grow one by one.
 */
struct gate_key {
	struct gate_key *next;
	const char *playbook;          /* interned in struct gate */
	char fingerprint[17];
	uint64_t last_starts_at;       /* hash of startsAt of the last firing run (0: none or "") */
	uint64_t resolved_starts_at;   /* hash of startsAt of the last resolved run */
	double last_run_at;            /* when the last firing run was decided */
	double last_seen;              /* for pruning */
	double *attempts;              /* decision times of firing runs, oldest first */
	size_t nattempts;
	int active;
	bool escalated;
};

struct gate {
	pthread_mutex_t lock;
	struct gate_key **buckets;
	size_t nbuckets;
	size_t n;
	char **names;                  /* interned playbook names, freed with the gate */
	size_t nnames;
	size_t anames;
};

const char *gate_decision_name(enum gate_decision d)
{
	static const char *const names[] = { "run", "duplicate", "cooldown", "gave_up", "paused", "disabled", "queue_full" };
	return d < GATE_DECISION_COUNT ? names[d] : "unknown";
}

struct gate *gate_new(void)
{
	struct gate *g = xcalloc(1, sizeof(*g));
	pthread_mutex_init(&g->lock, NULL);
	g->nbuckets = 64;
	g->buckets = xcalloc(g->nbuckets, sizeof(*g->buckets));
	return g;
}

static void gate_key_free(struct gate_key *k)
{
	free(k->attempts);
	free(k);
}

void gate_free(struct gate *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nbuckets; i++) {
		struct gate_key *k = g->buckets[i], *next;
		for (; k; k = next) {
			next = k->next;
			gate_key_free(k);
		}
	}
	free(g->buckets);
	for (size_t i = 0; i < g->nnames; i++)
		free(g->names[i]);
	free(g->names);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static uint64_t gate_hash(const char *playbook, const char *fp)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)playbook; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const unsigned char *p = (const unsigned char *)fp; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

/* FNV-1a of a startsAt key; "" hashes to 0 so that a new key compares equal to "" as before. */
static uint64_t gate_starts_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	if (!*s)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h ? h : 1;
}

/* The gate's own copy of a playbook name (configurations come and go on reload). */
static const char *gate_intern(struct gate *g, const char *name)
{
	for (size_t i = 0; i < g->nnames; i++)
		if (strcmp(g->names[i], name) == 0)
			return g->names[i];
	XGROW(g->names, g->nnames + 1, g->anames);
	g->names[g->nnames] = xstrdup(name);
	return g->names[g->nnames++];
}

static void gate_grow(struct gate *g)
{
	size_t nb = g->nbuckets * 2;
	struct gate_key **b = xcalloc(nb, sizeof(*b));
	for (size_t i = 0; i < g->nbuckets; i++) {
		struct gate_key *k = g->buckets[i], *next;
		for (; k; k = next) {
			next = k->next;
			size_t j = gate_hash(k->playbook, k->fingerprint) & (nb - 1);
			k->next = b[j];
			b[j] = k;
		}
	}
	free(g->buckets);
	g->buckets = b;
	g->nbuckets = nb;
}

static struct gate_key *gate_find(struct gate *g, const char *playbook, const char *fp, bool create)
{
	size_t i = gate_hash(playbook, fp) & (g->nbuckets - 1);
	struct gate_key *k;

	for (k = g->buckets[i]; k; k = k->next)
		if (strcmp(k->fingerprint, fp) == 0 && strcmp(k->playbook, playbook) == 0)
			return k;
	if (!create)
		return NULL;
	k = xcalloc(1, sizeof(*k));
	k->playbook = gate_intern(g, playbook);
	snprintf(k->fingerprint, sizeof(k->fingerprint), "%s", fp);
	k->next = g->buckets[i];
	g->buckets[i] = k;
	if (++g->n > g->nbuckets * 2)
		gate_grow(g);
	return k;
}

/* Drops attempts older than the window. */
static void gate_expire(struct gate_key *k, double now, double window)
{
	size_t drop = 0;
	while (drop < k->nattempts && k->attempts[drop] <= now - window)
		drop++;
	if (drop) {
		memmove(k->attempts, k->attempts + drop, (k->nattempts - drop) * sizeof(*k->attempts));
		k->nattempts -= drop;
		if (k->nattempts == 0) {
			free(k->attempts);
			k->attempts = NULL;
		}
	}
	/* the exhaustion that was escalated is over once an attempt slot frees up */
	if (k->escalated && drop)
		k->escalated = false;
}

static void gate_add_attempt(struct gate_key *k, double t)
{
	/* exact size: most keys only ever see one attempt, and attempts are rare next to alerts */
	k->attempts = xrealloc(k->attempts, (k->nattempts + 1) * sizeof(*k->attempts));
	k->attempts[k->nattempts++] = t;
}

void gate_decide(struct gate *g, const char *playbook, const char *fingerprint, const char *starts_at,
		 bool firing, const struct gate_policy *pol, double now, struct gate_result *out)
{
	struct gate_key *k;

	memset(out, 0, sizeof(*out));
	if (pol->paused) {
		out->decision = GATE_PAUSED;
		return;
	}
	if (!pol->enabled) {
		out->decision = GATE_DISABLED;
		return;
	}
	pthread_mutex_lock(&g->lock);
	k = gate_find(g, playbook, fingerprint, true);
	k->last_seen = now;
	uint64_t sh = gate_starts_hash(starts_at);
	if (!firing) {
		if (k->resolved_starts_at == sh) {
			out->decision = GATE_DUPLICATE;
		} else if (pol->queue_full) {
			out->decision = GATE_QUEUE_FULL;
		} else {
			k->resolved_starts_at = sh;
			k->active++;
			out->decision = GATE_RUN;
		}
		goto out;
	}
	if (k->active > 0) {
		out->decision = GATE_DUPLICATE;
		goto out;
	}
	bool ran_before = k->last_run_at > 0;
	bool in_cooldown = ran_before && pol->cooldown > 0 && now - k->last_run_at < pol->cooldown;
	if (ran_before && k->last_starts_at == sh && (pol->cooldown <= 0 || in_cooldown)) {
		out->decision = GATE_DUPLICATE;
		goto out;
	}
	if (in_cooldown) {
		out->decision = GATE_COOLDOWN;
		out->cooldown_left = pol->cooldown - (now - k->last_run_at);
		goto out;
	}
	gate_expire(k, now, pol->window);
	if (pol->max_attempts > 0 && (long)k->nattempts >= pol->max_attempts) {
		out->decision = GATE_GAVE_UP;
		out->escalate = !k->escalated;
		k->escalated = true;
		goto out;
	}
	if (pol->queue_full) {
		out->decision = GATE_QUEUE_FULL;   /* nothing recorded: a redelivery decides again */
		goto out;
	}
	gate_add_attempt(k, now);
	k->last_starts_at = sh;
	k->last_run_at = now;
	k->active++;
	out->decision = GATE_RUN;
	out->attempt = (int)k->nattempts;
out:
	pthread_mutex_unlock(&g->lock);
}

bool gate_finished(struct gate *g, const char *playbook, const char *fingerprint, bool firing, bool success,
		   const struct gate_policy *pol, double now)
{
	struct gate_key *k;
	bool escalate = false;

	pthread_mutex_lock(&g->lock);
	k = gate_find(g, playbook, fingerprint, false);
	if (!k)
		goto out;
	if (k->active > 0)
		k->active--;
	k->last_seen = now;
	if (firing && !success && pol->max_attempts > 0) {
		gate_expire(k, now, pol->window);
		if ((long)k->nattempts >= pol->max_attempts && !k->escalated) {
			k->escalated = true;
			escalate = true;
		}
	}
out:
	pthread_mutex_unlock(&g->lock);
	return escalate;
}

void gate_manual_start(struct gate *g, const char *playbook, const char *fingerprint)
{
	pthread_mutex_lock(&g->lock);
	gate_find(g, playbook, fingerprint, true)->active++;
	pthread_mutex_unlock(&g->lock);
}

void gate_replay(struct gate *g, const char *playbook, const char *fingerprint, const char *starts_at, bool firing,
		 bool manual, bool gave_up, bool active, double created_at)
{
	struct gate_key *k;

	pthread_mutex_lock(&g->lock);
	k = gate_find(g, playbook, fingerprint, true);
	if (created_at > k->last_seen)
		k->last_seen = created_at;
	if (gave_up) {
		k->escalated = true;
	} else if (manual) {
		/* not an attempt */
	} else if (firing) {
		gate_add_attempt(k, created_at);
		k->last_starts_at = gate_starts_hash(starts_at);
		k->last_run_at = created_at;
		k->escalated = false;
	} else {
		k->resolved_starts_at = gate_starts_hash(starts_at);
	}
	if (active)
		k->active++;
	pthread_mutex_unlock(&g->lock);
}

bool gate_prune_step(struct gate *g, double horizon, size_t *cursor, size_t max_buckets, size_t *pruned)
{
	bool more;
	pthread_mutex_lock(&g->lock);
	size_t i = *cursor, end = i + max_buckets < g->nbuckets ? i + max_buckets : g->nbuckets;
	for (; i < end; i++) {
		struct gate_key **pp = &g->buckets[i];
		while (*pp) {
			struct gate_key *k = *pp;
			if (k->active == 0 && k->last_seen < horizon) {
				*pp = k->next;
				gate_key_free(k);
				g->n--;
				(*pruned)++;
			} else {
				pp = &k->next;
			}
		}
	}
	more = i < g->nbuckets;
	*cursor = more ? i : 0;
	pthread_mutex_unlock(&g->lock);
	return more;
}

size_t gate_prune(struct gate *g, double horizon)
{
	size_t cursor = 0, n = 0;
	while (gate_prune_step(g, horizon, &cursor, GATE_STEP_BUCKETS, &n))
		;
	return n;
}

bool gate_list_step(struct gate *g, double now, const struct gate_policy *(*policy_of)(void *arg, const char *playbook),
		    void *arg, struct gate_entry **out, size_t *n, size_t *alloc, size_t max, size_t *cursor,
		    size_t max_buckets)
{
	bool more;
	pthread_mutex_lock(&g->lock);
	size_t i = *cursor, end = i + max_buckets < g->nbuckets ? i + max_buckets : g->nbuckets;
	for (; i < end && *n < max; i++) {
		for (struct gate_key *k = g->buckets[i]; k && *n < max; k = k->next) {
			const struct gate_policy *pol = policy_of(arg, k->playbook);
			size_t attempts = 0;
			double until = 0;
			if (!pol)
				continue;
			for (size_t j = 0; j < k->nattempts; j++)
				attempts += k->attempts[j] > now - pol->window;
			if (pol->cooldown > 0 && k->last_run_at > 0 && now - k->last_run_at < pol->cooldown)
				until = k->last_run_at + pol->cooldown;
			if (!k->active && !until && !k->escalated)
				continue;
			XGROW(*out, *n + 1, *alloc);
			struct gate_entry *v = &(*out)[*n];
			memset(v, 0, sizeof(*v));
			snprintf(v->playbook, sizeof(v->playbook), "%s", k->playbook);
			memcpy(v->fingerprint, k->fingerprint, sizeof(v->fingerprint));
			v->active = k->active;
			v->attempts = (int)attempts;
			v->last_run_at = k->last_run_at;
			v->cooldown_until = until;
			v->gave_up = k->escalated;
			(*n)++;
		}
	}
	more = i < g->nbuckets && *n < max;
	*cursor = more ? i : 0;
	pthread_mutex_unlock(&g->lock);
	return more;
}

size_t gate_list(struct gate *g, double now,
		 const struct gate_policy *(*policy_of)(void *arg, const char *playbook), void *arg,
		 struct gate_entry **out, size_t max)
{
	size_t n = 0, alloc = 0, cursor = 0;
	*out = NULL;
	while (gate_list_step(g, now, policy_of, arg, out, &n, &alloc, max, &cursor, GATE_STEP_BUCKETS))
		;
	return n;
}

size_t gate_size(struct gate *g)
{
	size_t n;
	pthread_mutex_lock(&g->lock);
	n = g->n;
	pthread_mutex_unlock(&g->lock);
	return n;
}
