/* snapshot.h: immutable, reference-counted rendered exposition, swapped atomically for scrapes */
#ifndef HOMEOPS_SNAPSHOT_H
#define HOMEOPS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>

/*
 * A snapshot is built once per collection: the exposition text, its gzip encoding, and one
 * libmicrohttpd response object for each, reused for every scrape (DESIGN.md). A scrape takes
 * the current response under a short lock; publishing swaps the pointer and drops the holder's
 * reference. Responses in flight keep the old snapshot alive until libmicrohttpd is done.
 */
struct snapshot;

/*
 * Headers added to every snapshot response (the web config's http_server_config.headers):
 * (name, value) pairs ending with NULL, copied. Call once, before the first snapshot_new().
 */
void snapshot_set_extra_headers(const char *const *pairs);

/*
 * Takes ownership of body (malloc'ed, len bytes), also on failure: returns NULL only when
 * libmicrohttpd cannot make the response, and body is then already freed (the caller must
 * not free it again).
 */
struct snapshot *snapshot_new(char *body, size_t len);
const char *snapshot_body(const struct snapshot *s, size_t *len);

struct snapshot_holder {
	pthread_mutex_t lock;
	struct snapshot *cur;
};

void snapshot_holder_init(struct snapshot_holder *h);
/* Drops the current snapshot. */
void snapshot_holder_release(struct snapshot_holder *h);
/* Replaces the current snapshot with s (ownership passes to the holder; it cannot fail). */
void snapshot_publish(struct snapshot_holder *h, struct snapshot *s);

struct MHD_Connection;
/*
 * Queues the current snapshot on connection (status 200, gzip variant when gzip is true).
 * Returns libmicrohttpd's MHD_YES/MHD_NO; 503 text when nothing was published yet.
 */
int snapshot_queue(struct snapshot_holder *h, struct MHD_Connection *connection, bool gzip);

#endif
