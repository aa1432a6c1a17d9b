/* flags.c: command-line flag parsing (kingpin style) and the flags shared by every binary */
#include "common/flags.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/duration.h"
#include "common/log.h"
#include "common/version.h"
#include "common/xalloc.h"

enum flag_type { FLAG_STRING, FLAG_ENUM, FLAG_BOOL, FLAG_DURATION, FLAG_SIZE, FLAG_INT, FLAG_STRINGS };

struct flag {
	char *name;
	enum flag_type type;
	char *def;
	char *help;
	const char *const *choices;
	void *dest;
	long min, max;
	bool set;
};

struct flagset {
	char *prog;
	char *summary;
	struct flag *flags;
	size_t n;
	size_t alloc;
	struct strlist owned;   /* string values handed out through char ** destinations */
};

struct flagset *flagset_new(const char *prog, const char *summary)
{
	struct flagset *fs = xcalloc(1, sizeof(*fs));
	fs->prog = xstrdup(prog);
	fs->summary = xstrdup(summary ? summary : "");
	return fs;
}

void flagset_free(struct flagset *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->flags[i].name);
		free(fs->flags[i].def);
		free(fs->flags[i].help);
	}
	free(fs->flags);
	strlist_clear(&fs->owned);
	free(fs->prog);
	free(fs->summary);
	free(fs);
}

static struct flag *flag_new(struct flagset *fs, const char *name, enum flag_type type, void *dest,
			     const char *def, const char *help)
{
	XGROW(fs->flags, fs->n + 1, fs->alloc);
	struct flag *f = &fs->flags[fs->n++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	f->type = type;
	f->dest = dest;
	f->def = def ? xstrdup(def) : NULL;
	f->help = xstrdup(help ? help : "");
	return f;
}

static struct flag *flag_find(const struct flagset *fs, const char *name, size_t len)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strlen(fs->flags[i].name) == len && strncmp(fs->flags[i].name, name, len) == 0)
			return &fs->flags[i];
	return NULL;
}

static char *flag_own(struct flagset *fs, const char *v)
{
	strlist_push(&fs->owned, v);
	return fs->owned.items[fs->owned.n - 1];
}

/* Stores value into f's destination. Returns 0, or -1 after printing what is wrong. */
static int flag_assign(struct flagset *fs, struct flag *f, const char *value)
{
	switch (f->type) {
	case FLAG_STRING:
		*(char **)f->dest = flag_own(fs, value);
		return 0;
	case FLAG_ENUM:
		for (const char *const *c = f->choices; *c; c++) {
			if (strcmp(*c, value) == 0) {
				*(char **)f->dest = flag_own(fs, value);
				return 0;
			}
		}
		fprintf(stderr, "%s: invalid value '%s' for flag '--%s': must be one of", fs->prog, value, f->name);
		for (const char *const *c = f->choices; *c; c++)
			fprintf(stderr, " %s", *c);
		fputc('\n', stderr);
		return -1;
	case FLAG_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0) {
			*(bool *)f->dest = true;
			return 0;
		}
		if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0) {
			*(bool *)f->dest = false;
			return 0;
		}
		fprintf(stderr, "%s: invalid value '%s' for flag '--%s': expected true or false\n",
			fs->prog, value, f->name);
		return -1;
	case FLAG_DURATION:
		if (duration_parse(value, (double *)f->dest) < 0) {
			fprintf(stderr, "%s: invalid value '%s' for flag '--%s': expected a duration like 30s, 5m, 1h\n",
				fs->prog, value, f->name);
			return -1;
		}
		return 0;
	case FLAG_SIZE:
		if (size_parse(value, (uint64_t *)f->dest) < 0) {
			fprintf(stderr, "%s: invalid value '%s' for flag '--%s': expected a size like 512KiB, 1MiB\n",
				fs->prog, value, f->name);
			return -1;
		}
		return 0;
	case FLAG_INT: {
		char *end = NULL;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < f->min || v > f->max) {
			fprintf(stderr, "%s: invalid value '%s' for flag '--%s': expected an integer from %ld to %ld\n",
				fs->prog, value, f->name, f->min, f->max);
			return -1;
		}
		*(long *)f->dest = v;
		return 0;
	}
	case FLAG_STRINGS: {
		struct strlist *l = f->dest;
		if (!f->set)
			strlist_clear(l);   /* first explicit value replaces the default */
		strlist_push(l, value);
		return 0;
	}
	}
	return -1;
}

void flag_string(struct flagset *fs, const char *name, char **dest, const char *def, const char *help)
{
	flag_new(fs, name, FLAG_STRING, dest, def, help);
	*dest = flag_own(fs, def ? def : "");
}

void flag_enum(struct flagset *fs, const char *name, char **dest, const char *def,
	       const char *const *choices, const char *help)
{
	struct flag *f = flag_new(fs, name, FLAG_ENUM, dest, def, help);
	f->choices = choices;
	*dest = flag_own(fs, def ? def : "");
}

void flag_bool(struct flagset *fs, const char *name, bool *dest, bool def, const char *help)
{
	flag_new(fs, name, FLAG_BOOL, dest, def ? "true" : "false", help);
	*dest = def;
}

void flag_duration(struct flagset *fs, const char *name, double *dest, const char *def, const char *help)
{
	flag_new(fs, name, FLAG_DURATION, dest, def, help);
	*dest = 0;
	if (def && duration_parse(def, dest) < 0)
		abort();   /* a bad default is a programming error */
}

void flag_size(struct flagset *fs, const char *name, uint64_t *dest, const char *def, const char *help)
{
	flag_new(fs, name, FLAG_SIZE, dest, def, help);
	*dest = 0;
	if (def && size_parse(def, dest) < 0)
		abort();
}

void flag_int(struct flagset *fs, const char *name, long *dest, long def, long min, long max, const char *help)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%ld", def);
	struct flag *f = flag_new(fs, name, FLAG_INT, dest, buf, help);
	f->min = min;
	f->max = max;
	*dest = def;
}

void flag_strings(struct flagset *fs, const char *name, struct strlist *dest, const char *def, const char *help)
{
	flag_new(fs, name, FLAG_STRINGS, dest, def, help);
	strlist_clear(dest);
	if (def)
		strlist_push(dest, def);
}

static const char *const flag_type_placeholder[] = {
	[FLAG_STRING] = "STRING", [FLAG_ENUM] = "VALUE", [FLAG_BOOL] = "",
	[FLAG_DURATION] = "DURATION", [FLAG_SIZE] = "SIZE", [FLAG_INT] = "INT", [FLAG_STRINGS] = "STRING",
};

void flagset_usage(const struct flagset *fs, FILE *out)
{
	fprintf(out, "usage: %s [<flags>]\n\n%s\n\nFlags:\n", fs->prog, fs->summary);
	fprintf(out, "  -h, --help  Show this help and exit.\n");
	for (size_t i = 0; i < fs->n; i++) {
		const struct flag *f = &fs->flags[i];
		if (f->type == FLAG_BOOL)
			fprintf(out, "      --[no-]%s\n", f->name);
		else
			fprintf(out, "      --%s=%s%s\n", f->name, flag_type_placeholder[f->type],
				f->type == FLAG_STRINGS ? " ..." : "");
		fprintf(out, "          %s", f->help);
		if (f->type == FLAG_ENUM) {
			fprintf(out, " One of:");
			for (const char *const *c = f->choices; *c; c++)
				fprintf(out, " %s", *c);
			fprintf(out, ".");
		}
		if (f->def && *f->def)
			fprintf(out, " (default: %s)", f->def);
		fputc('\n', out);
	}
}

int flagset_parse(struct flagset *fs, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *name, *eq, *value = NULL;
		size_t len;
		bool negated = false;
		struct flag *f;

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			flagset_usage(fs, stdout);
			return 1;
		}
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			fprintf(stderr, "%s: unexpected argument '%s' (flags start with --; see --help)\n", fs->prog, arg);
			return -1;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (eq)
			value = eq + 1;
		f = flag_find(fs, name, len);
		if (!f && len > 3 && strncmp(name, "no-", 3) == 0) {
			f = flag_find(fs, name + 3, len - 3);
			if (f && f->type == FLAG_BOOL && !eq)
				negated = true;
			else
				f = NULL;
		}
		if (!f) {
			fprintf(stderr, "%s: unknown flag '--%.*s' (see --help)\n", fs->prog, (int)len, name);
			return -1;
		}
		if (f->type == FLAG_BOOL && !value) {
			*(bool *)f->dest = !negated;
			f->set = true;
			if (strcmp(f->name, "version") == 0 && !negated) {
				printf("%s, version %s (revision: %s)\n", fs->prog, HOMEOPS_VERSION, HOMEOPS_REVISION);
				return 1;
			}
			continue;
		}
		if (!value) {
			if (i + 1 >= argc) {
				fprintf(stderr, "%s: flag '--%s' needs a value\n", fs->prog, f->name);
				return -1;
			}
			value = argv[++i];
		}
		if (flag_assign(fs, f, value) < 0)
			return -1;
		f->set = true;
		if (f->type == FLAG_BOOL && strcmp(f->name, "version") == 0 && *(bool *)f->dest) {
			printf("%s, version %s (revision: %s)\n", fs->prog, HOMEOPS_VERSION, HOMEOPS_REVISION);
			return 1;
		}
	}
	return 0;
}

bool flagset_is_set(const struct flagset *fs, const char *name)
{
	struct flag *f = flag_find(fs, name, strlen(name));
	return f && f->set;
}

static const char *const log_levels[] = { "debug", "info", "warn", "error", NULL };
static const char *const log_formats[] = { "logfmt", "json", NULL };

void common_flags_register(struct flagset *fs, struct common_flags *cf, const char *default_listen)
{
	static bool version_flag;
	flag_strings(fs, "web.listen-address", &cf->listen, default_listen,
		     "Address on which to expose metrics and web interface; repeatable.");
	flag_string(fs, "web.telemetry-path", &cf->telemetry_path, "/metrics",
		    "Path under which to expose metrics.");
	flag_string(fs, "web.config.file", &cf->web_config, "",
		    "Path to a configuration file that can enable TLS or authentication (exporter-toolkit format).");
	flag_int(fs, "web.max-requests", &cf->max_requests, 40, 1, 100000,
		 "Maximum number of requests being served at once (handlers running or answers pending); more are "
		 "answered 503. Idle and slow connections do not count: see --web.max-connections.");
	flag_int(fs, "web.max-connections", &cf->max_connections, 512, 1, 100000,
		 "Maximum number of connections held at once (idle or sending a request); more are refused.");
	flag_int(fs, "web.max-connections-per-ip", &cf->max_connections_per_ip, 32, 0, 100000,
		 "Maximum number of connections from one client address (0 = no limit).");
	flag_duration(fs, "web.request-timeout", &cf->request_timeout, "10s",
		      "Time a client has to send a whole request (request line, headers and body) from the moment its "
		      "connection is ready for it; later, the connection is closed. Idle keep-alive connections are closed "
		      "after this time too.");
	flag_strings(fs, "web.allowed-host", &cf->allowed_hosts, NULL,
		     "Host name under which this server is reached (repeatable). When given (always for the receiver), "
		     "requests whose Host header is not an IP address, a loopback name or one of these are answered 421 "
		     "(DNS rebinding).");
	flag_enum(fs, "log.level", &cf->log_level, "info", log_levels,
		  "Only log messages with the given severity or above.");
	flag_enum(fs, "log.format", &cf->log_format, "logfmt", log_formats,
		  "Output format of log messages.");
	flag_string(fs, "path.procfs", &cf->procfs, "/proc",
		    "procfs mountpoint (process_* metrics and every /proc reader; tests point it at a recorded tree).");
	flag_bool(fs, "once", &cf->once, false,
		  "Collect once, print the exposition to stdout (or --output) and exit: 0 when it rendered.");
	flag_string(fs, "output", &cf->output, "",
		    "With --once: write the exposition to this file atomically (for node_exporter's textfile collector).");
	flag_bool(fs, "version", &version_flag, false, "Show application version and exit.");
}

int common_flags_apply(const struct common_flags *cf, const char *prog)
{
	if (log_setup(cf->log_level, cf->log_format) < 0) {
		fprintf(stderr, "%s: invalid value for flag '--log.level' or '--log.format'\n", prog);
		return -1;
	}
	if (cf->telemetry_path[0] != '/') {
		fprintf(stderr, "%s: flag '--web.telemetry-path' must start with '/'\n", prog);
		return -1;
	}
	if (*cf->output && !cf->once) {
		fprintf(stderr, "%s: flag '--output' needs '--once'\n", prog);
		return -1;
	}
	return 0;
}
