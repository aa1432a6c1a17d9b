/* gate.h: whether a routed alert may run its playbook: dedupe, cooldown, attempts within a window, give-up */
#ifndef HOMEOPS_RECEIVER_GATE_H
#define HOMEOPS_RECEIVER_GATE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * State is kept per (playbook, alert fingerprint): two containers failing at once are two
 * repairs. Time is passed in (no clock reads), so every rule is unit-tested. All functions are
 * thread-safe (one internal mutex): the engine decides, the status page lists.
 *
 * Firing alert, in order:
 *   paused / playbook disabled                 -> PAUSED / DISABLED (stored, nothing runs)
 *   a run of this key is queued or running     -> DUPLICATE
 *   same startsAt as the last run, and no cooldown configured or it has not passed
 *                                              -> DUPLICATE (Alertmanager re-sends, HA pairs)
 *   other startsAt, cooldown not passed        -> COOLDOWN
 *   max_attempts runs within window already    -> GAVE_UP (escalate = true the first time)
 *   the run queue is full (policy.queue_full)  -> QUEUE_FULL (nothing recorded: decided again on redelivery)
 *   otherwise                                  -> RUN (attempt = runs within window, this one included)
 * Resolved alert (on a route that acts on resolved): once per (key, startsAt) -> RUN (or QUEUE_FULL),
 * else DUPLICATE;
 * resolved runs are not attempts and have no cooldown.
 */
enum gate_decision {
	GATE_RUN = 0,
	GATE_DUPLICATE,
	GATE_COOLDOWN,
	GATE_GAVE_UP,
	GATE_PAUSED,
	GATE_DISABLED,
	GATE_QUEUE_FULL,
	GATE_DECISION_COUNT,
};

const char *gate_decision_name(enum gate_decision d);   /* "run", "duplicate", "cooldown", "gave_up", "queue_full", ... */

struct gate_policy {
	double cooldown;        /* seconds; 0 = once per startsAt */
	double window;          /* seconds */
	long max_attempts;      /* 0 = unlimited */
	bool enabled;
	bool paused;            /* global pause */
	bool queue_full;        /* no room for another run: what would RUN is QUEUE_FULL */
};

struct gate_result {
	enum gate_decision decision;
	int attempt;            /* with RUN for a firing alert: 1..max_attempts */
	bool escalate;          /* with GAVE_UP: first give-up of this exhaustion, notify the operator */
	double cooldown_left;   /* with COOLDOWN: seconds */
};

struct gate;

struct gate *gate_new(void);
void gate_free(struct gate *g);

/*
 * Decides for one (playbook, fingerprint, startsAt, firing?) at now, and records a RUN (the key
 * becomes active until gate_finished()).
 */
void gate_decide(struct gate *g, const char *playbook, const char *fingerprint, const char *starts_at,
		 bool firing, const struct gate_policy *pol, double now, struct gate_result *out);

/*
 * A run of the key ended. Returns true when the operator must be told the receiver gives up now:
 * the run failed, it was the last attempt allowed within the window, and no escalation was sent yet.
 */
bool gate_finished(struct gate *g, const char *playbook, const char *fingerprint, bool firing, bool success,
		   const struct gate_policy *pol, double now);

/* A manual (operator) run: active while it runs, not an attempt. */
void gate_manual_start(struct gate *g, const char *playbook, const char *fingerprint);

/*
 * Rebuilds state from a stored run at startup (oldest first): firing alert runs are attempts at
 * created_at; active when still queued; gave_up rows set the escalated flag.
 */
void gate_replay(struct gate *g, const char *playbook, const char *fingerprint, const char *starts_at, bool firing,
		 bool manual, bool gave_up, bool active, double created_at);

/* Forgets keys idle since before horizon (Unix seconds) with nothing active. Returns how many. */
size_t gate_prune(struct gate *g, double horizon);

/*
 * Scans that touch every key (a gate may hold a million after a large burst) are done in steps of
 * GATE_STEP_BUCKETS hash buckets, the lock released in between, so that gate_decide() in the
 * store's writer never waits for a whole scan (a full prune of a million keys held it ~0.5 s).
 * Start with *cursor = 0; a step returns true while more remains.
 */
#define GATE_STEP_BUCKETS 4096
bool gate_prune_step(struct gate *g, double horizon, size_t *cursor, size_t max_buckets, size_t *pruned);

/* One key's state for the status page. */
struct gate_entry {
	char playbook[130];
	char fingerprint[17];
	int active;
	int attempts;           /* within window at now */
	double last_run_at;
	double cooldown_until;  /* 0 when none */
	bool gave_up;
};

/*
 * Copies the keys that are interesting now (active, in cooldown, or given up) into a new array
 * (caller frees), at most max. policy_of gives a playbook's policy (NULL when unknown: skipped).
 */
size_t gate_list(struct gate *g, double now,
		 const struct gate_policy *(*policy_of)(void *arg, const char *playbook), void *arg,
		 struct gate_entry **out, size_t max);
/* One step of gate_list: appends to *out (*n entries, *alloc allocated; caller frees *out). */
bool gate_list_step(struct gate *g, double now, const struct gate_policy *(*policy_of)(void *arg, const char *playbook),
		    void *arg, struct gate_entry **out, size_t *n, size_t *alloc, size_t max, size_t *cursor,
		    size_t max_buckets);

size_t gate_size(struct gate *g);

#endif
