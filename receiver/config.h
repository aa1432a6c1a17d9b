/* config.h: the receiver's YAML configuration (receivers, playbooks, notifiers, routes), loaded and validated */
#ifndef HOMEOPS_RECEIVER_CONFIG_H
#define HOMEOPS_RECEIVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "common/strlist.h"
#include "receiver/notify.h"
#include "receiver/redact.h"
#include "receiver/route.h"

/*
 * Configuration contract (issue 3), every key optional unless marked:
 *
 *   global:
 *     external_url: http://host:9766/        # link to the status page in notifications
 *     notify: [mail]                         # notifiers for routes that name none
 *     redact: ['(?i)password=(\S+)']         # masked in every playbook's stored output and messages
 *     host: nas                              # act only on alerts for this host: an alert whose host
 *     host_label: host                       #   label names another host is stored and refused
 *   receivers:                               # default: one receiver "default" at /webhook, no auth
 *     - name: homeops                        # required, unique
 *       path: /webhook                       # required, unique, starts with /
 *       bearer_token_file: /etc/homeops/receiver.token
 *       basic_auth: {username: u, password_file: f}     # instead of (or beside) the token
 *   playbooks:
 *     NAME:
 *       command: [/usr/lib/homeops/playbooks/x, arg]    # required; argv, never a shell
 *       working_directory: /
 *       env: {KEY: value}
 *       timeout: 5m            cooldown: 0      max_concurrent: 1
 *       max_attempts: 3        window: 1h       # 0 attempts = never give up
 *       cancel_on_resolved: false               retry_interrupted: false
 *       user: nobody                            # needs the receiver to run as root
 *       redact: ['token=(\S+)']                 output_limit: 16KiB     kill_grace: 5s
 *       enabled: true
 *   notifiers:
 *     NAME: {KIND: {...}}      # KIND one of smtp, ntfy, gotify, pushover, webhook; keys:
 *         url, from, to, username, password_file, smtp_starttls, token_file, user_key_file,
 *         ca_file, insecure_skip_verify, timeout, events: [started, succeeded, failed, gave_up, interrupted]
 *   routes:                    # ordered; first match wins unless continue: true
 *     - matchers: ['alertname="X"', 'severity=~"warning|critical"']
 *       receiver: homeops      # only alerts that arrived on this receiver
 *       playbook: NAME         # required
 *       on: firing             # firing | resolved | both
 *       continue: false
 *       notify: [mail, phone]
 *
 * Read with common/yamlconf.h: errors name the file, line and key path (playbooks.p.timeout: ...).
 * Unknown keys are errors. Relative file paths resolve against
 * the config file's directory. Secrets are read from their files at load (and reload) time.
 */

struct rcv_receiver {
	char *name;
	char *path;
	char *bearer_token_file;
	char *bearer_token;        /* loaded; NULL when none */
	char *basic_user;
	char *basic_password_file;
	char *basic_password;      /* loaded; NULL when none */
};

struct playbook {
	char *name;
	struct strlist command;
	char *workdir;             /* NULL = the receiver's */
	struct strlist env;        /* "KEY=value" */
	double timeout;
	double cooldown;
	long max_concurrent;
	long max_attempts;         /* 0 = unlimited */
	double window;
	double kill_grace;
	bool cancel_on_resolved;
	bool retry_interrupted;
	bool enabled;              /* config default; the operator API can override at run time */
	char *user;                /* NULL = run as the receiver */
	uid_t uid;
	gid_t gid;
	struct redact_list redact; /* global patterns then the playbook's own */
	size_t output_limit;       /* bytes of output tail stored and notified */
};

struct rcv_config {
	char *path;                /* file it came from, or NULL */
	char *external_url;
	char *host;                /* global.host: NULL = act on every alert */
	char *host_label;          /* the alert label naming its host (global.host_label, default "host") */
	struct strlist default_notify;
	struct rcv_receiver *receivers;
	size_t nreceivers;
	struct playbook *playbooks;
	size_t nplaybooks;
	struct notifier *notifiers;
	size_t nnotifiers;
	struct route *routes;
	size_t nroutes;
	struct strlist warnings;   /* non-fatal findings, printed by --check-config */
	int refs;
};

/*
 * Loads and validates the file at path (at most 1 MiB), reading secret files. Returns a config
 * with one reference, or NULL with *err naming the key, line or file (caller frees).
 */
struct rcv_config *config_load(const char *path, char **err);
/*
 * Parses YAML text. base_dir resolves relative paths (NULL = current directory). With
 * load_files false, secret files are not read and users are not looked up (tests, fuzzing).
 */
struct rcv_config *config_parse(const char *text, size_t len, const char *base_dir, bool load_files, char **err);

/* Reference counting (thread-safe): the engine and in-flight runs hold references across reloads. */
struct rcv_config *config_ref(struct rcv_config *c);
void config_unref(struct rcv_config *c);

const struct playbook *config_playbook(const struct rcv_config *c, const char *name);
const struct rcv_receiver *config_receiver_by_path(const struct rcv_config *c, const char *path);
const struct notifier *config_notifier(const struct rcv_config *c, const char *name);
/* True when any receiver has a bearer token or basic auth. */
bool config_has_webhook_auth(const struct rcv_config *c);
/* True when every receiver has authentication. */
bool config_all_receivers_authenticated(const struct rcv_config *c);

#endif
