/* http.c: the receiver's endpoints on common/http: webhook intake answered after the group commit, API, pages */
#include "receiver/http.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/procmetrics.h"
#include "common/secret.h"
#include "common/strbuf.h"
#include "common/version.h"
#include "common/webconfig.h"
#include "common/xalloc.h"
#include "common/chars.h"
#include "receiver/metrics.h"
#include "receiver/status.h"
#include "receiver/webhook.h"

struct rhttp {
	struct rhttp_options o;
	char *telemetry_path;
};

static bool rhttp_same_origin(struct http_request *req);
static const char *rhttp_csrf_refusal(struct http_request *req);

/* One server per process; the routes' arg points here. */
static struct rhttp rhttp_ctx;

/* ---- auth ---- */

static bool rhttp_web_users(void)
{
	return rhttp_ctx.o.web && rhttp_ctx.o.web->nusers > 0;
}

static bool rhttp_str_eq(const char *a, const char *b)
{
	return a && b && ct_equal(a, strlen(a), b, strlen(b));
}

/* A receiver's own credentials: bearer token or basic auth (either, when both are configured). */
static bool rhttp_receiver_ok(struct http_request *req, const struct rcv_receiver *r)
{
	bool ok = false;
	if (!r->bearer_token && !r->basic_password)
		return true;
	if (r->bearer_token && rhttp_str_eq(http_req_bearer(req), r->bearer_token))
		ok = true;
	if (!ok && r->basic_password) {
		char *user = NULL, *pw = NULL;
		if (http_req_basic_credentials(req, &user, &pw) == 0) {
			/* evaluate both comparisons, so timing does not tell which one failed */
			bool u = rhttp_str_eq(user, r->basic_user), p = rhttp_str_eq(pw, r->basic_password);
			ok = u && p;
		}
		if (pw)
			secret_wipe(pw, strlen(pw));
		free(user);
		free(pw);
	}
	return ok;
}

/* The API and /-/reload: web basic auth, or any receiver's credentials; open when there are none at all. */
static bool rhttp_api_ok(struct http_request *req)
{
	struct rcv_config *cfg = engine_config(rhttp_ctx.o.engine);
	bool any_webhook_auth = config_has_webhook_auth(cfg), ok = false;

	if (!rhttp_web_users() && !any_webhook_auth)
		ok = true;
	if (!ok && rhttp_web_users() && http_req_basic_auth_ok(req))
		ok = true;
	for (size_t i = 0; !ok && i < cfg->nreceivers; i++) {
		const struct rcv_receiver *r = &cfg->receivers[i];
		if ((r->bearer_token || r->basic_password) && rhttp_receiver_ok(req, r))
			ok = true;
	}
	config_unref(cfg);
	return ok;
}

static bool rhttp_api_preauth(struct http_request *req, void *arg)
{
	(void)arg;
	return rhttp_api_ok(req);
}

/* The webhook's credentials, checked on the headers (a path that is no receiver goes on to its 404). */
static bool rhttp_webhook_preauth(struct http_request *req, void *arg)
{
	struct rcv_config *cfg = engine_config(rhttp_ctx.o.engine);
	const struct rcv_receiver *r = config_receiver_by_path(cfg, http_req_path(req));
	bool ok = !r || strcmp(http_req_method(req), "POST") != 0 || rhttp_receiver_ok(req, r);
	(void)arg;
	if (!ok) {
		const char *hdr[] = { "WWW-Authenticate", r->bearer_token ? "Bearer realm=\"homeops\"" : "Basic realm=\"homeops\"",
				      NULL };
		rmetrics_webhook(401);
		log_warn("http", "webhook authentication failed", "receiver", r->name, "remote", http_req_remote(req));
		http_respond_headers(req, 401, HTTP_CONTENT_TYPE_TEXT, "Unauthorized\n", 13, hdr);
	}
	config_unref(cfg);
	return ok;
}

static int rhttp_json(struct http_request *req, unsigned status, const struct strbuf *sb)
{
	return http_respond(req, status, HTTP_CONTENT_TYPE_JSON, strbuf_cstr(sb), sb->len);
}

static int rhttp_json_error(struct http_request *req, unsigned status, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "{\"status\":\"error\",\"error\":");
	strbuf_add_json_string(&sb, msg, strlen(msg));
	strbuf_addstr(&sb, "}\n");
	int rc = rhttp_json(req, status, &sb);
	strbuf_release(&sb);
	return rc;
}

static int rhttp_text(struct http_request *req, unsigned status, const char *msg)
{
	return http_respond(req, status, HTTP_CONTENT_TYPE_TEXT, msg, strlen(msg));
}

/* ---- webhook ---- */

static void rhttp_ingest_done(void *arg, int status, size_t nalerts)
{
	struct http_deferred *d = arg;
	char body[96];
	if (status == 0) {
		snprintf(body, sizeof(body), "{\"status\":\"success\",\"alerts\":%zu}\n", nalerts);
		rmetrics_webhook(200);
		http_deferred_respond(d, 200, HTTP_CONTENT_TYPE_JSON, body, strlen(body));
	} else {
		snprintf(body, sizeof(body), "{\"status\":\"error\",\"error\":\"store unavailable\"}\n");
		rmetrics_webhook(503);
		http_deferred_respond(d, 503, HTTP_CONTENT_TYPE_JSON, body, strlen(body));
	}
}

static int rhttp_webhook(struct http_request *req, void *arg)
{
	struct rcv_config *cfg = engine_config(rhttp_ctx.o.engine);
	const struct rcv_receiver *r = config_receiver_by_path(cfg, http_req_path(req));
	struct wh_payload p;
	char *err = NULL, *name = NULL;
	const char *body;
	size_t len;
	int rc;
	(void)arg;

	memset(&p, 0, sizeof(p));
	if (!r) {
		rc = rhttp_text(req, 404, "Not Found\n");
		goto out;
	}
	if (strcmp(http_req_method(req), "POST") != 0) {
		const char *hdr[] = { "Allow", "POST", NULL };
		rc = http_respond_headers(req, 405, HTTP_CONTENT_TYPE_TEXT, "Method Not Allowed\n", 19, hdr);
		goto out;
	}
	if (http_req_header(req, "Origin") && !rhttp_same_origin(req)) {
		rc = rhttp_text(req, 403, "Forbidden: cross-origin request\n");
		goto out;
	}
	if (!rhttp_receiver_ok(req, r)) {
		const char *hdr[] = { "WWW-Authenticate", r->bearer_token ? "Bearer realm=\"homeops\"" : "Basic realm=\"homeops\"",
				      NULL };
		rmetrics_webhook(401);
		log_warn("http", "webhook authentication failed", "receiver", r->name, "remote", http_req_remote(req));
		rc = http_respond_headers(req, 401, HTTP_CONTENT_TYPE_TEXT, "Unauthorized\n", 13, hdr);
		goto out;
	}
	body = http_req_body(req, &len);
	if (wh_parse(body ? body : "", body ? len : 0, &p, &err) != 0 || wh_validate(&p, &err) != 0) {
		rmetrics_webhook(400);
		log_warn("http", "webhook payload rejected", "receiver", r->name, "remote", http_req_remote(req), "reason",
			 err);
		rc = rhttp_json_error(req, 400, err);
		goto out;
	}
	name = xstrdup(r->name);
	struct http_deferred *d = http_defer(req);
	int ec = engine_ingest(rhttp_ctx.o.engine, &p, name, http_req_remote(req), rhttp_ingest_done, d);
	if (ec != ENGINE_ACCEPTED) {
		const char *why = ec == ENGINE_QUEUE_FULL ? "{\"status\":\"error\",\"error\":\"run queue full\"}\n"
							  : "{\"status\":\"error\",\"error\":\"store unavailable\"}\n";
		rmetrics_webhook(503);
		http_deferred_respond(d, 503, HTTP_CONTENT_TYPE_JSON, why, strlen(why));
	}
	rc = 0;
out:
	wh_payload_release(&p);
	free(name);
	free(err);
	config_unref(cfg);
	return rc;
}

/* ---- health, reload, metrics, page ---- */

static int rhttp_healthy(struct http_request *req, void *arg)
{
	(void)arg;
	return rhttp_text(req, 200, "Healthy.\n");
}

static int rhttp_ready(struct http_request *req, void *arg)
{
	struct engine_status es;
	(void)arg;
	engine_get_status(rhttp_ctx.o.engine, &es);
	free(es.playbooks);
	return es.accepting ? rhttp_text(req, 200, "Ready.\n") : rhttp_text(req, 503, "Not ready.\n");
}

static int rhttp_reload(struct http_request *req, void *arg)
{
	char *err = NULL;
	(void)arg;
	if (!rhttp_api_ok(req))
		return http_respond_unauthorized(req);
	const char *refusal = rhttp_csrf_refusal(req);
	if (refusal) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "Forbidden: %s\n", refusal);
		int rc = http_respond(req, 403, HTTP_CONTENT_TYPE_TEXT, sb.buf, sb.len);
		strbuf_release(&sb);
		return rc;
	}
	if (rhttp_ctx.o.reload(rhttp_ctx.o.reload_arg, &err) != 0) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "failed to reload config: %s\n", err ? err : "unknown error");
		int rc = http_respond(req, 500, HTTP_CONTENT_TYPE_TEXT, sb.buf, sb.len);
		strbuf_release(&sb);
		free(err);
		return rc;
	}
	return rhttp_text(req, 200, "Reloaded.\n");
}

void rhttp_metrics_text(struct engine *e, struct strbuf *out)
{
	struct metric_set *ms = metric_set_new();
	struct engine_status es;
	struct store_stats ss;
	double now = clock_real();

	rmetrics_render(ms);
	engine_get_status(e, &es);
	store_get_stats(engine_store(e), &ss);
	metric_gauge(ms, "remediation_run_queue_depth", "Runs waiting to start.", (double)es.queued, (const char *)NULL);
	metric_gauge(ms, "remediation_runs_running", "Playbook runs in progress.", (double)es.running, (const char *)NULL);
	metric_gauge(ms, "remediation_paused", "1 when the operator paused all remediation.", es.paused ? 1 : 0,
		     (const char *)NULL);
	struct metric_family *en = metric_family(ms, "remediation_playbook_enabled",
						 METRIC_GAUGE, "1 when the playbook may run (config and operator).");
	for (size_t i = 0; i < es.nplaybooks; i++)
		metric_add(en, es.playbooks[i].enabled ? 1 : 0, "playbook", es.playbooks[i].name, (const char *)NULL);
	double oldest_out = store_outbox_oldest_pending(engine_store(e));
	struct metric_family *age = metric_family(ms, "remediation_oldest_pending_age_seconds", METRIC_GAUGE,
						  "Age of the oldest queued run and of the oldest undelivered notification.");
	metric_add(age, es.oldest_queued > 0 ? now - es.oldest_queued : 0, "kind", "run", (const char *)NULL);
	metric_add(age, oldest_out > 0 ? now - oldest_out : 0, "kind", "notification", (const char *)NULL);
	metric_gauge(ms, "remediation_store_pending_operations", "Store operations waiting for the next group commit.",
		     (double)store_pending(engine_store(e)), (const char *)NULL);
	metric_counter(ms, "remediation_store_commits_total", "Group commits (one fsync each).", (double)ss.commits,
		       (const char *)NULL);
	metric_counter(ms, "remediation_store_operations_total", "Store operations committed.", (double)ss.ops,
		       (const char *)NULL);
	metric_counter(ms, "remediation_store_commit_failures_total", "Group commits that failed and were rolled back.",
		       (double)ss.failed_commits, (const char *)NULL);
	struct metric_family *se = metric_family(ms, "remediation_store_errors_total", METRIC_COUNTER,
						 "Store writes that failed (a group commit or one operation in it), by cause.");
	for (int i = 0; i < STORE_ERR_COUNT; i++)
		metric_add(se, (double)ss.errors[i], "reason", store_error_reason_name((enum store_error_reason)i),
			   (const char *)NULL);
	metric_gauge(ms, "remediation_store_last_commit_successful",
		     "1 when the last group commit reached the disk, 0 when it failed (disk full, read-only, I/O error).",
		     ss.last_commit_ok ? 1 : 0, (const char *)NULL);
	struct metric_family *ch = metric_family(ms, "remediation_store_commit_duration_seconds", METRIC_HISTOGRAM,
						 "Duration of a group commit, fsync included.");
	metric_add_histogram(ch, STORE_COMMIT_BOUNDS, ss.commit_buckets, 12, ss.commits, ss.commit_seconds_sum, NULL, 0);
	metric_gauge(ms, "remediation_build_info", "Version of remediation_receiver.", 1, "version", HOMEOPS_VERSION,
		     "revision", HOMEOPS_REVISION, (const char *)NULL);
	procmetrics_collect(ms, rhttp_ctx.o.procfs ? rhttp_ctx.o.procfs : "/proc");
	metric_set_render(ms, out);
	metric_set_free(ms);
	free(es.playbooks);
}

static int rhttp_metrics(struct http_request *req, void *arg)
{
	struct strbuf sb = STRBUF_INIT;
	(void)arg;
	rhttp_metrics_text(rhttp_ctx.o.engine, &sb);
	int rc = http_respond(req, 200, HTTP_CONTENT_TYPE_METRICS, strbuf_cstr(&sb), sb.len);
	strbuf_release(&sb);
	return rc;
}

static int rhttp_page(struct http_request *req, void *arg)
{
	struct strbuf sb = STRBUF_INIT;
	(void)arg;
	if (!rhttp_api_ok(req))
		return http_respond_unauthorized(req);
	status_page(rhttp_ctx.o.engine, HOMEOPS_VERSION, &sb);
	int rc = http_respond(req, 200, HTTP_CONTENT_TYPE_HTML, strbuf_cstr(&sb), sb.len);
	strbuf_release(&sb);
	return rc;
}

/* ---- operator actions (API and forms) ---- */

static long long rhttp_ll(const char *s, long long def)
{
	char *end;
	long long v;
	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || *end || v < 0 ? -1 : v;
}

/* The value of name in an application/x-www-form-urlencoded body (decoded; caller frees), or NULL. */
static char *rhttp_form_value(const char *body, size_t len, const char *name)
{
	size_t nlen = strlen(name), i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && body[end] != '&')
			end++;
		if (end - i > nlen && strncmp(body + i, name, nlen) == 0 && body[i + nlen] == '=') {
			struct strbuf sb = STRBUF_INIT;
			for (size_t k = i + nlen + 1; k < end; k++) {
				int hi, lo;
				if (body[k] == '+') {
					strbuf_addch(&sb, ' ');
				} else if (body[k] == '%' && k + 2 < end && (hi = hex_digit((unsigned char)body[k + 1])) >= 0 &&
					   (lo = hex_digit((unsigned char)body[k + 2])) >= 0 && (hi || lo)) {
					strbuf_addch(&sb, hi * 16 + lo);
					k += 2;
				} else {
					strbuf_addch(&sb, body[k]);
				}
			}
			return strbuf_detach(&sb, NULL);
		}
		i = end + 1;
	}
	return NULL;
}

/* Form posts must come from the page itself: a browser sends Origin (or Referer) on cross-site posts. */
static bool rhttp_same_origin(struct http_request *req)
{
	const char *host = http_req_header(req, "Host");
	const char *origin = http_req_header(req, "Origin");
	const char *ref = http_req_header(req, "Referer");
	const char *src = origin ? origin : ref;
	if (!src || strcmp(src, "null") == 0)
		return !src;
	if (!host)
		return false;
	const char *p = strstr(src, "://");
	if (!p)
		return false;
	p += 3;
	size_t hl = strlen(host);
	return strncmp(p, host, hl) == 0 && (p[hl] == '\0' || p[hl] == '/');
}

/*
 * A state-changing API call: JSON content type or X-Requested-With (a cross-site page cannot send either
 * without a CORS preflight, never granted), and a same-origin Origin when one is sent. Returns the reason
 * to refuse, or NULL.
 */
static const char *rhttp_csrf_refusal(struct http_request *req)
{
	const char *ct = http_req_header(req, "Content-Type");
	const char *xrw = http_req_header(req, "X-Requested-With");
	const char *origin = http_req_header(req, "Origin");
	bool json = ct && strncasecmp(ct, "application/json", 16) == 0 &&
		    (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
	if (!json && !(xrw && *xrw))
		return "state-changing requests need Content-Type: application/json or an X-Requested-With header";
	if (origin && !rhttp_same_origin(req))
		return "cross-origin request refused";
	return NULL;
}

enum rhttp_action { ACT_NONE, ACT_PAUSE, ACT_RESUME, ACT_ENABLE, ACT_DISABLE, ACT_RUN };

/* Parses ".../pause", ".../playbooks/<name>/enable" etc. after prefix. */
static enum rhttp_action rhttp_parse_action(const char *rest, char *name, size_t nsize)
{
	if (strcmp(rest, "pause") == 0)
		return ACT_PAUSE;
	if (strcmp(rest, "resume") == 0)
		return ACT_RESUME;
	if (strcmp(rest, "runs") == 0)
		return ACT_RUN;
	if (strncmp(rest, "playbooks/", 10) == 0) {
		const char *n = rest + 10, *slash = strchr(n, '/');
		if (!slash || (size_t)(slash - n) >= nsize || slash == n)
			return ACT_NONE;
		memcpy(name, n, (size_t)(slash - n));
		name[slash - n] = '\0';
		if (strcmp(slash + 1, "enable") == 0)
			return ACT_ENABLE;
		if (strcmp(slash + 1, "disable") == 0)
			return ACT_DISABLE;
	}
	return ACT_NONE;
}

/* Performs an action. Returns the HTTP status; *msg (caller frees) describes the result. */
static unsigned rhttp_do_action(enum rhttp_action act, const char *name, long long alert_id, const char *playbook,
				long long *run_id, char **msg)
{
	struct engine *e = rhttp_ctx.o.engine;
	char *err = NULL;
	switch (act) {
	case ACT_PAUSE:
	case ACT_RESUME:
		if (engine_set_paused(e, act == ACT_PAUSE, &err) != 0)
			break;
		*msg = xstrdup(act == ACT_PAUSE ? "paused" : "resumed");
		return 200;
	case ACT_ENABLE:
	case ACT_DISABLE:
		if (engine_set_enabled(e, name, act == ACT_ENABLE, &err) != 0) {
			*msg = err;
			return strstr(err, "unknown") ? 404 : 503;
		}
		*msg = xstrdup(act == ACT_ENABLE ? "enabled" : "disabled");
		return 200;
	case ACT_RUN:
		if (alert_id <= 0 || !playbook || !*playbook) {
			*msg = xstrdup("alert_id and playbook are required");
			return 400;
		}
		*run_id = engine_run_manual(e, alert_id, playbook, &err);
		if (*run_id < 0) {
			*msg = err;
			if (strncmp(err, "refused", 7) == 0)
				return 409;   /* another host's alert: never run here (global.host) */
			return strstr(err, "unknown") || strstr(err, "no stored") ? 404 : 503;
		}
		*msg = xstrdup("queued");
		return 201;
	default:
		*msg = xstrdup("not found");
		return 404;
	}
	*msg = err ? err : xstrdup("failed");
	return 503;
}

static int rhttp_api_get(struct http_request *req, const char *rest)
{
	struct engine *e = rhttp_ctx.o.engine;
	struct strbuf sb = STRBUF_INIT;
	long long limit = rhttp_ll(http_req_query(req, "limit"), 50), before = rhttp_ll(http_req_query(req, "before"), 0);
	int rc = -1;

	if (limit < 0 || before < 0)
		return rhttp_json_error(req, 400, "limit and before must be non-negative integers");
	if (limit > 1000)
		limit = 1000;
	if (strcmp(rest, "status") == 0) {
		status_json(e, &sb);
		rc = 0;
	} else if (strcmp(rest, "runs") == 0) {
		rc = status_json_runs(e, http_req_query(req, "state"), before, (size_t)limit, &sb);
	} else if (strcmp(rest, "alerts") == 0) {
		rc = status_json_alerts(e, before, (size_t)limit, &sb);
	} else if (strcmp(rest, "outbox") == 0) {
		rc = status_json_outbox(e, before, (size_t)limit, &sb);
	} else if (strncmp(rest, "runs/", 5) == 0 || strncmp(rest, "alerts/", 7) == 0) {
		bool run = rest[0] == 'r';
		long long id = rhttp_ll(rest + (run ? 5 : 7), -1);
		rc = id <= 0 ? 1 : run ? status_json_run(e, id, &sb) : status_json_alert(e, id, &sb);
	} else {
		rc = 1;
	}
	int r = rc == 0 ? rhttp_json(req, 200, &sb)
		: rc > 0 ? rhttp_json_error(req, 404, "not found")
			 : rhttp_json_error(req, 503, "store unavailable");
	strbuf_release(&sb);
	return r;
}

static int rhttp_api(struct http_request *req, void *arg)
{
	const char *rest = http_req_path(req) + strlen("/api/v1/");
	char name[130] = "", *msg = NULL, *playbook = NULL;
	long long alert_id = 0, run_id = 0;
	(void)arg;

	if (!rhttp_api_ok(req))
		return http_respond_unauthorized(req);
	if (strcmp(http_req_method(req), "POST") != 0)
		return rhttp_api_get(req, rest);
	const char *refusal = rhttp_csrf_refusal(req);
	if (refusal)
		return rhttp_json_error(req, 403, refusal);
	enum rhttp_action act = rhttp_parse_action(rest, name, sizeof(name));
	if (act == ACT_NONE)
		return rhttp_json_error(req, 404, "not found");
	if (act == ACT_RUN) {
		size_t len;
		const char *body = http_req_body(req, &len);
		json_t *j = body ? json_loadb(body, len, 0, NULL) : NULL;
		json_t *aid = json_object_get(j, "alert_id"), *pb = json_object_get(j, "playbook");
		if (!json_is_integer(aid) || !json_is_string(pb)) {
			json_decref(j);
			return rhttp_json_error(req, 400, "body must be {\"alert_id\": N, \"playbook\": \"name\"}");
		}
		alert_id = json_integer_value(aid);
		playbook = xstrdup(json_string_value(pb));
		json_decref(j);
	}
	unsigned status = rhttp_do_action(act, name, alert_id, playbook, &run_id, &msg);
	struct strbuf sb = STRBUF_INIT;
	if (status >= 300) {
		strbuf_addstr(&sb, "{\"status\":\"error\",\"error\":");
		strbuf_add_json_string(&sb, msg, strlen(msg));
		strbuf_addstr(&sb, "}\n");
	} else if (act == ACT_RUN) {
		strbuf_addf(&sb, "{\"status\":\"success\",\"run_id\":%lld}\n", run_id);
	} else {
		strbuf_addstr(&sb, "{\"status\":\"success\",\"result\":");
		strbuf_add_json_string(&sb, msg, strlen(msg));
		strbuf_addstr(&sb, "}\n");
	}
	int rc = rhttp_json(req, status, &sb);
	strbuf_release(&sb);
	free(msg);
	free(playbook);
	return rc;
}

static int rhttp_ui(struct http_request *req, void *arg)
{
	const char *rest = http_req_path(req) + strlen("/ui/");
	char name[130] = "", *msg = NULL, *playbook = NULL, *aid = NULL;
	long long run_id = 0;
	(void)arg;

	if (strcmp(http_req_method(req), "POST") != 0) {
		if (!rhttp_api_ok(req))
			return http_respond_unauthorized(req);
		if (strncmp(rest, "runs/", 5) == 0) {
			long long id = rhttp_ll(rest + 5, -1);
			struct strbuf sb = STRBUF_INIT;
			int rc = id > 0 && status_run_page(rhttp_ctx.o.engine, id, &sb) == 0
					 ? http_respond(req, 200, HTTP_CONTENT_TYPE_HTML, sb.buf, sb.len)
					 : rhttp_text(req, 404, "Not Found\n");
			strbuf_release(&sb);
			return rc;
		}
		return rhttp_text(req, 404, "Not Found\n");
	}
	if (!rhttp_api_ok(req))
		return http_respond_unauthorized(req);
	if (!rhttp_same_origin(req))
		return rhttp_text(req, 403, "Forbidden: cross-site form post\n");
	enum rhttp_action act = rhttp_parse_action(rest, name, sizeof(name));
	if (act == ACT_NONE)
		return rhttp_text(req, 404, "Not Found\n");
	if (act == ACT_RUN) {
		size_t len;
		const char *body = http_req_body(req, &len);
		aid = body ? rhttp_form_value(body, len, "alert_id") : NULL;
		playbook = body ? rhttp_form_value(body, len, "playbook") : NULL;
	}
	unsigned status = rhttp_do_action(act, name, rhttp_ll(aid, 0), playbook, &run_id, &msg);
	int rc;
	if (status < 300) {
		char loc[64];
		if (act == ACT_RUN)
			snprintf(loc, sizeof(loc), "/ui/runs/%lld", run_id);
		else
			snprintf(loc, sizeof(loc), "/");
		const char *hdr[] = { "Location", loc, NULL };
		rc = http_respond_headers(req, 303, HTTP_CONTENT_TYPE_TEXT, "See Other\n", 10, hdr);
	} else {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "%s\n", msg);
		rc = http_respond(req, status, HTTP_CONTENT_TYPE_TEXT, sb.buf, sb.len);
		strbuf_release(&sb);
	}
	free(msg);
	free(aid);
	free(playbook);
	return rc;
}

struct http_server *rhttp_start(const struct rhttp_options *o, char **err)
{
	rhttp_ctx.o = *o;
	struct http_route routes[] = {
		{ .path = "/-/healthy", .methods = HTTP_GET, .auth = HTTP_AUTH_NONE, .handler = rhttp_healthy },
		{ .path = "/-/ready", .methods = HTTP_GET, .auth = HTTP_AUTH_NONE, .handler = rhttp_ready },
		{ .path = "/-/reload", .methods = HTTP_POST | HTTP_PUT, .auth = HTTP_AUTH_HANDLER, .handler = rhttp_reload,
		  .preauth = rhttp_api_preauth },
		{ .path = o->telemetry_path, .methods = HTTP_GET, .auth = HTTP_AUTH_WEB, .handler = rhttp_metrics },
		{ .path = "/", .methods = HTTP_GET, .auth = HTTP_AUTH_HANDLER, .handler = rhttp_page,
		  .preauth = rhttp_api_preauth },
		{ .path = "/api/v1/", .methods = HTTP_GET | HTTP_POST, .auth = HTTP_AUTH_HANDLER, .handler = rhttp_api,
		  .prefix = true, .preauth = rhttp_api_preauth },
		{ .path = "/ui/", .methods = HTTP_GET | HTTP_POST, .auth = HTTP_AUTH_HANDLER, .handler = rhttp_ui,
		  .prefix = true, .preauth = rhttp_api_preauth },
		/* everything else: a configured webhook path (looked up per request, so reload can change it) or 404 */
		{ .path = "/", .methods = HTTP_GET | HTTP_POST | HTTP_PUT | HTTP_DELETE, .auth = HTTP_AUTH_HANDLER,
		  .handler = rhttp_webhook, .prefix = true, .preauth = rhttp_webhook_preauth },
	};
	struct http_server_options opt = {
		.listen = o->listen,
		.web = o->web,
		.max_connections = o->max_connections,
		.max_connections_per_ip = o->max_connections_per_ip,
		.max_requests = o->max_requests,
		.request_timeout = o->request_timeout,
		.check_host = true,
		.allowed_hosts = o->allowed_hosts,
		.connection_timeout = 30,
		.max_body = o->max_body,
		.threads = o->threads,
		.server_name = "remediation_receiver",
	};
	return http_server_start(&opt, routes, sizeof(routes) / sizeof(routes[0]), err);
}
