/* test_parse_stats.c: fs/cifs/Stats on every recorded file (SMB1, SMB2 "sent", SMB3 "total"; kernels 3.17 to 6.16) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/cifs/parse.h"
#include "tests/lib/testlib.h"

static void parse_fixture(const char *rel, struct cifs_stats *st)
{
	size_t len;
	char *buf = fixture_read(rel, &len);

	assert_int_equal(cifs_stats_parse(buf, len, st), 0);
	free(buf);
}

static const struct cifs_op *op(const struct cifs_stats_share *s, const char *name)
{
	for (size_t i = 0; i < s->nops; i++)
		if (strcmp(s->ops[i].name, name) == 0)
			return &s->ops[i];
	fail_msg("no op '%s' in share '%s'", name, s->name);
	return NULL;
}

/* Every recorded Stats file: header values and as many shares as it lists. */
static void test_every_fixture(void **state)
{
	static const struct {
		const char *rel;
		double sessions, shares, vfs;
		size_t nshare;
	} cases[] = {
		{ "cifs/pcp-qa/kernel-3.17.3/Stats", 1, 3, 291, 3 },
		{ "cifs/pcp-qa/kernel-4.15.12/Stats", 1, 1, 10, 1 },
		{ "cifs/pcp-qa/kernel-6.16.7/Stats", 2, 4, 255, 2 },
		{ "cifs/linux-cifs-list/Stats.smb3.2020-05-28.txt", 1, 2, 36, 1 },
		{ "cifs/linux-cifs-list/Stats.smb3.2020-08-30.txt", 1, 2, 54, 1 },
		{ "cifs/shibumi-cifs-exporter/stats_example.txt", 1, 2, 16, 2 },
		{ "cifs/shibumi-cifs-exporter/example1.txt", 1, 2, 16, 3 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cifs_stats st;
		parse_fixture(cases[i].rel, &st);
		assert_true(st.has_sessions && st.has_shares && st.has_reconnects && st.has_vfs);
		assert_true(st.sessions == cases[i].sessions);
		assert_true(st.shares == cases[i].shares);
		assert_true(st.vfs_operations == cases[i].vfs);
		assert_int_equal(st.nshare, cases[i].nshare);
		for (size_t j = 0; j < st.nshare; j++) {
			assert_true(st.share[j].has_smbs);
			assert_true(st.share[j].nops > 0);
			assert_true(strncmp(st.share[j].name, "//", 2) == 0);
		}
		cifs_stats_release(&st);
	}
}

static void test_smb1_kernel_3_17(void **state)
{
	struct cifs_stats st;
	const struct cifs_stats_share *s;

	(void)state;
	parse_fixture("cifs/pcp-qa/kernel-3.17.3/Stats", &st);
	assert_true(st.session_reconnects == 0 && st.share_reconnects == 0);
	s = &st.share[2];
	assert_string_equal(s->name, "//192.168.122.153/cifs-one");
	assert_true(s->smbs == 50);
	assert_true(s->has_bytes);
	assert_true(op(s, "reads")->total == 2);
	assert_false(op(s, "reads")->has_failed);
	assert_true(op(s, "closes")->total == 3);
	assert_true(op(s, "posix_opens")->total == 3);
	assert_true(op(s, "find_first")->total == 26);
	assert_true(op(s, "t2_renames")->total == 0);
	assert_true(op(s, "fnext")->total == 0);
	assert_true(op(s, "oplocks_breaks")->total == 0);
	assert_true(op(s, "hard_links")->total == 0);
	cifs_stats_release(&st);
}

/* Kernel 4.15 writes "N sent M failed"; the recording has distinct numbers everywhere. */
static void test_smb2_sent_kernel_4_15(void **state)
{
	struct cifs_stats st;
	const struct cifs_stats_share *s;

	(void)state;
	parse_fixture("cifs/pcp-qa/kernel-4.15.12/Stats", &st);
	assert_true(st.session_reconnects == 2 && st.share_reconnects == 2);
	s = &st.share[0];
	assert_string_equal(s->name, "//fubar.com/mysmbuser");
	assert_true(s->smbs == 33);
	assert_false(s->has_bytes);
	assert_int_equal(s->nops, 19);
	assert_true(op(s, "negotiates")->total == 1 && op(s, "negotiates")->failed == 2);
	assert_true(op(s, "session_setups")->total == 4 && op(s, "session_setups")->failed == 5);
	assert_true(op(s, "flushes")->total == 21 && op(s, "flushes")->failed == 23);
	assert_true(op(s, "ioctls")->total == 33 && op(s, "ioctls")->failed == 35);
	assert_true(op(s, "oplock_breaks")->total == 54 && op(s, "oplock_breaks")->failed == 56);
	assert_true(op(s, "query_directories")->has_failed);
	cifs_stats_release(&st);
}

static void test_smb3_total_kernel_6_16(void **state)
{
	struct cifs_stats st;
	const struct cifs_stats_share *s;

	(void)state;
	parse_fixture("cifs/pcp-qa/kernel-6.16.7/Stats", &st);
	s = &st.share[0];
	assert_string_equal(s->name, "//192.168.122.242/cifsrhel");
	assert_true(s->smbs == 179);        /* "SMBs: 179 since 2025-09-30 14:20:29 UTC" */
	assert_true(s->has_bytes);
	assert_true(op(s, "creates")->total == 50);
	assert_true(op(s, "query_directories")->total == 52);
	s = &st.share[1];
	assert_string_equal(s->name, "//192.168.122.29/cifstest");
	assert_true(op(s, "query_infos")->total == 37);
	for (size_t i = 0; i < s->nops; i++)
		assert_true(strcmp(s->ops[i].name, "open_files") != 0 && strcmp(s->ops[i].name, "max_requests_in_flight") != 0);
	cifs_stats_release(&st);
}

static void test_smb3_bytes_2020(void **state)
{
	struct cifs_stats st;
	const struct cifs_stats_share *s;

	(void)state;
	parse_fixture("cifs/linux-cifs-list/Stats.smb3.2020-08-30.txt", &st);
	s = &st.share[0];
	assert_string_equal(s->name, "//localhost/test");
	assert_true(s->read_bytes == 165675008);
	assert_true(s->written_bytes == 5);
	assert_true(op(s, "closes")->failed == 1);
	assert_true(op(s, "reads")->total == 42);
	cifs_stats_release(&st);
}

/* One file mixing SMB1 and SMB2 shares; the last one is numbered 1) again, without final newline. */
static void test_shibumi_mixed(void **state)
{
	struct cifs_stats st;

	(void)state;
	parse_fixture("cifs/shibumi-cifs-exporter/example1.txt", &st);
	assert_string_equal(st.share[0].name, "//server1/share1");
	assert_false(op(&st.share[0], "find_first")->has_failed);
	assert_string_equal(st.share[1].name, "//server2/share2");
	assert_true(op(&st.share[1], "creates")->failed == 2);
	assert_string_equal(st.share[2].name, "//server/share3");
	assert_true(op(&st.share[2], "locks")->total == 99);
	cifs_stats_release(&st);
	parse_fixture("cifs/shibumi-cifs-exporter/stats_example.txt", &st);
	assert_true(op(&st.share[1], "oplock_breaks")->total == 0);
	cifs_stats_release(&st);
}

static void test_disconnected_and_duplicates(void **state)
{
	static const char in[] =
		"Resources in use\nCIFS Session: 2\n"
		"1) \\\\nas\\media\tDISCONNECTED \nSMBs: 10\nReads: 3 total 1 failed\n"
		"2) \\\\nas\\media\nSMBs: 5\nReads: 4 total 0 failed\nBytes read: 7  Bytes written: 9\n";
	struct cifs_stats st;

	(void)state;
	assert_int_equal(cifs_stats_parse(in, strlen(in), &st), 0);
	assert_int_equal(st.nshare, 1);
	assert_true(st.share[0].disconnected);
	assert_true(st.share[0].smbs == 15);
	assert_true(op(&st.share[0], "reads")->total == 7);
	assert_true(op(&st.share[0], "reads")->failed == 1);
	assert_true(st.share[0].read_bytes == 7);
	assert_false(st.has_shares);
	cifs_stats_release(&st);
}

static void test_not_stats(void **state)
{
	struct cifs_stats st;

	(void)state;
	assert_int_equal(cifs_stats_parse("", 0, &st), -1);
	assert_int_equal(cifs_stats_parse("hello\nworld: 1\n", 15, &st), -1);
	assert_int_equal(st.nshare, 0);
	cifs_stats_release(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fixture),
		cmocka_unit_test(test_smb1_kernel_3_17),
		cmocka_unit_test(test_smb2_sent_kernel_4_15),
		cmocka_unit_test(test_smb3_total_kernel_6_16),
		cmocka_unit_test(test_smb3_bytes_2020),
		cmocka_unit_test(test_shibumi_mixed),
		cmocka_unit_test(test_disconnected_and_duplicates),
		cmocka_unit_test(test_not_stats),
	};

	fixtures_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
