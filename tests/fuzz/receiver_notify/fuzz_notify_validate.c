/* fuzz_notify_validate.c: libFuzzer target: whatever notifier_validate() accepts is safe to put into SMTP commands and headers */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/strlist.h"
#include "common/xalloc.h"
#include "receiver/notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No byte that could end a line, quote, bracket or separate an address or a header token. */
static int fuzz_inert(const char *s, const char *forbidden)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr(forbidden, *p))
			return 0;
	return 1;
}

/* Byte 0 picks the kind and flags; the rest is split at NUL bytes into url, from, to, token, user key. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct notifier n;
	char *copy, *parts[5] = { 0 }, *err = NULL;
	size_t pos = 0, i = 0;

	if (size < 1)
		return 0;
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	while (i < 5 && pos <= size - 1) {
		parts[i++] = copy + pos;
		pos += strlen(copy + pos) + 1;
	}
	memset(&n, 0, sizeof(n));
	n.kind = (enum notifier_kind)(data[0] % 5);
	n.smtp_starttls = data[0] & 0x10;
	n.timeout = (data[0] & 0x20) ? 0 : 5;
	n.url = parts[0] ? xstrdup(parts[0]) : NULL;
	n.from = parts[1] ? xstrdup(parts[1]) : NULL;
	if (parts[2])
		strlist_push(&n.to, parts[2]);
	n.token = parts[3] ? xstrdup(parts[3]) : NULL;
	n.user_key = parts[4] ? xstrdup(parts[4]) : NULL;
	if (data[0] & 0x40) {
		n.username = xstrdup("u");
		n.password = xstrdup("p");
	}

	if (notifier_validate(&n, &err) == 0) {
		if (err)
			abort();
		if (!fuzz_inert(n.url ? n.url : "", ""))
			abort();
		if (n.kind == NOTIFIER_SMTP &&
		    (!fuzz_inert(n.from, "<>\"(),;\\") || !fuzz_inert(n.to.items[0], "<>\"(),;\\")))
			abort();
		if (n.token && !fuzz_inert(n.token, ""))
			abort();
	} else if (!err || !*err) {
		abort();
	}
	free(err);
	notifier_release(&n);
	free(copy);
	return 0;
}
