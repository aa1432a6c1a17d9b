/* status.h: the status page (plain HTML, no JavaScript) and the operator API's JSON documents */
#ifndef HOMEOPS_RECEIVER_STATUS_H
#define HOMEOPS_RECEIVER_STATUS_H

#include <stddef.h>
#include "common/strbuf.h"
#include "receiver/engine.h"

/*
 * HTML (status_html.c): one page at / that answers, for the operator woken by a notification,
 * which alert (the labels that tell it apart), why (summary, runbook link), what was done (runs
 * with their result, last output line and attempt count) and what next (failed repairs whose
 * alert still fires, cooldowns, manual runs offering the routed playbook first); and one page per
 * run at /ui/runs/<id> with every label and annotation, the notifications sent and the output.
 * Forms post to /ui/... and come back with 303. Everything from alerts is HTML-escaped, runbook
 * URLs are links only when http(s); no JavaScript; refreshes itself every 30 s; readable at 360 px.
 */
void status_page(struct engine *e, const char *version, struct strbuf *out);
/* Returns 0, or 1 when there is no such run. */
int status_run_page(struct engine *e, long long id, struct strbuf *out);

/* JSON for the API: {"paused":..,"dry_run":..,"queued":..,"running":..,"playbooks":[..],"attention":[..]} */
void status_json(struct engine *e, struct strbuf *out);
/* {"runs":[...]} newest first; state NULL = all. Returns 0 or -1. */
int status_json_runs(struct engine *e, const char *state, long long before, size_t limit, struct strbuf *out);
/* One run with its output. Returns 0, 1 when not found, -1 on error. */
int status_json_run(struct engine *e, long long id, struct strbuf *out);
int status_json_alerts(struct engine *e, long long before, size_t limit, struct strbuf *out);
int status_json_alert(struct engine *e, long long id, struct strbuf *out);
int status_json_outbox(struct engine *e, long long before, size_t limit, struct strbuf *out);

#endif
