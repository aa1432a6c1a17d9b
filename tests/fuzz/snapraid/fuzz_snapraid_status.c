/* fuzz_snapraid_status.c: libFuzzer target for the SnapRAID status, run-log and config parsers (and render) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "common/strlist.h"
#include "exporters/snapraid/parse.h"
#include "exporters/snapraid/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_status(const char *log, size_t log_len, const char *text, size_t text_len)
{
	struct sr_status *st = NULL;
	struct sr_error err;

	if (sr_status_parse(log, log_len, text, text_len, &st, &err) == SR_OK) {
		/* whatever a model holds must render into a valid exposition */
		struct metric_set *ms = metric_set_new();
		struct strbuf out = STRBUF_INIT;
		sr_render_status(ms, st, st->unixtime);
		metric_set_render(ms, &out);
		strbuf_release(&out);
		metric_set_free(ms);
	}
	sr_status_free(st);
	sr_error_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	size_t half = size / 2;

	/* one stream (-l ">&1"), the text alone, and a log + text pair split in the middle */
	fuzz_status(in, size, NULL, 0);
	fuzz_status(NULL, 0, in, size);
	fuzz_status(in, half, in + half, size - half);

	struct sr_run *run = sr_run_parse(in, size);
	if (run->command) {
		struct metric_set *ms = metric_set_new();
		sr_render_run(ms, run, run->unixtime, run->outcome == SR_RUN_SUCCESS);
		metric_set_free(ms);
	}
	sr_run_free(run);

	char *cmd = NULL;
	double t;
	sr_run_peek(in, size, &cmd, &t);
	free(cmd);

	struct strlist l = STRLIST_INIT;
	sr_conf_content_paths(in, size, &l);
	strlist_clear(&l);
	return 0;
}
