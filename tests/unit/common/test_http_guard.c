/* test_http_guard.c: request deadlines and half-closed requests on real sockets, requests in service, the Host check, throttled password checks, headers */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/clock.h"
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

/* A loopback TCP connection: fds[0] the server's (accepted) side, fds[1] the client's. */
static void tcp_pair(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &len), 0);
	fds[1] = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fds[1], (struct sockaddr *)&a, sizeof(a)), 0);
	fds[0] = accept(l, NULL, NULL);
	assert_true(fds[0] >= 0);
	close(l);
}

/* The client sends part of a request and shuts its side; the server reads what came (n bytes). */
static void send_and_shut(int fds[2], const char *part, bool server_reads)
{
	assert_int_equal(write(fds[1], part, strlen(part)), (ssize_t)strlen(part));
	assert_int_equal(shutdown(fds[1], SHUT_WR), 0);
	if (server_reads) {
		char buf[256];
		assert_int_equal(read(fds[0], buf, sizeof(buf)), (ssize_t)strlen(part));
	}
}

/* Collects peer shutdowns until want of them are noted (each arrives within a second on loopback). */
static void collect(struct http_guard *g, size_t want, double now)
{
	size_t got = 0;
	for (int i = 0; i < 50 && got < want; i++)
		got += http_guard_collect(g, 100, now);
	assert_int_equal(got, want);
}

static void test_half_closed(void **state)
{
	(void)state;
	const double G = HTTP_GUARD_HALF_CLOSE_GRACE;
	struct http_guard_options o = { .request_timeout = 0 };   /* no deadline: only the half-close ends them */
	struct http_guard *g = http_guard_new(&o);
	int half[2], unread[2], done[2], held[2], open[2];
	tcp_pair(half);
	tcp_pair(unread);
	tcp_pair(done);
	tcp_pair(held);
	tcp_pair(open);
	struct http_guard_conn *ch = http_guard_conn_started(g, half[0], 100.0);
	struct http_guard_conn *cu = http_guard_conn_started(g, unread[0], 100.0);
	struct http_guard_conn *cd = http_guard_conn_started(g, done[0], 100.0);
	struct http_guard_conn *cw = http_guard_conn_started(g, held[0], 100.0);
	struct http_guard_conn *co = http_guard_conn_started(g, open[0], 100.0);
	assert_int_equal(http_guard_collect(g, 0, 100.0), 0);   /* nobody shut anything yet */

	send_and_shut(half, "GET /metrics HTT", true);         /* a request that can never be completed */
	send_and_shut(unread, "GET /metrics HTTP/1.1\r\n", false);   /* the server has not read it yet */
	send_and_shut(done, "GET / HTTP/1.1\r\n\r\n", true);    /* whole: being answered */
	http_guard_conn_received(g, cd);
	send_and_shut(held, "POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n", true);   /* body after the check */
	http_guard_conn_hold(g, cw, true, 100.0);
	assert_int_equal(write(open[1], "GET", 3), 3);           /* slow, but not shut */
	char buf[64];
	assert_int_equal(read(open[0], buf, sizeof(buf)), 3);
	collect(g, 4, 100.0);

	assert_int_equal(http_guard_sweep(g, 100.0 + G / 2), 0);   /* the grace: a whole request may be in parsing */
	assert_int_equal(http_guard_sweep(g, 100.0 + G), 1);       /* only the half-closed, read one */
	assert_int_equal(read(half[1], buf, sizeof(buf)), 0);      /* its client sees the end */
	assert_int_equal(http_guard_half_closed_total(g), 1);

	/* the unread one is looked at again a grace after the server read it all */
	assert_int_equal(read(unread[0], buf, sizeof(buf)), 23);
	assert_int_equal(http_guard_sweep(g, 100.0 + 1.5 * G), 0);
	assert_int_equal(http_guard_sweep(g, 100.0 + 2 * G), 1);

	/* the answered one: closed a grace after its response went out (keep-alive, but its peer is done) */
	assert_int_equal(http_guard_sweep(g, 110.0), 0);
	http_guard_conn_idle(g, cd, 110.0);
	assert_int_equal(http_guard_sweep(g, 110.0 + G / 2), 0);
	assert_int_equal(http_guard_sweep(g, 110.0 + G), 1);

	/* the held one: not while the server holds it, a grace after it lets go */
	assert_int_equal(http_guard_sweep(g, 120.0), 0);
	http_guard_conn_hold(g, cw, false, 120.0);
	assert_int_equal(http_guard_sweep(g, 120.0 + G / 2), 0);
	assert_int_equal(http_guard_sweep(g, 120.0 + G), 1);

	/* a connection that is slow but open is the request deadline's business, not this */
	assert_int_equal(http_guard_sweep(g, 1000.0), 0);
	assert_int_equal(http_guard_cut_total(g), 4);
	assert_int_equal(http_guard_half_closed_total(g), 4);

	struct http_guard_conn *all[] = { ch, cu, cd, cw, co };
	for (size_t i = 0; i < 5; i++)
		http_guard_conn_closed(g, all[i]);
	int *pairs[] = { half, unread, done, held, open };
	for (size_t i = 0; i < 5; i++) {
		close(pairs[i][0]);
		close(pairs[i][1]);
	}
	http_guard_free(g);
}

/* The sweeper thread itself: a half-closed incomplete request is closed about a grace after its FIN. */
static void test_half_closed_sweeper(void **state)
{
	(void)state;
	struct http_guard_options o = { .request_timeout = 30.0 };
	struct http_guard *g = http_guard_new(&o);
	assert_int_equal(http_guard_start(g), 0);
	int p[2];
	tcp_pair(p);
	double t0 = clock_mono();
	struct http_guard_conn *c = http_guard_conn_started(g, p[0], t0);
	send_and_shut(p, "\x16\x03\x01garbage", true);
	char buf[16];
	assert_int_equal(read(p[1], buf, sizeof(buf)), 0);   /* blocks until the sweeper cuts it */
	double took = clock_mono() - t0;
	assert_true(took >= HTTP_GUARD_HALF_CLOSE_GRACE - 0.01);
	assert_true(took < 25.0);   /* well before the 30 s deadline (a bound, not a timing claim) */
	assert_int_equal(http_guard_half_closed_total(g), 1);
	http_guard_conn_closed(g, c);
	close(p[0]);
	close(p[1]);
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
		cmocka_unit_test(test_half_closed),
		cmocka_unit_test(test_half_closed_sweeper),
		cmocka_unit_test(test_serving),
		cmocka_unit_test(test_password_checks),
		cmocka_unit_test(test_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
