/* dnsprobe.h: the DNS probe's I/O: one query over UDP with a timeout, again over TCP when truncated */
#ifndef PIHOLE_DNSPROBE_H
#define PIHOLE_DNSPROBE_H

#include <stdbool.h>

struct ph_dns_probe_result {
	bool success;        /* answered NOERROR with at least one A record */
	bool answered;       /* a valid response came (whatever its rcode) */
	bool tcp;            /* the answer came over TCP after a truncated UDP one */
	int rcode;           /* when answered */
	unsigned addresses;
	double duration;     /* seconds, until the answer or the failure */
	/* short label value: "ok", "timeout", "nxdomain", "refused", "servfail", "no_address",
	 * "network", "resolve", "malformed", "canceled", "rcode_N", "invalid_name" */
	char reason[24];
};

/*
 * Resolves name (type A) at host:port (a numeric address, or a name resolved first with
 * getaddrinfo), waiting at most timeout seconds in all, and returns early when cancel_fd (>= 0)
 * becomes readable. Responses that are not the answer to this query (another id or question) are
 * ignored while waiting. Fills *out; never fails otherwise.
 */
void ph_dns_probe(const char *host, const char *port, const char *name, double timeout, int cancel_fd,
		  struct ph_dns_probe_result *out);

#endif
