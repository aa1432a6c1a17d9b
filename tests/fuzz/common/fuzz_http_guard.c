/* fuzz_http_guard.c: libFuzzer target for the pure input checks of common/http: Host header values and JSON shape bounds */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/http_guard.h"
#include "common/jsonshape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_guard *g;
	if (!g) {
		static struct strlist allowed = STRLIST_INIT;
		strlist_push(&allowed, "nas.example");
		struct http_guard_options o = { .check_host = true, .allowed_hosts = &allowed };
		g = http_guard_new(&o);
	}
	/* the shape scan on the raw bytes (never past size) */
	(void)jsonshape_within((const char *)data, size, 8, 64, NULL);
	/* a Host header value is a C string */
	char *host = malloc(size + 1);
	memcpy(host, data, size);
	host[size] = '\0';
	(void)http_guard_host_ok(g, host);
	free(host);
	return 0;
}
