/* fuzz_pihole_dns.c: libFuzzer target for the DNS response reader (and the query builder on fuzzed names) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "exporters/pihole/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char q[PH_DNS_QUERY_MAX];
	struct ph_dns_response r;
	const char *why;
	char name[300];
	int qn;

	/* the response to a fixed query, with the fuzzed id copied in so that parsing goes deep */
	qn = ph_dns_build_query("probe.test", PH_DNS_TYPE_A, size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0, q,
				sizeof(q));
	if (qn > 0)
		ph_dns_parse_response(q, (size_t)qn, data, size, &r, &why);
	/* the fuzzed bytes as a name */
	size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	memcpy(name, data, n);
	name[n] = '\0';
	qn = ph_dns_build_query(name, PH_DNS_TYPE_AAAA, 7, q, sizeof(q));
	if (qn > 0)
		ph_dns_parse_response(q, (size_t)qn, data, size, &r, &why);
	return 0;
}
