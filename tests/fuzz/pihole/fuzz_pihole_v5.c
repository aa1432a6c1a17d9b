/* fuzz_pihole_v5.c: libFuzzer target for the Pi-hole v5 admin/api.php answer parsers */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "exporters/pihole/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "querytypes", "forward_destinations", "top_sources", "top_queries",
					    "top_ads" };
	const char *in = (const char *)data;
	struct ph_summary s;
	struct ph_named_list l;
	struct ph_version v;
	char *err = NULL;

	ph_v5_summary_parse(in, size, &s, &err);
	ph_summary_release(&s);
	free(err), err = NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		ph_v5_pairs_parse(in, size, keys[i], &l, &err);
		ph_named_list_release(&l);
		free(err), err = NULL;
	}
	ph_v5_versions_parse(in, size, &v, &err);
	ph_version_release(&v);
	free(err);
	return 0;
}
