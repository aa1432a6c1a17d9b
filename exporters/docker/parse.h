/* parse.h: pure parsers for Docker Engine API responses (version, container list, inspect, events) */
#ifndef DOCKER_PARSE_H
#define DOCKER_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Bytes in, model out: no I/O, no clock, no globals (jansson underneath). Every parser returns
 * 0, or -1 with a reason in err (for the log). Models own their strings; each has a _release
 * that is safe on a zeroed or half-filled struct. Timestamps are seconds since the epoch, NaN
 * when the engine did not say (Docker writes "0001-01-01T00:00:00Z" for "never").
 * Shapes understood: Docker 1.24 to 29 (API 1.52: the legacy status/id/from event fields gone)
 * and Podman's Docker-compatible API (health_status in the actor's attributes).
 */

struct dk_perr {
	char msg[160];
};

/* Container states (docker_container_state, one-hot). DK_STATE_UNKNOWN is never rendered. */
enum dk_state {
	DK_STATE_UNKNOWN = -1,
	DK_STATE_CREATED = 0,
	DK_STATE_RUNNING,
	DK_STATE_PAUSED,
	DK_STATE_RESTARTING,
	DK_STATE_REMOVING,
	DK_STATE_EXITED,
	DK_STATE_DEAD,
	DK_STATE_COUNT,
};
/* Health (docker_container_health_status, one-hot). NONE = no health check configured. */
enum dk_health {
	DK_HEALTH_UNKNOWN = -1,
	DK_HEALTH_HEALTHY = 0,
	DK_HEALTH_UNHEALTHY,
	DK_HEALTH_STARTING,
	DK_HEALTH_NONE,
	DK_HEALTH_COUNT,
};
const char *dk_state_name(enum dk_state s);      /* "running"...; "unknown" */
enum dk_state dk_state_from(const char *s);      /* DK_STATE_UNKNOWN for anything else */
const char *dk_health_name(enum dk_health h);
enum dk_health dk_health_from(const char *s);    /* "healthy", "unhealthy", "starting", "none"; else UNKNOWN */

/* RFC 3339 ("2026-11-22T15:55:41.683785752Z", "...+02:00") to epoch seconds; NaN when invalid
 * or before year 2 (Go's zero time). */
double dk_time_parse(const char *s);

/* ---- GET /version ---- */
struct dk_version {
	char *version;          /* "20.10.24" (Podman: its own version) */
	char *api_version;      /* "1.41": the highest API version the engine speaks */
	char *min_api_version;  /* "1.12"; NULL when absent (old engines) */
};
int dk_version_parse(const char *buf, size_t len, struct dk_version *out, struct dk_perr *err);
void dk_version_release(struct dk_version *v);
/* "1.41" to 141 (major * 100 + minor); -1 when not "N.M". */
int dk_api_version_num(const char *s);

/* ---- GET /containers/json?all=1 ---- */
struct dk_list_item {
	char *id;
	char *name;             /* first of Names, without the leading '/'; "" when none */
	enum dk_state state;
};
struct dk_list {
	struct dk_list_item *items;
	size_t n;
};
int dk_list_parse(const char *buf, size_t len, struct dk_list *out, struct dk_perr *err);
void dk_list_release(struct dk_list *l);

/* ---- GET /containers/{id}/json ---- */
struct dk_mount {
	char *source;           /* host path */
	char *destination;      /* path in the container */
	bool rw;
};
struct dk_label {
	char *key;
	char *value;
};
struct dk_inspect {
	char *id;
	char *name;             /* without the leading '/' */
	char *image;            /* Config.Image as the user wrote it; else the image ID */
	char *restart_policy;   /* HostConfig.RestartPolicy.Name: "no", "always", "on-failure", "unless-stopped"; "" when absent */
	enum dk_state state;
	enum dk_health health;  /* NONE when State.Health is absent */
	long failing_streak;    /* -1 without a health check */
	long restart_count;     /* Docker's RestartCount; -1 when absent */
	bool oom_killed;
	long exit_code;
	double started_at;      /* NaN: never */
	double finished_at;
	struct dk_mount *mounts; /* bind mounts only (Mounts[].Type == "bind") */
	size_t nmounts;
	struct dk_label *labels; /* only the Config.Labels named in keep */
	size_t nlabels;
};
/*
 * keep: the label keys to copy (--docker.label), nkeep of them; other labels are never kept
 * (cardinality). Requires Id and State; the rest is optional.
 */
int dk_inspect_parse(const char *buf, size_t len, const char *const *keep, size_t nkeep,
		     struct dk_inspect *out, struct dk_perr *err);
void dk_inspect_release(struct dk_inspect *in);

/* ---- one line of GET /events ---- */
struct dk_event {
	char *type;             /* "container", "image", "network"... */
	char *action;           /* without its detail: "exec_start", "health_status" */
	char *detail;           /* what followed "action: " ("/bin/sh -c true", "healthy"); NULL when none */
	char *id;               /* Actor.ID */
	char *name;             /* Actor.Attributes.name (the new name on rename); NULL when absent */
	char *image;            /* Actor.Attributes.image; NULL when absent */
	bool has_exit_code;     /* die: Actor.Attributes.exitCode (a string) */
	long exit_code;
	enum dk_health health;  /* health_status: from the detail, or Podman's health_status attribute */
	double time;            /* timeNano / 1e9, else time; NaN when absent */
};
/* Reads Type, Action and Actor only (the legacy status/id/from fields are ignored). Requires
 * Type and Action. */
int dk_event_parse(const char *buf, size_t len, struct dk_event *out, struct dk_perr *err);
void dk_event_release(struct dk_event *ev);
/* True when action is fit for a metric label ([a-z_], 1-32 chars); otherwise render "other". */
bool dk_action_label_ok(const char *action);

#endif
