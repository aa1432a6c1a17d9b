/* source.c: all I/O of snapraid_exporter: snapraid.conf, the lock probe, running snapraid, reading logs */
#include "exporters/snapraid/source.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/fileutil.h"
#include "common/strlist.h"
#include "common/subprocess.h"
#include "common/xalloc.h"
#include "exporters/snapraid/parse.h"

#define SR_CONF_MAX (1u << 20)
#define SR_EXEC_LOG_MAX (16u << 20)

/*
 * Opens a regular file for reading without blocking on a FIFO or device and without
 * becoming its controlling terminal. Returns the fd (st filled) or -1 with errno.
 */
static int source_open_regular(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* Reads up to max bytes at offset into sb (appending). Returns 0 or -1 with errno. */
static int source_pread(int fd, off_t offset, size_t max, struct strbuf *sb)
{
	size_t done = 0;

	strbuf_grow(sb, max);
	while (done < max) {
		ssize_t r = pread(fd, sb->buf + sb->len, max - done, offset + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		done += (size_t)r;
		sb->len += (size_t)r;
	}
	sb->buf[sb->len] = '\0';
	return 0;
}

int sr_source_read_conf(const char *path, struct strlist *content)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int fd = -1, ret = -1, saved = 0;

	fd = source_open_regular(path, &st);
	if (fd < 0)
		goto out;
	if (st.st_size > (off_t)SR_CONF_MAX) {
		errno = EFBIG;
		goto out;
	}
	if (source_pread(fd, 0, SR_CONF_MAX, &sb) < 0)
		goto out;
	sr_conf_content_paths(sb.buf, sb.len, content);
	ret = 0;
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	strbuf_release(&sb);
	errno = saved;
	return ret;
}

int sr_source_lock_held(const struct strlist *content)
{
	int first_errno = 0;
	bool probed = false;

	for (size_t i = 0; i < content->n; i++) {
		char *lock = xasprintf("%s.lock", content->items[i]);
		/* read-only and without O_CREAT: the probe must never create files in the array */
		int fd = open(lock, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
		int held = 0;

		if (fd < 0) {
			if (errno == ENOENT)
				probed = true; /* no lock file: nobody has run SnapRAID with it yet */
			else if (!first_errno)
				first_errno = errno;
			free(lock);
			continue;
		}
		probed = true;
		/* flock locks belong to the open file description: this separate open() conflicts with
		 * SnapRAID's LOCK_EX even inside one process. LOCK_SH does not conflict with another
		 * prober's LOCK_SH. */
		if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
			if (errno == EWOULDBLOCK)
				held = 1;
			else if (!first_errno)
				first_errno = errno;
		} else {
			flock(fd, LOCK_UN);
		}
		close(fd);
		free(lock);
		if (held)
			return 1;
	}
	if (!probed && first_errno) {
		errno = first_errno;
		return -1;
	}
	return 0;
}

void sr_exec_release(struct sr_exec *ex)
{
	strbuf_release(&ex->log);
	strbuf_release(&ex->out);
}

/* A private directory for the -l file. SnapRAID expands %D/%T and treats ">>", ">&" specially in
 * -l names, so a $TMPDIR with such characters is not used. */
static char *source_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl;

	if (!base || !*base || base[0] != '/' || strchr(base, '%') || strchr(base, '>'))
		base = "/tmp";
	tmpl = xasprintf("%s/snapraid_exporter.XXXXXX", base);
	if (!mkdtemp(tmpl)) {
		free(tmpl);
		return NULL;
	}
	return tmpl;
}

int sr_source_exec(const char *snapraid, const char *conf, const char *command, double timeout,
		   int cancel_fd, struct sr_exec *ex)
{
	struct subprocess sp;
	char *dir = NULL, *log = NULL;
	int ret = -1;

	memset(ex, 0, sizeof(*ex));
	strbuf_init(&ex->log, 0);
	strbuf_init(&ex->out, 0);
	subprocess_init(&sp);

	dir = source_tmpdir();
	if (!dir) {
		snprintf(ex->error, sizeof(ex->error), "cannot create a temporary directory: %s", strerror(errno));
		goto out;
	}
	log = xasprintf("%s/%s.log", dir, command);

	const char *argv[] = { snapraid, "-c", conf, "-l", log, command, NULL };
	sp.argv = argv;
	sp.timeout = timeout;
	sp.cancel_fd = cancel_fd;   /* SIGTERM does not wait for a long status */
	sp.max_output = 4u << 20; /* status lists at most 100 bad-block ranges: kilobytes */
	if (subprocess_run(&sp) < 0) {
		snprintf(ex->error, sizeof(ex->error), "cannot run '%s': %s", snapraid, strerror(errno));
		goto out;
	}
	ex->spawn_errno = sp.spawn_errno;
	if (sp.spawn_errno) {
		snprintf(ex->error, sizeof(ex->error), "cannot run '%s': %s", snapraid, strerror(sp.spawn_errno));
		goto out;
	}
	ex->started = true;
	ex->timed_out = sp.timed_out;
	ex->exited = sp.exited;
	ex->exit_code = sp.exit_code;
	ex->signaled = sp.signaled;
	ex->term_signal = sp.term_signal;
	ex->duration = sp.duration;
	strbuf_add(&ex->out, sp.out.buf ? sp.out.buf : "", sp.out.len);
	if (sp.err.len) {
		if (ex->out.len && ex->out.buf[ex->out.len - 1] != '\n')
			strbuf_addch(&ex->out, '\n');
		strbuf_add(&ex->out, sp.err.buf, sp.err.len);
	}
	/* a missing log is normal when snapraid failed early; the output then tells why */
	if (file_read(log, &ex->log, SR_EXEC_LOG_MAX) < 0 && errno != ENOENT)
		snprintf(ex->error, sizeof(ex->error), "cannot read the log '%s': %s", log, strerror(errno));
	ret = 0;
out:
	if (log)
		unlink(log);
	if (dir)
		rmdir(dir);
	free(log);
	free(dir);
	subprocess_release(&sp);
	return ret;
}

static int source_mtime_cmp(const void *x, const void *y)
{
	const struct sr_log_file *a = x, *b = y;

	if (a->mtime.tv_sec != b->mtime.tv_sec)
		return a->mtime.tv_sec < b->mtime.tv_sec ? 1 : -1;
	if (a->mtime.tv_nsec != b->mtime.tv_nsec)
		return a->mtime.tv_nsec < b->mtime.tv_nsec ? 1 : -1;
	return strcmp(a->path, b->path);
}

int sr_source_list_logs(const char *pattern, size_t max, struct sr_log_file **files, size_t *n)
{
	glob_t g;
	struct sr_log_file *v = NULL;
	size_t nv = 0;
	int r;

	*files = NULL;
	*n = 0;
	memset(&g, 0, sizeof(g));
	r = glob(pattern, GLOB_NOSORT, NULL, &g);
	if (r == GLOB_NOMATCH) {
		globfree(&g);
		return 0;
	}
	if (r != 0) {
		globfree(&g);
		errno = r == GLOB_NOSPACE ? ENOMEM : EACCES;
		return -1;
	}
	v = xcalloc(g.gl_pathc ? g.gl_pathc : 1, sizeof(*v));
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct stat st;
		if (stat(g.gl_pathv[i], &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		v[nv].path = xstrdup(g.gl_pathv[i]);
		v[nv].mtime = st.st_mtim;
		v[nv].size = st.st_size;
		v[nv].dev = st.st_dev;
		v[nv].ino = st.st_ino;
		nv++;
	}
	globfree(&g);
	qsort(v, nv, sizeof(*v), source_mtime_cmp);
	while (nv > max)
		free(v[--nv].path);
	*files = v;
	*n = nv;
	return 0;
}

void sr_log_files_free(struct sr_log_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].path);
	free(files);
}

int sr_source_read_log(const char *path, size_t head, size_t tail, struct strbuf *sb)
{
	struct stat st;
	int fd = source_open_regular(path, &st);
	int ret = -1, saved;

	if (fd < 0)
		return -1;
	if ((uint64_t)st.st_size <= (uint64_t)head + tail) {
		ret = source_pread(fd, 0, (size_t)st.st_size, sb);
	} else {
		struct strbuf t = STRBUF_INIT;
		size_t start = sb->len;
		if (source_pread(fd, 0, head, sb) == 0 &&
		    source_pread(fd, st.st_size - (off_t)tail, tail, &t) == 0) {
			/* both cuts fall mid-line: keep whole lines only */
			const char *nl = memrchr(sb->buf + start, '\n', sb->len - start);
			strbuf_setlen(sb, nl ? (size_t)(nl - sb->buf) + 1 : start);
			nl = memchr(t.buf, '\n', t.len);
			size_t skip = nl ? (size_t)(nl - t.buf) + 1 : t.len;
			strbuf_add(sb, t.buf + skip, t.len - skip);
			ret = 0;
		}
		strbuf_release(&t);
	}
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}
