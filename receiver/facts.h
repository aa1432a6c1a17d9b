/* facts.h: the facts of a notification as JSON, stored in the outbox and read back by its worker (pure) */
#ifndef HOMEOPS_RECEIVER_FACTS_H
#define HOMEOPS_RECEIVER_FACTS_H

#include "common/strbuf.h"
#include "receiver/notify.h"

/* Appends f as a JSON object (strings that are NULL are left out). */
void facts_encode(const struct notify_facts *f, struct strbuf *out);

/* Decoded facts: f's strings point into the holder, valid until facts_release(). */
struct facts {
	struct notify_facts f;
	void *root;   /* json_t */
};
/* Returns 0, or -1 when json is not a facts object (unknown event included). */
int facts_decode(const char *json, struct facts *out);
void facts_release(struct facts *fx);

/* The event's name as stored ("started", "succeeded", "failed", "gave_up", "interrupted"). */
const char *facts_event_name(enum notify_event e);
int facts_event_parse(const char *s, enum notify_event *out);

#endif
