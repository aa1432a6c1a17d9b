/* outbox.h: delivery of stored notifications, one worker per notifier, retried with backoff */
#ifndef HOMEOPS_RECEIVER_OUTBOX_H
#define HOMEOPS_RECEIVER_OUTBOX_H

#include "receiver/config.h"
#include "receiver/store.h"

/*
 * Each configured notifier has its own thread that sends its pending outbox rows oldest first
 * (notify_send), so a notifier that is down delays only its own messages. A failure worth
 * retrying (transport error, timeout, 429, 5xx) reschedules the row at backoff_base * 2^(n-1),
 * capped at backoff_max; any other failure marks it failed. Nothing is deleted until retention.
 */
struct outbox_options {
	struct store *store;
	double backoff_base;    /* seconds; default 30 */
	double backoff_max;     /* seconds; default 3600 */
};

struct outbox;

struct outbox *outbox_start(const struct outbox_options *o, struct rcv_config *cfg);
/* Starts workers for new notifiers, stops those of removed ones; the others use cfg from now on. */
void outbox_reload(struct outbox *ob, struct rcv_config *cfg);
/* Wakes the workers: new rows were committed (safe from any thread, never blocks for long). */
void outbox_kick(void *ob);
/* Stops every worker (a send in progress finishes or times out first) and frees. */
void outbox_stop(struct outbox *ob);

/* The delay before attempt number attempts+1 after attempts failures (pure, for tests). */
double outbox_backoff(double base, double max, int attempts);

#endif
