/* netaddr.h: what counts as a loopback host or listen address (one meaning for every program) */
#ifndef HOMEOPS_NETADDR_H
#define HOMEOPS_NETADDR_H

#include <stdbool.h>

/*
 * True when host is a loopback host: a numeric IPv4 address in 127.0.0.0/8 (inet_pton's
 * dotted-quad form only: "127.1" or "127.0.0.1.example.org" are names, not loopback), "::1" or
 * "[::1]", or "localhost" (any case). Any other name counts as not loopback: it could resolve
 * anywhere. NULL is not loopback.
 */
bool host_is_loopback(const char *host);
/* True when addr ("host:port", "[v6]:port") has a loopback host; ":port" (every address) is not. */
bool listen_address_is_loopback(const char *addr);

#endif
