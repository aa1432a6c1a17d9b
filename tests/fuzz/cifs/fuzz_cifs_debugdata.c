/* fuzz_cifs_debugdata.c: libFuzzer target for the fs/cifs/DebugData parser and its render */
#include <stddef.h>
#include <stdint.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/cifs/parse.h"
#include "exporters/cifs/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cifs_debugdata dd;

	if (cifs_debugdata_parse((const char *)data, size, &dd) == 0) {
		struct metric_set *ms = metric_set_new();
		struct strbuf out = STRBUF_INIT;
		cifs_render_debugdata(ms, &dd);
		metric_set_render(ms, &out);
		strbuf_release(&out);
		metric_set_free(ms);
	}
	cifs_debugdata_release(&dd);
	return 0;
}
