/* dns.c: building a DNS query and reading its response, without I/O (RFC 1035 sections 4.1 and 4.1.4) */
#include "exporters/pihole/dns.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PH_DNS_HDR 12

int ph_dns_build_query(const char *name, uint16_t qtype, uint16_t id, unsigned char *buf, size_t cap)
{
	size_t n = PH_DNS_HDR, namelen = 0;
	const char *p = name;

	if (!name || !*name || cap < PH_DNS_HDR + 1 + 4)
		return -1;
	memset(buf, 0, PH_DNS_HDR);
	buf[0] = (unsigned char)(id >> 8);
	buf[1] = (unsigned char)id;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* QDCOUNT */
	if (strcmp(name, ".") == 0)
		p = "";
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63)
			return -1;
		namelen += l + 1;
		if (namelen + 1 > 255 || n + 1 + l + 1 + 4 > cap)
			return -1;
		buf[n++] = (unsigned char)l;
		memcpy(buf + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	buf[n++] = 0;
	buf[n++] = (unsigned char)(qtype >> 8);
	buf[n++] = (unsigned char)qtype;
	buf[n++] = 0;
	buf[n++] = 1; /* IN */
	return (int)n;
}

/* Skips a possibly compressed name at *off; -1 when it runs past the end or is malformed. */
static int ph_dns_skip_name(const unsigned char *m, size_t len, size_t *off)
{
	size_t o = *off, total = 0;

	for (;;) {
		if (o >= len)
			return -1;
		unsigned c = m[o];
		if (c == 0) {
			*off = o + 1;
			return 0;
		}
		if ((c & 0xC0) == 0xC0) {
			if (o + 2 > len)
				return -1;
			*off = o + 2;
			return 0;
		}
		if (c & 0xC0)
			return -1; /* the 01/10 label types are obsolete (RFC 6891) */
		total += c + 1;
		if (total > 255 || o + 1 + c > len)
			return -1;
		o += 1 + c;
	}
}

static unsigned ph_dns_u16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

int ph_dns_parse_response(const unsigned char *query, size_t qlen, const unsigned char *resp, size_t rlen,
			  struct ph_dns_response *out, const char **why)
{
	size_t off = PH_DNS_HDR, qend = PH_DNS_HDR;
	unsigned qd, an;

	memset(out, 0, sizeof(*out));
	*why = "short";
	if (rlen < PH_DNS_HDR || qlen < PH_DNS_HDR)
		return -1;
	out->id = (uint16_t)ph_dns_u16(resp);
	out->rcode = resp[3] & 0x0F;
	out->truncated = (resp[2] & 0x02) != 0;
	*why = "not a response";
	if (!(resp[2] & 0x80))
		return -1;
	*why = "id";
	if (memcmp(resp, query, 2) != 0)
		return -1;
	qd = ph_dns_u16(resp + 4);
	an = ph_dns_u16(resp + 6);
	/* The question must be ours, byte for byte apart from the name's case (0x20 mixing). */
	*why = "question";
	if (ph_dns_skip_name(query, qlen, &qend) < 0 || qend + 4 > qlen)
		return -1;
	qend += 4;
	if (qd != 1) {
		/* a server may leave out the question in an error answer (FORMERR, REFUSED) */
		if (qd == 0 && out->rcode != 0)
			return 0;
		return -1;
	}
	/* the name case-insensitively (its only NUL ends it, at the same place in both when equal),
	 * then type and class exactly */
	if (rlen < qend ||
	    strncasecmp((const char *)resp + PH_DNS_HDR, (const char *)query + PH_DNS_HDR, qend - 4 - PH_DNS_HDR) != 0 ||
	    memcmp(resp + qend - 4, query + qend - 4, 4) != 0)
		return -1;
	off = qend;
	if (out->truncated)
		return 0;
	*why = "malformed";
	for (unsigned i = 0; i < an; i++) {
		unsigned type, rdlen;
		if (ph_dns_skip_name(resp, rlen, &off) < 0 || off + 10 > rlen)
			return -1;
		type = ph_dns_u16(resp + off);
		rdlen = ph_dns_u16(resp + off + 8);
		off += 10;
		if (off + rdlen > rlen)
			return -1;
		if ((type == PH_DNS_TYPE_A && rdlen == 4) || (type == PH_DNS_TYPE_AAAA && rdlen == 16))
			out->addresses++;
		off += rdlen;
		out->answers++;
	}
	*why = NULL;
	return 0;
}

const char *ph_dns_rcode_name(int rcode, char *buf, size_t n)
{
	static const char *const names[] = { "noerror", "formerr", "servfail", "nxdomain", "notimp", "refused" };

	if (rcode >= 0 && rcode < (int)(sizeof(names) / sizeof(names[0])))
		return names[rcode];
	snprintf(buf, n, "rcode_%d", rcode);
	return buf;
}
