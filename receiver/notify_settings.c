/* notify_settings.c: check a notifier's settings (URL, addresses, secrets, limits) and release them */
#include "receiver/notify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "common/httpclient.h"
#include "common/netaddr.h"
#include "common/secret.h"
#include "common/xalloc.h"
#include "receiver/notify_internal.h"

static int notify_has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

int notify_token_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/*
 * A plain RFC 5321 address local@domain: dot-atom local part, a host name or an address
 * literal. Display names, comments and quoted local parts are refused: the address goes into
 * MAIL FROM/RCPT TO and into headers as is, so nothing in it may need quoting.
 */
static int notify_addr_ok(const char *a)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	const char *at = strchr(a, '@');
	size_t local, i;
	const char *d;

	if (!at || at == a || strchr(at + 1, '@'))
		return 0;
	local = (size_t)(at - a);
	if (local > 64 || a[0] == '.' || a[local - 1] == '.')
		return 0;
	for (i = 0; i < local; i++) {
		unsigned char c = (unsigned char)a[i];
		if (c == '.') {
			if (a[i + 1] == '.')
				return 0;
			continue;
		}
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    !(c && strchr(atext, c)))
			return 0;
	}
	d = at + 1;
	if (!*d || strlen(d) > 253)
		return 0;
	if (d[0] == '[') {
		size_t n = strlen(d);
		if (n < 3 || d[n - 1] != ']')
			return 0;
		for (i = 1; i < n - 1; i++)
			if (!strchr("0123456789abcdefABCDEF.:IPv", d[i]))
				return 0;
		return 1;
	}
	if (d[0] == '.' || d[0] == '-' || d[strlen(d) - 1] == '.')
		return 0;
	for (i = 0; d[i]; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.' && d[i + 1] == '.')
			return 0;
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    c != '.' && c != '-')
			return 0;
	}
	return 1;
}

const char *notify_url_of(const struct notifier *n)
{
	if (n->kind == NOTIFIER_PUSHOVER && (!n->url || !*n->url))
		return NOTIFY_PUSHOVER_URL;
	return n->url;
}

/* Checks the URL of n; sets *err. */
static int notify_validate_url(const struct notifier *n, char **err)
{
	const char *url = notify_url_of(n);
	int smtp = n->kind == NOTIFIER_SMTP;
	struct httpc_url u = { 0 };
	int ret = -1;

	if (!url || !*url) {
		*err = xstrdup("url: missing");
		goto out;
	}
	for (const char *p = url; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			*err = xstrdup("url: spaces, control and non-ASCII characters are not allowed "
				       "(percent-encode them, use punycode for host names)");
			goto out;
		}
	}
	if (smtp ? strncasecmp(url, "smtp://", 7) != 0 && strncasecmp(url, "smtps://", 8) != 0
		 : strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
		*err = xasprintf("url: must start with %s", smtp ? "smtp:// or smtps://" : "http:// or https://");
		goto out;
	}
	if (httpc_url_parse(url, &u) != 0) {
		*err = xstrdup("url: not a valid URL with a host");
		goto out;
	}
	if (u.has_credentials) {
		*err = xstrdup("url: credentials in the URL are not allowed; use username and a password or token file");
		goto out;
	}
	if (n->kind == NOTIFIER_NTFY && strcmp(u.path, "/") == 0) {
		*err = xstrdup("url: must name the topic, e.g. https://ntfy.example.org/homeops");
		goto out;
	}
	if (smtp && strcmp(u.scheme, "smtp") == 0 && !n->smtp_starttls && n->username && !host_is_loopback(u.host)) {
		*err = xstrdup("smtp: refusing to send a password over a connection that may be unencrypted; "
			       "use smtps:// or smtp_starttls: true");
		goto out;
	}
	ret = 0;
out:
	httpc_url_release(&u);
	return ret;
}

int notifier_validate(const struct notifier *n, char **err)
{
	*err = NULL;
	if (!n) {
		*err = xstrdup("no notifier");
		return -1;
	}
	if ((unsigned)n->kind > NOTIFIER_WEBHOOK) {
		*err = xstrdup("kind: unknown");
		return -1;
	}
	if (notify_validate_url(n, err) != 0)
		return -1;
	if (n->kind == NOTIFIER_SMTP) {
		if (!n->from || !notify_addr_ok(n->from)) {
			*err = xstrdup("from: must be a plain address like homeops@example.org");
			return -1;
		}
		if (n->to.n == 0) {
			*err = xstrdup("to: at least one address is needed");
			return -1;
		}
		for (size_t i = 0; i < n->to.n; i++) {
			if (!n->to.items[i] || !notify_addr_ok(n->to.items[i])) {
				*err = xasprintf("to: entry %zu must be a plain address like me@example.org", i + 1);
				return -1;
			}
		}
	}
	if ((n->username && !n->password) || (!n->username && n->password)) {
		*err = xstrdup("username and password_file go together");
		return -1;
	}
	if ((n->username && notify_has_ctl(n->username)) || (n->password && notify_has_ctl(n->password))) {
		*err = xstrdup("username or password contains a line break or control character");
		return -1;
	}
	if ((n->kind == NOTIFIER_GOTIFY || n->kind == NOTIFIER_PUSHOVER) && !n->token) {
		*err = xstrdup("token_file: needed for this kind");
		return -1;
	}
	if (n->token && !notify_token_ok(n->token)) {
		*err = xstrdup("token: must be visible ASCII without spaces or line breaks");
		return -1;
	}
	if (n->kind == NOTIFIER_PUSHOVER && (!n->user_key || !notify_token_ok(n->user_key))) {
		*err = xstrdup("user_key_file: needed for pushover, visible ASCII without spaces");
		return -1;
	}
	if (n->ca_file && access(n->ca_file, R_OK) != 0) {
		*err = xasprintf("ca_file: cannot read '%s'", n->ca_file);
		return -1;
	}
	if (isnan(n->timeout) || n->timeout < 0 || n->timeout > NOTIFY_MAX_TIMEOUT) {
		*err = xasprintf("timeout: must be between 0 and %.0f seconds", NOTIFY_MAX_TIMEOUT);
		return -1;
	}
	if (n->events >> NOTIFY_EVENT_COUNT) {
		*err = xstrdup("events: unknown event bit");
		return -1;
	}
	return 0;
}

void notifier_release(struct notifier *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->url);
	free(n->from);
	strlist_clear(&n->to);
	free(n->username);
	secret_free(n->password);
	secret_free(n->token);
	secret_free(n->user_key);
	free(n->ca_file);
	memset(n, 0, sizeof(*n));
}
