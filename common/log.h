/* log.h: leveled structured logging to stderr, logfmt (default) or JSON lines */
#ifndef HOMEOPS_LOG_H
#define HOMEOPS_LOG_H

#include <stdbool.h>

enum log_level { HLOG_DEBUG = 0, HLOG_INFO, HLOG_WARN, HLOG_ERROR };

/*
 * Configures the process-wide logger from flag values ("debug|info|warn|error",
 * "logfmt|json"). Returns 0, or -1 when a value is unknown (nothing changed).
 */
int log_setup(const char *level, const char *format);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

/*
 * Writes one line: ts=... level=... caller=module msg="..." key=value ...
 * Variadic arguments are (const char *key, const char *value) pairs ending with NULL;
 * use the macros below, which add the NULL. Values are quoted/escaped as needed.
 * A line is written with a single write(2), so lines from threads never interleave.
 */
void log_msg(enum log_level level, const char *module, const char *msg, ...);

#define log_debug(module, ...) log_msg(HLOG_DEBUG, module, __VA_ARGS__, (const char *)0)
#define log_info(module, ...)  log_msg(HLOG_INFO, module, __VA_ARGS__, (const char *)0)
#define log_warn(module, ...)  log_msg(HLOG_WARN, module, __VA_ARGS__, (const char *)0)
#define log_error(module, ...) log_msg(HLOG_ERROR, module, __VA_ARGS__, (const char *)0)

/*
 * Log-once helper for repeated failures (collectd's LogOnce): log_once_new() returns true
 * when key differs from the last key seen by this struct (the caller then logs at its level;
 * otherwise at debug). log_once_clear() re-arms it after a success. Not thread-safe:
 * one struct per collecting thread.
 */
struct log_once {
	char *last;
};
bool log_once_new(struct log_once *lo, const char *key);
void log_once_clear(struct log_once *lo);

#endif
