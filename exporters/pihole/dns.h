/* dns.h: pure DNS messages for the probe: build a query, read a response (RFC 1035) */
#ifndef PIHOLE_DNS_H
#define PIHOLE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PH_DNS_TYPE_A 1
#define PH_DNS_TYPE_AAAA 28
#define PH_DNS_UDP_MAX 512      /* RFC 1035 UDP payload without EDNS */
#define PH_DNS_QUERY_MAX 300    /* header + a 255-byte name + type and class, rounded up */

/*
 * Writes a standard query (RD set, one question, class IN) for name (a dotted name, an
 * optional final dot; labels 1-63 bytes, 255 bytes in all) with the given type and id into
 * buf. Returns the message length, or -1 when the name is not valid or cap is too small.
 */
int ph_dns_build_query(const char *name, uint16_t qtype, uint16_t id, unsigned char *buf, size_t cap);

/* What a response said. */
struct ph_dns_response {
	uint16_t id;
	int rcode;            /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ... */
	bool truncated;       /* TC: the answer did not fit in UDP; ask again over TCP */
	unsigned answers;     /* records in the answer section (all read) */
	unsigned addresses;   /* A and AAAA records among them */
};

/*
 * Reads resp as the answer to query (the bytes sent): the id, the QR bit and the question must
 * match the query's, the answer records must be complete (a truncated response only needs its
 * header and question). Returns 0, or -1 with *why a short static reason ("short", "not a
 * response", "id", "question", "malformed").
 */
int ph_dns_parse_response(const unsigned char *query, size_t qlen, const unsigned char *resp, size_t rlen,
			  struct ph_dns_response *out, const char **why);

/* "noerror", "formerr", "servfail", "nxdomain", "notimp", "refused", or "rcode_N" in buf. */
const char *ph_dns_rcode_name(int rcode, char *buf, size_t n);

#endif
