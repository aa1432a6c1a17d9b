/* target.c: one Pi-hole's collection: API detection, v6 session handling, v6/v5 reads, DNS probe, logout */
#include "exporters/pihole/target.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/clock.h"
#include "common/httpclient.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/secret.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "exporters/pihole/parse.h"

#define PH_MOD "pihole"
#define PH_MAX_RESPONSE (4u << 20)

struct ph_target {
	const struct ph_target_cfg *cfg;
	struct counter_vec *logins;
	int cancel_fd;
	struct httpc *http;
	struct ph_session session;
	enum ph_api api;           /* detected (or configured) */
	bool fresh;                /* logged in during this collection: a 401 now is no expiry */
	struct log_once login_log;
};

/* One answer: status, body and the transport outcome. */
struct ph_answer {
	struct httpc_result res;
	int rc;                    /* httpc_request's */
};

void ph_target_result_release(struct ph_target_result *r)
{
	if (!r)
		return;
	free(r->message);
	ph_stats_release(&r->stats);
	memset(r, 0, sizeof(*r));
}

struct ph_target *ph_target_new(const struct ph_target_cfg *cfg, struct counter_vec *logins, int cancel_fd)
{
	struct ph_target *t = xcalloc(1, sizeof(*t));

	t->cfg = cfg;
	t->logins = logins;
	t->cancel_fd = cancel_fd;
	t->http = httpc_new();
	t->api = cfg->api;
	ph_session_init(&t->session);
	if (logins)
		counter_vec_add(logins, 0, cfg->name, "ok", (const char *)NULL);
	return t;
}

void ph_target_free(struct ph_target *t)
{
	if (!t)
		return;
	httpc_free(t->http);
	ph_session_release(&t->session);
	log_once_clear(&t->login_log);
	free(t);
}

/* A request to base URL + path (path includes its query). body: JSON for POST. */
static void ph_request(struct ph_target *t, const char *method, const char *path, const struct strbuf *body,
		       bool with_sid, double timeout, int cancel_fd, struct ph_answer *a)
{
	struct httpc_request req;
	struct strbuf url = STRBUF_INIT, sidh = STRBUF_INIT;
	const char *headers[4];
	size_t nh = 0;

	httpc_request_init(&req);
	strbuf_addstr(&url, t->cfg->url);
	strbuf_addstr(&url, path);
	headers[nh++] = "Accept: application/json";
	if (with_sid && t->session.sid) {
		strbuf_addf(&sidh, "X-FTL-SID: %s", t->session.sid);
		headers[nh++] = sidh.buf;
	}
	if (body)
		headers[nh++] = "Content-Type: application/json";
	headers[nh] = NULL;
	req.method = method;
	req.url = url.buf;
	req.headers = headers;
	req.body = body ? body->buf : NULL;
	req.body_len = body ? body->len : 0;
	req.timeout = timeout;
	req.connect_timeout = timeout;
	req.cancel_fd = cancel_fd;
	req.ca_file = t->cfg->ca_file;
	req.insecure_skip_verify = t->cfg->insecure_skip_verify;
	req.max_response = PH_MAX_RESPONSE;
	httpc_result_init(&a->res);
	a->rc = httpc_request(t->http, &req, &a->res);
	/* the v5 token travels in the URL; the sid in a header: wipe both */
	secret_strbuf_release(&url);
	secret_strbuf_release(&sidh);
}

static void ph_answer_release(struct ph_answer *a)
{
	httpc_result_release(&a->res);
}

static void ph_fail(struct ph_target_result *out, const char *reason, const char *message)
{
	if (out->reason[0])
		return;
	out->ok = false;
	snprintf(out->reason, sizeof(out->reason), "%s", reason);
	free(out->message);
	out->message = message ? xstrdup(message) : NULL;
}

/* A transport failure (no HTTP answer, or not 2xx and not a 401 handled by the caller). */
static void ph_fail_answer(struct ph_target_result *out, const struct ph_answer *a)
{
	ph_fail(out, a->res.error == HTTPC_E_HTTP ? "http" : httpc_error_name(a->res.error), a->res.message);
}

static void ph_count_login(struct ph_target *t, enum ph_login_result r)
{
	if (t->logins)
		counter_vec_add(t->logins, 1, t->cfg->name, ph_login_result_name(r), (const char *)NULL);
}

/* POST /api/auth. Returns 0 when requests may go on (logged in, or no password needed). */
static int ph_v6_login(struct ph_target *t, struct ph_target_result *out)
{
	struct strbuf body = STRBUF_INIT;
	struct ph_answer a;
	struct ph_auth auth;
	char *err = NULL;
	bool parsed;
	enum ph_login_result r;

	strbuf_addstr(&body, "{\"password\":");
	strbuf_add_json_string(&body, t->cfg->password, strlen(t->cfg->password));
	strbuf_addch(&body, '}');
	ph_request(t, "POST", "/api/auth", &body, false, t->cfg->timeout, t->cancel_fd, &a);
	secret_strbuf_release(&body);
	if (a.res.status == 0) {
		/* no answer: nothing was decided, no seat was taken; not a login attempt */
		ph_fail_answer(out, &a);
		ph_answer_release(&a);
		return -1;
	}
	parsed = ph_v6_auth_parse(a.res.body.buf, a.res.body.len, &auth, &err) == PH_PARSE_OK;
	secret_wipe(a.res.body.buf, a.res.body.len);
	r = ph_session_login_done(&t->session, a.res.status, parsed ? &auth : NULL, clock_mono());
	ph_count_login(t, r);
	if (r == PH_LOGIN_OK) {
		t->fresh = true;
		if (log_once_new(&t->login_log, "ok") && t->session.attempts > 1)
			log_info(PH_MOD, "logged in", "target", t->cfg->name);
		log_debug(PH_MOD, "logged in", "target", t->cfg->name, "session", t->session.sid ? "yes" : "none needed");
	} else {
		char status[16];
		snprintf(status, sizeof(status), "%ld", a.res.status);
		const char *what = ph_login_result_name(r);
		if (log_once_new(&t->login_log, what))
			log_warn(PH_MOD, "login refused; backing off", "target", t->cfg->name, "result", what, "status",
				 status, "message", parsed && auth.error_message ? auth.error_message :
				 parsed && auth.message ? auth.message : (err ? err : ""));
		ph_fail(out, "auth", what);
	}
	free(err);
	if (parsed)
		ph_auth_release(&auth);
	ph_answer_release(&a);
	return r == PH_LOGIN_OK ? 0 : -1;
}

/* Makes sure requests may be sent: 0, or -1 with out failed. */
static int ph_v6_ensure_session(struct ph_target *t, struct ph_target_result *out)
{
	if (!t->cfg->password)
		return 0;
	switch (ph_session_next(&t->session, clock_mono())) {
	case PH_SESSION_USE:
		return 0;
	case PH_SESSION_WAIT:
		ph_fail(out, "auth", ph_login_result_name(t->session.last));
		return -1;
	default:
		return ph_v6_login(t, out);
	}
}

/*
 * GET an authenticated v6 endpoint: on a 401 with a session, the session has expired (or was
 * dropped): log in once more and repeat. Returns 0 with a 2xx answer in *a (caller releases),
 * or -1 with out failed (*a released).
 */
static int ph_v6_get(struct ph_target *t, const char *path, struct ph_target_result *out, struct ph_answer *a)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (ph_v6_ensure_session(t, out) < 0)
			return -1;
		ph_request(t, "GET", path, NULL, true, t->cfg->timeout, t->cancel_fd, a);
		if (a->rc == 0)
			return 0;
		if (a->res.status == 401) {
			bool had = t->session.sid != NULL || t->session.no_auth;
			ph_answer_release(a);
			if (!t->cfg->password) {
				ph_fail(out, "auth", "password required: set password_file");
				return -1;
			}
			if (!had || attempt > 0 || t->fresh) {
				ph_fail(out, "auth", "unauthorized after login");
				return -1;
			}
			log_debug(PH_MOD, "session expired; logging in again", "target", t->cfg->name);
			ph_session_expired(&t->session);
			continue;
		}
		ph_fail_answer(out, a);
		ph_answer_release(a);
		return -1;
	}
	return -1;
}

/*
 * Ends a read: releases the answer and *err (set by the parser: passed by address because the
 * order in which a call's arguments are evaluated is unspecified); fails out unless the parse
 * succeeded. 0 or -1.
 */
static int ph_parsed(struct ph_target_result *out, struct ph_answer *a, int parse_result, char **err)
{
	int r = 0;

	if (parse_result != PH_PARSE_OK) {
		ph_fail(out, parse_result == PH_PARSE_UNAUTHORIZED ? "auth" : "parse", *err);
		r = -1;
	}
	free(*err);
	*err = NULL;
	ph_answer_release(a);
	return r;
}

#define PH_BODY(a) (a).res.body.buf, (a).res.body.len

static void ph_v6_collect(struct ph_target *t, struct ph_target_result *out)
{
	struct ph_stats *s = &out->stats;
	struct ph_answer a;
	char path[96];
	char *err = NULL;

	s->api = PH_API_V6;
	if (ph_v6_get(t, "/api/stats/summary", out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v6_summary_parse(PH_BODY(a), &s->summary, &err), &err) < 0)
		return;
	out->has_stats = true;
	if (ph_v6_get(t, "/api/dns/blocking", out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v6_blocking_parse(PH_BODY(a), &s->blocking, &err), &err) < 0)
		return;
	s->has_blocking = true;
	if (ph_v6_get(t, "/api/stats/upstreams", out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v6_upstreams_parse(PH_BODY(a), &s->upstreams, &err), &err) < 0)
		return;
	s->has_upstreams = true;
	if (ph_v6_get(t, "/api/info/version", out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v6_version_parse(PH_BODY(a), &s->version, &err), &err) < 0)
		return;
	if (ph_v6_get(t, "/api/info/ftl", out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v6_ftl_parse(PH_BODY(a), &s->ftl, &err), &err) < 0)
		return;
	s->has_ftl = true;
	if (t->cfg->top_count <= 0)
		return;
	snprintf(path, sizeof(path), "/api/stats/top_domains?count=%ld", t->cfg->top_count);
	if (ph_v6_get(t, path, out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v6_top_domains_parse(PH_BODY(a), &s->top_domains, &err), &err) < 0)
		return;
	snprintf(path, sizeof(path), "/api/stats/top_domains?blocked=true&count=%ld", t->cfg->top_count);
	if (ph_v6_get(t, path, out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v6_top_domains_parse(PH_BODY(a), &s->top_blocked, &err), &err) < 0)
		return;
	snprintf(path, sizeof(path), "/api/stats/top_clients?count=%ld", t->cfg->top_count);
	if (ph_v6_get(t, path, out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v6_top_clients_parse(PH_BODY(a), &s->top_clients, &err), &err) < 0)
		return;
	s->has_top = true;
}

/* GET admin/api.php?<query>[&auth=token] and parse; 0 or -1 (out failed). */
static int ph_v5_get(struct ph_target *t, const char *query, struct ph_target_result *out, struct ph_answer *a)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_addf(&path, "/admin/api.php?%s", query);
	if (t->cfg->password) {
		strbuf_addstr(&path, "&auth=");
		strbuf_addstr(&path, t->cfg->password);
	}
	ph_request(t, "GET", path.buf, NULL, false, t->cfg->timeout, t->cancel_fd, a);
	secret_strbuf_release(&path);
	if (a->rc == 0)
		return 0;
	ph_fail_answer(out, a);
	ph_answer_release(a);
	return -1;
}

static void ph_v5_collect(struct ph_target *t, struct ph_target_result *out)
{
	struct ph_stats *s = &out->stats;
	struct ph_answer a;
	char q[64];
	char *err = NULL;

	s->api = PH_API_V5;
	if (ph_v5_get(t, "summaryRaw", out, &a) < 0)
		return;
	if (ph_parsed(out, &a, ph_v5_summary_parse(PH_BODY(a), &s->summary, &err), &err) < 0) {
		if (strcmp(out->reason, "auth") == 0)
			ph_count_login(t, PH_LOGIN_WRONG_PASSWORD);
		return;
	}
	out->has_stats = true;
	if (ph_v5_get(t, "getQueryTypes", out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v5_pairs_parse(PH_BODY(a), "querytypes", &s->querytypes_percent, &err), &err) < 0)
		return;
	if (ph_v5_get(t, "getForwardDestinations", out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v5_pairs_parse(PH_BODY(a), "forward_destinations", &s->forward_percent, &err),
		      &err) < 0)
		return;
	if (ph_v5_get(t, "versions", out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v5_versions_parse(PH_BODY(a), &s->version, &err), &err) < 0)
		return;
	if (t->cfg->top_count <= 0)
		return;
	snprintf(q, sizeof(q), "topItems=%ld", t->cfg->top_count);
	if (ph_v5_get(t, q, out, &a) < 0)
		return;
	if (ph_v5_pairs_parse(PH_BODY(a), "top_ads", &s->top_blocked, NULL) != PH_PARSE_OK)
		ph_named_list_release(&s->top_blocked);
	if (ph_parsed(out, &a, ph_v5_pairs_parse(PH_BODY(a), "top_queries", &s->top_domains, &err), &err) < 0)
		return;
	snprintf(q, sizeof(q), "topClients=%ld", t->cfg->top_count);
	if (ph_v5_get(t, q, out, &a) < 0 ||
	    ph_parsed(out, &a, ph_v5_pairs_parse(PH_BODY(a), "top_sources", &s->top_clients, &err), &err) < 0)
		return;
	s->has_top = true;
}

/*
 * Which API: GET /api/auth answers a v6 session object (200 without a password, else 401);
 * otherwise admin/api.php?versions answers v5's. Returns 0 (t->api set) or -1 (out failed).
 */
static int ph_detect(struct ph_target *t, struct ph_target_result *out)
{
	struct ph_answer a;
	struct ph_auth auth;
	struct ph_version v;

	ph_request(t, "GET", "/api/auth", NULL, false, t->cfg->timeout, t->cancel_fd, &a);
	if (a.res.status == 0) {
		ph_fail_answer(out, &a);
		ph_answer_release(&a);
		return -1;
	}
	if ((a.res.status == 200 || a.res.status == 401) &&
	    ph_v6_auth_parse(a.res.body.buf, a.res.body.len, &auth, NULL) == PH_PARSE_OK && auth.has_session) {
		t->api = PH_API_V6;
		ph_auth_release(&auth);
		ph_answer_release(&a);
		log_info(PH_MOD, "detected the API", "target", t->cfg->name, "api", "v6");
		return 0;
	}
	ph_auth_release(&auth);
	ph_answer_release(&a);
	ph_request(t, "GET", "/admin/api.php?versions", NULL, false, t->cfg->timeout, t->cancel_fd, &a);
	if (a.rc == 0 && ph_v5_versions_parse(a.res.body.buf, a.res.body.len, &v, NULL) == PH_PARSE_OK) {
		t->api = PH_API_V5;
		ph_version_release(&v);
		ph_answer_release(&a);
		log_info(PH_MOD, "detected the API", "target", t->cfg->name, "api", "v5");
		return 0;
	}
	if (a.res.status == 0)
		ph_fail_answer(out, &a);
	else
		ph_fail(out, "unsupported", "neither /api/auth (v6) nor /admin/api.php (v5) answered as Pi-hole");
	ph_answer_release(&a);
	return -1;
}

void ph_target_collect(struct ph_target *t, struct ph_target_result *out)
{
	double start = clock_mono();

	memset(out, 0, sizeof(*out));
	ph_stats_init(&out->stats);
	out->ok = true;
	t->fresh = false;
	if (t->api != PH_API_AUTO || ph_detect(t, out) == 0) {
		if (t->api == PH_API_V6)
			ph_v6_collect(t, out);
		else
			ph_v5_collect(t, out);
		/* a Pi-hole replaced by another version answers 404: detect again next time */
		if (!out->ok && t->cfg->api == PH_API_AUTO && strcmp(out->reason, "http") == 0 && out->message &&
		    strstr(out->message, "404"))
			t->api = PH_API_AUTO;
	}
	if (out->reason[0])
		out->ok = false;
	/* v5 has no sessions: a refused token ([] answers) is its failing login */
	out->login_failing = t->api == PH_API_V6 ? ph_session_failing(&t->session) :
			     (t->api == PH_API_V5 && strcmp(out->reason, "auth") == 0);
	out->login_last = t->session.last;
	if (t->cfg->dns_probe) {
		ph_dns_probe(t->cfg->dns_host, t->cfg->dns_port, t->cfg->dns_probe, t->cfg->timeout, t->cancel_fd,
			     &out->probe);
		out->probed = true;
	}
	out->duration = clock_mono() - start;
	out->finished = clock_real();
}

void ph_target_logout(struct ph_target *t, double timeout)
{
	struct ph_answer a;
	char status[16];

	if (t->api != PH_API_V6 || !t->session.sid)
		return;
	ph_request(t, "DELETE", "/api/auth", NULL, true, timeout, -1, &a);
	snprintf(status, sizeof(status), "%ld", a.res.status);
	if (a.res.status == 204 || a.res.status == 200 || a.res.status == 404 || a.res.status == 410)
		log_info(PH_MOD, "logged out", "target", t->cfg->name, "status", status);
	else
		log_warn(PH_MOD, "logout failed; the session expires by itself", "target", t->cfg->name, "status",
			 status, "err", a.res.message);
	ph_answer_release(&a);
	secret_free(ph_session_take_sid(&t->session));
}
