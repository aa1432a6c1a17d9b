/* fuzz_pihole_v6.c: libFuzzer target for the Pi-hole v6 answer parsers (stats, blocking, info, auth) */
#include <stddef.h>
#include <stdint.h>
#include "exporters/pihole/parse.h"
#include "tests/unit/pihole/ph_test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct ph_summary s;
	struct ph_upstreams u;
	struct ph_named_list l;
	struct ph_blocking_state b;
	struct ph_version v;
	struct ph_ftl_info f;
	struct ph_auth a;
	char *err = NULL;

	ph_v6_summary_parse(in, size, &s, &err);
	ph_summary_release(&s);
	free(err), err = NULL;
	ph_v6_upstreams_parse(in, size, &u, &err);
	ph_upstreams_release(&u);
	free(err), err = NULL;
	ph_v6_query_types_parse(in, size, &l, &err);
	ph_named_list_release(&l);
	free(err), err = NULL;
	ph_v6_blocking_parse(in, size, &b, &err);
	free(err), err = NULL;
	ph_v6_version_parse(in, size, &v, &err);
	ph_version_release(&v);
	free(err), err = NULL;
	ph_v6_ftl_parse(in, size, &f, &err);
	free(err), err = NULL;
	ph_v6_top_domains_parse(in, size, &l, &err);
	ph_named_list_release(&l);
	free(err), err = NULL;
	ph_v6_top_clients_parse(in, size, &l, &err);
	ph_named_list_release(&l);
	free(err), err = NULL;
	ph_v6_auth_parse(in, size, &a, &err);
	ph_auth_release(&a);
	free(err);
	return 0;
}
