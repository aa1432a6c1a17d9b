/* client.h: the Docker Engine API over common/httpclient: host parsing, version negotiation, GETs and the event stream */
#ifndef DOCKER_CLIENT_H
#define DOCKER_CLIENT_H

#include <stdbool.h>
#include "common/httpclient.h"

/* Our API range: 1.24 brought health checks and Type/Action/Actor events; 1.52 is Docker 29. */
#define DK_API_MIN 124
#define DK_API_MAX 152

/*
 * Splits --docker.host (or DOCKER_HOST): "unix:///var/run/docker.sock" gives socket
 * "/var/run/docker.sock" and base "http://localhost"; "tcp://host:2375" and "http://host:2375"
 * give no socket and base "http://host:2375". Pure. Returns 0 (*socket may be NULL; caller
 * frees both), or -1 with a message in err.
 */
int dk_host_parse(const char *host, char **socket, char **base, char *err, size_t errlen);

/* The API version to speak: min(engine's ApiVersion, DK_API_MAX) as "1.NN" into out; -1 when the
 * engine is older than DK_API_MIN (or the version is unreadable). */
int dk_api_choose(const char *engine_api, char *out, size_t n);

/* One connection to the engine (one thread: an httpc handle is not thread-safe). */
struct dk_client {
	struct httpc *h;
	const char *socket;     /* borrowed */
	const char *base;       /* borrowed */
	double timeout;
	int cancel_fd;
	char api[16];           /* negotiated "1.41"; "" until dk_client_negotiate() */
	char *version;          /* the engine's Version, after negotiation (owned) */
};
void dk_client_init(struct dk_client *c, const char *socket, const char *base, double timeout, int cancel_fd);
void dk_client_release(struct dk_client *c);

/* GET /version and choose the API version. Returns 0, or -1 with res describing why (a parse
 * or version problem is HTTPC_E_INVALID with the message; reason "version"). */
int dk_client_negotiate(struct dk_client *c, struct httpc_result *res, const char **reason);
/* GET /v<api><path> with the timeout; body in res->body. Returns httpc_request()'s result. */
int dk_client_get(struct dk_client *c, const char *path, size_t max_response, struct httpc_result *res);
/* GET /v<api><path> as a stream of lines (no total timeout; ends when the engine closes it or cancel_fd). */
int dk_client_stream(struct dk_client *c, const char *path, httpc_line_fn fn, void *arg, struct httpc_result *res);

#endif
