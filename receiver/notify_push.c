/* notify_push.c: the HTTP push senders: ntfy, Gotify, Pushover and the generic JSON webhook */
#include "receiver/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "common/httpclient.h"
#include "common/secret.h"
#include "common/strbuf.h"
#include "common/strlist.h"
#include "common/xalloc.h"
#include "receiver/notify_internal.h"

/* Service limits: ntfy turns a longer body into an attachment (or refuses it); Pushover refuses. */
#define NOTIFY_NTFY_BODY_MAX 4096           /* bytes */
#define NOTIFY_PUSHOVER_MESSAGE_MAX 1024    /* characters */
#define NOTIFY_PUSHOVER_TITLE_MAX 250       /* characters */
#define NOTIFY_PUSHOVER_URL_MAX 512         /* characters */
#define NOTIFY_LINK_MAX 512

#define NOTIFY_ELLIPSIS "\xe2\x80\xa6"

/* Per event: ntfy 1..5 (min..max), Gotify 0..10 (8+ is intrusive), Pushover -2..2 (2 needs acks). */
static const int notify_ntfy_priority[NOTIFY_EVENT_COUNT] = { 2, 3, 4, 5, 4 };
static const int notify_gotify_priority[NOTIFY_EVENT_COUNT] = { 2, 4, 6, 8, 6 };
static const int notify_pushover_priority[NOTIFY_EVENT_COUNT] = { -1, 0, 1, 1, 0 };
/* ntfy shows tags that are emoji short codes as emoji in front of the title. */
static const char *const notify_ntfy_tags[NOTIFY_EVENT_COUNT] = {
	"arrow_forward,homeops", "white_check_mark,homeops", "x,homeops",
	"rotating_light,homeops", "warning,homeops",
};

static char *notify_link(const struct notify_message *msg)
{
	json_t *root = NULL;
	const char *s;
	char *link = NULL;

	if (!msg->json)
		return NULL;
	root = json_loads(msg->json, 0, NULL);
	s = json_string_value(json_object_get(root, "url"));
	if (s && strlen(s) <= NOTIFY_LINK_MAX && notify_token_ok(s) &&
	    (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0))
		link = xstrdup(s);
	json_decref(root);
	return link;
}

static void notify_add_header(struct strlist *headers, const char *name, const char *value)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s: ", name);
	notify_add_header_text(&sb, value);
	strlist_push_nodup(headers, strbuf_detach(&sb, NULL));
}

/*
 * Headers every push request carries: the idempotency key and the bearer token, if any.
 * Returns whether the request should use HTTP basic auth instead (a username, no bearer).
 */
static bool notify_common_headers(const struct notifier *n, const char *message_id, int bearer,
				  struct strlist *headers)
{
	struct strbuf sb = STRBUF_INIT;
	bool basic = false;

	if (message_id && *message_id) {
		notify_add_id_atom(&sb, message_id);
		notify_add_header(headers, "Idempotency-Key", sb.buf);
	}
	if (bearer && n->token) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "Bearer %s", n->token);
		notify_add_header(headers, "Authorization", sb.buf);
	} else if (n->username) {
		basic = true;
	}
	secret_strbuf_release(&sb);
	return basic;
}

/* Releases header lines, wiping them: one may hold a bearer token. */
static void notify_headers_release(struct strlist *headers)
{
	for (size_t i = 0; i < headers->n; i++)
		secret_wipe(headers->items[i], strlen(headers->items[i]));
	strlist_clear(headers);
}

/* The first max_bytes of s, cut on a character boundary and marked with "…" when cut. */
static void notify_add_cut_bytes(struct strbuf *sb, const char *s, size_t max_bytes)
{
	size_t len = strlen(s), n;

	if (len <= max_bytes) {
		strbuf_add(sb, s, len);
		return;
	}
	n = max_bytes - 3;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	strbuf_add(sb, s, n);
	strbuf_addstr(sb, NOTIFY_ELLIPSIS);
}

/* Same, counting characters (code points), as Pushover does. */
static void notify_add_cut_chars(struct strbuf *sb, const char *s, size_t max_chars)
{
	size_t chars = 0, i, cut = 0;

	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (chars == max_chars - 1)
				cut = i;
			chars++;
		}
	}
	if (chars <= max_chars) {
		strbuf_addstr(sb, s);
		return;
	}
	strbuf_add(sb, s, cut);
	strbuf_addstr(sb, NOTIFY_ELLIPSIS);
}

int notify_send_ntfy(const struct notifier *n, const struct notify_message *msg, const char *message_id,
		     struct notify_result *res)
{
	struct strbuf body = STRBUF_INIT, title = STRBUF_INIT;
	struct strlist headers = STRLIST_INIT;
	bool basic;
	unsigned ev = (unsigned)msg->event < NOTIFY_EVENT_COUNT ? (unsigned)msg->event : NOTIFY_FAILED;
	char *link = NULL, prio[8];
	int ret = -1;

	notify_add_cut_bytes(&body, msg->body ? msg->body : "", NOTIFY_NTFY_BODY_MAX);
	/* ntfy decodes RFC 2047 words in its headers; raw UTF-8 in headers trips some proxies */
	notify_add_http_title(&title, msg->title);
	notify_add_header(&headers, "Title", title.buf);
	/* X-Priority, not Priority: proxies rewrite "Priority", the RFC 9218 request header */
	snprintf(prio, sizeof(prio), "%d", notify_ntfy_priority[ev]);
	notify_add_header(&headers, "X-Priority", prio);
	notify_add_header(&headers, "Tags", notify_ntfy_tags[ev]);
	link = notify_link(msg);
	if (link)
		notify_add_header(&headers, "Click", link);
	notify_add_header(&headers, "Content-Type", "text/plain; charset=utf-8");
	basic = notify_common_headers(n, message_id, 1, &headers);
	ret = notify_http_post(n, n->url, &headers, strbuf_cstr(&body), body.len, basic, res);
	notify_headers_release(&headers);
	free(link);
	strbuf_release(&title);
	strbuf_release(&body);
	return ret;
}

/* {url}/message, keeping a query string; a URL that already ends in /message is taken as is. */
static char *notify_gotify_url(const char *base)
{
	struct httpc_url u;
	struct strbuf sb = STRBUF_INIT;
	char *ret = NULL;

	if (httpc_url_parse(base, &u) != 0)
		return NULL;
	strbuf_addstr(&sb, u.path);
	while (sb.len > 0 && sb.buf[sb.len - 1] == '/')
		strbuf_setlen(&sb, sb.len - 1);
	if (sb.len < 8 || strcmp(sb.buf + sb.len - 8, "/message") != 0)
		strbuf_addstr(&sb, "/message");
	ret = httpc_url_with_path(base, sb.buf);
	strbuf_release(&sb);
	httpc_url_release(&u);
	return ret;
}

int notify_send_gotify(const struct notifier *n, const struct notify_message *msg, const char *message_id,
		       struct notify_result *res)
{
	struct strbuf body = STRBUF_INIT;
	struct strlist headers = STRLIST_INIT;
	bool basic;
	unsigned ev = (unsigned)msg->event < NOTIFY_EVENT_COUNT ? (unsigned)msg->event : NOTIFY_FAILED;
	const char *title = msg->title ? msg->title : "";
	const char *text = msg->body ? msg->body : "";
	char *url = NULL, *link = NULL;
	int ret = -1;

	url = notify_gotify_url(n->url);
	if (!url) {
		snprintf(res->error, sizeof(res->error), "url: not a valid URL");
		goto out;
	}
	strbuf_addstr(&body, "{\"title\":");
	strbuf_add_json_string(&body, title, strlen(title));
	strbuf_addstr(&body, ",\"message\":");
	strbuf_add_json_string(&body, text, strlen(text));
	strbuf_addf(&body, ",\"priority\":%d", notify_gotify_priority[ev]);
	/* plain text, not markdown; a tap on the notification opens the status page */
	strbuf_addstr(&body, ",\"extras\":{\"client::display\":{\"contentType\":\"text/plain\"}");
	link = notify_link(msg);
	if (link) {
		strbuf_addstr(&body, ",\"client::notification\":{\"click\":{\"url\":");
		strbuf_add_json_string(&body, link, strlen(link));
		strbuf_addstr(&body, "}}");
	}
	strbuf_addstr(&body, "}}");
	notify_add_header(&headers, "X-Gotify-Key", n->token);
	notify_add_header(&headers, "Content-Type", "application/json");
	basic = notify_common_headers(n, message_id, 0, &headers);
	ret = notify_http_post(n, url, &headers, body.buf, body.len, basic, res);
out:
	notify_headers_release(&headers);
	free(link);
	free(url);
	strbuf_release(&body);
	return ret;
}

int notify_send_pushover(const struct notifier *n, const struct notify_message *msg, const char *message_id,
			 struct notify_result *res)
{
	struct strbuf form = STRBUF_INIT, title = STRBUF_INIT, text = STRBUF_INIT;
	struct strlist headers = STRLIST_INIT;
	bool basic;
	unsigned ev = (unsigned)msg->event < NOTIFY_EVENT_COUNT ? (unsigned)msg->event : NOTIFY_FAILED;
	char *link = NULL, *clean = NULL, prio[8];
	int ret = -1;

	clean = notify_clean_title(msg->title);
	notify_add_cut_chars(&title, clean, NOTIFY_PUSHOVER_TITLE_MAX);
	notify_add_cut_chars(&text, msg->body && *msg->body ? msg->body : "-", NOTIFY_PUSHOVER_MESSAGE_MAX);
	snprintf(prio, sizeof(prio), "%d", notify_pushover_priority[ev]);
	httpc_form_add(&form, "token", n->token);
	httpc_form_add(&form, "user", n->user_key);
	httpc_form_add(&form, "title", strbuf_cstr(&title));
	httpc_form_add(&form, "message", strbuf_cstr(&text));
	httpc_form_add(&form, "priority", prio);
	link = notify_link(msg);
	if (link && strlen(link) <= NOTIFY_PUSHOVER_URL_MAX) {
		httpc_form_add(&form, "url", link);
		httpc_form_add(&form, "url_title", "Details");
	}
	notify_add_header(&headers, "Content-Type", "application/x-www-form-urlencoded");
	basic = notify_common_headers(n, message_id, 0, &headers);
	ret = notify_http_post(n, notify_url_of(n), &headers, form.buf, form.len, basic, res);
	notify_headers_release(&headers);
	free(link);
	free(clean);
	strbuf_release(&title);
	strbuf_release(&text);
	secret_strbuf_release(&form); /* it holds the token and user key */
	return ret;
}

int notify_send_webhook(const struct notifier *n, const struct notify_message *msg, const char *message_id,
			struct notify_result *res)
{
	const char *json = msg->json ? msg->json : "{}";
	struct strlist headers = STRLIST_INIT;
	bool basic;
	int ret;

	notify_add_header(&headers, "Content-Type", "application/json");
	notify_add_header(&headers, "X-Homeops-Event", notify_event_name(msg->event));
	basic = notify_common_headers(n, message_id, 1, &headers);
	ret = notify_http_post(n, n->url, &headers, json, strlen(json), basic, res);
	notify_headers_release(&headers);
	return ret;
}
