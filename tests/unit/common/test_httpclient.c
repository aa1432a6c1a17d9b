/* test_httpclient.c: common/httpclient against a local HTTP/1.1 server (TCP and unix socket) started by the test */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/httpclient.h"
#include "common/xalloc.h"
#include "tests/lib/testlib.h"

static struct {
	pid_t pid;
	int to_child;      /* the server's stdin: it exits when this closes */
	int port;
	char dir[64];
	char sock[128];
} S = { .pid = -1, .to_child = -1 };

static char *url(const char *path)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "http://127.0.0.1:%d%s", S.port, path);
	return buf;
}

static int server_start(void **state)
{
	int in[2], out[2];
	char line[32];
	ssize_t n;
	size_t got = 0;

	(void)state;
	snprintf(S.dir, sizeof(S.dir), "/tmp/test_httpc.XXXXXX");
	if (!mkdtemp(S.dir))
		return -1;
	snprintf(S.sock, sizeof(S.sock), "%s/server.sock", S.dir);
	if (pipe(in) != 0 || pipe(out) != 0)
		return -1;
	S.pid = fork();
	if (S.pid < 0)
		return -1;
	if (S.pid == 0) {
		const char *script = source_path("tests/unit/common/httpc_server.py");
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		/* Debian's interpreter, as ctest's script tests use; any python3 otherwise */
		execl("/usr/bin/python3", "python3", script, S.sock, (char *)NULL);
		execlp("python3", "python3", script, S.sock, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	S.to_child = in[1];
	/* bounded: the server prints its port within seconds or the test fails */
	alarm(20);
	while (got < sizeof(line) - 1 && (n = read(out[0], line + got, sizeof(line) - 1 - got)) > 0) {
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	alarm(0);
	close(out[0]);
	line[got] = '\0';
	S.port = atoi(line);
	return S.port > 0 ? 0 : -1;
}

static int server_stop(void **state)
{
	(void)state;
	if (S.to_child >= 0)
		close(S.to_child);
	if (S.pid > 0) {
		kill(S.pid, SIGTERM);
		waitpid(S.pid, NULL, 0);
	}
	unlink(S.sock);
	rmdir(S.dir);
	return 0;
}

/* GET url(path) on h; returns httpc_request()'s value. */
static int get(struct httpc *h, const char *path, struct httpc_result *res)
{
	struct httpc_request req;

	httpc_request_init(&req);
	req.url = url(path);
	req.timeout = 10;
	return httpc_request(h, &req, res);
}

static void test_get_tcp(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;

	(void)state;
	httpc_result_init(&res);
	assert_int_equal(get(h, "/hello", &res), 0);
	assert_int_equal(res.error, HTTPC_OK);
	assert_int_equal(res.status, 200);
	assert_string_equal(strbuf_cstr(&res.body), "hello tcp");
	assert_false(res.reused);
	httpc_result_release(&res);
	httpc_free(h);
}

static void test_unix_socket(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;
	struct httpc_request req;

	(void)state;
	httpc_result_init(&res);
	httpc_request_init(&req);
	req.url = "http://localhost/hello";
	req.unix_socket = S.sock;
	assert_int_equal(httpc_request(h, &req, &res), 0);
	assert_string_equal(strbuf_cstr(&res.body), "hello unix");
	/* the same handle reuses the unix connection too */
	assert_int_equal(httpc_request(h, &req, &res), 0);
	assert_true(res.reused);
	/* a socket nobody listens on is a connect error */
	req.unix_socket = "/nonexistent/homeops-test.sock";
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_CONNECT);
	assert_string_equal(httpc_error_name(res.error), "connect");
	assert_true(res.retryable);
	httpc_result_release(&res);
	httpc_free(h);
}

static void conns(struct httpc *h, int *tcp, int *unx)
{
	struct httpc_result res;

	httpc_result_init(&res);
	assert_int_equal(get(h, "/conns", &res), 0);
	assert_int_equal(sscanf(strbuf_cstr(&res.body), "%d %d", tcp, unx), 2);
	httpc_result_release(&res);
}

/* Connection reuse, counted by the server: one handle, one connection. */
static void test_connection_reuse(void **state)
{
	struct httpc *h = httpc_new(), *other = httpc_new();
	struct httpc_result res;
	int c0, c1, c2, u;

	(void)state;
	httpc_result_init(&res);
	conns(h, &c0, &u);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(get(h, "/hello", &res), 0);
		assert_true(res.reused);
	}
	conns(h, &c1, &u);
	assert_int_equal(c1, c0);
	/* another handle (another target) has its own connection */
	conns(other, &c2, &u);
	assert_int_equal(c2, c0 + 1);
	httpc_result_release(&res);
	httpc_free(other);
	httpc_free(h);
}

static void test_post_headers_body(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;
	struct httpc_request req;
	const char *headers[] = { "X-Test: sid-123", "Content-Type: application/json", NULL };
	char big[3000];

	(void)state;
	httpc_result_init(&res);
	httpc_request_init(&req);
	req.url = url("/api/auth");
	req.headers = headers;
	req.body = "{\"password\":\"x\"}";
	req.body_len = strlen(req.body);
	assert_int_equal(httpc_request(h, &req, &res), 0);
	assert_string_equal(strbuf_cstr(&res.body),
			    "POST /api/auth\nx-test: sid-123\nauthorization: -\nexpect: -\n{\"password\":\"x\"}");
	/* a body over 1 KiB is sent without waiting for "100 Continue" */
	memset(big, 'b', sizeof(big));
	req.body = big;
	req.body_len = sizeof(big);
	req.method = "PUT";
	req.username = "user";
	req.password = "pass";
	assert_int_equal(httpc_request(h, &req, &res), 0);
	assert_true(res.duration < 0.9);
	assert_non_null(strstr(strbuf_cstr(&res.body), "PUT /api/auth\n"));
	assert_non_null(strstr(strbuf_cstr(&res.body), "authorization: Basic dXNlcjpwYXNz\n"));
	assert_int_equal(res.body.len, strlen("PUT /api/auth\nx-test: sid-123\nauthorization: Basic dXNlcjpwYXNz\n"
					      "expect: -\n") + sizeof(big));
	req.method = "DELETE";
	req.body = NULL;
	req.body_len = 0;
	req.username = NULL;
	assert_int_equal(httpc_request(h, &req, &res), 0);
	assert_non_null(strstr(strbuf_cstr(&res.body), "DELETE /api/auth\n"));
	httpc_result_release(&res);
	httpc_free(h);
}

static void test_response_bound(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;
	struct httpc_request req;

	(void)state;
	httpc_result_init(&res);
	httpc_request_init(&req);
	req.max_response = 1000;
	req.url = url("/big?n=1000");
	assert_int_equal(httpc_request(h, &req, &res), 0);
	assert_int_equal(res.body.len, 1000);
	req.url = url("/big?n=1001");
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_TOO_LARGE);
	assert_string_equal(httpc_error_name(res.error), "too_large");
	assert_true(res.body.len <= 1000);
	/* the default bound is 1 MiB */
	req.max_response = 0;
	req.url = url("/big?n=1048577");
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_TOO_LARGE);
	/* and the handle still works */
	assert_int_equal(get(h, "/hello", &res), 0);
	httpc_result_release(&res);
	httpc_free(h);
}

static void test_timeout(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;
	struct httpc_request req;

	(void)state;
	httpc_result_init(&res);
	httpc_request_init(&req);
	req.url = url("/slow?s=3");
	req.timeout = 0.4;
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_TIMEOUT);
	assert_string_equal(httpc_error_name(res.error), "timeout");
	assert_true(res.retryable);
	assert_true(res.duration >= 0.35 && res.duration < 2.0);
	httpc_result_release(&res);
	httpc_free(h);
}

static void test_connect_refused(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;
	struct httpc_request req;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char u[64];

	(void)state;
	/* a port that was free a moment ago: bound, never listened on, closed */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/", ntohs(sa.sin_port));
	httpc_result_init(&res);
	httpc_request_init(&req);
	req.url = u;
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_CONNECT);
	assert_int_equal(res.status, 0);
	httpc_result_release(&res);
	httpc_free(h);
}

static void test_http_errors(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;

	(void)state;
	httpc_result_init(&res);
	assert_int_equal(get(h, "/status?code=503&msg=busy", &res), -1);
	assert_int_equal(res.error, HTTPC_E_HTTP);
	assert_string_equal(httpc_error_name(res.error), "http");
	assert_int_equal(res.status, 503);
	assert_true(res.retryable);
	assert_string_equal(res.message, "http 503: oops: busy");
	assert_string_equal(strbuf_cstr(&res.body), "oops: busy");
	assert_int_equal(get(h, "/status?code=404", &res), -1);
	assert_false(res.retryable);
	assert_int_equal(get(h, "/status?code=429", &res), -1);
	assert_true(res.retryable);
	assert_int_equal(get(h, "/redirect", &res), -1);
	assert_int_equal(res.status, 302);
	assert_string_equal(res.message, "http 302: redirect to http://elsewhere.invalid/ not followed");
	httpc_result_release(&res);
	httpc_free(h);
}

struct lines {
	char *v[16];
	int n;
	int stop_after;
};

static int on_line(void *arg, const char *line, size_t len)
{
	struct lines *l = arg;

	assert_int_equal(strlen(line), len);
	if (l->n < 16)
		l->v[l->n++] = xstrdup(line);
	return l->stop_after && l->n >= l->stop_after;
}

static void lines_free(struct lines *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	memset(l, 0, sizeof(*l));
}

/* Lines cut across chunks (and so across reads) come out whole; CRLF, empty and unterminated lines too. */
static void test_stream_lines(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;
	struct httpc_request req;
	struct lines l = { .n = 0 };

	(void)state;
	httpc_result_init(&res);
	httpc_request_init(&req);
	req.url = "http://localhost/stream";
	req.unix_socket = S.sock;
	req.on_line = on_line;
	req.line_arg = &l;
	assert_int_equal(httpc_request(h, &req, &res), 0);
	assert_int_equal(l.n, 6);
	assert_int_equal(res.lines, 6);
	assert_string_equal(l.v[0], "{\"a\":1}");
	assert_string_equal(l.v[1], "{\"b\":2}");
	assert_string_equal(l.v[2], "{\"c\":3}");
	assert_string_equal(l.v[3], "");
	assert_string_equal(l.v[4], "{\"d\":4}");
	assert_string_equal(l.v[5], "{\"e\":5}");
	assert_int_equal(res.body.len, 0);
	lines_free(&l);

	/* the callback stops the stream: a success, marked stopped */
	l.stop_after = 2;
	assert_int_equal(httpc_request(h, &req, &res), 0);
	assert_true(res.stopped);
	assert_int_equal(l.n, 2);
	lines_free(&l);

	/* an error answer is not streamed: its body is kept for the message */
	req.url = "http://localhost/status?code=404&msg=no+such+container";
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_HTTP);
	assert_int_equal(l.n, 0);
	assert_string_equal(strbuf_cstr(&res.body), "oops: no such container");
	httpc_result_release(&res);
	httpc_free(h);
}

static void test_stream_line_bound(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;
	struct httpc_request req;
	struct lines l = { .n = 0 };

	(void)state;
	httpc_result_init(&res);
	httpc_request_init(&req);
	req.url = url("/longline?n=10");
	req.on_line = on_line;
	req.line_arg = &l;
	req.max_line = 4096;
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_TOO_LARGE);
	assert_int_equal(l.n, 0);
	req.max_line = 10000;
	assert_int_equal(httpc_request(h, &req, &res), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(strlen(l.v[0]), 10000);
	lines_free(&l);
	httpc_result_release(&res);
	httpc_free(h);
}

struct canceller {
	int fd;
	double after;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;
	struct timespec ts = { 0, (long)(c->after * 1e9) };

	nanosleep(&ts, NULL);
	if (write(c->fd, "x", 1) != 1)
		abort();
	return NULL;
}

/* A never-ending stream (no total timeout) stops soon after the cancel descriptor becomes readable. */
static void test_cancel_stream(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;
	struct httpc_request req;
	struct lines l = { .n = 0 };
	struct canceller c = { .after = 0.5 };
	pthread_t t;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	c.fd = p[1];
	httpc_result_init(&res);
	httpc_request_init(&req);
	req.url = "http://localhost/forever";
	req.unix_socket = S.sock;
	req.on_line = on_line;
	req.line_arg = &l;
	req.cancel_fd = p[0];
	pthread_create(&t, NULL, cancel_later, &c);
	assert_int_equal(httpc_request(h, &req, &res), -1);
	pthread_join(t, NULL);
	assert_int_equal(res.error, HTTPC_E_CANCELED);
	assert_string_equal(httpc_error_name(res.error), "canceled");
	assert_true(l.n >= 2);
	assert_true(res.duration >= 0.45 && res.duration < 1.5);
	lines_free(&l);
	/* still readable: a request on a canceled descriptor does not start */
	req.on_line = NULL;
	req.url = "http://localhost/hello";
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_CANCELED);
	/* the handle works after a cancel */
	req.cancel_fd = -1;
	assert_int_equal(httpc_request(h, &req, &res), 0);
	assert_string_equal(strbuf_cstr(&res.body), "hello unix");
	close(p[0]);
	close(p[1]);
	httpc_result_release(&res);
	httpc_free(h);
}

/* A plain request waiting on a slow server is canceled too (shutdown does not wait for the timeout). */
static void test_cancel_request(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;
	struct httpc_request req;
	struct canceller c = { .after = 0.3 };
	pthread_t t;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	c.fd = p[1];
	httpc_result_init(&res);
	httpc_request_init(&req);
	req.url = url("/slow?s=5");
	req.timeout = 20;
	req.cancel_fd = p[0];
	pthread_create(&t, NULL, cancel_later, &c);
	assert_int_equal(httpc_request(h, &req, &res), -1);
	pthread_join(t, NULL);
	assert_int_equal(res.error, HTTPC_E_CANCELED);
	assert_true(res.duration < 1.5);
	close(p[0]);
	close(p[1]);
	httpc_result_release(&res);
	httpc_free(h);
}

/* A stream whose peer goes silent is given up after idle_timeout. */
static void test_idle_timeout(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;
	struct httpc_request req;
	struct lines l = { .n = 0 };

	(void)state;
	httpc_result_init(&res);
	httpc_request_init(&req);
	req.url = url("/stall?s=6");
	req.on_line = on_line;
	req.line_arg = &l;
	req.idle_timeout = 1;
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_TIMEOUT);
	assert_int_equal(l.n, 1);
	assert_true(res.duration < 4.0);
	lines_free(&l);
	httpc_result_release(&res);
	httpc_free(h);
}

static void test_invalid(void **state)
{
	struct httpc *h = httpc_new();
	struct httpc_result res;
	struct httpc_request req;

	(void)state;
	httpc_result_init(&res);
	httpc_request_init(&req);
	req.url = "ftp://127.0.0.1/x";
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_INVALID);
	assert_false(res.retryable);
	req.url = NULL;
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_INVALID);
	/* SMTP needs its envelope */
	req.url = "smtp://127.0.0.1:1/";
	assert_int_equal(httpc_request(h, &req, &res), -1);
	assert_int_equal(res.error, HTTPC_E_INVALID);
	httpc_result_release(&res);
	httpc_free(h);
	httpc_free(NULL);
}

static void test_url_helpers(void **state)
{
	struct httpc_url u;
	struct strbuf sb = STRBUF_INIT;
	char *s;

	(void)state;
	assert_int_equal(httpc_url_parse("HTTPS://user:pw@[::1]:8443/a/b?x=1", &u), 0);
	assert_string_equal(u.scheme, "https");
	assert_string_equal(u.host, "[::1]");
	assert_string_equal(u.port, "8443");
	assert_string_equal(u.path, "/a/b");
	assert_string_equal(u.query, "x=1");
	assert_true(u.has_credentials);
	httpc_url_release(&u);
	assert_int_equal(httpc_url_parse("smtp://mail.example.org", &u), 0);
	assert_string_equal(u.path, "/");
	assert_null(u.port);
	assert_false(u.has_credentials);
	httpc_url_release(&u);
	assert_int_equal(httpc_url_parse("not a url", &u), -1);
	assert_null(u.scheme);

	s = httpc_url_with_path("https://g.example.org/base/?token=1", "/base/message");
	assert_string_equal(s, "https://g.example.org/base/message?token=1");
	free(s);
	assert_null(httpc_url_with_path("::", "/x"));

	httpc_form_add(&sb, "title", "a b&c=d/é");
	httpc_form_add(&sb, "n", "1");
	assert_string_equal(sb.buf, "title=a%20b%26c%3Dd%2F%C3%A9&n=1");
	strbuf_release(&sb);

	assert_string_equal(httpc_error_name(HTTPC_OK), "ok");
	assert_string_equal(httpc_error_name(HTTPC_E_TLS), "tls");
	assert_string_equal(httpc_error_name((enum httpc_error)99), "internal");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_tcp),
		cmocka_unit_test(test_unix_socket),
		cmocka_unit_test(test_connection_reuse),
		cmocka_unit_test(test_post_headers_body),
		cmocka_unit_test(test_response_bound),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_stream_lines),
		cmocka_unit_test(test_stream_line_bound),
		cmocka_unit_test(test_cancel_stream),
		cmocka_unit_test(test_cancel_request),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_url_helpers),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, server_start, server_stop);
}
