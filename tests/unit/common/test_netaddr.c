/* test_netaddr.c: the one loopback meaning (common/netaddr) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/netaddr.h"

static void test_hosts(void **state)
{
	(void)state;
	assert_true(host_is_loopback("127.0.0.1"));
	assert_true(host_is_loopback("127.255.0.9"));
	assert_true(host_is_loopback("::1"));
	assert_true(host_is_loopback("[::1]"));
	assert_true(host_is_loopback("LocalHost"));
	/* names that merely start like a loopback address could resolve anywhere */
	assert_false(host_is_loopback("127.example.org"));
	assert_false(host_is_loopback("127.0.0.1.example.org"));
	assert_false(host_is_loopback("127.1"));
	assert_false(host_is_loopback("128.0.0.1"));
	assert_false(host_is_loopback("0.0.0.0"));
	assert_false(host_is_loopback(""));
	assert_false(host_is_loopback(NULL));
}

static void test_listen_addresses(void **state)
{
	(void)state;
	assert_true(listen_address_is_loopback("127.0.0.1:9766"));
	assert_true(listen_address_is_loopback("[::1]:9766"));
	assert_true(listen_address_is_loopback("localhost:9766"));
	assert_false(listen_address_is_loopback(":9766"));
	assert_false(listen_address_is_loopback("0.0.0.0:9766"));
	assert_false(listen_address_is_loopback("127.example.org:9766"));
	assert_false(listen_address_is_loopback("9766"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_listen_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
