/* route.h: Alertmanager-style label matchers and ordered routes from alerts to playbooks (pure) */
#ifndef HOMEOPS_RECEIVER_ROUTE_H
#define HOMEOPS_RECEIVER_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include "common/strlist.h"
#include "receiver/webhook.h"

/*
 * Matcher syntax is Alertmanager's (pkg/labels ParseMatchers): one string may hold several
 * matchers separated by commas, optionally wrapped in {}; each is  name op value  with op one of
 * =  !=  =~  !~ . The value may be double-quoted; inside it \" \\ and \n are escapes, any other
 * backslash is literal (as Alertmanager treats "spurious" escapes); an unquoted value runs to the
 * end of the matcher, trailing space trimmed. Names are [a-zA-Z_:][a-zA-Z0-9_:]*, or a
 * double-quoted UTF-8 string (Alertmanager 0.27's UTF-8 names). Regexes are anchored at both
 * ends exactly as Alertmanager does ("^(?:" value ")$"), compiled with PCRE2 in UTF mode with
 * a match limit, so a hostile pattern cannot hang matching. A label that is absent matches as
 * the empty string (so name="" matches an absent label and name!="x" matches it too).
 */
enum matcher_op {
	MATCH_EQ = 0,
	MATCH_NE,
	MATCH_RE,
	MATCH_NRE,
};

struct matcher {
	char *name;
	enum matcher_op op;
	char *value;
	void *re;        /* pcre2_code for MATCH_RE / MATCH_NRE */
};

struct matcher_list {
	struct matcher *items;
	size_t n;
};

/*
 * Parses s and appends its matchers to out. Returns 0, or -1 with *err (caller frees) naming
 * the bad matcher; on error nothing is appended.
 */
int matchers_parse(const char *s, struct matcher_list *out, char **err);
void matcher_list_release(struct matcher_list *l);
/* True when m matches the label set. */
bool matcher_matches(const struct matcher *m, const struct wh_set *labels);
/* True when every matcher matches (an empty list matches everything). */
bool matchers_match(const struct matcher_list *l, const struct wh_set *labels);
/* Appends m in canonical form (name op "escaped value") to sb, for logs and the status page. */
struct strbuf;
void matcher_format(const struct matcher *m, struct strbuf *sb);
const char *matcher_op_name(enum matcher_op op);

#define ROUTE_ON_FIRING 1u
#define ROUTE_ON_RESOLVED 2u

struct route {
	struct matcher_list matchers;
	char *receiver;            /* NULL: any webhook receiver; else only alerts that came to this one */
	char *playbook;            /* playbook name */
	unsigned on;               /* ROUTE_ON_* bits; default firing */
	bool cont;                 /* continue: keep evaluating later routes after a match */
	struct strlist notify;     /* notifier names */
};

void route_release(struct route *r);

/*
 * Evaluates routes in order for one alert's own labels arriving on receiver: a route matches
 * when its receiver (if set) is receiver and all its matchers match; evaluation stops at the
 * first match unless that route has continue. Writes the indexes of matching routes to out
 * (at most max) and returns how many matched. Whether a matched route acts on the alert's
 * status (on:) is the caller's decision, so that a resolved alert can still cancel a run.
 */
size_t route_select(const struct route *routes, size_t nroutes, const char *receiver,
		    const struct wh_set *labels, size_t *out, size_t max);

/* Parses "firing" | "resolved" | "both" into ROUTE_ON_* bits. Returns 0 or -1. */
int route_on_parse(const char *s, unsigned *out);

#endif
