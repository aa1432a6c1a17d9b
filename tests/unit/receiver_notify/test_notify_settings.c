/* test_notify_settings.c: event and kind names, notifier_validate(), notifier_release(), sends refused before any I/O */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/xalloc.h"
#include "receiver/notify.h"

static void test_event_names(void **state)
{
	static const char *const names[] = { "started", "succeeded", "failed", "gave_up", "interrupted" };
	enum notify_event e;

	(void)state;
	for (int i = 0; i < NOTIFY_EVENT_COUNT; i++) {
		assert_string_equal(notify_event_name((enum notify_event)i), names[i]);
		assert_int_equal(notify_event_parse(names[i], &e), 0);
		assert_int_equal(e, i);
	}
	assert_string_equal(notify_event_name(NOTIFY_EVENT_COUNT), "unknown");
	assert_string_equal(notify_event_name((enum notify_event)-1), "unknown");
	e = NOTIFY_STARTED;
	assert_int_equal(notify_event_parse("FAILED", &e), -1);
	assert_int_equal(notify_event_parse("gave-up", &e), -1);
	assert_int_equal(notify_event_parse("", &e), -1);
	assert_int_equal(notify_event_parse(NULL, &e), -1);
	assert_int_equal(notify_event_parse("unknown", &e), -1);
	assert_int_equal(e, NOTIFY_STARTED);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(notifier_kind_name(NOTIFIER_SMTP), "smtp");
	assert_string_equal(notifier_kind_name(NOTIFIER_NTFY), "ntfy");
	assert_string_equal(notifier_kind_name(NOTIFIER_GOTIFY), "gotify");
	assert_string_equal(notifier_kind_name(NOTIFIER_PUSHOVER), "pushover");
	assert_string_equal(notifier_kind_name(NOTIFIER_WEBHOOK), "webhook");
	assert_string_equal(notifier_kind_name((enum notifier_kind)17), "unknown");
}

/* A valid notifier of each kind; every string owned, so notifier_release() can free it. */
static void make(struct notifier *n, enum notifier_kind kind)
{
	memset(n, 0, sizeof(*n));
	n->name = xstrdup("test");
	n->kind = kind;
	n->timeout = 10;
	n->events = (1u << NOTIFY_EVENT_COUNT) - 1;
	n->smtp_starttls = true;
	switch (kind) {
	case NOTIFIER_SMTP:
		n->url = xstrdup("smtp://mail.example.org:587");
		n->from = xstrdup("homeops@example.org");
		strlist_push(&n->to, "me@example.org");
		break;
	case NOTIFIER_NTFY:
		n->url = xstrdup("https://ntfy.example.org/homeops");
		break;
	case NOTIFIER_GOTIFY:
		n->url = xstrdup("https://gotify.example.org");
		n->token = xstrdup("AbCdEf.123");
		break;
	case NOTIFIER_PUSHOVER:
		n->token = xstrdup("azGDORePK8gMaC0QOYAMyEEuzJnyUi");
		n->user_key = xstrdup("uQiRzpo4DXghDmr9QzzfQu27cmVRsG");
		break;
	case NOTIFIER_WEBHOOK:
		n->url = xstrdup("http://127.0.0.1:8080/hook?x=1");
		break;
	}
}

static void set(char **field, const char *v)
{
	free(*field);
	*field = v ? xstrdup(v) : NULL;
}

/* Validates n, expecting success (want == NULL) or an error containing want. Releases n. */
static void expect(struct notifier *n, const char *want, int line)
{
	char *err = (char *)0x1;
	int rc = notifier_validate(n, &err);

	if (!want) {
		if (rc != 0)
			fail_msg("line %d: unexpected error: %s", line, err);
		assert_null(err);
	} else {
		if (rc == 0)
			fail_msg("line %d: accepted, wanted error containing '%s'", line, want);
		assert_non_null(err);
		if (!strstr(err, want))
			fail_msg("line %d: error '%s' does not contain '%s'", line, err, want);
		free(err);
	}
	notifier_release(n);
}

#define EXPECT(n, want) expect((n), (want), __LINE__)

static void test_valid_notifiers(void **state)
{
	struct notifier n;

	(void)state;
	for (int k = NOTIFIER_SMTP; k <= NOTIFIER_WEBHOOK; k++) {
		make(&n, (enum notifier_kind)k);
		EXPECT(&n, NULL);
	}
	make(&n, NOTIFIER_SMTP);
	set(&n.url, "SMTPS://mail.example.org");
	set(&n.username, "homeops");
	set(&n.password, "p4ss word \xc3\xa9");
	strlist_push(&n.to, "ops+alerts@[127.0.0.1]");
	strlist_push(&n.to, "a.b!#$%&'*+/=?^_`{|}~-@sub.example.co.uk");
	EXPECT(&n, NULL);
	/* a password over plain SMTP is fine to a local relay */
	make(&n, NOTIFIER_SMTP);
	set(&n.url, "smtp://127.0.0.1:25");
	n.smtp_starttls = false;
	set(&n.username, "u");
	set(&n.password, "p");
	EXPECT(&n, NULL);
	make(&n, NOTIFIER_SMTP);
	set(&n.url, "smtp://localhost");
	n.smtp_starttls = false;
	set(&n.username, "u");
	set(&n.password, "p");
	EXPECT(&n, NULL);
	/* and with STARTTLS required to anywhere */
	make(&n, NOTIFIER_SMTP);
	set(&n.username, "u");
	set(&n.password, "p");
	EXPECT(&n, NULL);
	make(&n, NOTIFIER_PUSHOVER);
	set(&n.url, "https://api.pushover.net/1/messages.json");
	EXPECT(&n, NULL);
	make(&n, NOTIFIER_NTFY);
	set(&n.username, "phil");
	set(&n.password, "secret");
	EXPECT(&n, NULL);
	make(&n, NOTIFIER_WEBHOOK);
	n.timeout = 0; /* default */
	n.events = 0;
	EXPECT(&n, NULL);
}

static void test_url_errors(void **state)
{
	struct notifier n;

	(void)state;
	make(&n, NOTIFIER_SMTP);
	set(&n.url, "https://mail.example.org");
	EXPECT(&n, "smtp:// or smtps://");
	make(&n, NOTIFIER_NTFY);
	set(&n.url, "smtp://mail.example.org/x");
	EXPECT(&n, "http:// or https://");
	make(&n, NOTIFIER_WEBHOOK);
	set(&n.url, "ftp://example.org/x");
	EXPECT(&n, "http:// or https://");
	make(&n, NOTIFIER_WEBHOOK);
	set(&n.url, "file:///etc/passwd");
	EXPECT(&n, "http:// or https://");
	make(&n, NOTIFIER_GOTIFY);
	set(&n.url, NULL);
	EXPECT(&n, "url: missing");
	make(&n, NOTIFIER_GOTIFY);
	set(&n.url, "");
	EXPECT(&n, "url: missing");
	make(&n, NOTIFIER_WEBHOOK);
	set(&n.url, "http://example.org/a b");
	EXPECT(&n, "url: spaces");
	make(&n, NOTIFIER_WEBHOOK);
	set(&n.url, "http://example.org/\r\nX-Evil: 1");
	EXPECT(&n, "url: spaces");
	make(&n, NOTIFIER_WEBHOOK);
	set(&n.url, "http://b\xc3\xbc" "cher.example/");
	EXPECT(&n, "punycode");
	make(&n, NOTIFIER_WEBHOOK);
	set(&n.url, "http://user:pw@example.org/hook");
	EXPECT(&n, "credentials");
	make(&n, NOTIFIER_WEBHOOK);
	set(&n.url, "http://");
	EXPECT(&n, "url");
	make(&n, NOTIFIER_WEBHOOK);
	set(&n.url, "http://[::1/x");
	EXPECT(&n, "url");
	make(&n, NOTIFIER_NTFY);
	set(&n.url, "https://ntfy.example.org/");
	EXPECT(&n, "topic");
	make(&n, NOTIFIER_NTFY);
	set(&n.url, "https://ntfy.example.org");
	EXPECT(&n, "topic");
	make(&n, NOTIFIER_SMTP);
	set(&n.url, "smtp://mail.example.org:25");
	n.smtp_starttls = false;
	set(&n.username, "u");
	set(&n.password, "p");
	EXPECT(&n, "refusing");
}

static void test_address_errors(void **state)
{
	static const char *const bad[] = {
		"", "me", "@example.org", "me@", "me@@example.org", "a@b@example.org", ".me@example.org",
		"me.@example.org", "m..e@example.org", "me@example..org", "me@-example.org", "me@example.org.",
		"me@exa mple.org", "Me <me@example.org>", "me@example.org>", "<me@example.org>",
		"me@example.org\r\nRCPT TO:<evil@x>", "\"me\"@example.org", "m\xc3\xa9@example.org",
		"me@[1.2.3.4", "me@[]", "me@exa_mple.org",
		"0123456789012345678901234567890123456789012345678901234567890123456789@example.org",
	};
	struct notifier n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make(&n, NOTIFIER_SMTP);
		set(&n.from, bad[i]);
		EXPECT(&n, "from:");
		make(&n, NOTIFIER_SMTP);
		strlist_push(&n.to, bad[i]);
		EXPECT(&n, "to: entry 2");
	}
	make(&n, NOTIFIER_SMTP);
	set(&n.from, NULL);
	EXPECT(&n, "from:");
	make(&n, NOTIFIER_SMTP);
	strlist_clear(&n.to);
	EXPECT(&n, "to: at least one");
}

static void test_secret_and_other_errors(void **state)
{
	char path[] = "/tmp/homeops-notify-ca-XXXXXX";
	struct notifier n;
	int fd;

	(void)state;
	make(&n, NOTIFIER_GOTIFY);
	set(&n.token, NULL);
	EXPECT(&n, "token_file");
	make(&n, NOTIFIER_PUSHOVER);
	set(&n.token, NULL);
	EXPECT(&n, "token_file");
	make(&n, NOTIFIER_PUSHOVER);
	set(&n.user_key, NULL);
	EXPECT(&n, "user_key_file");
	make(&n, NOTIFIER_PUSHOVER);
	set(&n.user_key, "abc def");
	EXPECT(&n, "user_key_file");
	make(&n, NOTIFIER_NTFY);
	set(&n.token, "tk_abc\r\nX-Evil: 1");
	EXPECT(&n, "token:");
	make(&n, NOTIFIER_WEBHOOK);
	set(&n.token, "");
	EXPECT(&n, "token:");
	make(&n, NOTIFIER_WEBHOOK);
	set(&n.token, "t\xc3\xa9");
	EXPECT(&n, "token:");
	make(&n, NOTIFIER_SMTP);
	set(&n.username, "u");
	EXPECT(&n, "go together");
	make(&n, NOTIFIER_SMTP);
	set(&n.password, "p");
	EXPECT(&n, "go together");
	make(&n, NOTIFIER_SMTP);
	set(&n.username, "u");
	set(&n.password, "p\nq");
	EXPECT(&n, "line break");
	make(&n, NOTIFIER_SMTP);
	set(&n.ca_file, "/nonexistent/ca.pem");
	EXPECT(&n, "ca_file");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	make(&n, NOTIFIER_SMTP);
	set(&n.ca_file, path);
	EXPECT(&n, NULL);
	unlink(path);
	make(&n, NOTIFIER_WEBHOOK);
	n.timeout = -1;
	EXPECT(&n, "timeout");
	make(&n, NOTIFIER_WEBHOOK);
	n.timeout = NAN;
	EXPECT(&n, "timeout");
	make(&n, NOTIFIER_WEBHOOK);
	n.timeout = 1e9;
	EXPECT(&n, "timeout");
	make(&n, NOTIFIER_WEBHOOK);
	n.events = 1u << NOTIFY_EVENT_COUNT;
	EXPECT(&n, "events");
	make(&n, NOTIFIER_WEBHOOK);
	n.kind = (enum notifier_kind)9;
	EXPECT(&n, "kind");
	{
		char *err = NULL;
		assert_int_equal(notifier_validate(NULL, &err), -1);
		assert_non_null(err);
		free(err);
	}
}

static void test_release(void **state)
{
	struct notifier n;

	(void)state;
	make(&n, NOTIFIER_SMTP);
	set(&n.username, "u");
	set(&n.password, "p");
	set(&n.token, "t");
	set(&n.user_key, "k");
	set(&n.ca_file, "/x");
	strlist_push(&n.to, "b@example.org");
	notifier_release(&n);
	assert_null(n.name);
	assert_null(n.url);
	assert_null(n.password);
	assert_int_equal(n.to.n, 0);
	notifier_release(&n);
	notifier_release(NULL);
}

static void test_send_refuses_invalid_notifier_without_io(void **state)
{
	struct notifier n;
	struct notify_facts f;
	struct notify_message m;
	struct notify_result res;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.event = NOTIFY_FAILED;
	notify_format(&f, &m);
	make(&n, NOTIFIER_SMTP);
	set(&n.from, "evil\r\n@example.org");
	memset(&res, 0xff, sizeof(res));
	assert_int_equal(notify_send(&n, &m, "1", &res), -1);
	assert_false(res.ok);
	assert_false(res.retryable);
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(res.error, "invalid notifier: from:"));
	notifier_release(&n);
	notify_message_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_names),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_valid_notifiers),
		cmocka_unit_test(test_url_errors),
		cmocka_unit_test(test_address_errors),
		cmocka_unit_test(test_secret_and_other_errors),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_send_refuses_invalid_notifier_without_io),
	};
	int rc;

	notify_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	notify_global_cleanup();
	return rc;
}
