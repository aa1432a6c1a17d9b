/* notify_send.c: deliver one message through the shared HTTP client: the SMTP sender, HTTP push transfers, dispatch */
#include "receiver/notify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/httpclient.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "receiver/notify_internal.h"

/* A service's reply is read only for the error text; a larger 2xx reply still means delivered. */
#define NOTIFY_RESPONSE_MAX (64 * 1024)

static double notify_timeout(const struct notifier *n)
{
	double t = n->timeout;

	if (!isfinite(t) || t <= 0)
		t = NOTIFY_DEFAULT_TIMEOUT;
	return t > NOTIFY_MAX_TIMEOUT ? NOTIFY_MAX_TIMEOUT : t;
}

/* A request with what every transfer of n needs: its timeout and TLS settings. */
static void notify_request_init(const struct notifier *n, const char *url, struct httpc_request *req)
{
	httpc_request_init(req);
	req->url = url;
	req->timeout = notify_timeout(n);
	req->ca_file = n->ca_file;
	req->insecure_skip_verify = n->insecure_skip_verify;
	req->max_response = NOTIFY_RESPONSE_MAX;
}

/* Runs req on a fresh handle (notify is stateless) and turns the outcome into res. */
static int notify_perform(const struct httpc_request *req, bool smtp, struct notify_result *res)
{
	struct httpc *h = httpc_new();
	struct httpc_result hr;
	int rc;

	httpc_result_init(&hr);
	rc = httpc_request(h, req, &hr);
	res->status = hr.status;
	if (rc != 0 && hr.error == HTTPC_E_TOO_LARGE && hr.status >= 200 && hr.status < 300)
		rc = 0;   /* delivered; only the reply was longer than we read */
	if (rc == 0) {
		res->ok = true;
	} else {
		res->retryable = hr.retryable;
		if (smtp && hr.status >= 400 && hr.status < 600)
			snprintf(res->error, sizeof(res->error), "smtp %ld: %.200s", hr.status, hr.message);
		else if (!smtp && hr.error == HTTPC_E_HTTP && hr.status >= 300 && hr.status < 400)
			snprintf(res->error, sizeof(res->error), "%.200s; set url to it", hr.message);
		else
			snprintf(res->error, sizeof(res->error), "%s", hr.message);
	}
	httpc_result_release(&hr);
	httpc_free(h);
	return rc == 0 ? 0 : -1;
}

int notify_http_post(const struct notifier *n, const char *url, const struct strlist *headers, const char *body,
		     size_t len, bool basic_auth, struct notify_result *res)
{
	struct httpc_request req;

	notify_request_init(n, url, &req);
	req.method = "POST";
	req.headers = (const char *const *)strlist_argv(headers);
	req.body = body ? body : "";
	req.body_len = body ? len : 0;
	if (basic_auth) {
		req.username = n->username;
		req.password = n->password;
	}
	return notify_perform(&req, false, res);
}

static int notify_send_smtp(const struct notifier *n, const struct notify_message *msg, const char *message_id,
			    struct notify_result *res)
{
	struct strbuf mail = STRBUF_INIT;
	struct strlist rcpt = STRLIST_INIT;
	struct httpc_request req;
	char *from = xasprintf("<%s>", n->from);
	char host[128];
	int ret;

	/*
	 * libcurl says EHLO with the URL's path, "localhost" when there is none; some servers
	 * refuse that, so say our host name unless the URL names one.
	 */
	notify_hostname(host, sizeof(host));
	for (size_t i = 0; i < n->to.n; i++)
		strlist_pushf(&rcpt, "<%s>", n->to.items[i]);
	notify_mail_compose(n, msg, message_id, time(NULL), &mail);
	notify_request_init(n, n->url, &req);
	req.smtp_helo = host;
	req.starttls_optional = !n->smtp_starttls;
	req.username = n->username;
	req.password = n->password;
	req.mail_from = from;
	req.mail_rcpt = (const char *const *)strlist_argv(&rcpt);
	req.body = mail.buf;
	req.body_len = mail.len;
	ret = notify_perform(&req, true, res);
	strlist_clear(&rcpt);
	strbuf_release(&mail);
	free(from);
	return ret;
}

int notify_send(const struct notifier *n, const struct notify_message *msg, const char *message_id,
		struct notify_result *res)
{
	char *err = NULL;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	notify_global_init();
	if (notifier_validate(n, &err) != 0) {
		snprintf(res->error, sizeof(res->error), "invalid notifier: %s", err);
		goto out;
	}
	switch (n->kind) {
	case NOTIFIER_SMTP:
		ret = notify_send_smtp(n, msg, message_id, res);
		break;
	case NOTIFIER_NTFY:
		ret = notify_send_ntfy(n, msg, message_id, res);
		break;
	case NOTIFIER_GOTIFY:
		ret = notify_send_gotify(n, msg, message_id, res);
		break;
	case NOTIFIER_PUSHOVER:
		ret = notify_send_pushover(n, msg, message_id, res);
		break;
	case NOTIFIER_WEBHOOK:
		ret = notify_send_webhook(n, msg, message_id, res);
		break;
	}
	{
		char status[24];
		snprintf(status, sizeof(status), "%ld", res->status);
		log_debug("notify", ret == 0 ? "delivered" : "delivery failed", "notifier", n->name ? n->name : "",
			  "kind", notifier_kind_name(n->kind), "event", notify_event_name(msg->event),
			  "status", status, "retryable", res->retryable ? "true" : "false", "error", res->error);
	}
out:
	if (ret != 0)
		res->ok = false;
	free(err);
	return ret;
}

/*
 * libcurl (with its TLS library) is set up on the first send, not at start: initialising it
 * touches about 2.3 MiB of library pages that a receiver which has sent no notification yet never needs.
 */
void notify_global_init(void)
{
	httpc_global_init();
}

void notify_global_cleanup(void)
{
	httpc_global_cleanup();
}
