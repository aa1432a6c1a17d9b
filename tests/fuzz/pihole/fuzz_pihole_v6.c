/* fuzz_pihole_v6.c: libFuzzer target for the Pi-hole v6 answer parsers (stats, blocking, info, auth) */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/pihole/parse.h"
#include "exporters/pihole/render.h"
#include "tests/unit/pihole/ph_test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct ph_upstreams u;
	struct ph_named_list l;
	struct ph_blocking_state b;
	struct ph_version v;
	struct ph_ftl_info f;
	struct ph_auth a;
	char *err = NULL;

	/* whatever the summary parser accepts must render into a valid exposition */
	struct ph_target_result res;
	struct ph_target_cfg cfg;
	memset(&res, 0, sizeof(res));
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "fuzz";
	ph_stats_init(&res.stats);
	if (ph_v6_summary_parse(in, size, &res.stats.summary, &err) == PH_PARSE_OK) {
		struct metric_set *ms = metric_set_new();
		struct strbuf out = STRBUF_INIT;
		res.has_stats = true;
		res.stats.api = PH_API_V6;
		ph_render_target(ms, &cfg, &res);
		metric_set_render(ms, &out);
		strbuf_release(&out);
		metric_set_free(ms);
	}
	ph_stats_release(&res.stats);
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
