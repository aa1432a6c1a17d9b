/* fuzz_cifs_stats.c: libFuzzer target for the fs/cifs/Stats parser and its render */
#include <stddef.h>
#include <stdint.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/cifs/parse.h"
#include "exporters/cifs/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cifs_stats st;

	if (cifs_stats_parse((const char *)data, size, &st) == 0) {
		struct metric_set *ms = metric_set_new();
		struct strbuf out = STRBUF_INIT;
		cifs_render_stats(ms, &st, true);
		metric_set_render(ms, &out);
		strbuf_release(&out);
		metric_set_free(ms);
	}
	cifs_stats_release(&st);
	return 0;
}
