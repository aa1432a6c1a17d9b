/* dnsprobe.c: DNS probe over UDP with a deadline and cancel descriptor, TCP fallback on truncation */
#include "exporters/pihole/dnsprobe.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include "common/clock.h"
#include "exporters/pihole/dns.h"

#define PH_TCP_MAX 65535

static void ph_probe_reason(struct ph_dns_probe_result *out, const char *r)
{
	snprintf(out->reason, sizeof(out->reason), "%s", r);
}

/*
 * Waits until fd is readable (or writable) or the deadline passes or cancel_fd is readable.
 * Returns 1 ready, 0 timeout, -1 canceled or error.
 */
static int ph_probe_wait(int fd, short events, double deadline, int cancel_fd)
{
	for (;;) {
		struct pollfd p[2] = { { fd, events, 0 }, { cancel_fd, POLLIN, 0 } };
		double left = deadline - clock_mono();
		int r;
		if (left <= 0)
			return 0;
		r = poll(p, cancel_fd >= 0 ? 2 : 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		if (cancel_fd >= 0 && p[1].revents)
			return -1;
		return 1;
	}
}

/* Reads exactly n bytes from a non-blocking TCP socket before the deadline. 0, or -1 (reason set). */
static int ph_probe_read_full(int fd, unsigned char *buf, size_t n, double deadline, int cancel_fd,
			      struct ph_dns_probe_result *out)
{
	size_t got = 0;

	while (got < n) {
		int w = ph_probe_wait(fd, POLLIN, deadline, cancel_fd);
		if (w <= 0) {
			ph_probe_reason(out, w == 0 ? "timeout" : "canceled");
			return -1;
		}
		ssize_t r = recv(fd, buf + got, n - got, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			ph_probe_reason(out, "network");
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* The query again over TCP (RFC 7766): two-byte length prefix both ways. */
static int ph_probe_tcp(const struct addrinfo *ai, const unsigned char *q, size_t qn, double deadline,
			int cancel_fd, unsigned char *resp, size_t *rn, struct ph_dns_probe_result *out)
{
	unsigned char msg[2 + PH_DNS_QUERY_MAX], lenb[2];
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int ret = -1, w, soerr = 0;
	socklen_t sl = sizeof(soerr);
	size_t want;

	if (fd < 0) {
		ph_probe_reason(out, "network");
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		ph_probe_reason(out, "network");
		goto out;
	}
	w = ph_probe_wait(fd, POLLOUT, deadline, cancel_fd);
	if (w <= 0) {
		ph_probe_reason(out, w == 0 ? "timeout" : "canceled");
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		ph_probe_reason(out, "network");
		goto out;
	}
	msg[0] = (unsigned char)(qn >> 8);
	msg[1] = (unsigned char)qn;
	memcpy(msg + 2, q, qn);
	if (send(fd, msg, qn + 2, MSG_NOSIGNAL) != (ssize_t)(qn + 2)) {
		ph_probe_reason(out, "network");
		goto out;
	}
	if (ph_probe_read_full(fd, lenb, 2, deadline, cancel_fd, out) < 0)
		goto out;
	want = (size_t)lenb[0] << 8 | lenb[1];
	if (ph_probe_read_full(fd, resp, want, deadline, cancel_fd, out) < 0)
		goto out;
	*rn = want;
	ret = 0;
out:
	close(fd);
	return ret;
}

void ph_dns_probe(const char *host, const char *port, const char *name, double timeout, int cancel_fd,
		  struct ph_dns_probe_result *out)
{
	unsigned char q[PH_DNS_QUERY_MAX];
	struct addrinfo hints, *ai = NULL;
	double start = clock_mono(), deadline = start + timeout;
	uint16_t id = 0;
	int fd = -1, qn;

	memset(out, 0, sizeof(*out));
	unsigned char *buf = NULL;
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(clock_mono() * 1e6);
	qn = ph_dns_build_query(name, PH_DNS_TYPE_A, id, q, sizeof(q));
	if (qn < 0) {
		ph_probe_reason(out, "invalid_name");
		goto out;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
		ph_probe_reason(out, "resolve");
		goto out;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 || send(fd, q, (size_t)qn, 0) != qn) {
		ph_probe_reason(out, "network");
		goto out;
	}
	buf = malloc(PH_TCP_MAX);
	if (!buf) {
		ph_probe_reason(out, "network");
		goto out;
	}
	for (;;) {
		struct ph_dns_response r;
		const char *why;
		int w = ph_probe_wait(fd, POLLIN, deadline, cancel_fd);
		ssize_t n;
		size_t rn;

		if (w <= 0) {
			ph_probe_reason(out, w == 0 ? "timeout" : "canceled");
			goto out;
		}
		n = recv(fd, buf, PH_DNS_UDP_MAX * 8, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			/* ICMP port unreachable: nothing listens there */
			ph_probe_reason(out, errno == ECONNREFUSED ? "refused_port" : "network");
			goto out;
		}
		if (ph_dns_parse_response(q, (size_t)qn, buf, (size_t)n, &r, &why) < 0)
			continue; /* not ours, or broken: keep waiting for the real answer */
		if (r.truncated) {
			if (ph_probe_tcp(ai, q, (size_t)qn, deadline, cancel_fd, buf, &rn, out) < 0)
				goto out;
			out->tcp = true;
			if (ph_dns_parse_response(q, (size_t)qn, buf, rn, &r, &why) < 0 || r.truncated) {
				ph_probe_reason(out, "malformed");
				goto out;
			}
		}
		out->answered = true;
		out->rcode = r.rcode;
		out->addresses = r.addresses;
		if (r.rcode != 0) {
			char tmp[16];
			ph_probe_reason(out, ph_dns_rcode_name(r.rcode, tmp, sizeof(tmp)));
		} else if (r.addresses == 0) {
			ph_probe_reason(out, "no_address");
		} else {
			out->success = true;
			ph_probe_reason(out, "ok");
		}
		break;
	}
out:
	out->duration = clock_mono() - start;
	free(buf);
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
}
