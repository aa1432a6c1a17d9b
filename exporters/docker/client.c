/* client.c: the Docker Engine API over common/httpclient: unix socket or TCP, version negotiation, timeouts, cancel */
#include "exporters/docker/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "exporters/docker/parse.h"

int dk_host_parse(const char *host, char **socket, char **base, char *err, size_t errlen)
{
	*socket = NULL;
	*base = NULL;
	if (!host || !*host) {
		snprintf(err, errlen, "empty Docker host");
		return -1;
	}
	if (strncmp(host, "unix://", 7) == 0) {
		const char *path = host + 7;
		if (path[0] != '/') {
			snprintf(err, errlen, "'%s': a unix socket needs an absolute path (unix:///var/run/docker.sock)", host);
			return -1;
		}
		*socket = xstrdup(path);
		*base = xstrdup("http://localhost");
		return 0;
	}
	if (strncmp(host, "tcp://", 6) == 0 || strncmp(host, "http://", 7) == 0) {
		const char *hp = host + (host[0] == 't' ? 6 : 7);
		size_t n = strcspn(hp, "/?#");
		if (n == 0 || hp[n] != '\0') {
			snprintf(err, errlen, "'%s': expected tcp://HOST:PORT", host);
			return -1;
		}
		*base = xasprintf("http://%.*s", (int)n, hp);
		return 0;
	}
	snprintf(err, errlen, "'%s': only unix:// and tcp:// (plain HTTP) hosts are supported", host);
	return -1;
}

int dk_api_choose(const char *engine_api, char *out, size_t n)
{
	int v = dk_api_version_num(engine_api);

	if (v < DK_API_MIN)
		return -1;
	if (v > DK_API_MAX)
		v = DK_API_MAX;
	snprintf(out, n, "%d.%d", v / 100, v % 100);
	return 0;
}

void dk_client_init(struct dk_client *c, const char *socket, const char *base, double timeout, int cancel_fd)
{
	memset(c, 0, sizeof(*c));
	c->h = httpc_new();
	c->socket = socket;
	c->base = base;
	c->timeout = timeout;
	c->cancel_fd = cancel_fd;
}

void dk_client_release(struct dk_client *c)
{
	httpc_free(c->h);
	free(c->version);
	memset(c, 0, sizeof(*c));
}

static void client_request(struct dk_client *c, struct httpc_request *req, const char *url)
{
	httpc_request_init(req);
	req->url = url;
	req->unix_socket = c->socket;
	req->timeout = c->timeout;
	req->connect_timeout = c->timeout;
	req->cancel_fd = c->cancel_fd;
}

int dk_client_negotiate(struct dk_client *c, struct httpc_result *res, const char **reason)
{
	struct httpc_request req;
	struct dk_version v;
	struct dk_perr perr;
	char *url = xasprintf("%s/version", c->base);
	int rc;

	*reason = NULL;
	client_request(c, &req, url);
	req.max_response = 64 << 10;
	rc = httpc_request(c->h, &req, res);
	free(url);
	if (rc < 0) {
		*reason = httpc_error_name(res->error);
		return -1;
	}
	if (dk_version_parse(strbuf_cstr(&res->body), res->body.len, &v, &perr) < 0) {
		res->error = HTTPC_E_INVALID;
		snprintf(res->message, sizeof(res->message), "/version: %s", perr.msg);
		*reason = "parse";
		return -1;
	}
	if (dk_api_choose(v.api_version, c->api, sizeof(c->api)) < 0) {
		res->error = HTTPC_E_INVALID;
		snprintf(res->message, sizeof(res->message), "engine API %.16s is older than 1.24", v.api_version);
		*reason = "version";
		c->api[0] = '\0';
		dk_version_release(&v);
		return -1;
	}
	free(c->version);
	c->version = v.version;
	v.version = NULL;
	dk_version_release(&v);
	return 0;
}

int dk_client_get(struct dk_client *c, const char *path, size_t max_response, struct httpc_result *res)
{
	struct httpc_request req;
	char *url = xasprintf("%s/v%s%s", c->base, c->api, path);
	int rc;

	client_request(c, &req, url);
	req.max_response = max_response;
	rc = httpc_request(c->h, &req, res);
	free(url);
	return rc;
}

int dk_client_stream(struct dk_client *c, const char *path, httpc_line_fn fn, void *arg, struct httpc_result *res)
{
	struct httpc_request req;
	char *url = xasprintf("%s/v%s%s", c->base, c->api, path);
	int rc;

	client_request(c, &req, url);
	req.on_line = fn;
	req.line_arg = arg;
	req.max_line = 1 << 20;
	rc = httpc_request(c->h, &req, res);
	free(url);
	return rc;
}
