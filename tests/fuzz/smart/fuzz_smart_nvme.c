/* fuzz_smart_nvme.c: libFuzzer target for the NVMe Identify + SMART / Health log parser (and its rendering) */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/smart/nvme_parse.h"
#include "exporters/smart/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_render(const struct smart_reading *r)
{
	struct metric_set *ms = metric_set_new();
	struct strbuf sb = STRBUF_INIT;
	struct smart_view v;

	memset(&v, 0, sizeof(v));
	v.name = "nvme0n1";
	v.type = r->type;
	v.model = r->model;
	v.serial = r->serial;
	v.firmware = r->firmware;
	v.up = true;
	v.has_last = true;
	v.reading = r;
	smart_render(ms, &v, 1);
	metric_set_render(ms, &sb);
	strbuf_release(&sb);
	metric_set_free(ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t image[SMART_NVME_REPLAY_LEN];
	struct smart_reading r;
	const char *reason;

	/* The replay file as given: any length but 4608 must be refused. */
	if (smart_nvme_parse_replay(data, size, &r, &reason) == 0)
		fuzz_render(&r);
	/* The same bytes as page contents (zero-padded or cut), so short inputs reach every field
	 * without -max_len: the log page first, it is what the drive fills with counters. */
	memset(image, 0, sizeof(image));
	if (size > 0) {
		size_t n = size < SMART_NVME_LOG_LEN ? size : SMART_NVME_LOG_LEN;
		memcpy(image + SMART_NVME_IDENTIFY_LEN, data, n);
		if (size > n)
			memcpy(image, data + n, size - n < SMART_NVME_IDENTIFY_LEN ? size - n : SMART_NVME_IDENTIFY_LEN);
	}
	if (smart_nvme_parse(image, SMART_NVME_IDENTIFY_LEN, image + SMART_NVME_IDENTIFY_LEN, SMART_NVME_LOG_LEN,
			     &r, &reason) == 0)
		fuzz_render(&r);
	return 0;
}
