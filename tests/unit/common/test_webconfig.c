/* test_webconfig.c: exporter-toolkit web config parsing, errors naming the key, bcrypt checks and cache */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/webconfig.h"

/* bcrypt of "s3cret pass" at cost 4, made with libxcrypt (python3 crypt.crypt). */
#define HASH "$2b$04$YUZ/Ul1zNFQMv1CpqTb5hOQZ/RC6zCNhlaIw5bON1byjLpmUQdVJK"

static struct webconfig *parse(const char *yaml, char **err)
{
	return webconfig_parse(yaml, strlen(yaml), "/etc/homeops", false, err);
}

static void test_full(void **state)
{
	(void)state;
	char *err = NULL;
	struct webconfig *wc = parse(
		"tls_server_config:\n"
		"  cert_file: server.crt\n"
		"  key_file: /abs/server.key\n"
		"  client_auth_type: RequireAndVerifyClientCert\n"
		"  client_ca_file: ca.crt\n"
		"  min_version: TLS13\n"
		"  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"
		"http_server_config:\n"
		"  http2: true\n"
		"  headers:\n"
		"    Strict-Transport-Security: max-age=31536000\n"
		"basic_auth_users:\n"
		"  alice: " HASH "\n", &err);
	assert_null(err);
	assert_non_null(wc);
	assert_true(wc->tls);
	assert_string_equal(wc->cert_file, "/etc/homeops/server.crt");
	assert_string_equal(wc->key_file, "/abs/server.key");
	assert_int_equal(wc->client_auth, WEB_CLIENT_REQUIRE_AND_VERIFY);
	assert_int_equal(wc->min_version, 13);
	assert_int_equal(wc->nusers, 1);
	assert_int_equal(wc->nheaders, 1);
	assert_string_equal(wc->headers[0].name, "Strict-Transport-Security");
	webconfig_free(wc);
}

static void test_empty(void **state)
{
	(void)state;
	char *err = NULL;
	struct webconfig *wc = parse("", &err);
	assert_non_null(wc);
	assert_false(wc->tls);
	assert_int_equal(wc->nusers, 0);
	webconfig_free(wc);
	wc = parse("tls_server_config:\nbasic_auth_users:\n", &err);
	assert_non_null(wc);
	webconfig_free(wc);
}

static void expect_error(const char *yaml, const char *needle)
{
	char *err = NULL;
	struct webconfig *wc = parse(yaml, &err);
	assert_null(wc);
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
	free(err);
}

static void test_errors_name_the_key(void **state)
{
	(void)state;
	expect_error("tls_server_config:\n  cert_file: a\n", "line 2: tls_server_config.key_file: required with TLS");
	expect_error("tls_server_config:\n  key_file: a\n", "line 2: tls_server_config.cert_file: required with TLS");
	expect_error("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n", "line 4: tls_server_config.min_version: unknown TLS version \"TLS14\"");
	expect_error("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Sometimes\n", "line 4: tls_server_config.client_auth_type: unknown value \"Sometimes\"");
	expect_error("tls_server_config:\n  cert_file: a\n  key_file: b\n  bogus: 1\n", "line 4: tls_server_config.bogus: unknown key (allowed: cert_file, ");
	expect_error("basic_auth_users:\n  bob: plaintext\n", "line 2: basic_auth_users.bob: not a bcrypt hash");
	expect_error("basic_auth_users: [a, b]\n", "basic_auth_users");
	expect_error("unknown_top: 1\n", "line 1: unknown_top: unknown key");
	expect_error("basic_auth_users:\n  bob: " HASH "\n  bob: " HASH "\n", "line 3: basic_auth_users.bob: duplicate key (first on line 2)");
	expect_error("tls_server_config:\n  cipher_suites: x\n", "line 2: tls_server_config.cipher_suites: expected a list of strings");
	expect_error("http_server_config:\n  headers:\n    \"Bad Name\": x\n", "line 3: http_server_config.headers[\"Bad Name\"]: invalid header");
	expect_error("tls_server_config: [\n", "line 2: YAML error: ");
	expect_error("- a\n- b\n", "mapping");
}

static void test_check_user_and_cache(void **state)
{
	(void)state;
	char *err = NULL;
	struct webconfig *wc = parse("basic_auth_users:\n  alice: " HASH "\n", &err);
	assert_non_null(wc);
	assert_true(webconfig_check_user(wc, "alice", "s3cret pass"));
	assert_true(webconfig_check_user(wc, "alice", "s3cret pass"));   /* cached */
	assert_false(webconfig_check_user(wc, "alice", "s3cret pas"));
	assert_false(webconfig_check_user(wc, "alice", ""));
	assert_false(webconfig_check_user(wc, "bob", "s3cret pass"));
	assert_false(webconfig_check_user(NULL, "alice", "s3cret pass"));
	webconfig_free(wc);
}

static void test_ct_equal(void **state)
{
	(void)state;
	assert_true(ct_equal("abc", 3, "abc", 3));
	assert_false(ct_equal("abc", 3, "abd", 3));
	assert_false(ct_equal("abc", 3, "abcd", 4));
	assert_true(ct_equal("", 0, "", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_errors_name_the_key),
		cmocka_unit_test(test_check_user_and_cache),
		cmocka_unit_test(test_ct_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
