/* source.h: all I/O of snapraid_exporter: snapraid.conf, the lock probe, running snapraid, reading logs */
#ifndef SNAPRAID_SOURCE_H
#define SNAPRAID_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "common/strbuf.h"

struct strlist;

/*
 * Reads the SnapRAID configuration file (at most 1 MiB) and appends its content files to
 * *content. Returns 0, or -1 with errno set (ENOENT for a missing file, EFBIG when too large).
 */
int sr_source_read_conf(const char *path, struct strlist *content);

/*
 * Tells whether another SnapRAID process holds the array lock, which SnapRAID takes with
 * flock(LOCK_EX) on "<first content file>.lock" for its whole run. Each "<content>.lock" is
 * opened read-only on its own descriptor (never created: a missing lock file means "not held")
 * and probed with flock(LOCK_SH | LOCK_NB), released and closed at once, so the probe never
 * blocks and never keeps SnapRAID out for longer than those two system calls.
 * Returns 1 when held, 0 when not, -1 when no lock file could be probed (errno of the first
 * failure, e.g. EACCES).
 */
int sr_source_lock_held(const struct strlist *content);

/* The outcome of one `snapraid ... -l FILE COMMAND` run. Release with sr_exec_release(). */
struct sr_exec {
	struct strbuf log;  /* the -l file's contents */
	struct strbuf out;  /* stdout, then stderr */
	bool started;       /* false: could not run at all (see spawn_errno/error) */
	int spawn_errno;    /* exec failed (ENOENT for a missing binary) */
	bool timed_out;
	bool exited;
	int exit_code;
	bool signaled;
	int term_signal;
	double duration;    /* seconds */
	char error[256];    /* why started is false, or why the log could not be read */
};
void sr_exec_release(struct sr_exec *ex);

/*
 * Runs `snapraid -c conf -l <private temporary file> command` through common/subprocess (argv,
 * no shell, own process group killed on timeout), reads the log file back (at most 16 MiB) and
 * removes it and its private directory. The temporary directory is made with mkdtemp() under
 * $TMPDIR (or /tmp). cancel_fd (-1 = none) ends the run early when it becomes readable
 * (shutdown). Returns 0 when the program ran (whatever its exit status; check the fields),
 * -1 when it could not be started or the temporary file could not be made (ex->error).
 */
int sr_source_exec(const char *snapraid, const char *conf, const char *command, double timeout,
		   int cancel_fd, struct sr_exec *ex);

/* A file matched by --snapraid.log-glob. */
struct sr_log_file {
	char *path;
	struct timespec mtime;
	off_t size;
	dev_t dev;
	ino_t ino;
};

/*
 * Expands pattern (glob(3)) and stats the matches; regular files only (symlinks followed),
 * newest modification first, at most max of them. *files is a new array (free with
 * sr_log_files_free()). Returns 0 (no match is not an error), or -1 when the expansion failed
 * (errno set, e.g. EACCES on a directory).
 */
int sr_source_list_logs(const char *pattern, size_t max, struct sr_log_file **files, size_t *n);
void sr_log_files_free(struct sr_log_file *files, size_t n);

/*
 * Reads a log with bounded memory: all of it up to head + tail bytes; otherwise the first head
 * bytes and the last tail bytes (from the first full line), joined by a newline. The tags that
 * matter are at the start (command:, unixtime:) and at the end (summary:*). Returns 0, or -1 with
 * errno (a non-regular file is EINVAL).
 */
int sr_source_read_log(const char *path, size_t head, size_t tail, struct strbuf *sb);

#endif
