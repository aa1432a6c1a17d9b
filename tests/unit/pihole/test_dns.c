/* test_dns.c: DNS query building and response reading, on packets a real dnsmasq 2.90 sent and on edge cases */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/pihole/dns.h"

/*
 * Captured from `dnsmasq --no-daemon --port=P --listen-address=127.0.0.1 --bind-interfaces
 * --no-resolv --no-hosts --address=/probe.test/10.1.2.3 --address=/gone.test/` (Debian 2.90):
 * the query bytes sent and the response received, in hex.
 */
static const char q_probe[] = "1234010000010000000000000570726f626504746573740000010001";
static const char r_probe[] = "1234858000010001000000000570726f626504746573740000010001c00c000100010000000000040a010203";
static const char q_gone[] = "23450100000100000000000004676f6e6504746573740000010001";
static const char r_gone[] = "23458183000100000000000004676f6e6504746573740000010001";
static const char q_other[] = "345601000001000000000000056f74686572076578616d706c650000010001";
static const char r_other[] = "345681850001000000000000056f74686572076578616d706c650000010001";

static size_t unhex(const char *hex, unsigned char *out)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
	return n;
}

/* Our builder writes exactly the bytes the capture's query had. */
static void test_build_matches_capture(void **state)
{
	(void)state;
	unsigned char want[64], got[PH_DNS_QUERY_MAX];
	size_t wn = unhex(q_probe, want);
	int n = ph_dns_build_query("probe.test", PH_DNS_TYPE_A, 0x1234, got, sizeof(got));

	assert_int_equal(n, (int)wn);
	assert_memory_equal(got, want, wn);
	assert_int_equal(ph_dns_build_query("probe.test.", PH_DNS_TYPE_A, 0x1234, got, sizeof(got)), (int)wn);
	assert_memory_equal(got, want, wn);
}

static void test_build_invalid(void **state)
{
	(void)state;
	unsigned char b[PH_DNS_QUERY_MAX];
	char longlabel[80], longname[300];

	assert_int_equal(ph_dns_build_query("", 1, 1, b, sizeof(b)), -1);
	assert_int_equal(ph_dns_build_query("a..b", 1, 1, b, sizeof(b)), -1);
	assert_int_equal(ph_dns_build_query(".a", 1, 1, b, sizeof(b)), -1);
	memset(longlabel, 'a', 64);
	longlabel[64] = '\0';
	assert_int_equal(ph_dns_build_query(longlabel, 1, 1, b, sizeof(b)), -1);
	longlabel[63] = '\0';
	assert_true(ph_dns_build_query(longlabel, 1, 1, b, sizeof(b)) > 0);
	for (int i = 0; i < 299; i++)
		longname[i] = i % 2 ? '.' : 'a';
	longname[299] = '\0';
	assert_int_equal(ph_dns_build_query(longname, 1, 1, b, sizeof(b)), -1);
	assert_int_equal(ph_dns_build_query("probe.test", 1, 1, b, 20), -1);
	assert_int_equal(ph_dns_build_query(".", 1, 1, b, sizeof(b)), 17);
}

static void parse_hex(const char *qh, const char *rh, int want_ret, struct ph_dns_response *out)
{
	unsigned char q[600], r[600];
	size_t qn = unhex(qh, q), rn = unhex(rh, r);
	const char *why = NULL;

	/* exact-size copy: ASan sees any read past the end */
	unsigned char *rc = malloc(rn);
	memcpy(rc, r, rn);
	assert_int_equal(ph_dns_parse_response(q, qn, rc, rn, out, &why), want_ret);
	free(rc);
}

static void test_real_answer(void **state)
{
	(void)state;
	struct ph_dns_response r;
	parse_hex(q_probe, r_probe, 0, &r);
	assert_int_equal(r.rcode, 0);
	assert_false(r.truncated);
	assert_int_equal(r.answers, 1);
	assert_int_equal(r.addresses, 1);
	assert_int_equal(r.id, 0x1234);
}

static void test_real_nxdomain_refused(void **state)
{
	(void)state;
	struct ph_dns_response r;
	char buf[32];
	parse_hex(q_gone, r_gone, 0, &r);
	assert_int_equal(r.rcode, 3);
	assert_string_equal(ph_dns_rcode_name(r.rcode, buf, sizeof(buf)), "nxdomain");
	assert_int_equal(r.addresses, 0);
	parse_hex(q_other, r_other, 0, &r);
	assert_int_equal(r.rcode, 5);
	assert_string_equal(ph_dns_rcode_name(r.rcode, buf, sizeof(buf)), "refused");
	assert_string_equal(ph_dns_rcode_name(11, buf, sizeof(buf)), "rcode_11");
}

/* A response to another query (id, name) is not ours: a spoofed or late packet. */
static void test_mismatch(void **state)
{
	(void)state;
	struct ph_dns_response r;
	parse_hex(q_gone, r_probe, -1, &r);           /* other id */
	char qq[sizeof(q_probe)];
	memcpy(qq, q_probe, sizeof(q_probe));
	qq[26] = '6';                                  /* "probe" -> "probf": same id, other name */
	parse_hex(qq, r_probe, -1, &r);
	parse_hex(q_probe, q_probe, -1, &r);          /* a query, not a response (QR 0) */
}

/* 0x20 mixing: a server may echo the name in another case. */
static void test_case_insensitive_question(void **state)
{
	(void)state;
	struct ph_dns_response r;
	char rr[sizeof(r_probe)];
	memcpy(rr, r_probe, sizeof(r_probe));
	memcpy(rr + 26, "50", 2);                      /* 'p' (0x70) -> 'P' (0x50) */
	parse_hex(q_probe, rr, 0, &r);
	assert_int_equal(r.addresses, 1);
}

/* TC set: only header and question are needed; the caller asks again over TCP. */
static void test_truncated_flag(void **state)
{
	(void)state;
	struct ph_dns_response r;
	char rr[sizeof(r_probe)];
	memcpy(rr, r_probe, sizeof(r_probe));
	rr[4] = '8';
	rr[5] = '7';                                   /* flags 0x8580 -> 0x8780: TC */
	rr[15] = '5';                                  /* ANCOUNT 1 -> 5: records that did not fit */
	parse_hex(q_probe, rr, 0, &r);
	assert_true(r.truncated);
}

/* Every prefix of the real answer is refused (short/malformed), never read past its end. */
static void test_every_prefix(void **state)
{
	(void)state;
	unsigned char q[64], r[64];
	size_t qn = unhex(q_probe, q), rn = unhex(r_probe, r);
	struct ph_dns_response out;
	const char *why;

	for (size_t cut = 0; cut < rn; cut++) {
		unsigned char *c = malloc(cut ? cut : 1);
		memcpy(c, r, cut);
		assert_int_equal(ph_dns_parse_response(q, qn, c, cut, &out, &why), -1);
		assert_non_null(why);
		free(c);
	}
}

/* RFC 1035 4.1.4 compression: an answer whose name is a pointer, and a CNAME chain. */
static void test_compression_and_aaaa(void **state)
{
	(void)state;
	struct ph_dns_response r;
	/* answer 1: CNAME probe.test -> x.probe.test (x + pointer to 12); answer 2: AAAA at offset 40 */
	const char *rh = "1234818000010002000000000570726f626504746573740000010001"
			 "c00c000500010000003c00040178c00c"
			 "c028001c00010000003c001000000000000000000000000000000001";
	parse_hex(q_probe, rh, 0, &r);
	assert_int_equal(r.answers, 2);
	assert_int_equal(r.addresses, 1);
	/* a record longer than the message */
	const char *bad = "1234818000010001000000000570726f626504746573740000010001c00c000100010000000000ff0a010203";
	parse_hex(q_probe, bad, -1, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_matches_capture),
		cmocka_unit_test(test_build_invalid),
		cmocka_unit_test(test_real_answer),
		cmocka_unit_test(test_real_nxdomain_refused),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_case_insensitive_question),
		cmocka_unit_test(test_truncated_flag),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_compression_and_aaaa),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
