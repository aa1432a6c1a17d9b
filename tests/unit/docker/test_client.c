/* test_client.c: --docker.host parsing and the API version chosen against an engine's */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporters/docker/client.h"

static void expect_host(const char *host, const char *socket, const char *base)
{
	char *s, *b, err[200];
	assert_int_equal(dk_host_parse(host, &s, &b, err, sizeof(err)), 0);
	if (socket)
		assert_string_equal(s, socket);
	else
		assert_null(s);
	assert_string_equal(b, base);
	free(s);
	free(b);
}

static void expect_bad_host(const char *host)
{
	char *s, *b, err[200];
	err[0] = '\0';
	assert_int_equal(dk_host_parse(host, &s, &b, err, sizeof(err)), -1);
	assert_null(s);
	assert_null(b);
	assert_true(err[0] != '\0');
}

static void test_hosts(void **state)
{
	(void)state;
	expect_host("unix:///var/run/docker.sock", "/var/run/docker.sock", "http://localhost");
	expect_host("unix:///run/user/1000/podman/podman.sock", "/run/user/1000/podman/podman.sock", "http://localhost");
	expect_host("tcp://127.0.0.1:2375", NULL, "http://127.0.0.1:2375");
	expect_host("http://socket-proxy:2375", NULL, "http://socket-proxy:2375");
	expect_bad_host("");
	expect_bad_host(NULL);
	expect_bad_host("unix://relative.sock");
	expect_bad_host("ssh://host");
	expect_bad_host("tcp://");
	expect_bad_host("tcp://host:2375/path");
	expect_bad_host("/var/run/docker.sock");
}

static void test_api_choice(void **state)
{
	char api[16];
	(void)state;
	assert_int_equal(dk_api_choose("1.41", api, sizeof(api)), 0);
	assert_string_equal(api, "1.41");
	assert_int_equal(dk_api_choose("1.24", api, sizeof(api)), 0);
	assert_string_equal(api, "1.24");
	assert_int_equal(dk_api_choose("1.99", api, sizeof(api)), 0);
	assert_string_equal(api, "1.52");
	assert_int_equal(dk_api_choose("1.22", api, sizeof(api)), -1);
	assert_int_equal(dk_api_choose("junk", api, sizeof(api)), -1);
	assert_int_equal(dk_api_choose(NULL, api, sizeof(api)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_api_choice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
