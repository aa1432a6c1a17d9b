/* subprocess.c: fork/exec by argv with timeout, process-group kill and bounded output capture */
#include "common/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/xalloc.h"

#define SUBPROCESS_DEFAULT_MAX_OUTPUT (1u << 20)
#define SUBPROCESS_DRAIN_SECONDS 2.0

void subprocess_init(struct subprocess *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->cancel_fd = -1;
	sp->pid = -1;
}

void subprocess_release(struct subprocess *sp)
{
	strbuf_release(&sp->out);
	strbuf_release(&sp->err);
}

const char *subprocess_describe(const struct subprocess *sp, char *buf, size_t n)
{
	if (sp->spawn_errno)
		snprintf(buf, n, "exec: %s", strerror(sp->spawn_errno));
	else if (sp->cancelled)
		snprintf(buf, n, "cancelled");
	else if (sp->timed_out)
		snprintf(buf, n, "timeout");
	else if (sp->signaled)
		snprintf(buf, n, "signal %d", sp->term_signal);
	else if (sp->exited)
		snprintf(buf, n, "exit %d", sp->exit_code);
	else
		snprintf(buf, n, "not run");
	return buf;
}

static void subprocess_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void subprocess_child(const struct subprocess *sp, int in_fd, int out_fd, int err_fd, int errpipe,
			     const gid_t *groups, int ngroups)
{
	struct sigaction sa;
	sigset_t none;
	int e;

	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(sp->merge_stderr ? out_fd : err_fd, 2) < 0)
		goto fail;
	/* Everything above stderr closes at exec (the error pipe too, which tells the parent exec worked). */
	if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			if (fd != errpipe)
				close(fd);
	}
	if (sp->cwd && chdir(sp->cwd) < 0)
		goto fail;
	if (sp->set_user) {
		if (setgroups((size_t)ngroups, groups) < 0 || setgid(sp->gid) < 0 || setuid(sp->uid) < 0)
			goto fail;
	}
	if (sp->env)
		execvpe(sp->argv[0], (char *const *)sp->argv, (char *const *)sp->env);
	else
		execvp(sp->argv[0], (char *const *)sp->argv);
fail:
	e = errno;
	if (write(errpipe, &e, sizeof(e)) < 0)
		e = 0;
	_exit(127);
}

static void subprocess_ignore_sigpipe(void)
{
	struct sigaction old;
	if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
}

/*
 * Reads what is available from *fd into sb, closing *fd at EOF. Beyond max bytes: without
 * keep_tail the rest is discarded; with keep_tail the oldest bytes are, trimmed lazily (at 2 x max)
 * so that a chatty child costs O(n), and finally by subprocess_trim_tail().
 */
static void subprocess_drain(int *fd, struct strbuf *sb, size_t max, bool keep_tail, bool *truncated)
{
	char tmp[16384];
	for (;;) {
		ssize_t r = read(*fd, tmp, sizeof(tmp));
		if (r > 0) {
			size_t take = (size_t)r;
			if (keep_tail) {
				strbuf_add(sb, tmp, take);
				if (sb->len > 2 * max) {
					memmove(sb->buf, sb->buf + sb->len - max, max);
					strbuf_setlen(sb, max);
					*truncated = true;
				}
				continue;
			}
			if (sb->len + take > max) {
				take = sb->len < max ? max - sb->len : 0;
				*truncated = true;
			}
			if (take)
				strbuf_add(sb, tmp, take);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		subprocess_close(fd);
		return;
	}
}

static void subprocess_trim_tail(struct strbuf *sb, size_t max, bool *truncated)
{
	if (sb->len <= max)
		return;
	memmove(sb->buf, sb->buf + sb->len - max, max);
	strbuf_setlen(sb, max);
	*truncated = true;
}

static void subprocess_record_status(struct subprocess *sp, int status)
{
	if (WIFEXITED(status)) {
		sp->exited = true;
		sp->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		sp->signaled = true;
		sp->term_signal = WTERMSIG(status);
	}
}

int subprocess_run(struct subprocess *sp)
{
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 }, exec_pipe[2] = { -1, -1 };
	int pidfd = -1;
	gid_t *groups = NULL;
	int ngroups = 0;
	int ret = -1;
	size_t max = sp->max_output ? sp->max_output : SUBPROCESS_DEFAULT_MAX_OUTPUT;
	double grace = sp->kill_grace > 0 ? sp->kill_grace : 5.0;
	double start = clock_mono();
	double deadline = sp->timeout > 0 ? start + sp->timeout : 0;
	double kill_at = 0;        /* when SIGKILL follows SIGTERM */
	double drain_until = 0;    /* after the leader exits: how long the pipes may stay open */
	size_t in_off = 0;
	bool reaped = false;
	pid_t pid;
	int saved_errno = 0;

	sp->pid = -1;
	if (!sp->argv || !sp->argv[0]) {
		errno = EINVAL;
		return -1;
	}
	subprocess_ignore_sigpipe();

	if (sp->set_user) {
		struct passwd pw, *pwp = NULL;
		char pwbuf[4096];
		ngroups = 64;
		groups = xcalloc((size_t)ngroups, sizeof(gid_t));
		if (getpwuid_r(sp->uid, &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 && pwp) {
			if (getgrouplist(pw.pw_name, sp->gid, groups, &ngroups) < 0) {
				groups = xrealloc(groups, (size_t)ngroups * sizeof(gid_t));
				if (getgrouplist(pw.pw_name, sp->gid, groups, &ngroups) < 0)
					ngroups = 0;
			}
		} else {
			groups[0] = sp->gid;
			ngroups = 1;
		}
	}

	if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0 ||
	    pipe2(exec_pipe, O_CLOEXEC) < 0)
		goto fail;
	if (sp->stdin_data) {
		if (pipe2(in_pipe, O_CLOEXEC) < 0)
			goto fail;
	} else {
		in_pipe[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (in_pipe[0] < 0)
			goto fail;
	}

	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		subprocess_child(sp, in_pipe[0], out_pipe[1], err_pipe[1], exec_pipe[1], groups, ngroups);

	sp->pid = pid;
	setpgid(pid, pid);   /* also in the parent, so kill(-pid) works before the child runs */
	subprocess_close(&in_pipe[0]);
	subprocess_close(&out_pipe[1]);
	subprocess_close(&err_pipe[1]);
	subprocess_close(&exec_pipe[1]);

	/* The error pipe closes on a successful exec, or carries errno when exec failed. */
	{
		int e = 0;
		ssize_t r;
		do
			r = read(exec_pipe[0], &e, sizeof(e));
		while (r < 0 && errno == EINTR);
		if (r == (ssize_t)sizeof(e) && e)
			sp->spawn_errno = e;
		subprocess_close(&exec_pipe[0]);
	}

	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
	if (in_pipe[1] >= 0) {
		fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
		if (sp->stdin_len == 0)
			subprocess_close(&in_pipe[1]);
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		struct pollfd pfd[5];
		int n = 0, i_out = -1, i_err = -1, i_in = -1, i_pid = -1, i_cancel = -1;
		double now = clock_mono();
		double wake = 0;
		int status;

		if (!reaped) {
			/* WNOWAIT leaves the leader a zombie until the end, so its pid (= the group id)
			 * cannot be reused before the final kill(-pid). */
			siginfo_t info;
			memset(&info, 0, sizeof(info));
			if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
				reaped = true;
				if (info.si_code == CLD_EXITED)
					status = W_EXITCODE(info.si_status, 0);
				else
					status = info.si_status & 0x7f;
				subprocess_record_status(sp, status);
				subprocess_close(&in_pipe[1]);
				drain_until = now + SUBPROCESS_DRAIN_SECONDS;
			}
		}
		if (reaped && out_pipe[0] < 0 && err_pipe[0] < 0)
			break;

		/* Deadlines: timeout/cancel -> SIGTERM; grace -> SIGKILL; pipes held open after exit -> SIGKILL. */
		if (!kill_at && deadline && now >= deadline && !reaped) {
			sp->timed_out = true;
			kill(-pid, SIGTERM);
			kill_at = now + grace;
		}
		if (kill_at && now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = now + 3600;   /* once; the reap follows */
		}
		if (reaped && now >= drain_until) {
			kill(-pid, SIGKILL);
			subprocess_drain(&out_pipe[0], &sp->out, max, sp->keep_tail, &sp->out_truncated);
			subprocess_drain(&err_pipe[0], &sp->err, max, sp->keep_tail, &sp->err_truncated);
			subprocess_close(&out_pipe[0]);
			subprocess_close(&err_pipe[0]);
			break;
		}

		if (out_pipe[0] >= 0) { pfd[n] = (struct pollfd){ out_pipe[0], POLLIN, 0 }; i_out = n++; }
		if (err_pipe[0] >= 0) { pfd[n] = (struct pollfd){ err_pipe[0], POLLIN, 0 }; i_err = n++; }
		if (in_pipe[1] >= 0) { pfd[n] = (struct pollfd){ in_pipe[1], POLLOUT, 0 }; i_in = n++; }
		if (pidfd >= 0 && !reaped) { pfd[n] = (struct pollfd){ pidfd, POLLIN, 0 }; i_pid = n++; }
		if (sp->cancel_fd >= 0 && !sp->cancelled && !reaped) {
			pfd[n] = (struct pollfd){ sp->cancel_fd, POLLIN, 0 };
			i_cancel = n++;
		}

		if (reaped)
			wake = drain_until;
		else if (kill_at)
			wake = kill_at;
		else if (deadline)
			wake = deadline;
		int timeout_ms = -1;
		if (wake)
			timeout_ms = wake > now ? (int)((wake - now) * 1000) + 1 : 0;
		if (pidfd < 0 && !reaped && (timeout_ms < 0 || timeout_ms > 50))
			timeout_ms = 50;   /* no pidfd: poll for the exit */

		int r = poll(pfd, (nfds_t)n, timeout_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			saved_errno = errno;
			kill(-pid, SIGKILL);
			goto reap;
		}
		if (i_out >= 0 && pfd[i_out].revents)
			subprocess_drain(&out_pipe[0], &sp->out, max, sp->keep_tail, &sp->out_truncated);
		if (i_err >= 0 && pfd[i_err].revents)
			subprocess_drain(&err_pipe[0], &sp->err, max, sp->keep_tail, &sp->err_truncated);
		if (i_in >= 0 && pfd[i_in].revents) {
			if (pfd[i_in].revents & (POLLERR | POLLHUP)) {
				subprocess_close(&in_pipe[1]);
			} else {
				ssize_t w = write(in_pipe[1], (const char *)sp->stdin_data + in_off, sp->stdin_len - in_off);
				if (w > 0)
					in_off += (size_t)w;
				else if (w < 0 && errno != EAGAIN && errno != EINTR)
					subprocess_close(&in_pipe[1]);
				if (in_off >= sp->stdin_len)
					subprocess_close(&in_pipe[1]);
			}
		}
		if (i_cancel >= 0 && pfd[i_cancel].revents && !kill_at) {
			sp->cancelled = true;
			kill(-pid, SIGTERM);
			kill_at = clock_mono() + grace;
		}
		(void)i_pid;
	}
reap:
	/* Nothing of the group outlives the run (like systemd's KillMode=control-group). */
	kill(-pid, SIGKILL);
	{
		int status = 0;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!reaped)
			subprocess_record_status(sp, status);
	}
	if (sp->spawn_errno) {
		sp->exited = true;
		sp->exit_code = 127;
	}
	subprocess_trim_tail(&sp->out, max, &sp->out_truncated);
	subprocess_trim_tail(&sp->err, max, &sp->err_truncated);
	ret = saved_errno ? -1 : 0;
	goto out;
fail:
	saved_errno = errno;
out:
	subprocess_close(&in_pipe[0]);
	subprocess_close(&in_pipe[1]);
	subprocess_close(&out_pipe[0]);
	subprocess_close(&out_pipe[1]);
	subprocess_close(&err_pipe[0]);
	subprocess_close(&err_pipe[1]);
	subprocess_close(&exec_pipe[0]);
	subprocess_close(&exec_pipe[1]);
	subprocess_close(&pidfd);
	free(groups);
	sp->duration = clock_mono() - start;
	if (saved_errno)
		errno = saved_errno;
	return ret;
}
