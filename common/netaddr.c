/* netaddr.c: loopback checks for host names and listen addresses */
#include "common/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

bool host_is_loopback(const char *host)
{
	struct in_addr a4;

	if (!host)
		return false;
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0)
		return true;
	return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

bool listen_address_is_loopback(const char *addr)
{
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	char host[64];

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return false;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	/* a bare IPv6 address needs brackets before its port */
	if (strcmp(host, "::1") == 0)
		return false;
	return host_is_loopback(host);
}
