/* flags.h: command-line flags in the Prometheus/kingpin style, plus the flags every binary shares */
#ifndef HOMEOPS_FLAGS_H
#define HOMEOPS_FLAGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "common/strlist.h"

/*
 * Accepted forms: --name=value, --name value, and for booleans --name, --no-name,
 * --name=true|false. A repeatable flag (flag_strings) collects every occurrence; when
 * it is never given, its default (if any) becomes the only element. Flags are stored
 * into caller-owned destinations: strings are heap copies owned by the flagset until
 * flagset_free() (do not free them yourself).
 */
struct flagset;

struct flagset *flagset_new(const char *prog, const char *summary);
void flagset_free(struct flagset *fs);

void flag_string(struct flagset *fs, const char *name, char **dest, const char *def, const char *help);
/* A string restricted to choices (NULL-terminated). */
void flag_enum(struct flagset *fs, const char *name, char **dest, const char *def,
	       const char *const *choices, const char *help);
void flag_bool(struct flagset *fs, const char *name, bool *dest, bool def, const char *help);
/* Duration in seconds (duration_parse syntax). */
void flag_duration(struct flagset *fs, const char *name, double *dest, const char *def, const char *help);
/* Size in bytes (size_parse syntax). */
void flag_size(struct flagset *fs, const char *name, uint64_t *dest, const char *def, const char *help);
void flag_int(struct flagset *fs, const char *name, long *dest, long def, long min, long max, const char *help);
void flag_strings(struct flagset *fs, const char *name, struct strlist *dest, const char *def, const char *help);

/*
 * Parses argv. Returns 0 on success; 1 when --help or --version was handled (output already
 * printed to stdout, caller exits 0); -1 on an unknown flag, missing or invalid value, or a
 * stray argument (message naming the flag printed to stderr, caller exits 2).
 */
int flagset_parse(struct flagset *fs, int argc, char **argv);
/* True when the flag was given on the command line. */
bool flagset_is_set(const struct flagset *fs, const char *name);
void flagset_usage(const struct flagset *fs, FILE *out);

/* The flags of DESIGN.md's shared command-line contract. */
struct common_flags {
	struct strlist listen;     /* --web.listen-address (repeatable) */
	char *telemetry_path;      /* --web.telemetry-path */
	char *web_config;          /* --web.config.file ("" = none) */
	char *log_level;           /* --log.level */
	char *log_format;          /* --log.format */
	bool once;                 /* --once */
	char *output;              /* --output (with --once; "" = stdout) */
	long max_requests;         /* --web.max-requests: requests being served at once */
	long max_connections;      /* --web.max-connections: connections held at once */
	long max_connections_per_ip; /* --web.max-connections-per-ip (0 = unbounded) */
	double request_timeout;    /* --web.request-timeout: whole request (line, headers, body) */
	struct strlist allowed_hosts; /* --web.allowed-host (repeatable): names accepted in Host */
	char *procfs;              /* --path.procfs (default "/proc"): process_* and /proc readers */
};

/* Registers the shared flags; default_listen is e.g. ":9761". --version prints prog's version. */
void common_flags_register(struct flagset *fs, struct common_flags *cf, const char *default_listen);
/*
 * After flagset_parse(): sets up logging from --log.level/--log.format and checks the shared
 * flags' relations (--web.telemetry-path starts with '/', --output needs --once). Returns 0, or
 * -1 after printing a message naming the flag (the caller exits 2).
 */
int common_flags_apply(const struct common_flags *cf, const char *prog);

#endif
