/* http.h: the receiver's HTTP endpoints: webhooks, status page, operator API, metrics, health, reload */
#ifndef HOMEOPS_RECEIVER_HTTP_H
#define HOMEOPS_RECEIVER_HTTP_H

#include <stddef.h>
#include "common/http.h"
#include "common/strlist.h"
#include "receiver/engine.h"

/*
 * Endpoints:
 *   POST <receiver path>          webhook (bearer token or basic auth of that receiver, constant-time)
 *   GET  /                        status page            (as the API: it shows the same data)
 *   GET  <telemetry path>         metrics                (web config basic auth when it has users)
 *   GET  /-/healthy, /-/ready     open
 *   POST /-/reload                web basic auth or any webhook credential
 *   GET  /api/v1/status | runs | runs/<id> | alerts | alerts/<id> | outbox      (idem)
 *   POST /api/v1/pause | resume | playbooks/<name>/enable | playbooks/<name>/disable
 *   POST /api/v1/runs             {"alert_id": N, "playbook": "name"} -> 201 {"run_id": M}
 *   GET  /ui/runs/<id>            run page               (as the API)
 *   POST /ui/pause, /ui/resume, /ui/playbooks/<name>/(en|dis)able, /ui/runs
 *                                 the status page's forms: same auth as the API, same-origin only, 303 to /
 * When neither web users nor webhook credentials exist (loopback only, main refuses otherwise),
 * the API and the pages are open.
 * Cross-site requests: the state-changing API (POST /api/v1/..., /-/reload) needs a JSON content
 * type or an X-Requested-With header (neither can be sent cross-site without a CORS preflight,
 * which is never granted), and a same-origin Origin when one is sent (else 403). Every request's
 * Host must be an IP address, a loopback name or a --web.allowed-host name (else 421: DNS
 * rebinding). Credentials are checked on the headers, before the body is read.
 */
struct rhttp_options {
	const struct strlist *listen;
	struct webconfig *web;
	size_t max_body;
	unsigned max_connections;      /* connections held */
	unsigned max_connections_per_ip;
	unsigned max_requests;         /* requests in service */
	double request_timeout;
	const struct strlist *allowed_hosts;
	unsigned threads;
	const char *telemetry_path;
	const char *procfs;          /* --path.procfs for process_* (NULL = "/proc") */
	struct engine *engine;
	/* Reloads the configuration (main's function). Returns 0, or -1 with *err (caller frees). */
	int (*reload)(void *arg, char **err);
	void *reload_arg;
};

struct http_server *rhttp_start(const struct rhttp_options *o, char **err);
/* Builds the metrics exposition (also used by tests). */
void rhttp_metrics_text(struct engine *e, struct strbuf *out);

#endif
