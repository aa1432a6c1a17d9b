/* subprocess.h: run a program by argv (never a shell) with a timeout, bounded capture and group kill */
#ifndef HOMEOPS_SUBPROCESS_H
#define HOMEOPS_SUBPROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "common/strbuf.h"

/*
 * One struct per run (after git's run-command.h). Fill the inputs, call subprocess_run(),
 * read the outputs, then subprocess_release() to free the captured buffers.
 *
 * The child runs in its own process group (setpgid), with default signal dispositions,
 * an empty signal mask, stdin from stdin_data (or /dev/null), stdout and stderr captured,
 * and every other file descriptor closed. When timeout expires, SIGTERM goes to the whole
 * group, then SIGKILL after kill_grace. After the leader exits, the run also ends when the
 * pipes stay open longer than 2 seconds (a daemonised grandchild): the rest of the group is
 * killed then. Output beyond max_output bytes per stream is drained and discarded
 * (*_truncated set): the end of it with keep_tail, else the beginning; max_output 0 means 1 MiB.
 */
struct subprocess {
	/* inputs */
	const char *const *argv;   /* argv[0] is looked up in PATH unless it contains '/' */
	const char *const *env;    /* full environment (NULL-terminated); NULL = inherit */
	const char *cwd;           /* NULL = inherit */
	const void *stdin_data;    /* NULL = /dev/null */
	size_t stdin_len;
	double timeout;            /* seconds; <= 0 = none */
	double kill_grace;         /* seconds between SIGTERM and SIGKILL; <= 0 = 5 */
	size_t max_output;         /* per stream */
	bool merge_stderr;         /* capture stderr into out as well */
	bool keep_tail;            /* keep the last max_output bytes of each stream instead of the first */
	uid_t uid;                 /* with set_user: drop to uid/gid (and its groups) before exec */
	gid_t gid;
	bool set_user;
	int cancel_fd;             /* >= 0: when readable, the run is terminated as on timeout */

	/* outputs */
	pid_t pid;                 /* child pid while running (for logs) */
	struct strbuf out;
	struct strbuf err;
	bool out_truncated;
	bool err_truncated;
	int exit_code;             /* valid when exited */
	int term_signal;           /* valid when signaled */
	bool exited;
	bool signaled;
	bool timed_out;
	bool cancelled;
	int spawn_errno;           /* exec failed in the child (e.g. ENOENT): exit_code is 127 */
	double duration;           /* seconds, monotonic */
};

/* Sets defaults: cancel_fd -1, empty buffers. Call before filling inputs. */
void subprocess_init(struct subprocess *sp);
/*
 * Runs to completion (or timeout/cancel). Returns 0 when the child was started and reaped
 * (whatever its exit status), -1 when it could not be started at all (pipe/fork failed,
 * errno set; spawn_errno is set also when exec failed, with a return of 0 and exit_code 127).
 */
int subprocess_run(struct subprocess *sp);
void subprocess_release(struct subprocess *sp);
/* Describes the result for logs and metrics: "exit 0", "exit 3", "signal 9", "timeout", "exec: No such file or directory". */
const char *subprocess_describe(const struct subprocess *sp, char *buf, size_t n);

#endif
