/* config.h: pihole_exporter's targets, from --config.file (YAML) or the single-target flags */
#ifndef PIHOLE_CONFIG_H
#define PIHOLE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "exporters/pihole/model.h"

struct yamlconf;

/* One Pi-hole. Every string is owned (password wiped on release). */
struct ph_target_cfg {
	char *name;            /* the hostname label; default the URL's host */
	char *url;             /* base URL without a trailing '/': API at URL/api/..., v5 at URL/admin/api.php */
	char *password_file;
	char *password;        /* app password or web password (v6) / API token (v5); NULL = none */
	char *ca_file;
	bool insecure_skip_verify;
	enum ph_api api;
	char *dns_probe;       /* name to resolve, NULL = no probe */
	char *dns_host;        /* the probe's server: host (IPv6 without brackets) */
	char *dns_port;        /* and port, "53" by default */
	long top_count;        /* top domains/clients to export; 0 = none */
	double timeout;        /* seconds, per request and per probe */
};

struct ph_config {
	struct ph_target_cfg *targets;
	size_t n;
};

void ph_config_release(struct ph_config *c);
void ph_target_cfg_release(struct ph_target_cfg *t);

/*
 * Fills the derived fields of t (name from the URL's host, trailing '/' trimmed, the DNS server
 * from dns_server or the URL's host) and checks it. dns_server may be NULL ("HOST", "HOST:PORT",
 * "[V6]:PORT"). Returns 0, or -1 with *err (caller frees).
 */
int ph_target_cfg_finish(struct ph_target_cfg *t, const char *dns_server, char **err);

/*
 * Reads the targets of a parsed configuration file:
 *   targets:
 *     - name: primary            # default: the URL's host
 *       url: https://pi.hole     # required
 *       password_file: /etc/homeops/pihole-primary.pass
 *       ca_file: ..., insecure_skip_verify: false, api: auto|v6|v5
 *       dns_probe: example.org, dns_server: 192.168.1.2:53, top_count: 10, timeout: 5s
 * default_timeout applies where timeout is not given. Names must be unique. Returns 0, or -1
 * with the error in y->err (yamlconf's wording, with the key path and line).
 */
int ph_config_from_yaml(struct yamlconf *y, double default_timeout, struct ph_config *out);

#endif
