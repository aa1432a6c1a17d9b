/* config.c: pihole_exporter's targets from a YAML file (common/yamlconf) or the flags, checked */
#include "exporters/pihole/config.h"

#include <stdlib.h>
#include <string.h>
#include "common/httpclient.h"
#include "common/secret.h"
#include "common/xalloc.h"
#include "common/yamlconf.h"

void ph_target_cfg_release(struct ph_target_cfg *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->url);
	free(t->password_file);
	secret_free(t->password);
	free(t->ca_file);
	free(t->dns_probe);
	free(t->dns_host);
	free(t->dns_port);
	memset(t, 0, sizeof(*t));
}

void ph_config_release(struct ph_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		ph_target_cfg_release(&c->targets[i]);
	free(c->targets);
	memset(c, 0, sizeof(*c));
}

/* Splits "HOST", "HOST:PORT", "[V6]" or "[V6]:PORT" (brackets dropped); 0 or -1. */
static int ph_split_host_port(const char *s, char **host, char **port)
{
	const char *colon;

	if (!*s)
		return -1;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end == s + 1 || (end[1] && end[1] != ':'))
			return -1;
		*host = xstrndup(s + 1, (size_t)(end - s - 1));
		*port = xstrdup(end[1] == ':' ? end + 2 : "53");
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon) {
			*host = xstrdup(s); /* a bare IPv6 address */
			*port = xstrdup("53");
		} else {
			*host = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
			*port = xstrdup(colon ? colon + 1 : "53");
		}
	}
	char *end;
	long p = strtol(*port, &end, 10);
	if (!**host || !**port || *end || p < 1 || p > 65535) {
		free(*host);
		free(*port);
		*host = *port = NULL;
		return -1;
	}
	return 0;
}

int ph_target_cfg_finish(struct ph_target_cfg *t, const char *dns_server, char **err)
{
	struct httpc_url u;
	size_t len;

	if (!t->url || httpc_url_parse(t->url, &u) < 0) {
		*err = xasprintf("\"%s\" is not a URL", t->url ? t->url : "");
		return -1;
	}
	if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0) {
		*err = xasprintf("\"%s\": only http and https URLs", t->url);
		goto fail;
	}
	if (u.has_credentials || u.query) {
		*err = xasprintf("\"%s\": no credentials or query in the URL (use password_file)", t->url);
		goto fail;
	}
	len = strlen(t->url);
	while (len > 0 && t->url[len - 1] == '/')
		t->url[--len] = '\0';
	if (!t->name || !*t->name) {
		free(t->name);
		t->name = u.host[0] == '[' ? xstrndup(u.host + 1, strlen(u.host) - 2) : xstrdup(u.host);
	}
	if (t->dns_probe && !*t->dns_probe) {
		free(t->dns_probe);
		t->dns_probe = NULL;
	}
	free(t->dns_host);
	free(t->dns_port);
	t->dns_host = t->dns_port = NULL;
	if (dns_server && *dns_server) {
		if (ph_split_host_port(dns_server, &t->dns_host, &t->dns_port) < 0) {
			*err = xasprintf("dns server \"%s\" is not HOST[:PORT]", dns_server);
			goto fail;
		}
	} else {
		t->dns_host = u.host[0] == '[' ? xstrndup(u.host + 1, strlen(u.host) - 2) : xstrdup(u.host);
		t->dns_port = xstrdup("53");
	}
	if (t->timeout <= 0)
		t->timeout = 5;
	httpc_url_release(&u);
	return 0;
fail:
	httpc_url_release(&u);
	return -1;
}

static const char *const ph_target_keys[] = { "name", "url", "password_file", "ca_file", "insecure_skip_verify",
					       "api", "dns_probe", "dns_server", "top_count", "timeout", NULL };
static const char *const ph_top_keys[] = { "targets", NULL };

static int ph_config_api(struct yamlconf *y, const struct yamlconf_node *map, enum ph_api *out)
{
	const struct yamlconf_node *n = yamlconf_get(map, "api");
	const char *s;

	if (!n)
		return 0;
	if (yamlconf_as_string(y, n, &s) < 0)
		return -1;
	if (strcmp(s, "auto") == 0)
		*out = PH_API_AUTO;
	else if (strcmp(s, "v6") == 0)
		*out = PH_API_V6;
	else if (strcmp(s, "v5") == 0)
		*out = PH_API_V5;
	else
		return yamlconf_fail(y, n, "expected auto, v6 or v5, got \"%s\"", s);
	return 0;
}

int ph_config_from_yaml(struct yamlconf *y, double default_timeout, struct ph_config *out)
{
	const struct yamlconf_node *targets;
	size_t alloc = 0;

	memset(out, 0, sizeof(*out));
	if (yamlconf_check_map(y, y->root, ph_top_keys) < 0)
		return -1;
	targets = yamlconf_require(y, y->root, "targets");
	if (!targets || yamlconf_check_seq(y, targets) < 0)
		return -1;
	if (targets->n == 0)
		return yamlconf_fail(y, targets, "at least one target is needed");
	for (size_t i = 0; i < targets->n; i++) {
		const struct yamlconf_node *m = targets->items[i];
		struct ph_target_cfg t;
		char *dns_server = NULL, *err = NULL;

		memset(&t, 0, sizeof(t));
		t.timeout = default_timeout;
		if (yamlconf_check_map(y, m, ph_target_keys) < 0 || !yamlconf_require(y, m, "url") ||
		    yamlconf_string(y, m, "name", &t.name) < 0 || yamlconf_string(y, m, "url", &t.url) < 0 ||
		    yamlconf_secret(y, m, "password_file", &t.password_file, &t.password) < 0 ||
		    yamlconf_file_path(y, m, "ca_file", &t.ca_file) < 0 ||
		    yamlconf_bool(y, m, "insecure_skip_verify", &t.insecure_skip_verify) < 0 ||
		    ph_config_api(y, m, &t.api) < 0 || yamlconf_string(y, m, "dns_probe", &t.dns_probe) < 0 ||
		    yamlconf_string(y, m, "dns_server", &dns_server) < 0 ||
		    yamlconf_long(y, m, "top_count", 0, 100, &t.top_count) < 0 ||
		    yamlconf_duration(y, m, "timeout", false, &t.timeout) < 0) {
			free(dns_server);
			ph_target_cfg_release(&t);
			goto fail;
		}
		if (ph_target_cfg_finish(&t, dns_server, &err) < 0) {
			yamlconf_fail(y, m, "%s", err);
			free(err);
			free(dns_server);
			ph_target_cfg_release(&t);
			goto fail;
		}
		free(dns_server);
		for (size_t j = 0; j < out->n; j++) {
			if (strcmp(out->targets[j].name, t.name) == 0) {
				yamlconf_fail(y, m, "target name \"%s\" used twice", t.name);
				ph_target_cfg_release(&t);
				goto fail;
			}
		}
		XGROW(out->targets, out->n + 1, alloc);
		out->targets[out->n++] = t;
	}
	return 0;
fail:
	ph_config_release(out);
	return -1;
}
