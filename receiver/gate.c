/* gate.c: per (playbook, fingerprint) dedupe, cooldown, attempt window and give-up state (time passed in) */
#include "receiver/gate.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"

struct gate_key {
	struct gate_key *next;
	char *playbook;
	char fingerprint[17];
	char last_starts_at[40];       /* of the last firing run */
	char resolved_starts_at[40];   /* of the last resolved run */
	double last_run_at;            /* when the last firing run was decided */
	double last_seen;              /* for pruning */
	double *attempts;              /* decision times of firing runs, oldest first */
	size_t nattempts;
	size_t aattempts;
	int active;
	bool escalated;
};

struct gate {
	pthread_mutex_t lock;
	struct gate_key **buckets;
	size_t nbuckets;
	size_t n;
};

const char *gate_decision_name(enum gate_decision d)
{
	static const char *const names[] = { "run", "duplicate", "cooldown", "gave_up", "paused", "disabled" };
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
	free(k->playbook);
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
	k->playbook = xstrdup(playbook);
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
	}
	/* the exhaustion that was escalated is over once an attempt slot frees up */
	if (k->escalated && drop)
		k->escalated = false;
}

static void gate_add_attempt(struct gate_key *k, double t)
{
	XGROW(k->attempts, k->nattempts + 1, k->aattempts);
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
	if (!firing) {
		if (strcmp(k->resolved_starts_at, starts_at) == 0) {
			out->decision = GATE_DUPLICATE;
		} else {
			snprintf(k->resolved_starts_at, sizeof(k->resolved_starts_at), "%s", starts_at);
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
	if (ran_before && strcmp(k->last_starts_at, starts_at) == 0 && (pol->cooldown <= 0 || in_cooldown)) {
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
	gate_add_attempt(k, now);
	snprintf(k->last_starts_at, sizeof(k->last_starts_at), "%s", starts_at);
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
		snprintf(k->last_starts_at, sizeof(k->last_starts_at), "%s", starts_at);
		k->last_run_at = created_at;
		k->escalated = false;
	} else {
		snprintf(k->resolved_starts_at, sizeof(k->resolved_starts_at), "%s", starts_at);
	}
	if (active)
		k->active++;
	pthread_mutex_unlock(&g->lock);
}

size_t gate_prune(struct gate *g, double horizon)
{
	size_t n = 0;
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < g->nbuckets; i++) {
		struct gate_key **pp = &g->buckets[i];
		while (*pp) {
			struct gate_key *k = *pp;
			if (k->active == 0 && k->last_seen < horizon) {
				*pp = k->next;
				gate_key_free(k);
				g->n--;
				n++;
			} else {
				pp = &k->next;
			}
		}
	}
	pthread_mutex_unlock(&g->lock);
	return n;
}

size_t gate_list(struct gate *g, double now,
		 const struct gate_policy *(*policy_of)(void *arg, const char *playbook), void *arg,
		 struct gate_entry **out, size_t max)
{
	struct gate_entry *v = NULL;
	size_t n = 0, alloc = 0;

	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < g->nbuckets && n < max; i++) {
		for (struct gate_key *k = g->buckets[i]; k && n < max; k = k->next) {
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
			XGROW(v, n + 1, alloc);
			memset(&v[n], 0, sizeof(v[n]));
			snprintf(v[n].playbook, sizeof(v[n].playbook), "%s", k->playbook);
			memcpy(v[n].fingerprint, k->fingerprint, sizeof(v[n].fingerprint));
			v[n].active = k->active;
			v[n].attempts = (int)attempts;
			v[n].last_run_at = k->last_run_at;
			v[n].cooldown_until = until;
			v[n].gave_up = k->escalated;
			n++;
		}
	}
	pthread_mutex_unlock(&g->lock);
	*out = v;
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
