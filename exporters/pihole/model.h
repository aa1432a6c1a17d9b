/* model.h: what one collection of a Pi-hole holds: stats, blocking, versions, FTL info, top lists */
#ifndef PIHOLE_MODEL_H
#define PIHOLE_MODEL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Numbers are doubles and NaN when the Pi-hole did not say (render leaves them out). Every
 * string and list is owned by the struct that holds it; the *_release() functions free them
 * and leave the struct zeroed (a NULL or zeroed struct is fine to release).
 */

/* A name with a value: a query type with its count, a top domain with its hits. */
struct ph_named {
	char *name;
	double value;
};
struct ph_named_list {
	struct ph_named *items;
	size_t n;
	size_t alloc;
};
/* Appends a copy of name (len bytes; need not be NUL-terminated). */
void ph_named_add(struct ph_named_list *l, const char *name, size_t len, double value);
/* The value of name, or NaN. */
double ph_named_get(const struct ph_named_list *l, const char *name);
void ph_named_list_release(struct ph_named_list *l);

enum ph_api { PH_API_AUTO = 0, PH_API_V6, PH_API_V5 };
const char *ph_api_name(enum ph_api a); /* "auto", "v6", "v5" */

enum ph_blocking { PH_BLOCKING_UNKNOWN = 0, PH_BLOCKING_ENABLED, PH_BLOCKING_DISABLED, PH_BLOCKING_FAILURE };

/* v6 stats/summary, or v5 summaryRaw (same meaning, v5 names in comments). */
struct ph_summary {
	double queries_total;       /* dns_queries_today */
	double queries_blocked;     /* ads_blocked_today */
	double percent_blocked;     /* ads_percentage_today */
	double unique_domains;
	double queries_forwarded;
	double queries_cached;
	double query_frequency;     /* v6 only: queries per second */
	double clients_active;      /* unique_clients */
	double clients_total;       /* clients_ever_seen */
	double gravity_domains;     /* domains_being_blocked */
	double gravity_last_update; /* gravity_last_updated.absolute; Unix time */
	enum ph_blocking status;    /* v5 "status"; v6 has it in dns/blocking */
	struct ph_named_list types;    /* v6: counts by query type */
	struct ph_named_list replies;  /* counts by reply type (v5: reply_X) */
	struct ph_named_list statuses; /* v6: counts by query status */
};
void ph_summary_init(struct ph_summary *s);
void ph_summary_release(struct ph_summary *s);

/* v6 dns/blocking */
struct ph_blocking_state {
	enum ph_blocking state;
	double timer; /* seconds until the state flips back, NaN when none */
};

/* v6 stats/upstreams: one upstream (pseudo-upstreams "blocklist" and "cache" have port -1). */
struct ph_upstream {
	char *name;
	char *ip;
	long port;
	double count;
	double response; /* mean response time, seconds */
	double variance;
};
struct ph_upstreams {
	struct ph_upstream *items;
	size_t n;
	size_t alloc;
	double total_queries;
	double forwarded_queries;
};
void ph_upstreams_release(struct ph_upstreams *u);

/* Versions: v6 info/version (*.local.version), v5 versions (*_current). */
struct ph_version {
	char *core;
	char *web;
	char *ftl;
};
void ph_version_release(struct ph_version *v);

/*
 * v6 info/ftl: list sizes of the gravity database. domains/regex are plain integers before
 * v6.3 (only the totals are known then: *_enabled stay NaN) and {total, enabled} from v6.3.
 */
struct ph_ftl_info {
	double gravity;
	double groups;
	double lists;
	double clients;
	double domains_allowed, domains_allowed_enabled;
	double domains_denied, domains_denied_enabled;
	double regex_allowed, regex_allowed_enabled;
	double regex_denied, regex_denied_enabled;
	double privacy_level;
	double uptime_seconds; /* FTL reports milliseconds */
};
void ph_ftl_info_init(struct ph_ftl_info *f);

/*
 * A v6 answer's "session" object (auth endpoints) or "error" object (any endpoint). Either,
 * both or neither may be present.
 */
struct ph_auth {
	bool has_session;
	bool valid;
	bool totp;
	char *sid;          /* NULL when null (no password set) */
	double validity;    /* seconds; -1 when sessions do not expire (no password) */
	char *message;
	char *error_key;    /* "api_seats_exceeded", "rate_limiting", "unauthorized", ... or NULL */
	char *error_message;
};
void ph_auth_release(struct ph_auth *a);

/* Everything one collection read from a Pi-hole. */
struct ph_stats {
	enum ph_api api;
	struct ph_summary summary;
	bool has_blocking;
	struct ph_blocking_state blocking;
	bool has_upstreams;
	struct ph_upstreams upstreams;          /* v6 */
	struct ph_named_list querytypes_percent; /* v5 getQueryTypes */
	struct ph_named_list forward_percent;    /* v5 getForwardDestinations */
	struct ph_version version;
	bool has_ftl;
	struct ph_ftl_info ftl;                  /* v6 */
	bool has_top;
	struct ph_named_list top_domains;        /* permitted */
	struct ph_named_list top_blocked;
	struct ph_named_list top_clients;
};
void ph_stats_init(struct ph_stats *s);
void ph_stats_release(struct ph_stats *s);

#endif
