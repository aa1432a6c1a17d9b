/* fuzz_smart_blob.c: libFuzzer target for the libatasmart blob loader (sk_disk_set_blob + parsing + rendering) */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/smart/render.h"
#include "exporters/smart/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smart_reading r;
	const char *reason;
	struct metric_set *ms;
	struct strbuf sb = STRBUF_INIT;
	struct smart_view v;

	if (smart_replay_blob_parse(data, size, &r, &reason) != 0)
		return 0;
	memset(&v, 0, sizeof(v));
	v.name = "blob";
	v.type = r.type;
	v.model = r.model;
	v.serial = r.serial;
	v.firmware = r.firmware;
	v.up = true;
	v.has_last = true;
	v.reading = &r;
	ms = metric_set_new();
	smart_render(ms, &v, 1);
	metric_set_render(ms, &sb);
	strbuf_release(&sb);
	metric_set_free(ms);
	return 0;
}
