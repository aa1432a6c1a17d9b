/* fuzz_webhook.c: libFuzzer target: webhook payload parse + validate, and the environment built from each alert */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/strlist.h"
#include "receiver/run.h"
#include "receiver/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wh_payload p;
	char *err = NULL;
	if (wh_parse((const char *)data, size, &p, &err) == 0) {
		if (wh_validate(&p, &err) == 0) {
			for (size_t i = 0; i < p.nalerts && i < 8; i++) {
				struct strlist env = STRLIST_INIT;
				struct run_context ctx = { .run_id = 1, .playbook = "p", .attempt = 1, .trigger = "alert" };
				char *e2 = NULL;
				if (run_build_env(p.alerts[i].json, p.alerts[i].json_len, &ctx, &env, &e2) != 0)
					abort(); /* the parser's own JSON must always build an environment */
				strlist_clear(&env);
			}
		}
		wh_payload_release(&p);
	}
	free(err);
	return 0;
}
