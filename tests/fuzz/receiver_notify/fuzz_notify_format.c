/* fuzz_notify_format.c: libFuzzer target: notify_format() on hostile facts keeps its promises (one clean title line, clean body, valid JSON) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "receiver/notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: byte 0 picks the event (out of range values included), bytes 1..24 are the two times
 * (raw doubles: NaN and infinities come for free) and the attempt counters, the rest is split at
 * NUL bytes into the string facts.
 */
#define FUZZ_HEAD 25
#define FUZZ_FIELDS 11

static int fuzz_utf8_valid(const unsigned char *p)
{
	while (*p) {
		unsigned c = *p, v, n, min;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, v = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, v = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, v = c & 0x07, min = 0x10000;
		else
			return 0;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			v = (v << 6) | (p[i] & 0x3f);
		}
		if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* No controls but those allowed, no C1, no line separators, no bidi overrides or isolates. */
static int fuzz_clean(const unsigned char *p, const char *allowed)
{
	for (; *p; p++) {
		if ((*p < 0x20 || *p == 0x7f) && !strchr(allowed, *p))
			return 0;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 0;
		if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xa8 && p[2] <= 0xae)
			return 0;
		if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *strs[FUZZ_FIELDS] = { 0 };
	struct notify_facts f;
	struct notify_message m;
	char *copy;
	size_t pos, field = 0;
	json_t *j;

	if (size < FUZZ_HEAD)
		return 0;
	memset(&f, 0, sizeof(f));
	f.event = (enum notify_event)(data[0] % (NOTIFY_EVENT_COUNT + 2));
	memcpy(&f.started_at, data + 1, 8);
	memcpy(&f.ended_at, data + 9, 8);
	memcpy(&f.attempt, data + 17, 4);
	memcpy(&f.max_attempts, data + 21, 4);
	f.run_id = (long)size - 100;

	/* the rest, NUL-terminated, cut into strings at NUL bytes */
	copy = malloc(size - FUZZ_HEAD + 1);
	memcpy(copy, data + FUZZ_HEAD, size - FUZZ_HEAD);
	copy[size - FUZZ_HEAD] = '\0';
	pos = 0;
	while (field < FUZZ_FIELDS && pos <= size - FUZZ_HEAD) {
		strs[field++] = copy + pos;
		pos += strlen(copy + pos) + 1;
	}
	f.alertname = strs[0];
	f.alert_status = strs[1];
	f.fingerprint = strs[2];
	f.severity = strs[3];
	f.summary = strs[4];
	f.instance = strs[5];
	f.playbook = strs[6];
	f.result = strs[7];
	f.output_tail = strs[8];
	f.hostname = strs[9];
	f.external_url = strs[10];

	notify_format(&f, &m);
	if (!m.title || !m.body || !m.json)
		abort();
	if (!fuzz_utf8_valid((const unsigned char *)m.title) || !fuzz_clean((const unsigned char *)m.title, "") ||
	    strlen(m.title) > 256)
		abort();
	if (!fuzz_utf8_valid((const unsigned char *)m.body) || !fuzz_clean((const unsigned char *)m.body, "\n\t"))
		abort();
	j = json_loads(m.json, 0, NULL);
	if (!json_is_object(j) || !json_string_value(json_object_get(j, "title")) ||
	    strcmp(json_string_value(json_object_get(j, "title")), m.title) != 0 ||
	    !json_string_value(json_object_get(j, "message")) ||
	    strcmp(json_string_value(json_object_get(j, "message")), m.body) != 0)
		abort();
	json_decref(j);
	notify_message_release(&m);
	free(copy);
	return 0;
}
