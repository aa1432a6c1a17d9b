/* model.c: constructors and destructors of the Pi-hole model */
#include "exporters/pihole/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/secret.h"
#include "common/xalloc.h"

void ph_named_add(struct ph_named_list *l, const char *name, size_t len, double value)
{
	XGROW(l->items, l->n + 1, l->alloc);
	l->items[l->n].name = xstrndup(name, len);
	l->items[l->n].value = value;
	l->n++;
}

double ph_named_get(const struct ph_named_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return l->items[i].value;
	return NAN;
}

void ph_named_list_release(struct ph_named_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].name);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

const char *ph_api_name(enum ph_api a)
{
	switch (a) {
	case PH_API_V6: return "v6";
	case PH_API_V5: return "v5";
	default: return "auto";
	}
}

void ph_summary_init(struct ph_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->queries_total = s->queries_blocked = s->percent_blocked = NAN;
	s->unique_domains = s->queries_forwarded = s->queries_cached = s->query_frequency = NAN;
	s->clients_active = s->clients_total = s->gravity_domains = s->gravity_last_update = NAN;
}

void ph_summary_release(struct ph_summary *s)
{
	if (!s)
		return;
	ph_named_list_release(&s->types);
	ph_named_list_release(&s->replies);
	ph_named_list_release(&s->statuses);
	ph_summary_init(s);
}

void ph_upstreams_release(struct ph_upstreams *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++) {
		free(u->items[i].name);
		free(u->items[i].ip);
	}
	free(u->items);
	memset(u, 0, sizeof(*u));
	u->total_queries = u->forwarded_queries = NAN;
}

void ph_version_release(struct ph_version *v)
{
	if (!v)
		return;
	free(v->core);
	free(v->web);
	free(v->ftl);
	memset(v, 0, sizeof(*v));
}

void ph_ftl_info_init(struct ph_ftl_info *f)
{
	f->gravity = f->groups = f->lists = f->clients = NAN;
	f->domains_allowed = f->domains_allowed_enabled = f->domains_denied = f->domains_denied_enabled = NAN;
	f->regex_allowed = f->regex_allowed_enabled = f->regex_denied = f->regex_denied_enabled = NAN;
	f->privacy_level = f->uptime_seconds = NAN;
}

void ph_auth_release(struct ph_auth *a)
{
	if (!a)
		return;
	secret_free(a->sid);
	free(a->message);
	free(a->error_key);
	free(a->error_message);
	memset(a, 0, sizeof(*a));
}

void ph_stats_init(struct ph_stats *s)
{
	memset(s, 0, sizeof(*s));
	ph_summary_init(&s->summary);
	s->blocking.timer = NAN;
	s->upstreams.total_queries = s->upstreams.forwarded_queries = NAN;
	ph_ftl_info_init(&s->ftl);
}

void ph_stats_release(struct ph_stats *s)
{
	if (!s)
		return;
	ph_summary_release(&s->summary);
	ph_upstreams_release(&s->upstreams);
	ph_named_list_release(&s->querytypes_percent);
	ph_named_list_release(&s->forward_percent);
	ph_version_release(&s->version);
	ph_named_list_release(&s->top_domains);
	ph_named_list_release(&s->top_blocked);
	ph_named_list_release(&s->top_clients);
	ph_stats_init(s);
}
