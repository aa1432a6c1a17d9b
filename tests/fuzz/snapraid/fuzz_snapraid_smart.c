/* fuzz_snapraid_smart.c: libFuzzer target for the `snapraid smart` parser (report text and log tags) and its render */
#include <stddef.h>
#include <stdint.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/snapraid/parse.h"
#include "exporters/snapraid/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_smart(const char *log, size_t log_len, const char *text, size_t text_len)
{
	struct sr_smart *sm = NULL;
	struct sr_error err;

	if (sr_smart_parse(log, log_len, text, text_len, &sm, &err) == SR_OK) {
		struct metric_set *ms = metric_set_new();
		struct strbuf out = STRBUF_INIT;
		sr_render_smart(ms, true, sm, sm->unixtime);
		metric_set_render(ms, &out);
		strbuf_release(&out);
		metric_set_free(ms);
	}
	sr_smart_free(sm);
	sr_error_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	size_t half = size / 2;

	fuzz_smart(in, size, NULL, 0);
	fuzz_smart(NULL, 0, in, size);
	fuzz_smart(in, half, in + half, size - half);
	return 0;
}
