/* main.c: pihole_exporter: flags and config wiring of the per-Pi-hole workers into exporter_main() */
#include <stdlib.h>
#include <string.h>
#include "common/exporter.h"
#include "common/fileutil.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/secret.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "common/yamlconf.h"
#include "exporters/pihole/config.h"
#include "exporters/pihole/render.h"
#include "exporters/pihole/workers.h"

struct ph_main {
	const struct exporter_ctx *ctx;
	char *config_file;
	char *url;
	char *password_file;
	char *name;
	char *dns_probe;
	char *dns_server;
	char *api;
	char *ca_file;
	bool insecure;
	long top_count;
	double timeout;
	struct ph_config cfg;
	struct counter_vec *logins;
	struct ph_workers *workers;
	bool waited;
};

static const char *const ph_api_choices[] = { "auto", "v6", "v5", NULL };
static const char *const ph_error_reasons[] = { "connect", "timeout", "http", "auth", "parse", "tls", NULL };

static void ph_register_flags(struct flagset *fs, void *arg)
{
	struct ph_main *m = arg;

	flag_string(fs, "config.file", &m->config_file, "",
		    "YAML file listing the Pi-holes (targets: name, url, password_file, ...); see contrib/examples/pihole.yml.");
	flag_string(fs, "pihole.url", &m->url, "", "Base URL of a single Pi-hole, e.g. http://192.168.1.2 (instead of --config.file).");
	flag_string(fs, "pihole.password-file", &m->password_file, "",
		    "File holding the app password or web password (v6) or the API token (v5).");
	flag_string(fs, "pihole.name", &m->name, "", "The hostname label of the single Pi-hole (default: the URL's host).");
	flag_string(fs, "pihole.dns-probe", &m->dns_probe, "", "A name to resolve at the Pi-hole's DNS port every collection (empty: no probe).");
	flag_string(fs, "pihole.dns-server", &m->dns_server, "", "HOST[:PORT] the probe asks (default: the URL's host, port 53).");
	flag_enum(fs, "pihole.api", &m->api, "auto", ph_api_choices, "The single Pi-hole's API: auto, v6 or v5.");
	flag_string(fs, "pihole.ca-file", &m->ca_file, "", "PEM CA bundle to verify the single Pi-hole's HTTPS certificate.");
	flag_bool(fs, "pihole.insecure-skip-verify", &m->insecure, false, "Do not verify the single Pi-hole's certificate.");
	flag_int(fs, "pihole.top-count", &m->top_count, 0, 0, 100, "Top domains and clients to export (0: none).");
	flag_duration(fs, "pihole.timeout", &m->timeout, "5s",
		      "Timeout of each request and of the DNS probe (the default of a target's timeout).");
}

static enum ph_api ph_api_from(const char *s)
{
	if (s && strcmp(s, "v6") == 0)
		return PH_API_V6;
	if (s && strcmp(s, "v5") == 0)
		return PH_API_V5;
	return PH_API_AUTO;
}

static int ph_config_from_flags(struct ph_main *m)
{
	struct ph_target_cfg t;
	char *err = NULL;

	memset(&t, 0, sizeof(t));
	t.url = xstrdup(m->url);
	t.name = *m->name ? xstrdup(m->name) : NULL;
	t.api = ph_api_from(m->api);
	t.dns_probe = *m->dns_probe ? xstrdup(m->dns_probe) : NULL;
	t.ca_file = *m->ca_file ? xstrdup(m->ca_file) : NULL;
	t.insecure_skip_verify = m->insecure;
	t.top_count = m->top_count;
	t.timeout = m->timeout;
	if (*m->password_file) {
		struct strbuf sb = STRBUF_INIT;
		t.password_file = xstrdup(m->password_file);
		if (file_read_secret(m->password_file, &sb) < 0 || sb.len == 0) {
			log_error("pihole", "cannot read the password file", "flag", "--pihole.password-file", "path",
				  m->password_file);
			secret_strbuf_release(&sb);
			ph_target_cfg_release(&t);
			return -1;
		}
		t.password = strbuf_detach(&sb, NULL);
	}
	if (ph_target_cfg_finish(&t, m->dns_server, &err) < 0) {
		log_error("pihole", "invalid target", "flag", "--pihole.url", "err", err);
		free(err);
		ph_target_cfg_release(&t);
		return -1;
	}
	m->cfg.targets = xcalloc(1, sizeof(t));
	m->cfg.targets[0] = t;
	m->cfg.n = 1;
	return 0;
}

static int ph_init(void *arg, const struct exporter_ctx *ctx)
{
	struct ph_main *m = arg;
	static const char *const login_labels[] = { "hostname", "result", NULL };

	m->ctx = ctx;
	if (m->timeout <= 0) {
		log_error("pihole", "must be positive", "flag", "--pihole.timeout");
		return -1;
	}
	if (*m->config_file && *m->url) {
		log_error("pihole", "give either --config.file or --pihole.url, not both");
		return -1;
	}
	if (*m->config_file) {
		char *err = NULL;
		struct yamlconf *y = yamlconf_load(m->config_file, &err);
		if (!y || ph_config_from_yaml(y, m->timeout, &m->cfg) < 0) {
			char *msg = y ? yamlconf_take_error(y) : err;
			log_error("pihole", "invalid configuration", "flag", "--config.file", "err", msg ? msg : "");
			free(msg);
			yamlconf_free(y);
			return -1;
		}
		yamlconf_free(y);
	} else if (*m->url) {
		if (ph_config_from_flags(m) < 0)
			return -1;
	} else {
		log_error("pihole", "no Pi-hole to watch: give --config.file or --pihole.url");
		return -1;
	}
	m->logins = counter_vec_new("pihole_logins_total",
				    "Logins attempted (v6 POST /api/auth; v5 refused tokens) by result.", login_labels);
	m->workers = ph_workers_new(&m->cfg, ctx->interval, m->logins);
	return 0;
}

struct ph_render_arg {
	struct metric_set *ms;
	struct collect_report *rep;
	size_t failed;
};

static void ph_render_one(const struct ph_target_cfg *cfg, const struct ph_target_result *res, void *arg)
{
	struct ph_render_arg *ra = arg;

	if (!res) {
		collect_report_target(ra->rep, cfg->name, false, "timeout", 0);
		ra->failed++;
		return;
	}
	ph_render_target(ra->ms, cfg, res);
	collect_report_target(ra->rep, cfg->name, res->ok, res->ok ? NULL : res->reason, res->duration);
	if (!res->ok)
		ra->failed++;
}

static int ph_collect(void *arg, struct metric_set *ms, struct collect_report *rep)
{
	struct ph_main *m = arg;
	struct ph_render_arg ra = { ms, rep, 0 };
	double longest = 0;

	if (!m->waited) {
		/* the first snapshot (and --once) holds every target's first result */
		for (size_t i = 0; i < m->cfg.n; i++)
			if (m->cfg.targets[i].timeout > longest)
				longest = m->cfg.targets[i].timeout;
		ph_workers_wait_first(m->workers, longest * 4 + 1, m->ctx->stopping, m->ctx->stop_arg);
		m->waited = true;
	}
	ph_workers_foreach(m->workers, ph_render_one, &ra);
	counter_vec_render(m->logins, ms);
	return 0;
}

static void ph_release(void *arg)
{
	struct ph_main *m = arg;

	ph_workers_free(m->workers, 2.0);
	m->workers = NULL;
	counter_vec_free(m->logins);
	m->logins = NULL;
	ph_config_release(&m->cfg);
}

int main(int argc, char **argv)
{
	static struct ph_main m;
	struct exporter e = {
		.name = "pihole_exporter",
		.prefix = "pihole",
		.summary = "Pi-hole v6 and v5 API and DNS probes, several Pi-holes, sessions that never leak.",
		.default_listen = ":9765",
		.target_label = "hostname",
		.default_interval = 15,
		.interval_help = "How often each Pi-hole is read (each on its own thread) and probed.",
		.error_reasons = ph_error_reasons,
		.arg = &m,
		.register_flags = ph_register_flags,
		.init = ph_init,
		.collect = ph_collect,
		.release = ph_release,
	};

	return exporter_main(&e, argc, argv);
}
