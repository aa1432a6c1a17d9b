/* ph_test.h: helpers shared by the pihole_exporter unit tests and fuzz targets: numbers, every parser on one buffer */
#ifndef PH_TEST_H
#define PH_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exporters/pihole/dns.h"
#include "exporters/pihole/parse.h"

#ifdef PH_TEST_CMOCKA
/* Asserts a model value: NaN expected means "the answer did not say" and must stay NaN. */
#define assert_num(actual, expected) ph_assert_num((actual), (expected), #actual, __FILE__, __LINE__)
static inline void ph_assert_num(double a, double e, const char *what, const char *file, int line)
{
	if (isnan(e) ? !isnan(a) : (isnan(a) || fabs(a - e) > 1e-9 * (fabs(e) > 1 ? fabs(e) : 1))) {
		fprintf(stderr, "%s: expected %.17g, got %.17g\n", what, e, a);
		_fail(file, line);
	}
}
#endif

/*
 * Runs every parser on buf[0..len), copied into an allocation of exactly len bytes (so that
 * AddressSanitizer sees any read past the end). Every result must be OK or an error with a
 * message; returns how many parsers accepted the bytes.
 */
static inline int ph_parse_all(const char *data, size_t len)
{
	char *buf = malloc(len ? len : 1);
	int ok = 0;
	char *err = NULL;
	struct ph_summary sum;
	struct ph_upstreams up;
	struct ph_named_list l;
	struct ph_blocking_state bl;
	struct ph_version v;
	struct ph_ftl_info f;
	struct ph_auth a;

	if (len)
		memcpy(buf, data, len);
#define PH_CHECK(call, release)                                  \
	do {                                                     \
		err = NULL;                                      \
		if ((call) == PH_PARSE_OK) {                     \
			ok++;                                    \
			if (err)                                 \
				abort();                         \
		} else if (!err) {                               \
			abort();                                 \
		}                                                \
		free(err);                                       \
		release;                                         \
	} while (0)
	PH_CHECK(ph_v6_summary_parse(buf, len, &sum, &err), ph_summary_release(&sum));
	PH_CHECK(ph_v6_upstreams_parse(buf, len, &up, &err), ph_upstreams_release(&up));
	PH_CHECK(ph_v6_query_types_parse(buf, len, &l, &err), ph_named_list_release(&l));
	PH_CHECK(ph_v6_blocking_parse(buf, len, &bl, &err), (void)0);
	PH_CHECK(ph_v6_version_parse(buf, len, &v, &err), ph_version_release(&v));
	PH_CHECK(ph_v6_ftl_parse(buf, len, &f, &err), (void)0);
	PH_CHECK(ph_v6_top_domains_parse(buf, len, &l, &err), ph_named_list_release(&l));
	PH_CHECK(ph_v6_top_clients_parse(buf, len, &l, &err), ph_named_list_release(&l));
	PH_CHECK(ph_v6_auth_parse(buf, len, &a, &err), ph_auth_release(&a));
	PH_CHECK(ph_v5_summary_parse(buf, len, &sum, &err), ph_summary_release(&sum));
	PH_CHECK(ph_v5_pairs_parse(buf, len, "querytypes", &l, &err), ph_named_list_release(&l));
	PH_CHECK(ph_v5_pairs_parse(buf, len, "forward_destinations", &l, &err), ph_named_list_release(&l));
	PH_CHECK(ph_v5_versions_parse(buf, len, &v, &err), ph_version_release(&v));
#undef PH_CHECK
	free(buf);
	return ok;
}

#endif
