/* alert_view.h: what tells a person which alert this is: identifying labels, summary, runbook link (pure) */
#ifndef HOMEOPS_RECEIVER_ALERT_VIEW_H
#define HOMEOPS_RECEIVER_ALERT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include "common/strbuf.h"
#include "receiver/webhook.h"

/*
 * One stored alert (the Alertmanager alert object as JSON, as the store keeps it) seen by an
 * operator. labels is sorted by name, bytewise (a wh_set, so routes can be matched against it);
 * annotations too. summary, description and runbook_url point into annotations (NULL when absent).
 */
struct alert_view {
	struct wh_set labels;
	struct wh_set annotations;
	const char *alertname;     /* "" when absent */
	const char *summary;
	const char *description;
	const char *runbook_url;
};

/* Parses the stored JSON. Returns 0, or -1 (out empty but valid to release) when it is not an
 * object with string labels. Annotations that are not strings are left out. */
int alert_view_parse(const char *json, struct alert_view *out);
void alert_view_release(struct alert_view *v);

/*
 * The labels that tell two alerts of one name apart: every label but alertname, severity and job,
 * in the order instance, name, mountpoint, device, hostname, then the rest by name. Writes indexes
 * into v->labels to idx (at most max) and returns how many.
 */
size_t alert_view_ident(const struct alert_view *v, size_t *idx, size_t max);
/* The same as text, "name=value, ..." cut to at most width characters (bytes of UTF-8, never
 * splitting a character) with "…" when cut. Appends nothing when no label identifies it. */
void alert_view_ident_text(const struct alert_view *v, size_t width, struct strbuf *out);

/* True when url may be a link: an absolute http:// or https:// URL (scheme case-insensitive) with
 * a host, and no space or control character. Anything else (javascript:, data:, relative) is text. */
bool alert_view_link_ok(const char *url);

#endif
