/* fuzz_common.c: libFuzzer target for common's parsers: web config YAML, /proc stat and limits, durations, sizes, label escaping */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/duration.h"
#include "common/metrics.h"
#include "common/procmetrics.h"
#include "common/webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* The first byte picks the parser, the rest is its input. */
	unsigned which = data[0] % 5;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	char *str = malloc(len + 1);
	memcpy(str, in, len);
	str[len] = '\0';

	switch (which) {
	case 0: {
		char *err = NULL;
		struct webconfig *wc = webconfig_parse(in, len, "/nonexistent", false, &err);
		/* A mutated hash can ask for 2^31 bcrypt rounds: check only cheap ones (cost <= 6). */
		bool cheap = wc != NULL;
		for (size_t i = 0; wc && i < wc->nusers; i++)
			if (strncmp(wc->users[i].hash + 4, "07", 2) >= 0)
				cheap = false;
		if (cheap)
			webconfig_check_user(wc, "alice", "pw");
		webconfig_free(wc);
		free(err);
		break;
	}
	case 1: {
		struct proc_stat st;
		(void)procmetrics_parse_stat(in, len, 100, &st);
		break;
	}
	case 2: {
		uint64_t v;
		(void)procmetrics_parse_max_fds(in, len, &v);
		break;
	}
	case 3: {
		double d;
		uint64_t s;
		char buf[64];
		if (duration_parse(str, &d) == 0)
			duration_format(d, buf, sizeof(buf));
		(void)size_parse(str, &s);
		break;
	}
	case 4: {
		struct metric_set *ms = metric_set_new();
		struct strbuf sb = STRBUF_INIT;
		metric_gauge(ms, "fuzz_value", str, 1, "label", str, NULL);
		metric_gauge(ms, metric_name_valid(str) ? str : "fuzz_other", "help", 2, NULL);
		metric_set_render(ms, &sb);
		strbuf_release(&sb);
		metric_set_free(ms);
		break;
	}
	}
	free(str);
	return 0;
}
