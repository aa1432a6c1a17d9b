/* main.c: remediation_receiver: flags, configuration, store, engine, outbox and HTTP wiring; signals */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/flags.h"
#include "common/http.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/version.h"
#include "common/webconfig.h"
#include "common/xalloc.h"
#include "receiver/config.h"
#include "receiver/engine.h"
#include "receiver/http.h"
#include "receiver/metrics.h"
#include "receiver/notify.h"
#include "receiver/outbox.h"
#include "receiver/store.h"

#define PROG "remediation_receiver"

static struct {
	struct common_flags cf;
	char *config_file;
	char *storage_path;
	double retention;
	uint64_t max_body;
	long max_concurrent;
	long queue_size;
	double grace;
	double notify_backoff;
	double notify_backoff_max;
	long web_threads;
	bool dry_run;
	bool check_config;

	pthread_mutex_t reload_lock;
	struct engine *engine;
	struct outbox *outbox;
	bool public_listen;
} M = { .reload_lock = PTHREAD_MUTEX_INITIALIZER };

/* A configuration may be used only if it keeps every webhook authenticated on a public address. */
static int main_check_exposure(const struct rcv_config *cfg, char **err)
{
	if (M.public_listen && !config_all_receivers_authenticated(cfg)) {
		*err = xstrdup("refusing to serve webhooks without authentication on a non-loopback address: give every "
			       "receiver a bearer_token_file or basic_auth (or listen on 127.0.0.1)");
		return -1;
	}
	return 0;
}

static int main_reload(void *arg, char **err)
{
	struct rcv_config *cfg;
	(void)arg;
	pthread_mutex_lock(&M.reload_lock);
	cfg = config_load(M.config_file, err);
	if (cfg && main_check_exposure(cfg, err) != 0) {
		config_unref(cfg);
		cfg = NULL;
	}
	if (!cfg) {
		rmetrics_reload(false, clock_real());
		log_error("main", "configuration reload failed; keeping the old one", "err", *err);
		pthread_mutex_unlock(&M.reload_lock);
		return -1;
	}
	for (size_t i = 0; i < cfg->warnings.n; i++)
		log_warn("config", cfg->warnings.items[i]);
	engine_reload(M.engine, cfg);
	if (M.outbox)
		outbox_reload(M.outbox, cfg);
	rmetrics_reload(true, clock_real());
	log_info("main", "configuration reloaded", "file", M.config_file);
	config_unref(cfg);
	pthread_mutex_unlock(&M.reload_lock);
	return 0;
}

static int main_check_config(void)
{
	char *err = NULL;
	struct rcv_config *cfg = config_load(M.config_file, &err);
	printf("Checking '%s'", M.config_file);
	if (!cfg) {
		printf("  FAILED: %s\n", err);
		free(err);
		return 1;
	}
	printf("  SUCCESS\nFound:\n - %zu receivers\n - %zu playbooks\n - %zu notifiers\n - %zu routes\n",
	       cfg->nreceivers, cfg->nplaybooks, cfg->nnotifiers, cfg->nroutes);
	for (size_t i = 0; i < cfg->warnings.n; i++)
		printf("WARNING: %s\n", cfg->warnings.items[i]);
	config_unref(cfg);
	return 0;
}

static void main_register(struct flagset *fs)
{
	common_flags_register(fs, &M.cf, "127.0.0.1:9766");
	flag_string(fs, "config.file", &M.config_file, "/etc/homeops/receiver.yml", "Receiver configuration (YAML).");
	flag_string(fs, "storage.path", &M.storage_path, "/var/lib/homeops/receiver",
		    "Directory of the SQLite store (created when missing).");
	flag_duration(fs, "storage.retention", &M.retention, "30d", "How long alerts, runs and notifications are kept.");
	flag_size(fs, "web.max-body", &M.max_body, "1MiB", "Largest webhook body accepted (larger: 413).");
	flag_int(fs, "run.max-concurrent", &M.max_concurrent, 4, 1, 256, "Playbook runs at the same time, in total.");
	flag_int(fs, "run.queue-size", &M.queue_size, 1000, 1, 1000000,
		 "Queued runs before webhooks are answered 503 (Alertmanager retries).");
	flag_duration(fs, "run.grace-period", &M.grace, "30s",
		      "On SIGTERM, how long running playbooks may finish before they are interrupted.");
	flag_duration(fs, "notify.backoff", &M.notify_backoff, "30s", "First retry delay of a failed notification.");
	flag_duration(fs, "notify.backoff-max", &M.notify_backoff_max, "1h", "Longest retry delay of a notification.");
	flag_int(fs, "web.threads", &M.web_threads, 4, 1, 64, "HTTP worker threads.");
	flag_bool(fs, "dry-run", &M.dry_run, false, "Record what would run without running anything.");
	flag_bool(fs, "check-config", &M.check_config, false, "Validate --config.file and exit (0 valid, 1 invalid).");
}

int main(int argc, char **argv)
{
	struct flagset *fs = flagset_new(PROG, "Alertmanager webhook receiver that runs remediation playbooks.");
	struct rcv_config *cfg = NULL;
	struct store *st = NULL;
	struct webconfig *web = NULL;
	struct http_server *srv = NULL;
	char *err = NULL, host[256] = "";
	sigset_t sigs;
	int rc = 1;

	main_register(fs);
	int pr = flagset_parse(fs, argc, argv);
	if (pr != 0) {
		rc = pr > 0 ? 0 : 2;
		goto out;
	}
	if (common_flags_apply(&M.cf, PROG) < 0) {
		rc = 2;
		goto out;
	}
	if (M.check_config) {
		rc = main_check_config();
		goto out;
	}
	if (M.cf.once) {
		fprintf(stderr, "%s: flag '--once' is for exporters; the receiver has nothing to collect\n", PROG);
		rc = 2;
		goto out;
	}
	struct sigaction ign;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, NULL);
	/* Signals go to this thread only (sigwait below); every thread created later inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	log_info("main", "starting", "name", PROG, "version", HOMEOPS_VERSION, "revision", HOMEOPS_REVISION);
	for (size_t i = 0; i < M.cf.listen.n; i++)
		if (!listen_address_is_loopback(M.cf.listen.items[i]))
			M.public_listen = true;
	cfg = config_load(M.config_file, &err);
	if (!cfg) {
		log_error("main", "invalid configuration", "err", err);
		goto out;
	}
	for (size_t i = 0; i < cfg->warnings.n; i++)
		log_warn("config", cfg->warnings.items[i]);
	if (main_check_exposure(cfg, &err) != 0) {
		log_error("main", err);
		goto out;
	}
	if (*M.cf.web_config) {
		web = webconfig_load(M.cf.web_config, &err);
		if (!web) {
			log_error("main", "invalid --web.config.file", "err", err);
			goto out;
		}
	}
	rmetrics_reset();
	rmetrics_reload(true, clock_real());
	struct store_options so = { .dir = M.storage_path };
	st = store_open(&so, &err);
	if (!st) {
		log_error("main", "cannot open the store", "err", err);
		goto out;
	}
	gethostname(host, sizeof(host) - 1);
	struct engine_options eo = { .store = st, .cfg = cfg, .max_concurrent = M.max_concurrent,
				     .queue_size = (size_t)M.queue_size, .dry_run = M.dry_run,
				     .retention = M.retention, .hostname = host };
	M.engine = engine_new(&eo);
	if (engine_start(M.engine) != 0)
		goto out_engine;
	struct outbox_options oo = { .store = st, .backoff_base = M.notify_backoff, .backoff_max = M.notify_backoff_max };
	M.outbox = outbox_start(&oo, cfg);
	engine_set_outbox_kick(M.engine, outbox_kick, M.outbox);
	outbox_kick(M.outbox);
	if (M.dry_run)
		log_warn("main", "dry run: runs are recorded, never executed");

	struct rhttp_options ho = { .listen = &M.cf.listen, .web = web, .max_body = (size_t)M.max_body,
				    .max_connections = (unsigned)M.cf.max_connections,
				    .max_connections_per_ip = (unsigned)M.cf.max_connections_per_ip,
				    .max_requests = (unsigned)M.cf.max_requests, .request_timeout = M.cf.request_timeout,
				    .allowed_hosts = &M.cf.allowed_hosts, .threads = (unsigned)M.web_threads,
				    .telemetry_path = M.cf.telemetry_path, .procfs = M.cf.procfs, .engine = M.engine,
				    .reload = main_reload };
	srv = rhttp_start(&ho, &err);
	if (!srv) {
		log_error("main", "cannot start the HTTP server", "err", err);
		goto out_engine;
	}
	for (size_t i = 0; i < M.cf.listen.n; i++) {
		char port[16];
		snprintf(port, sizeof(port), "%u", http_server_port(srv, i));
		log_info("main", "listening", "address", M.cf.listen.items[i], "port", port);
	}
	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			char *e2 = NULL;
			log_info("main", "SIGHUP: reloading the configuration");
			main_reload(NULL, &e2);
			free(e2);
			continue;
		}
		log_info("main", "shutting down", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	}
	rc = 0;
	http_server_quiesce(srv);
out_engine:
	/* order: stop intake and runs, stop notifiers, drain the store (answering deferred webhooks), then HTTP */
	if (M.engine)
		engine_shutdown(M.engine, M.grace);
	outbox_stop(M.outbox);
	M.outbox = NULL;
	store_close(st);
	st = NULL;
	http_server_stop(srv);
	engine_free(M.engine);
	M.engine = NULL;
	notify_global_cleanup();
	log_info("main", "stopped");
out:
	store_close(st);
	config_unref(cfg);
	webconfig_free(web);
	free(err);
	strlist_clear(&M.cf.listen);
	strlist_clear(&M.cf.allowed_hosts);
	flagset_free(fs);
	return rc;
}
