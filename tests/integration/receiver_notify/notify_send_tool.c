/* notify_send_tool.c: test driver: format facts from a JSON file, send them through one notifier, print the outcome as JSON */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "receiver/notify.h"

/*
 * usage: notify_send_tool --kind K [--url U] [--from A --to A...] [--username U --password-file F]
 *        [--token-file F] [--user-key-file F] [--ca-file F] [--insecure] [--no-starttls]
 *        [--timeout S] [--message-id ID] [--format-only] [--raw-title T] [--raw-body-file F]
 *        --facts FILE
 *
 * FILE is a JSON object with the fields of struct notify_facts ("event": "failed", ...); a
 * string field may instead be given as "<field>_hex" (hex bytes) to pass invalid UTF-8.
 * Prints {"validate_error", "title", "body", "json", "ok", "retryable", "status", "error",
 * "elapsed_ms"}; exits 0 when delivered (or formatted with --format-only), 1 when not, 2 on
 * bad usage or an invalid notifier. --raw-title and --raw-body-file replace the formatted title
 * and body before sending, as a message read back from storage could, to test that notify_send
 * defends itself too.
 */

static char *tool_read_secret(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;

	if (!f) {
		fprintf(stderr, "notify_send_tool: cannot read %s\n", path);
		exit(2);
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	/* like the receiver's loader: one trailing line end is not part of the secret */
	if (sb.len && sb.buf[sb.len - 1] == '\n')
		strbuf_setlen(&sb, sb.len - 1);
	if (sb.len && sb.buf[sb.len - 1] == '\r')
		strbuf_setlen(&sb, sb.len - 1);
	return strbuf_detach(&sb, NULL);
}

static int tool_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string fact: "name" as UTF-8, or "name_hex" as raw bytes (no NUL). Caller frees. */
static char *tool_fact_str(json_t *facts, const char *name)
{
	char key[64];
	const char *hex;
	struct strbuf sb = STRBUF_INIT;

	snprintf(key, sizeof(key), "%s_hex", name);
	hex = json_string_value(json_object_get(facts, key));
	if (hex) {
		for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
			int hi = tool_hexval(hex[i]), lo = tool_hexval(hex[i + 1]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				fprintf(stderr, "notify_send_tool: bad hex in %s\n", key);
				exit(2);
			}
			strbuf_addch(&sb, hi * 16 + lo);
		}
		return strbuf_detach(&sb, NULL);
	}
	hex = json_string_value(json_object_get(facts, name));
	return hex ? xstrdup(hex) : NULL;
}

static double tool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tool_usage(void)
{
	fprintf(stderr, "usage: notify_send_tool --kind smtp|ntfy|gotify|pushover|webhook --facts FILE [options]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },	   { "url", required_argument, NULL, 'u' },
		{ "from", required_argument, NULL, 'f' },	   { "to", required_argument, NULL, 't' },
		{ "username", required_argument, NULL, 'U' },	   { "password-file", required_argument, NULL, 'P' },
		{ "token-file", required_argument, NULL, 'T' },	   { "user-key-file", required_argument, NULL, 'K' },
		{ "ca-file", required_argument, NULL, 'C' },	   { "insecure", no_argument, NULL, 'I' },
		{ "no-starttls", no_argument, NULL, 'S' },	   { "timeout", required_argument, NULL, 'o' },
		{ "message-id", required_argument, NULL, 'm' },	   { "facts", required_argument, NULL, 'F' },
		{ "format-only", no_argument, NULL, 'x' },	   { "raw-title", required_argument, NULL, 'R' },
		{ "raw-body-file", required_argument, NULL, 'B' }, { NULL, 0, NULL, 0 },
	};
	static const char *const fields[] = { "alertname", "alert_status", "fingerprint", "severity",
					      "summary", "instance", "playbook", "result",
					      "output_tail", "hostname", "external_url" };
	char *strs[sizeof(fields) / sizeof(fields[0])] = { 0 };
	struct notifier n;
	struct notify_facts facts;
	struct notify_message msg;
	struct notify_result res;
	const char *facts_path = NULL, *message_id = NULL, *kind = NULL, *raw_title = NULL, *raw_body = NULL;
	char *verr = NULL, *dumped;
	json_t *fj, *out;
	json_error_t jerr;
	int format_only = 0, c, rc = 1;
	double t0;

	memset(&n, 0, sizeof(n));
	memset(&facts, 0, sizeof(facts));
	memset(&res, 0, sizeof(res));
	n.smtp_starttls = true;
	n.timeout = 10;
	n.events = (1u << NOTIFY_EVENT_COUNT) - 1;
	n.name = xstrdup("test");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': kind = optarg; break;
		case 'u': n.url = xstrdup(optarg); break;
		case 'f': n.from = xstrdup(optarg); break;
		case 't': strlist_push(&n.to, optarg); break;
		case 'U': n.username = xstrdup(optarg); break;
		case 'P': n.password = tool_read_secret(optarg); break;
		case 'T': n.token = tool_read_secret(optarg); break;
		case 'K': n.user_key = tool_read_secret(optarg); break;
		case 'C': n.ca_file = xstrdup(optarg); break;
		case 'I': n.insecure_skip_verify = true; break;
		case 'S': n.smtp_starttls = false; break;
		case 'o': n.timeout = strtod(optarg, NULL); break;
		case 'm': message_id = optarg; break;
		case 'F': facts_path = optarg; break;
		case 'x': format_only = 1; break;
		case 'R': raw_title = optarg; break;
		case 'B': raw_body = optarg; break;
		default: tool_usage();
		}
	}
	if (!kind || !facts_path)
		tool_usage();
	if (strcmp(kind, "smtp") == 0)
		n.kind = NOTIFIER_SMTP;
	else if (strcmp(kind, "ntfy") == 0)
		n.kind = NOTIFIER_NTFY;
	else if (strcmp(kind, "gotify") == 0)
		n.kind = NOTIFIER_GOTIFY;
	else if (strcmp(kind, "pushover") == 0)
		n.kind = NOTIFIER_PUSHOVER;
	else if (strcmp(kind, "webhook") == 0)
		n.kind = NOTIFIER_WEBHOOK;
	else
		tool_usage();
	if (getenv("NOTIFY_TOOL_DEBUG"))
		log_setup("debug", "logfmt");

	fj = json_load_file(facts_path, 0, &jerr);
	if (!json_is_object(fj)) {
		fprintf(stderr, "notify_send_tool: %s: %s\n", facts_path, jerr.text);
		return 2;
	}
	if (notify_event_parse(json_string_value(json_object_get(fj, "event")), &facts.event) != 0) {
		fprintf(stderr, "notify_send_tool: facts need a known \"event\"\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		strs[i] = tool_fact_str(fj, fields[i]);
	facts.alertname = strs[0];
	facts.alert_status = strs[1];
	facts.fingerprint = strs[2];
	facts.severity = strs[3];
	facts.summary = strs[4];
	facts.instance = strs[5];
	facts.playbook = strs[6];
	facts.result = strs[7];
	facts.output_tail = strs[8];
	facts.hostname = strs[9];
	facts.external_url = strs[10];
	facts.run_id = (long)json_integer_value(json_object_get(fj, "run_id"));
	facts.attempt = (int)json_integer_value(json_object_get(fj, "attempt"));
	facts.max_attempts = (int)json_integer_value(json_object_get(fj, "max_attempts"));
	facts.started_at = json_number_value(json_object_get(fj, "started_at"));
	facts.ended_at = json_number_value(json_object_get(fj, "ended_at"));

	notify_global_init();
	notify_format(&facts, &msg);
	if (raw_title) {
		free(msg.title);
		msg.title = xstrdup(raw_title);
	}
	if (raw_body) {
		free(msg.body);
		msg.body = tool_read_secret(raw_body);
	}
	out = json_object();
	json_object_set_new(out, "title", msg.title ? json_string(msg.title) : json_null());
	json_object_set_new(out, "body", msg.body ? json_string(msg.body) : json_null());
	json_object_set_new(out, "json", msg.json ? json_string(msg.json) : json_null());
	if (notifier_validate(&n, &verr) != 0) {
		json_object_set_new(out, "validate_error", json_string(verr));
		rc = 2;
	} else if (format_only) {
		rc = 0;
	} else {
		t0 = tool_now();
		rc = notify_send(&n, &msg, message_id, &res) == 0 ? 0 : 1;
		json_object_set_new(out, "elapsed_ms", json_integer((json_int_t)((tool_now() - t0) * 1000)));
		json_object_set_new(out, "ok", json_boolean(res.ok));
		json_object_set_new(out, "retryable", json_boolean(res.retryable));
		json_object_set_new(out, "status", json_integer(res.status));
		json_object_set_new(out, "error", json_string(res.error));
	}
	dumped = json_dumps(out, JSON_SORT_KEYS);
	printf("%s\n", dumped ? dumped : "null");
	free(dumped);
	json_decref(out);
	json_decref(fj);
	free(verr);
	notify_message_release(&msg);
	notifier_release(&n);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		free(strs[i]);
	notify_global_cleanup();
	return rc;
}
