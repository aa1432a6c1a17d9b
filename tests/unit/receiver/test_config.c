/* test_config.c: the receiver's YAML configuration contract: the issue's example, defaults, secrets, and every error */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/xalloc.h"
#include "receiver/config.h"
#include "tests/lib/testlib.h"

/* The configuration contract of issue 3, verbatim. */
static const char *issue_example =
	"receivers:                      # webhook endpoints; each needs auth unless bound to loopback\n"
	"  - name: homeops\n"
	"    path: /webhook\n"
	"    bearer_token_file: /etc/homeops/receiver.token   # or basic_auth: {username: u, password_file: f}\n"
	"playbooks:\n"
	"  restart-container:\n"
	"    command: [\"/usr/lib/homeops/playbooks/restart-container\"]   # argv, never a shell\n"
	"    timeout: 2m\n"
	"    cooldown: 15m\n"
	"    max_concurrent: 1\n"
	"    max_attempts: 3             # within window, then give up and escalate\n"
	"    window: 1h\n"
	"    cancel_on_resolved: false\n"
	"    env: {DOCKER_HOST: \"unix:///run/docker.sock\"}\n"
	"notifiers:\n"
	"  mail:  {smtp: {url: \"smtp://127.0.0.1:25\", from: \"homeops@example.org\", to: [\"me@example.org\"]}}\n"
	"  phone: {ntfy: {url: \"https://ntfy.example.org/homeops\", token_file: /etc/homeops/ntfy.token}}\n"
	"routes:                          # first match wins unless continue: true\n"
	"  - matchers: ['alertname=\"DockerContainerUnhealthy\"', 'severity=~\"warning|critical\"']\n"
	"    playbook: restart-container\n"
	"    on: firing                   # firing | resolved | both\n"
	"    notify: [mail, phone]\n";

static struct rcv_config *parse(const char *text, char **err)
{
	*err = NULL;
	return config_parse(text, strlen(text), "/etc/homeops", false, err);
}

static void test_issue_example(void **state)
{
	(void)state;
	char *err;
	struct rcv_config *c = parse(issue_example, &err);
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->nreceivers, 1);
	assert_string_equal(c->receivers[0].name, "homeops");
	assert_string_equal(c->receivers[0].path, "/webhook");
	assert_string_equal(c->receivers[0].bearer_token_file, "/etc/homeops/receiver.token");
	assert_true(config_all_receivers_authenticated(c));

	assert_int_equal(c->nplaybooks, 1);
	const struct playbook *pb = config_playbook(c, "restart-container");
	assert_non_null(pb);
	assert_int_equal(pb->command.n, 1);
	assert_string_equal(pb->command.items[0], "/usr/lib/homeops/playbooks/restart-container");
	assert_true(pb->timeout == 120);
	assert_true(pb->cooldown == 900);
	assert_int_equal(pb->max_concurrent, 1);
	assert_int_equal(pb->max_attempts, 3);
	assert_true(pb->window == 3600);
	assert_false(pb->cancel_on_resolved);
	assert_false(pb->retry_interrupted);
	assert_true(pb->enabled);
	assert_int_equal(pb->env.n, 1);
	assert_string_equal(pb->env.items[0], "DOCKER_HOST=unix:///run/docker.sock");

	assert_int_equal(c->nnotifiers, 2);
	const struct notifier *mail = config_notifier(c, "mail"), *phone = config_notifier(c, "phone");
	assert_int_equal(mail->kind, NOTIFIER_SMTP);
	assert_string_equal(mail->url, "smtp://127.0.0.1:25");
	assert_string_equal(mail->from, "homeops@example.org");
	assert_int_equal(mail->to.n, 1);
	assert_string_equal(mail->to.items[0], "me@example.org");
	assert_true(mail->smtp_starttls);
	assert_int_equal(mail->events, (1u << NOTIFY_EVENT_COUNT) - 1);
	assert_int_equal(phone->kind, NOTIFIER_NTFY);
	assert_string_equal(phone->url, "https://ntfy.example.org/homeops");
	assert_true(phone->timeout == 10);

	assert_int_equal(c->nroutes, 1);
	assert_int_equal(c->routes[0].matchers.n, 2);
	assert_int_equal(c->routes[0].matchers.items[1].op, MATCH_RE);
	assert_string_equal(c->routes[0].playbook, "restart-container");
	assert_int_equal(c->routes[0].on, ROUTE_ON_FIRING);
	assert_false(c->routes[0].cont);
	assert_int_equal(c->routes[0].notify.n, 2);
	assert_int_equal(c->warnings.n, 0);
	config_unref(c);
}

static void test_defaults_and_empty(void **state)
{
	(void)state;
	char *err;
	static const char *const empties[] = { "", "# nothing\n", "---\n", "~\n" };
	for (size_t i = 0; i < 4; i++) {
		struct rcv_config *c = parse(empties[i], &err);
		if (!c)
			fail_msg("'%s': %s", empties[i], err);
		assert_int_equal(c->nreceivers, 1);
		assert_string_equal(c->receivers[0].path, "/webhook");
		assert_false(config_has_webhook_auth(c));
		assert_int_equal(c->nroutes, 0);
		config_unref(c);
	}
	struct rcv_config *c = parse("playbooks:\n  p: {command: [/bin/true]}\nroutes:\n  - playbook: p\n", &err);
	assert_non_null(c);
	const struct playbook *pb = config_playbook(c, "p");
	assert_true(pb->timeout == 300);
	assert_true(pb->cooldown == 0);
	assert_int_equal(pb->max_concurrent, 1);
	assert_int_equal(pb->max_attempts, 3);
	assert_true(pb->window == 3600);
	assert_int_equal(pb->output_limit, 16384);
	assert_int_equal(c->routes[0].matchers.n, 0);
	assert_int_equal(c->routes[0].on, ROUTE_ON_FIRING);
	config_unref(c);
}

static void test_full_featured(void **state)
{
	(void)state;
	const char *text = "global:\n"
			   "  external_url: http://nas:9766/\n"
			   "  notify: [hook]\n"
			   "  redact: ['(?i)password=(\\S+)']\n"
			   "receivers:\n"
			   "  - {name: a, path: /hook/a, bearer_token_file: tok}\n"
			   "  - name: b\n"
			   "    path: /hook/b\n"
			   "    basic_auth: {username: am, password_file: /run/pw}\n"
			   "playbooks:\n"
			   "  p:\n"
			   "    command: [/bin/echo, 'a b', '$HOME']\n"
			   "    working_directory: work\n"
			   "    env: {A: '1', B_2: ''}\n"
			   "    timeout: 1m30s\n"
			   "    kill_grace: 2s\n"
			   "    cooldown: 0s\n"
			   "    max_concurrent: 4\n"
			   "    max_attempts: 0\n"
			   "    cancel_on_resolved: true\n"
			   "    retry_interrupted: yes\n"
			   "    redact: 'token=(\\w+)'\n"
			   "    output_limit: 4KiB\n"
			   "    enabled: false\n"
			   "notifiers:\n"
			   "  hook: {webhook: {url: 'http://127.0.0.1:9/x', events: [failed, gave_up]}}\n"
			   "  po: {pushover: {token_file: t, user_key_file: u, timeout: 3s}}\n"
			   "routes:\n"
			   "  - matchers: 'alertname=\"A\", severity=\"critical\"'\n"
			   "    receiver: b\n"
			   "    playbook: p\n"
			   "    on: both\n"
			   "    continue: true\n"
			   "  - matchers: []\n"
			   "    playbook: p\n"
			   "    notify: po\n";
	char *err;
	struct rcv_config *c = parse(text, &err);
	if (!c)
		fail_msg("%s", err);
	assert_string_equal(c->external_url, "http://nas:9766/");
	assert_string_equal(c->receivers[0].bearer_token_file, "/etc/homeops/tok");
	assert_string_equal(c->receivers[1].basic_user, "am");
	assert_string_equal(c->receivers[1].basic_password_file, "/run/pw");
	const struct playbook *pb = config_playbook(c, "p");
	assert_int_equal(pb->command.n, 3);
	assert_string_equal(pb->command.items[2], "$HOME");
	assert_string_equal(pb->workdir, "/etc/homeops/work");
	assert_string_equal(pb->env.items[1], "B_2=");
	assert_true(pb->timeout == 90);
	assert_true(pb->kill_grace == 2);
	assert_int_equal(pb->max_concurrent, 4);
	assert_int_equal(pb->max_attempts, 0);
	assert_true(pb->cancel_on_resolved);
	assert_true(pb->retry_interrupted);
	assert_false(pb->enabled);
	assert_int_equal(pb->output_limit, 4096);
	assert_int_equal(pb->redact.n, 2); /* global first, then the playbook's */
	assert_string_equal(pb->redact.sources[0], "(?i)password=(\\S+)");
	const struct notifier *hook = config_notifier(c, "hook");
	assert_int_equal(hook->events, (1u << NOTIFY_FAILED) | (1u << NOTIFY_GAVE_UP));
	assert_int_equal(config_notifier(c, "po")->kind, NOTIFIER_PUSHOVER);
	assert_true(config_notifier(c, "po")->timeout == 3);
	assert_int_equal(c->routes[0].matchers.n, 2);
	assert_string_equal(c->routes[0].receiver, "b");
	assert_int_equal(c->routes[0].on, ROUTE_ON_FIRING | ROUTE_ON_RESOLVED);
	assert_true(c->routes[0].cont);
	/* global notify applies to routes that name none */
	assert_int_equal(c->routes[0].notify.n, 1);
	assert_string_equal(c->routes[0].notify.items[0], "hook");
	assert_string_equal(c->routes[1].notify.items[0], "po");
	config_unref(c);
}

static void expect_error(const char *text, const char *needle)
{
	char *err;
	struct rcv_config *c = parse(text, &err);
	if (c)
		fail_msg("accepted:\n%s", text);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
	free(err);
}

#define PB "playbooks:\n  p: {command: [/bin/true]}\n"

static void test_errors(void **state)
{
	(void)state;
	expect_error("receivers: [\n", "YAML error");
	expect_error("a: 1\n---\nb: 2\n", "only one YAML document");
	expect_error("x: &a {y: 1}\nz: *a\n", "aliases");
	expect_error("[1, 2]\n", "expected a mapping");
	expect_error("rotes: []\n", "line 1: rotes: unknown key (allowed: global, receivers, playbooks, notifiers, routes)");
	expect_error(PB "routes:\n  - playbook: p\n    matcher: ['a=\"b\"']\n", "line 5: routes[0].matcher: unknown key");
	expect_error("playbooks:\n  p:\n    command: [/bin/true]\n    timout: 1m\n",
		     "line 4: playbooks.p.timout: unknown key");
	expect_error("playbooks:\n  p: {command: [/bin/true], timeout: 2x}\n", "line 2: playbooks.p.timeout: invalid duration \"2x\"");
	expect_error("playbooks:\n  p: {command: [/bin/true], timeout: 0s}\n", "playbooks.p.timeout: must be greater than zero");
	expect_error("playbooks:\n  p: {command: [/bin/true], max_concurrent: 0}\n", "max_concurrent");
	expect_error("playbooks:\n  p: {command: [/bin/true], max_attempts: many}\n", "max_attempts");
	expect_error("playbooks:\n  p: {command: []}\n", "line 2: playbooks.p.command: required (an argv list");
	expect_error("playbooks:\n  p: {command: /bin/true}\n", "expected a list");
	expect_error("playbooks:\n  p: {timeout: 1m}\n", "line 2: playbooks.p.command: required");
	expect_error("playbooks:\n  'bad name': {command: [/bin/true]}\n", "invalid playbook name");
	expect_error("playbooks:\n  p: {command: [/bin/true], env: {'1X': y}}\n", "invalid variable name");
	expect_error("playbooks:\n  p: {command: [/bin/true], cancel_on_resolved: maybe}\n", "expected true or false");
	expect_error("playbooks:\n  p: {command: [/bin/true], redact: ['(']}\n", "invalid redact pattern");
	expect_error("playbooks:\n  p: {command: [/bin/true], output_limit: 1B}\n", "output_limit");
	expect_error("playbooks:\n  p: {command: [/bin/true]}\n  p: {command: [/bin/false]}\n", "line 3: playbooks.p: duplicate key (first on line 2)");
	expect_error(PB "routes:\n  - playbook: q\n", "line 4: routes[0].playbook: unknown playbook \"q\"");
	expect_error(PB "routes:\n  - matchers: ['a=\"b\"']\n", "line 4: routes[0].playbook: required");
	expect_error(PB "routes:\n  - {playbook: p, matchers: ['a=~\"(\"']}\n", "invalid regex");
	expect_error(PB "routes:\n  - {playbook: p, matchers: ['a']}\n", "bad matcher format");
	expect_error(PB "routes:\n  - {playbook: p, on: sometimes}\n", "routes[0].on: expected firing, resolved or both");
	expect_error(PB "routes:\n  - {playbook: p, notify: [nobody]}\n", "unknown notifier \"nobody\"");
	expect_error(PB "routes:\n  - {playbook: p, receiver: nope}\n", "unknown receiver \"nope\"");
	expect_error("receivers:\n  - {name: a, path: /x}\n  - {name: b, path: /x}\n", "duplicate receiver path");
	expect_error("receivers:\n  - {name: a, path: /x}\n  - {name: a, path: /y}\n", "duplicate receiver name");
	expect_error("receivers:\n  - {name: a, path: /metrics}\n", "reserved");
	expect_error("receivers:\n  - {name: a, path: /api/v1/x}\n", "reserved");
	expect_error("receivers:\n  - {name: a, path: webhook}\n", "must start with /");
	expect_error("receivers:\n  - {path: /w}\n", "receivers[0].name: required");
	expect_error("receivers:\n  - {name: a, path: /w, basic_auth: {username: u}}\n", "password_file");
	expect_error("notifiers:\n  n: {smtp: {url: 'smtp://x'}, ntfy: {url: 'http://y'}}\n", "exactly one");
	expect_error("notifiers:\n  n: {telegram: {url: 'http://y'}}\n", "line 2: notifiers.n.telegram: unknown key (allowed: smtp, ntfy, gotify, pushover, webhook)");
	expect_error("notifiers:\n  n: {ntfy: {}}\n", "line 2: notifiers.n.ntfy.url: required");
	expect_error("notifiers:\n  n: {ntfy: {url: 'http://y', events: [exploded]}}\n", "unknown event \"exploded\"");
	expect_error("global: {notify: [ghost]}\n", "unknown notifier \"ghost\"");
}

static char tmpdir[64];

static void write_file(const char *name, const char *content, mode_t mode)
{
	test_write_file(tmpdir, name, content, mode);
}

static void test_load_files_and_secrets(void **state)
{
	(void)state;
	char path[256], *err = NULL;
	strcpy(tmpdir, "/tmp/test_config.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	write_file("token", "s3cret-token\n", 0600);
	write_file("pw", "hunter2", 0600);
	write_file("pb.sh", "#!/bin/sh\nexit 0\n", 0755);
	char *text = xasprintf("receivers:\n  - {name: a, path: /w, bearer_token_file: token,"
			       " basic_auth: {username: u, password_file: %s/pw}}\n"
			       "playbooks:\n  p: {command: [%s/pb.sh]}\n  q: {command: [%s/missing]}\n"
			       "routes:\n  - playbook: p\n",
			       tmpdir, tmpdir, tmpdir);
	write_file("receiver.yml", text, 0644);
	free(text);
	snprintf(path, sizeof(path), "%s/receiver.yml", tmpdir);
	struct rcv_config *c = config_load(path, &err);
	if (!c)
		fail_msg("%s", err);
	assert_string_equal(c->receivers[0].bearer_token, "s3cret-token"); /* trailing newline stripped */
	assert_string_equal(c->receivers[0].basic_password, "hunter2");
	assert_string_equal(c->path, path);
	/* warnings: q is unused and not executable */
	assert_int_equal(c->warnings.n, 2);
	config_unref(c);

	/* a missing secret file names the file */
	write_file("receiver.yml", "receivers:\n  - {name: a, path: /w, bearer_token_file: nothere}\n", 0644);
	assert_null(config_load(path, &err));
	assert_non_null(strstr(err, "nothere"));
	assert_non_null(strstr(err, "receiver.yml"));
	free(err);
	/* an empty token file is refused */
	write_file("empty", "", 0600);
	write_file("receiver.yml", "receivers:\n  - {name: a, path: /w, bearer_token_file: empty}\n", 0644);
	assert_null(config_load(path, &err));
	assert_non_null(strstr(err, "empty"));
	free(err);
	/* an unknown user */
	write_file("receiver.yml", "playbooks:\n  p: {command: [/bin/true], user: no-such-user-xyz}\n", 0644);
	assert_null(config_load(path, &err));
	assert_non_null(strstr(err, "no-such-user-xyz"));
	free(err);
	write_file("receiver.yml", "playbooks:\n  p: {command: [/bin/true], user: root}\n", 0644);
	c = config_load(path, &err);
	assert_non_null(c);
	assert_int_equal(config_playbook(c, "p")->uid, 0);
	config_unref(c);
	/* a missing config file */
	snprintf(path, sizeof(path), "%s/none.yml", tmpdir);
	assert_null(config_load(path, &err));
	assert_non_null(strstr(err, "none.yml"));
	free(err);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
}

static void test_shipped_example(void **state)
{
	(void)state;
	size_t len;
	char *text = test_read_file(source_path("contrib/examples/receiver.yml"), &len);
	char *err = NULL;
	assert_non_null(text);
	struct rcv_config *c = config_parse(text, len, "/etc/homeops", false, &err);
	if (!c)
		fail_msg("contrib/examples/receiver.yml: %s", err);
	assert_true(c->nroutes >= 3);
	assert_true(c->nplaybooks >= 3);
	config_unref(c);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_defaults_and_empty),
		cmocka_unit_test(test_full_featured),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_files_and_secrets),
		cmocka_unit_test(test_shipped_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
