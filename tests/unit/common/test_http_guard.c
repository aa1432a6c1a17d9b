/* test_http_guard.c: request deadlines on real sockets, requests in service, the Host check, throttled password checks, headers */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/http_guard.h"
#include "common/webconfig.h"

static void test_host(void **state)
{
	(void)state;
	struct strlist allowed = STRLIST_INIT;
	strlist_push(&allowed, "nas.example");
	struct http_guard_options o = { .check_host = true, .allowed_hosts = &allowed };
	struct http_guard *g = http_guard_new(&o);
	strlist_clear(&allowed);   /* the guard keeps its own copy */
	const char *ok[] = { NULL, "127.0.0.1", "127.0.0.1:9766", "192.168.1.5:80", "[::1]:9766", "[fe80::1]",
			     "localhost", "LOCALHOST:1", "localhost.", "nas.example", "NAS.example:9100" };
	const char *bad[] = { "", ":80", "evil.example", "evil.example:9766", "nas.example.evil", "127.0.0.1.nip.io",
			      "[::1", "[nothex]:1", "[::1]x", "a.localhost.evil" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(http_guard_host_ok(g, ok[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(http_guard_host_ok(g, bad[i]));
	char longname[400];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(http_guard_host_ok(g, longname));
	http_guard_free(g);
	struct http_guard_options open = { 0 };
	g = http_guard_new(&open);
	assert_true(http_guard_host_ok(g, "evil.example"));
	http_guard_free(g);
}

static void test_deadline_sweep(void **state)
{
	(void)state;
	struct http_guard_options o = { .request_timeout = 2.0 };
	struct http_guard *g = http_guard_new(&o);
	int late[2], served[2], idle[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, late), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, served), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, idle), 0);
	struct http_guard_conn *cl = http_guard_conn_started(g, late[0], 100.0);
	struct http_guard_conn *cs = http_guard_conn_started(g, served[0], 100.0);
	struct http_guard_conn *ci = http_guard_conn_started(g, idle[0], 100.0);
	assert_int_equal(http_guard_connections(g), 3);
	http_guard_conn_received(g, cs);            /* in service: no deadline */
	http_guard_conn_idle(g, ci, 101.5);         /* previous response sent at 101.5: its deadline is 103.5 */
	assert_int_equal(http_guard_sweep(g, 101.9), 0);
	assert_int_equal(http_guard_sweep(g, 102.1), 1);   /* only the late one */
	char c;
	assert_int_equal(read(late[1], &c, 1), 0);         /* the peer sees the connection end */
	assert_int_equal(http_guard_sweep(g, 102.5), 0);   /* cut once */
	assert_int_equal(http_guard_sweep(g, 103.6), 1);   /* the idle keep-alive connection */
	assert_int_equal(http_guard_cut_total(g), 2);
	http_guard_conn_closed(g, cl);
	http_guard_conn_closed(g, ci);
	http_guard_conn_closed(g, cs);
	assert_int_equal(http_guard_connections(g), 0);
	for (int i = 0; i < 2; i++) {
		close(late[i]);
		close(served[i]);
		close(idle[i]);
	}
	http_guard_free(g);
}

static void test_serving(void **state)
{
	(void)state;
	struct http_guard_options o = { .max_requests = 2 };
	struct http_guard *g = http_guard_new(&o);
	assert_true(http_guard_serve_begin(g));
	assert_true(http_guard_serve_begin(g));
	assert_false(http_guard_serve_begin(g));
	http_guard_serve_end(g);
	assert_true(http_guard_serve_begin(g));
	http_guard_free(g);
}

/* bcrypt of "pw" at cost 4 */
#define HASH_PW "$2b$04$H8mOG.w6PgkHvDiQzBuLluFzUoQtYCPOSs4fIkZ4YliX4VOeEs9sW"

static enum http_guard_auth job_result = HTTP_GUARD_AUTH_PENDING;

static void job_done(void *arg, enum http_guard_auth res)
{
	*(enum http_guard_auth *)arg = res;
}

static void test_password_checks(void **state)
{
	(void)state;
	char *err = NULL;
	char yaml[256];
	snprintf(yaml, sizeof(yaml), "basic_auth_users:\n  alice: %s\n", HASH_PW);
	struct webconfig *wc = webconfig_parse(yaml, strlen(yaml), ".", false, &err);
	assert_non_null(wc);
	struct http_guard_options o = { 0 };
	struct http_guard *g = http_guard_new(&o);
	unsigned retry = 0;
	bool valid = webconfig_check_user(wc, "alice", "pw");
	assert_true(valid);

	/* unknown user: no bcrypt */
	assert_int_equal(http_guard_check_user(g, wc, "mallory", "pw", "10.0.0.1", &retry), HTTP_GUARD_AUTH_DENIED);
	assert_int_equal(http_guard_bcrypt_total(g), 0);
	/* a wrong password: one bcrypt, then cached (from another address, no backoff there) */
	assert_int_equal(http_guard_check_user(g, wc, "alice", "nope", "10.0.0.2", &retry), HTTP_GUARD_AUTH_DENIED);
	assert_int_equal(http_guard_bcrypt_total(g), 1);
	assert_int_equal(http_guard_check_user(g, wc, "alice", "nope", "10.0.0.3", &retry), HTTP_GUARD_AUTH_DENIED);
	assert_int_equal(http_guard_bcrypt_total(g), 1);
	if (valid) {
		assert_int_equal(http_guard_check_user(g, wc, "alice", "pw", "10.0.0.4", &retry), HTTP_GUARD_AUTH_OK);
		unsigned long n = http_guard_bcrypt_total(g);
		assert_int_equal(http_guard_check_user(g, wc, "alice", "pw", "10.0.0.4", &retry), HTTP_GUARD_AUTH_OK);
		assert_int_equal(http_guard_bcrypt_total(g), n);   /* cached */
	}
	/* an address past its free failures is backed off; a cached valid credential still passes there */
	for (int i = 0; i < HTTP_GUARD_FREE_FAILURES; i++) {
		char pw[16];
		snprintf(pw, sizeof(pw), "bad%d", i);
		assert_int_equal(http_guard_check_user(g, wc, "alice", pw, "10.0.0.9", &retry), HTTP_GUARD_AUTH_DENIED);
	}
	assert_int_equal(http_guard_check_user(g, wc, "alice", "bad-last", "10.0.0.9", &retry), HTTP_GUARD_AUTH_DENIED);
	unsigned long before = http_guard_bcrypt_total(g);
	assert_int_equal(http_guard_check_user(g, wc, "alice", "bad-again", "10.0.0.9", &retry),
			 HTTP_GUARD_AUTH_THROTTLED);
	assert_true(retry >= 1);
	assert_int_equal(http_guard_bcrypt_total(g), before);
	if (valid)
		assert_int_equal(http_guard_check_user(g, wc, "alice", "pw", "10.0.0.9", &retry), HTTP_GUARD_AUTH_OK);
	/* begin reserves the one bcrypt slot: a second uncached check meanwhile is throttled */
	struct http_guard_auth_job *job = NULL, *job2 = NULL;
	assert_int_equal(http_guard_auth_begin(g, wc, "alice", "fresh1", "10.0.1.1", &retry, &job), HTTP_GUARD_AUTH_PENDING);
	assert_int_equal(http_guard_auth_begin(g, wc, "alice", "fresh2", "10.0.1.2", &retry, &job2),
			 HTTP_GUARD_AUTH_THROTTLED);
	assert_null(job2);
	/* the job runs on the guard's thread; free waits for it */
	assert_int_equal(http_guard_auth_submit(g, job, job_done, &job_result), 0);
	http_guard_drain(g);
	assert_int_equal(job_result, HTTP_GUARD_AUTH_DENIED);
	http_guard_free(g);
	webconfig_free(wc);
}

static void test_headers(void **state)
{
	(void)state;
	const char *const *h = http_guard_security_headers(true);
	bool csp = false, nosniff = false;
	for (; *h; h += 2) {
		if (strcmp(h[0], "Content-Security-Policy") == 0) {
			csp = true;
			assert_non_null(strstr(h[1], "default-src 'none'"));
			assert_non_null(strstr(h[1], "frame-ancestors 'none'"));
			assert_null(strstr(h[1], "script"));
		}
		if (strcmp(h[0], "X-Content-Type-Options") == 0)
			nosniff = strcmp(h[1], "nosniff") == 0;
	}
	assert_true(csp && nosniff);
	for (h = http_guard_security_headers(false); *h; h += 2)
		assert_string_not_equal(h[0], "Content-Security-Policy");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_deadline_sweep),
		cmocka_unit_test(test_serving),
		cmocka_unit_test(test_password_checks),
		cmocka_unit_test(test_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
