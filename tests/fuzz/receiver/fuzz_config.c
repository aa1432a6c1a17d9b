/* fuzz_config.c: libFuzzer target: the receiver's YAML configuration loader (no files read, no users looked up) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "receiver/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct rcv_config *c = config_parse((const char *)data, size, "/etc/homeops", false, &err);
	if (!c && !err)
		abort(); /* every refusal says why */
	config_unref(c);
	free(err);
	return 0;
}
