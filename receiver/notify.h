/* notify.h: format and deliver one operator notification by SMTP or push (ntfy, Gotify, Pushover, JSON webhook) */
#ifndef HOMEOPS_RECEIVER_NOTIFY_H
#define HOMEOPS_RECEIVER_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include "common/strlist.h"

/*
 * This module is stateless: it formats a message from the facts of a run and sends it once,
 * with a timeout, through libcurl. Retrying with backoff from the durable outbox is the
 * caller's job (store + worker); notify_send() only says whether a failure is worth a retry.
 */
enum notifier_kind {
	NOTIFIER_SMTP,       /* url smtp://host[:port] (STARTTLS required unless smtp_starttls: false), smtps:// */
	NOTIFIER_NTFY,       /* url = topic URL, e.g. https://ntfy.sh/homeops; token_file = bearer token */
	NOTIFIER_GOTIFY,     /* url = server base URL; token_file = application token */
	NOTIFIER_PUSHOVER,   /* url defaults to https://api.pushover.net/1/messages.json; token_file, user_key_file */
	NOTIFIER_WEBHOOK,    /* url receives the event JSON by POST; token_file = optional bearer token */
};

enum notify_event {
	NOTIFY_STARTED = 0,
	NOTIFY_SUCCEEDED,
	NOTIFY_FAILED,
	NOTIFY_GAVE_UP,
	NOTIFY_INTERRUPTED,
	NOTIFY_EVENT_COUNT,
};

/* One configured notifier. Filled by the receiver's config loader; secrets loaded from files at (re)load. */
struct notifier {
	char *name;
	enum notifier_kind kind;
	char *url;
	/* SMTP */
	char *from;
	struct strlist to;
	char *username;
	char *password;          /* loaded from password_file */
	bool smtp_starttls;      /* smtp:// only; default true (CURLUSESSL_ALL) */
	/* push */
	char *token;             /* loaded from token_file */
	char *user_key;          /* Pushover, loaded from user_key_file */
	/* TLS for any kind */
	char *ca_file;
	bool insecure_skip_verify;
	double timeout;          /* seconds per attempt; default 10 */
	unsigned events;         /* bit (1u << enum notify_event); default all */
};

/* What happened, as the caller knows it; every string may be NULL. */
struct notify_facts {
	enum notify_event event;
	const char *alertname;
	const char *alert_status;    /* "firing" | "resolved" */
	const char *fingerprint;
	const char *severity;
	const char *summary;         /* the alert's summary or description annotation */
	const char *instance;
	const char *playbook;
	const char *result;          /* "exit 0", "exit 3", "timeout", "signal 9", ... */
	const char *output_tail;     /* redacted tail of the playbook's output */
	long run_id;
	int attempt;
	int max_attempts;
	double started_at;           /* Unix seconds, 0 = unknown */
	double ended_at;
	const char *hostname;        /* the receiver's host */
	const char *external_url;    /* link to the status page, if configured */
};

/* A formatted message; notify_message_release() frees the strings. */
struct notify_message {
	enum notify_event event;
	char *title;     /* one line */
	char *body;      /* plain text, several lines */
	char *json;      /* the facts as a JSON object, for the generic webhook */
};

struct notify_result {
	bool ok;
	bool retryable;          /* transport error, timeout, 429 or 5xx: try again later */
	long status;             /* HTTP status or SMTP reply code, 0 when none */
	char error[256];
};

const char *notify_event_name(enum notify_event e);   /* "started", "succeeded", ... */
int notify_event_parse(const char *s, enum notify_event *out);
const char *notifier_kind_name(enum notifier_kind k);

/* Formats facts into msg (pure). */
void notify_format(const struct notify_facts *facts, struct notify_message *msg);
void notify_message_release(struct notify_message *msg);

/* Checks a notifier's settings (URL scheme matches kind, SMTP has from and to...). Returns 0 or -1 with *err (caller frees). */
int notifier_validate(const struct notifier *n, char **err);
/* Frees the fields of n (not n itself). */
void notifier_release(struct notifier *n);

/*
 * Sends msg through n once, within n->timeout. message_id is a stable id for this message
 * (the outbox row), used as the SMTP Message-ID and an idempotency header for push, so a
 * retried delivery can be recognised. Returns 0 when delivered, -1 otherwise (res says why).
 */
int notify_send(const struct notifier *n, const struct notify_message *msg, const char *message_id,
		struct notify_result *res);

/*
 * curl_global_init, once (thread-safe; notify_send() calls it itself, so a program that never
 * sends never loads libcurl's TLS state) / curl_global_cleanup at program end when it was done.
 */
void notify_global_init(void);
void notify_global_cleanup(void);

#endif
