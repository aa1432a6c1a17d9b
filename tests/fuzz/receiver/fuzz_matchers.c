/* fuzz_matchers.c: libFuzzer target: Alertmanager matcher parsing, formatting round trip, and matching */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/strbuf.h"
#include "receiver/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct matcher_list l = { 0 };
	char *err = NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	if (matchers_parse(s, &l, &err) == 0) {
		struct wh_pair items[2] = { { "alertname", s }, { "severity", "critical" } };
		struct wh_set labels = { items, 2 };
		(void)matchers_match(&l, &labels);
		/* the canonical form of each matcher parses back to the same matcher */
		for (size_t i = 0; i < l.n; i++) {
			struct strbuf sb = STRBUF_INIT;
			struct matcher_list back = { 0 };
			char *e2 = NULL;
			matcher_format(&l.items[i], &sb);
			if (matchers_parse(sb.buf, &back, &e2) != 0 || back.n != 1 ||
			    strcmp(back.items[0].name, l.items[i].name) != 0 ||
			    strcmp(back.items[0].value, l.items[i].value) != 0 || back.items[0].op != l.items[i].op)
				abort();
			matcher_list_release(&back);
			strbuf_release(&sb);
		}
	}
	matcher_list_release(&l);
	free(err);
	free(s);
	return 0;
}
