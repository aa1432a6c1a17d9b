/* fuzz_docker_inspect.c: libFuzzer target for the inspect parser, applied to a table and rendered */
#include <stddef.h>
#include <stdint.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/docker/parse.h"
#include "exporters/docker/render.h"
#include "exporters/docker/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keep[] = { "com.docker.compose.project", "a.b" };
	struct dk_inspect in;
	struct dk_perr err;

	if (dk_inspect_parse((const char *)data, size, keep, 2, &in, &err) == 0) {
		struct dk_table *t = dk_table_new();
		struct metric_set *ms = metric_set_new();
		struct strbuf out = STRBUF_INIT;
		dk_table_apply_inspect(t, &in, 0);
		dk_render_table(ms, t, NULL);
		metric_set_render(ms, &out);
		strbuf_release(&out);
		metric_set_free(ms);
		dk_table_free(t);
	}
	dk_inspect_release(&in);
	return 0;
}
