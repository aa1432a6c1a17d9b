/* parse.h: pure parsers of Pi-hole API answers (v6 /api/..., v5 admin/api.php) */
#ifndef PIHOLE_PARSE_H
#define PIHOLE_PARSE_H

#include <stddef.h>
#include "exporters/pihole/model.h"

/*
 * Bytes in, model out: no I/O, no clock, no globals (fuzzed in tests/fuzz/pihole). Each
 * parser returns PH_PARSE_OK and fills *out (initialised by the parser; the caller releases
 * it), or a negative result with *err a heap message for the log (caller frees; *err may be
 * NULL to not want it) and *out released. Numbers are accepted as JSON numbers and, for v5's
 * "formatted" answers, as strings with thousands separators ("906,175").
 */
enum ph_parse_result {
	PH_PARSE_OK = 0,
	PH_PARSE_ERROR = -1,        /* not JSON, or not the expected object */
	PH_PARSE_UNAUTHORIZED = -2, /* v5: the empty list PHP answers without a valid auth token */
};

/* ---- v6 ---- */

/* GET /api/stats/summary: queries, clients, gravity. */
int ph_v6_summary_parse(const char *buf, size_t len, struct ph_summary *out, char **err);
/* GET /api/stats/upstreams */
int ph_v6_upstreams_parse(const char *buf, size_t len, struct ph_upstreams *out, char **err);
/* GET /api/stats/query_types: counts by type. */
int ph_v6_query_types_parse(const char *buf, size_t len, struct ph_named_list *out, char **err);
/* GET /api/dns/blocking */
int ph_v6_blocking_parse(const char *buf, size_t len, struct ph_blocking_state *out, char **err);
/* GET /api/info/version: the local versions of core, web and FTL. */
int ph_v6_version_parse(const char *buf, size_t len, struct ph_version *out, char **err);
/* GET /api/info/ftl: database list sizes, both the pre-6.3 and the 6.3 shape. */
int ph_v6_ftl_parse(const char *buf, size_t len, struct ph_ftl_info *out, char **err);
/* GET /api/stats/top_domains (domains[].domain, count) */
int ph_v6_top_domains_parse(const char *buf, size_t len, struct ph_named_list *out, char **err);
/* GET /api/stats/top_clients (clients[].name|ip, count): "name|ip", or the ip alone without a name. */
int ph_v6_top_clients_parse(const char *buf, size_t len, struct ph_named_list *out, char **err);
/*
 * Any v6 answer with a "session" object (GET/POST /api/auth) and/or an "error" object (every
 * endpoint's 4xx/5xx). Fails when the body is not a JSON object with at least one of them.
 */
int ph_v6_auth_parse(const char *buf, size_t len, struct ph_auth *out, char **err);

/* ---- v5 ---- */

/* admin/api.php?summaryRaw (or ?summary, formatted): counters, reply_*, status, gravity. */
int ph_v5_summary_parse(const char *buf, size_t len, struct ph_summary *out, char **err);
/*
 * An object of name -> number under key: getQueryTypes ("querytypes"), getForwardDestinations
 * ("forward_destinations"), topClients ("top_sources"), topItems ("top_queries", "top_ads").
 * PHP sends an empty list ([]) for an empty object: accepted as empty.
 */
int ph_v5_pairs_parse(const char *buf, size_t len, const char *key, struct ph_named_list *out, char **err);
/* admin/api.php?versions: *_current. */
int ph_v5_versions_parse(const char *buf, size_t len, struct ph_version *out, char **err);

/* "enabled" -> PH_BLOCKING_ENABLED, ... (unknown words: PH_BLOCKING_UNKNOWN). */
enum ph_blocking ph_blocking_from(const char *s);

#endif
