/* test_parse_debugdata.c: fs/cifs/DebugData on the recorded files (kernels 4.15 and 6.16) and marks of trouble */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/cifs/parse.h"
#include "tests/lib/testlib.h"

static void parse_fixture(const char *rel, struct cifs_debugdata *dd)
{
	size_t len;
	char *buf = fixture_read(rel, &len);

	assert_int_equal(cifs_debugdata_parse(buf, len, dd), 0);
	free(buf);
}

static void test_kernel_4_15(void **state)
{
	struct cifs_debugdata dd;

	(void)state;
	parse_fixture("cifs/pcp-qa/kernel-4.15.12/DebugData", &dd);
	assert_int_equal(dd.nservers, 1);
	assert_int_equal(dd.nshare, 1);
	assert_string_equal(dd.share[0].server, "10.10.176.135");
	assert_string_equal(dd.share[0].name, "//fubar.com/mysmbuser");
	assert_int_equal(dd.share[0].status, 1);
	assert_int_equal(dd.share[0].tcp_status, 1);
	assert_false(dd.share[0].ipc);
	assert_false(dd.share[0].disconnected);
	assert_true(cifs_dd_share_connected(&dd.share[0]));
	cifs_debugdata_release(&dd);
}

static void test_kernel_6_16(void **state)
{
	struct cifs_debugdata dd;

	(void)state;
	parse_fixture("cifs/pcp-qa/kernel-6.16.7/DebugData", &dd);
	assert_int_equal(dd.nservers, 2);
	assert_int_equal(dd.nshare, 4);
	assert_true(dd.share[0].ipc);
	assert_string_equal(dd.share[0].name, "//192.168.122.242/IPC$");
	assert_string_equal(dd.share[1].server, "192.168.122.242");
	assert_string_equal(dd.share[1].name, "//192.168.122.242/cifsrhel");
	assert_false(dd.share[1].ipc);
	assert_int_equal(dd.share[1].status, 1);
	assert_int_equal(dd.share[1].tcp_status, 1);
	assert_string_equal(dd.share[3].server, "192.168.122.29");
	assert_string_equal(dd.share[3].name, "//192.168.122.29/cifstest");
	for (size_t i = 0; i < dd.nshare; i++)
		assert_true(cifs_dd_share_connected(&dd.share[i]));
	cifs_debugdata_release(&dd);
}

/* A session that needs reconnecting: tcp status 3 on the server, DISCONNECTED on a share. */
static void test_disconnected(void **state)
{
	static const char in[] =
		"Display Internal CIFS Data Structures for Debugging\n"
		"Servers:\n"
		"1) Name: 10.0.0.1 Uses: 1 Capability: 0x300047\tSession Status: 1\tTCP status: 3\n"
		"\tShares:\n"
		"\t1) \\\\nas\\media Mounts: 1 DevInfo: 0x20 Attributes: 0x1006f\n"
		"\tPathComponentMax: 255 Status: 1 type: DISK \n"
		"2) Name: 10.0.0.2 Uses: 1 Capability: 0x300047\tSession Status: 1\tTCP status: 1\n"
		"\tShares:\n"
		"\t1) \\\\nas2\\docs Mounts: 1 DevInfo: 0x20 Attributes: 0x1006f\n"
		"\tPathComponentMax: 255 Status: 3 type: DISK \tDISCONNECTED \n"
		"\t2) \\\\nas2\\ok Mounts: 1 DevInfo: 0x20 Attributes: 0x1006f\n"
		"\tPathComponentMax: 255 Status: 1 type: DISK\n"
		"\tServer interfaces: 1\n\t\t[DISCONNECTED]\n";
	struct cifs_debugdata dd;

	(void)state;
	assert_int_equal(cifs_debugdata_parse(in, strlen(in), &dd), 0);
	assert_int_equal(dd.nservers, 2);
	assert_int_equal(dd.nshare, 3);
	assert_int_equal(dd.share[0].tcp_status, 3);
	assert_false(cifs_dd_share_connected(&dd.share[0]));
	assert_true(dd.share[1].disconnected);
	assert_int_equal(dd.share[1].status, 3);
	assert_false(cifs_dd_share_connected(&dd.share[1]));
	assert_false(dd.share[2].disconnected);   /* the interface's mark is not the share's */
	assert_true(cifs_dd_share_connected(&dd.share[2]));
	cifs_debugdata_release(&dd);
	cifs_debugdata_release(&dd);
}

/* Kernels 3.x: "Status: 0x%d", session and TCP status on their own indented line. */
static void test_old_layout(void **state)
{
	static const char in[] =
		"Display Internal CIFS Data Structures for Debugging\n"
		"---------------------------------------------------\n"
		"CIFS Version 2.02\n"
		"Servers:\n"
		"1) Name: 192.168.1.10  Domain: WORKGROUP Uses: 1 OS: Unix\n"
		"\tNOS: Samba 4.3.11\tCapability: 0x8000e3fd\n"
		"\tSMB session status: 1\tTCP status: 1\n"
		"\tLocal Users To Server: 1 SecMode: 0x3 Req On Wire: 0\n"
		"\tShares:\n"
		"\t1) \\\\192.168.1.10\\IPC$ Mounts: 1 DevInfo: 0x0 Attributes: 0x0\n"
		"\tPathComponentMax: 0 Status: 0x1 type: 0 \n"
		"\t2) \\\\192.168.1.10\\data Mounts: 2 Type: NTFS DevInfo: 0x20 Attributes: 0x1006f\n"
		"\tPathComponentMax: 255 Status: 0x3 type: DISK \n"
		"\n\tMIDs:\n";
	struct cifs_debugdata dd;

	(void)state;
	assert_int_equal(cifs_debugdata_parse(in, strlen(in), &dd), 0);
	assert_int_equal(dd.nservers, 1);
	assert_int_equal(dd.nshare, 2);
	assert_true(dd.share[0].ipc);
	assert_int_equal(dd.share[0].status, 1);
	assert_string_equal(dd.share[1].name, "//192.168.1.10/data");
	assert_string_equal(dd.share[1].server, "192.168.1.10");
	assert_int_equal(dd.share[1].status, 3);      /* CifsNeedReconnect */
	assert_int_equal(dd.share[1].tcp_status, 1);
	assert_false(cifs_dd_share_connected(&dd.share[1]));
	cifs_debugdata_release(&dd);
}

static void test_not_debugdata(void **state)
{
	struct cifs_debugdata dd;
	size_t len;
	char *stats = fixture_read("cifs/pcp-qa/kernel-3.17.3/Stats", &len);

	(void)state;
	assert_int_equal(cifs_debugdata_parse("", 0, &dd), -1);
	assert_int_equal(cifs_debugdata_parse("x\ny\n", 4, &dd), -1);
	/* Stats is not DebugData: its shares are not followed by Mounts: */
	assert_int_equal(cifs_debugdata_parse(stats, len, &dd), -1);
	free(stats);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_4_15),
		cmocka_unit_test(test_kernel_6_16),
		cmocka_unit_test(test_disconnected),
		cmocka_unit_test(test_old_layout),
		cmocka_unit_test(test_not_debugdata),
	};

	fixtures_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
