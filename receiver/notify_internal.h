/* notify_internal.h: what the notify_*.c files share (settings checks, header-safe text, MIME, HTTP push transfer) */
#ifndef HOMEOPS_RECEIVER_NOTIFY_INTERNAL_H
#define HOMEOPS_RECEIVER_NOTIFY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "common/strbuf.h"
#include "common/strlist.h"
#include "receiver/notify.h"

#define NOTIFY_DEFAULT_TIMEOUT 10.0
#define NOTIFY_MAX_TIMEOUT 3600.0
#define NOTIFY_PUSHOVER_URL "https://api.pushover.net/1/messages.json"
#define NOTIFY_MESSAGE_ID_MAX 128

/* ---- notify_settings.c ---- */

/* Token-like secrets and links: visible ASCII only, so they can never break a header line. */
int notify_token_ok(const char *s);
/* The URL a notifier sends to (Pushover's default when none is set). */
const char *notify_url_of(const struct notifier *n);

/* ---- notify_mime.c ---- */

/* Appends s with every control byte replaced by a space: a header value can never break. */
void notify_add_header_text(struct strbuf *sb, const char *s);
/* The title with controls turned into spaces; caller frees. */
char *notify_clean_title(const char *title);
/* A title as an HTTP header value: ASCII as is, anything else as RFC 2047 encoded words on one line. */
void notify_add_http_title(struct strbuf *sb, const char *title);
/* The message id as dot-atom text (letters, digits, - _ + =), bounded. */
void notify_add_id_atom(struct strbuf *sb, const char *id);
/* This host's name, cleaned to letters, digits, '-' and '.'; "localhost" when there is none. */
void notify_hostname(char *buf, size_t size);
/* The whole RFC 5322 message for n (a validated SMTP notifier) into sb. */
void notify_mail_compose(const struct notifier *n, const struct notify_message *msg, const char *message_id,
			 time_t now, struct strbuf *sb);

/* ---- notify_send.c (transfers) ---- */

/*
 * POSTs body to url with n's timeout and TLS settings and the header lines in headers
 * (borrowed), with HTTP basic auth from n's username/password when basic_auth. Fills res.
 * Returns 0 when the service accepted it (2xx), -1 otherwise.
 */
int notify_http_post(const struct notifier *n, const char *url, const struct strlist *headers, const char *body,
		     size_t len, bool basic_auth, struct notify_result *res);

/* ---- notify_push.c ---- */

int notify_send_ntfy(const struct notifier *n, const struct notify_message *msg, const char *message_id,
		     struct notify_result *res);
int notify_send_gotify(const struct notifier *n, const struct notify_message *msg, const char *message_id,
		       struct notify_result *res);
int notify_send_pushover(const struct notifier *n, const struct notify_message *msg, const char *message_id,
			 struct notify_result *res);
int notify_send_webhook(const struct notifier *n, const struct notify_message *msg, const char *message_id,
			struct notify_result *res);

#endif
