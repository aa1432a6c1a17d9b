/* test_snapshot.c: snapshots served over common/http: the same bytes plain, gzip and HEAD, and swaps while a reply is in flight */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "common/http.h"
#include "common/snapshot.h"
#include "common/strlist.h"
#include "common/xalloc.h"

struct served {
	struct snapshot_holder holder;
	struct http_server *srv;
	struct strlist listen;
	unsigned port;
};

static int setup(void **state)
{
	struct served *sv = xcalloc(1, sizeof(*sv));
	snapshot_holder_init(&sv->holder);
	strlist_push(&sv->listen, "127.0.0.1:0");
	struct http_server_options opt = { .listen = &sv->listen, .server_name = "test" };
	struct http_route routes[] = { { .path = "/metrics", .methods = HTTP_GET, .snapshot = &sv->holder } };
	char *err = NULL;
	sv->srv = http_server_start(&opt, routes, 1, &err);
	assert_non_null(sv->srv);
	sv->port = http_server_port(sv->srv, 0);
	*state = sv;
	return 0;
}

static int teardown(void **state)
{
	struct served *sv = *state;
	http_server_stop(sv->srv);
	snapshot_holder_release(&sv->holder);
	strlist_clear(&sv->listen);
	free(sv);
	return 0;
}

/* A body of len bytes that differs from every other (seed) and has no repeated block. */
static char *test_body(size_t len, unsigned seed)
{
	char *b = xmalloc(len);
	unsigned x = seed * 2654435761u + 1;
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (char)('a' + (x >> 16) % 26);
		if (i % 64 == 63)
			b[i] = '\n';
	}
	return b;
}

/* rcvbuf: 0 = the kernel's default, else a small receive buffer that keeps a large reply in flight */
static int test_connect_rcvbuf(unsigned port, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static int test_connect(unsigned port)
{
	return test_connect_rcvbuf(port, 0);
}

static void test_send_request(int fd, const char *method, bool gzip)
{
	char req[256];
	int n = snprintf(req, sizeof(req), "%s /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", method,
			 gzip ? "Accept-Encoding: gzip\r\n" : "");
	assert_int_equal(send(fd, req, (size_t)n, 0), n);
}

struct reply {
	char head[4096];
	char *body;
	size_t len;
};

/* Reads one response (headers, then Content-Length bytes; none for HEAD). */
static void test_read_reply(int fd, bool head_only, struct reply *r)
{
	size_t hl = 0;
	char *end = NULL;
	while (!end) {
		assert_true(hl < sizeof(r->head) - 1);
		ssize_t n = recv(fd, r->head + hl, 1, 0);
		assert_int_equal(n, 1);
		hl++;
		r->head[hl] = '\0';
		end = strstr(r->head, "\r\n\r\n");
	}
	const char *cl = strcasestr(r->head, "\r\nContent-Length:");
	assert_non_null(cl);
	r->len = strtoul(cl + 17, NULL, 10);
	r->body = xmalloc(r->len + 1);
	size_t got = 0;
	while (!head_only && got < r->len) {
		ssize_t n = recv(fd, r->body + got, r->len - got, 0);
		assert_true(n > 0);
		got += (size_t)n;
	}
}

static void test_get(unsigned port, const char *method, bool gzip, struct reply *r)
{
	int fd = test_connect(port);
	test_send_request(fd, method, gzip);
	test_read_reply(fd, strcmp(method, "HEAD") == 0, r);
	close(fd);
}

static char *test_gunzip(const char *gz, size_t len, size_t *outlen)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	size_t cap = 1 << 22;
	char *out = xmalloc(cap);
	zs.next_in = (Bytef *)gz;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	*outlen = zs.total_out;
	inflateEnd(&zs);
	return out;
}

static void check_served(struct served *sv, size_t len, unsigned seed)
{
	char *body = test_body(len, seed);
	char *copy = xmalloc(len);
	memcpy(copy, body, len);
	struct snapshot *s = snapshot_new(body, len);
	assert_non_null(s);
	snapshot_publish(&sv->holder, s);

	size_t blen;
	const char *b = snapshot_body(s, &blen);
	assert_int_equal(blen, len);
	assert_memory_equal(b, copy, len);

	struct reply r;
	test_get(sv->port, "GET", false, &r);
	assert_non_null(strstr(r.head, "HTTP/1.1 200"));
	assert_non_null(strcasestr(r.head, "Content-Type: text/plain; version=0.0.4"));
	assert_int_equal(r.len, len);
	assert_memory_equal(r.body, copy, len);
	free(r.body);

	test_get(sv->port, "GET", true, &r);
	assert_non_null(strcasestr(r.head, "Content-Encoding: gzip"));
	size_t plen;
	char *plain = test_gunzip(r.body, r.len, &plen);
	assert_int_equal(plen, len);
	assert_memory_equal(plain, copy, len);
	free(plain);
	free(r.body);

	test_get(sv->port, "HEAD", false, &r);
	assert_non_null(strstr(r.head, "HTTP/1.1 200"));
	assert_int_equal(r.len, len);
	free(r.body);
	free(copy);
}

/* Small and large bodies come out byte for byte, plain and gzip; HEAD gives the length alone. */
static void test_bodies_served_whole(void **state)
{
	struct served *sv = *state;
	check_served(sv, 2000, 1);
	check_served(sv, 300 * 1024 + 17, 2);
	check_served(sv, 1, 3);
	check_served(sv, 4000, 4);
}

/*
 * A scrape in flight keeps the snapshot it started with: a client that has asked for a 16 MiB body
 * and reads it slowly gets every old byte although two newer snapshots were published meanwhile
 * (the old body is freed only when libmicrohttpd lets go of its reply: ASan sees a use after free).
 */
static void test_swap_while_in_flight(void **state)
{
	struct served *sv = *state;
	size_t len = 16u << 20;
	char *body = test_body(len, 5);
	char *copy = xmalloc(len);
	memcpy(copy, body, len);
	snapshot_publish(&sv->holder, snapshot_new(body, len));

	int fd = test_connect_rcvbuf(sv->port, 8192);
	test_send_request(fd, "GET", false);
	char first[4096];
	size_t got = 0;
	while (got < sizeof(first)) {   /* the reply has started */
		ssize_t n = recv(fd, first + got, sizeof(first) - got, 0);
		assert_true(n > 0);
		got += (size_t)n;
	}
	snapshot_publish(&sv->holder, snapshot_new(test_body(100 * 1024, 6), 100 * 1024));
	snapshot_publish(&sv->holder, snapshot_new(test_body(200 * 1024, 7), 200 * 1024));

	/* the rest of the old reply: header end, then the 16 MiB */
	char *all = xmalloc(len + 8192);
	memcpy(all, first, got);
	for (;;) {
		all[got] = '\0';
		char *hend = memmem(all, got, "\r\n\r\n", 4);
		if (hend && got - (size_t)(hend + 4 - all) >= len)
			break;
		ssize_t n = recv(fd, all + got, len + 8192 - got, 0);
		assert_true(n > 0);
		got += (size_t)n;
	}
	char *hend = memmem(all, got, "\r\n\r\n", 4);
	assert_memory_equal(hend + 4, copy, len);
	close(fd);
	free(all);
	free(copy);

	struct reply r;
	test_get(sv->port, "GET", false, &r);
	assert_int_equal(r.len, 200 * 1024);
	free(r.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bodies_served_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap_while_in_flight, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
