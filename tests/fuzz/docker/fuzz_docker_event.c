/* fuzz_docker_event.c: libFuzzer target for the event parser: each line applied to one table, then rendered */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "common/lines.h"
#include "common/metrics.h"
#include "common/strbuf.h"
#include "exporters/docker/parse.h"
#include "exporters/docker/render.h"
#include "exporters/docker/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dk_table *t = dk_table_new();
	struct metric_set *ms = metric_set_new();
	struct strbuf out = STRBUF_INIT;
	struct lines it;
	const char *line;
	size_t len;

	/* the whole input as one document, then line by line as a stream */
	struct dk_event ev;
	struct dk_perr err;
	if (dk_event_parse((const char *)data, size, &ev, &err) == 0)
		dk_table_apply_event(t, &ev);
	dk_event_release(&ev);
	lines_init(&it, (const char *)data, size, 0);
	while (lines_next(&it, &line, &len)) {
		if (dk_event_parse(line, len, &ev, &err) == 0) {
			(void)dk_action_label_ok(ev.action);
			dk_table_apply_event(t, &ev);
		}
		dk_event_release(&ev);
	}
	dk_render_table(ms, t, NULL);
	metric_set_render(ms, &out);
	strbuf_release(&out);
	metric_set_free(ms);
	dk_table_free(t);
	return 0;
}
