/* snapshot.c: immutable rendered exposition (plain + gzip) with reusable libmicrohttpd responses */
#include "common/snapshot.h"

#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include <zlib.h>
#include "common/http.h"
#include "common/xalloc.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT_T;
#else
typedef enum MHD_Result MHD_RESULT_T;
#endif

struct snapshot {
	char *body;
	size_t len;
	unsigned char *gz;
	size_t gzlen;
	struct MHD_Response *plain;
	struct MHD_Response *gzip;
	int refs;
};

/* gzip (RFC 1952) of body; NULL when zlib fails (the snapshot then serves plain only). */
static unsigned char *snapshot_gzip(const char *body, size_t len, size_t *outlen)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&zs, (uLong)len) + 32;
	unsigned char *out = xmalloc(cap);
	zs.next_in = (Bytef *)body;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	int r = deflate(&zs, Z_FINISH);
	*outlen = zs.total_out;
	deflateEnd(&zs);
	if (r != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	/* deflateBound() is about the plain size; keep only what the gzip body needs. */
	unsigned char *fit = realloc(out, *outlen ? *outlen : 1);
	return fit ? fit : out;
}

static char **snapshot_extra_headers;

void snapshot_set_extra_headers(const char *const *pairs)
{
	size_t n = 0;
	while (pairs && pairs[n])
		n++;
	snapshot_extra_headers = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		snapshot_extra_headers[i] = xstrdup(pairs[i]);
}

/*
 * Lifetime: each libmicrohttpd response holds one reference on the snapshot and drops it
 * through its free callback, called when the last user of that response (the holder or an
 * in-flight request) lets go. The buffers are freed when both responses are gone.
 */
static void snapshot_unref(void *cls)
{
	struct snapshot *s = cls;
	if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(s->body);
		free(s->gz);
		free(s);
	}
}

static struct MHD_Response *snapshot_response(struct snapshot *s, void *data, size_t len, bool gzip)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer_with_free_callback_cls(len, data, snapshot_unref, s);
	if (!r)
		return NULL;
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, HTTP_CONTENT_TYPE_METRICS);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (gzip)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	for (char **h = snapshot_extra_headers; h && h[0] && h[1]; h += 2)
		MHD_add_response_header(r, h[0], h[1]);
	return r;
}

struct snapshot *snapshot_new(char *body, size_t len)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));
	s->body = body;
	s->len = len;
	s->refs = 1;   /* ours, until both responses exist */
	s->gz = snapshot_gzip(body, len, &s->gzlen);
	s->plain = snapshot_response(s, body, len, false);
	if (s->gz)
		s->gzip = snapshot_response(s, s->gz, s->gzlen, true);
	if (!s->plain) {
		if (s->gzip)
			MHD_destroy_response(s->gzip);
		snapshot_unref(s);
		return NULL;
	}
	snapshot_unref(s);   /* now owned by the responses */
	return s;
}

const char *snapshot_body(const struct snapshot *s, size_t *len)
{
	*len = s->len;
	return s->body;
}

/* Drops the holder's reference; the memory goes when the last in-flight request finishes. */
static void snapshot_drop(struct snapshot *s)
{
	if (!s)
		return;
	if (s->gzip)
		MHD_destroy_response(s->gzip);
	MHD_destroy_response(s->plain);
}

void snapshot_holder_init(struct snapshot_holder *h)
{
	pthread_mutex_init(&h->lock, NULL);
	h->cur = NULL;
}

void snapshot_holder_release(struct snapshot_holder *h)
{
	pthread_mutex_lock(&h->lock);
	struct snapshot *old = h->cur;
	h->cur = NULL;
	pthread_mutex_unlock(&h->lock);
	snapshot_drop(old);
	pthread_mutex_destroy(&h->lock);
}

void snapshot_publish(struct snapshot_holder *h, struct snapshot *s)
{
	pthread_mutex_lock(&h->lock);
	struct snapshot *old = h->cur;
	h->cur = s;
	pthread_mutex_unlock(&h->lock);
	snapshot_drop(old);
}

int snapshot_queue(struct snapshot_holder *h, struct MHD_Connection *connection, bool gzip)
{
	MHD_RESULT_T r;
	pthread_mutex_lock(&h->lock);
	struct snapshot *s = h->cur;
	if (!s) {
		pthread_mutex_unlock(&h->lock);
		static const char msg[] = "no collection has finished yet\n";
		struct MHD_Response *resp = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
									   MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, HTTP_CONTENT_TYPE_TEXT);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		for (char **hp = snapshot_extra_headers; hp && hp[0] && hp[1]; hp += 2)
			MHD_add_response_header(resp, hp[0], hp[1]);
		r = MHD_queue_response(connection, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
		MHD_destroy_response(resp);
		return r;
	}
	if (gzip && s->gzip)
		r = MHD_queue_response(connection, MHD_HTTP_OK, s->gzip);
	else
		r = MHD_queue_response(connection, MHD_HTTP_OK, s->plain);
	pthread_mutex_unlock(&h->lock);
	return r;
}
