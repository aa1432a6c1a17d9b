/* webhook.h: Alertmanager webhook payload (version 4) parsed and validated into a model (pure) */
#ifndef HOMEOPS_RECEIVER_WEBHOOK_H
#define HOMEOPS_RECEIVER_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A name/value pair of a label or annotation set. Both are NUL-free UTF-8 as JSON delivered
 * them (jansson rejects "\u0000" and invalid UTF-8, so every string here is a C string that
 * holds the exact bytes the sender meant).
 */
struct wh_pair {
	char *name;
	char *value;
};

/* A set of pairs sorted by name (bytewise); names are unique (duplicate JSON keys are rejected). */
struct wh_set {
	struct wh_pair *items;
	size_t n;
};

enum wh_status {
	WH_STATUS_UNKNOWN = 0,
	WH_STATUS_FIRING,
	WH_STATUS_RESOLVED,
};

/* An instant as RFC 3339 gives it, kept exactly (seconds + nanoseconds, UTC). */
struct wh_time {
	int64_t sec;      /* Unix seconds; negative before 1970 ("0001-01-01T00:00:00Z" = zero time) */
	int32_t nsec;
	bool zero;        /* Go's zero time: Alertmanager's "not set" (endsAt of a firing alert) */
};

struct wh_alert {
	enum wh_status status;
	bool status_inherited;      /* the alert had no "status"; the payload's was used */
	struct wh_set labels;
	struct wh_set annotations;
	char *starts_at_raw;        /* as sent ("" when absent) */
	char *ends_at_raw;
	struct wh_time starts_at;
	struct wh_time ends_at;
	char starts_at_key[40];     /* normalized "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ": the dedupe key part */
	char *generator_url;        /* "" when absent */
	char fingerprint[17];       /* 16 lower-case hex digits */
	bool fingerprint_computed;  /* absent or empty in the payload: computed from labels as Alertmanager does */
	char *json;                 /* this alert object re-serialized compactly (key order kept): playbook stdin, store */
	size_t json_len;
};

struct wh_payload {
	char *version;              /* "" when absent */
	char *receiver;
	enum wh_status status;
	char *group_key;
	char *external_url;
	char *notification_reason;  /* newer Alertmanager; "" when absent */
	long long truncated_alerts;
	struct wh_set group_labels;
	struct wh_set common_labels;
	struct wh_set common_annotations;
	struct wh_alert *alerts;
	size_t nalerts;
};

/*
 * Parses a webhook body (JSON whatever the Content-Type). Structure is checked strictly:
 * the top level must be an object; labels/annotations objects of strings; alerts an array
 * of objects; known string fields must be strings; unknown keys are ignored (forward
 * compatibility: routeLabels and later additions). Missing optional fields become "".
 * Returns 0 with *out filled (release with wh_payload_release), or -1 with *err set to a
 * short reason (caller frees) and *out released. No I/O, no clock, no globals.
 * Before parsing, the body's shape is bounded (common/jsonshape.h): at most WH_MAX_DEPTH levels
 * of nesting and WH_MAX_VALUES values, so that what parsing allocates stays proportional to a
 * webhook, not to what a hostile body could make the parser build.
 */
#define WH_MAX_DEPTH 32
#define WH_MAX_VALUES 200000
int wh_parse(const char *buf, size_t len, struct wh_payload *out, char **err);

/*
 * Checks what the receiver requires beyond structure: version "4", at least one alert,
 * every alert with a known status, a parseable startsAt, non-empty label names.
 * Returns 0 or -1 with *err (caller frees).
 */
int wh_validate(const struct wh_payload *p, char **err);

void wh_payload_release(struct wh_payload *p);

/* Sorts a set by name, bytewise (what wh_set_get and route matching expect). */
void wh_set_sort(struct wh_set *s);
/* Frees every pair and the array; the set is then empty. */
void wh_set_release(struct wh_set *s);

/* The value of label name in set, or NULL. */
const char *wh_set_get(const struct wh_set *s, const char *name);

/*
 * Alertmanager's fingerprint of a label set (prometheus/common model.LabelSet.Fingerprint:
 * FNV-1a 64 over name, 0xff, value, 0xff of the names in sorted order), as 16 hex digits.
 */
void wh_fingerprint(const struct wh_set *labels, char out[17]);

/*
 * Parses an RFC 3339 timestamp as Go's time.RFC3339Nano accepts it ("2016-04-07T10:08:52-06:00",
 * "2026-11-22T15:48:47.272Z"). Returns 0 or -1.
 */
int wh_time_parse(const char *s, struct wh_time *out);
/* Formats t as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (UTC); buf needs 40 bytes. */
void wh_time_format(const struct wh_time *t, char *buf, size_t n);
/* t as Unix seconds with fraction (0 for the zero time). */
double wh_time_seconds(const struct wh_time *t);

const char *wh_status_name(enum wh_status s);   /* "firing", "resolved", "unknown" */

#endif
