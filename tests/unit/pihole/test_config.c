/* test_config.c: pihole_exporter's configuration: the shipped example, derived fields, and refusals naming the key */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/yamlconf.h"
#include "exporters/pihole/config.h"
#include "tests/lib/testlib.h"

static int parse(const char *text, struct ph_config *cfg, char **err)
{
	struct yamlconf *y = yamlconf_parse(text, strlen(text), "pihole.yml", "/etc/homeops", err);
	int r;

	if (!y)
		return -1;
	r = ph_config_from_yaml(y, 5, cfg);
	if (r < 0)
		*err = yamlconf_take_error(y);
	yamlconf_free(y);
	return r;
}

static void test_shipped_example(void **state)
{
	(void)state;
	size_t len;
	char *text = test_read_file(source_path("contrib/examples/pihole.yml"), &len);
	struct ph_config cfg;
	char *err = NULL;

	assert_non_null(text);
	if (parse(text, &cfg, &err) < 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.n, 3);
	assert_string_equal(cfg.targets[0].name, "primary");
	assert_string_equal(cfg.targets[0].url, "http://192.168.1.2");
	assert_string_equal(cfg.targets[0].password_file, "/etc/homeops/pihole-primary.pass");
	assert_string_equal(cfg.targets[0].password, "unloaded-secret");
	assert_int_equal(cfg.targets[0].api, PH_API_AUTO);
	assert_string_equal(cfg.targets[0].dns_probe, "example.org");
	assert_string_equal(cfg.targets[0].dns_host, "192.168.1.2");
	assert_string_equal(cfg.targets[0].dns_port, "53");
	assert_int_equal(cfg.targets[0].top_count, 10);
	assert_true(cfg.targets[0].timeout == 5);
	assert_string_equal(cfg.targets[1].ca_file, "/etc/homeops/nas-ca.crt");
	assert_string_equal(cfg.targets[1].dns_host, "192.168.1.3");
	assert_int_equal(cfg.targets[2].api, PH_API_V5);
	assert_null(cfg.targets[2].dns_probe);
	ph_config_release(&cfg);
	free(text);
}

static void test_derived(void **state)
{
	(void)state;
	struct ph_config cfg;
	char *err = NULL;

	assert_int_equal(parse("targets:\n  - url: http://pi.hole/admin/\n    dns_server: '[fd00::1]:5353'\n"
			       "  - url: https://[fd00::2]:8443\n    timeout: 2s\n", &cfg, &err), 0);
	assert_string_equal(cfg.targets[0].name, "pi.hole");
	assert_string_equal(cfg.targets[0].url, "http://pi.hole/admin");
	assert_null(cfg.targets[0].password);
	assert_string_equal(cfg.targets[0].dns_host, "fd00::1");
	assert_string_equal(cfg.targets[0].dns_port, "5353");
	assert_string_equal(cfg.targets[1].name, "fd00::2");
	assert_string_equal(cfg.targets[1].dns_host, "fd00::2");
	assert_true(cfg.targets[1].timeout == 2);
	ph_config_release(&cfg);
}

static void refused(const char *text, const char *want)
{
	struct ph_config cfg;
	char *err = NULL;

	assert_int_equal(parse(text, &cfg, &err), -1);
	assert_non_null(err);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	free(err);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("targets: []\n", "at least one target");
	refused("target: []\n", "unknown key");
	refused("targets:\n  - name: a\n", "targets[0].url: required");
	refused("targets:\n  - url: ftp://x\n", "only http and https");
	refused("targets:\n  - url: http://u:p@x\n", "no credentials");
	refused("targets:\n  - url: http://x\n    api: v7\n", "targets[0].api");
	refused("targets:\n  - url: http://x\n    passwd_file: /x\n", "unknown key");
	refused("targets:\n  - url: http://x\n    dns_server: 'x:99999'\n", "HOST[:PORT]");
	refused("targets:\n  - url: http://x\n    top_count: 1000\n", "top_count");
	refused("targets:\n  - url: http://a\n    name: p\n  - url: http://b\n    name: p\n", "used twice");
	refused("targets:\n  - url: http://a\n  - url: http://a:81\n", "used twice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_example),
		cmocka_unit_test(test_derived),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
