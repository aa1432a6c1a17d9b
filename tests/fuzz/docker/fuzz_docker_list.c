/* fuzz_docker_list.c: libFuzzer target for the container list and /version parsers */
#include <stddef.h>
#include <stdint.h>
#include "exporters/docker/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dk_list l;
	struct dk_version v;
	struct dk_perr err;

	if (dk_list_parse((const char *)data, size, &l, &err) == 0) {
		for (size_t i = 0; i < l.n; i++)
			(void)dk_state_name(l.items[i].state);
	}
	dk_list_release(&l);
	if (dk_version_parse((const char *)data, size, &v, &err) == 0)
		(void)dk_api_version_num(v.api_version);
	dk_version_release(&v);
	return 0;
}
