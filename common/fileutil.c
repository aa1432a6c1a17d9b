/* fileutil.c: bounded whole-file reads and atomic file replacement */
#include "common/fileutil.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/xalloc.h"

int file_read(const char *path, struct strbuf *sb, size_t max)
{
	int fd = -1;
	int ret = -1;
	size_t start = sb->len;

	if (!max)
		max = 64u << 20;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out;
	for (;;) {
		strbuf_grow(sb, 8192);
		size_t room = sb->alloc - sb->len - 1;
		ssize_t r = read(fd, sb->buf + sb->len, room);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (r == 0)
			break;
		sb->len += (size_t)r;
		sb->buf[sb->len] = '\0';
		if (sb->len - start > max) {
			errno = EFBIG;
			goto out;
		}
	}
	ret = 0;
out:
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	if (ret < 0 && sb->buf)
		strbuf_setlen(sb, start);
	return ret;
}

int file_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	char *dir_copy = xstrdup(path);
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	const char *dir = dirname(dir_copy);
	const char *p = data;
	int fd = -1;
	int dfd = -1;
	int ret = -1;
	int saved;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		goto out;
	if (fchmod(fd, mode) < 0)
		goto out;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) < 0)
		goto out;   /* fd is closed under out: */
	{
		int r = close(fd);
		fd = -1;
		if (r < 0)
			goto out;
	}
	if (rename(tmp, path) < 0)
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	ret = 0;
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	free(dir_copy);
	errno = saved;
	return ret;
}

int file_read_secret(const char *path, struct strbuf *sb)
{
	if (file_read(path, sb, 64 * 1024) < 0)
		return -1;
	if (sb->len && sb->buf[sb->len - 1] == '\n')
		strbuf_setlen(sb, sb->len - 1);
	if (sb->len && sb->buf[sb->len - 1] == '\r')
		strbuf_setlen(sb, sb->len - 1);
	return 0;
}
