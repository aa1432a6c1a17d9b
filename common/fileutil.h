/* fileutil.h: bounded whole-file reads and atomic file replacement */
#ifndef HOMEOPS_FILEUTIL_H
#define HOMEOPS_FILEUTIL_H

#include <stddef.h>
#include "common/strbuf.h"

/*
 * Reads path into sb (appending). Fails with errno EFBIG when the file exceeds max bytes
 * (max 0 = 64 MiB). Returns 0 or -1 with errno set. Works on /proc files (size 0 in stat).
 */
int file_read(const char *path, struct strbuf *sb, size_t max);
/*
 * Writes data to path atomically: a temporary file in the same directory, fsync, rename,
 * then fsync of the directory. mode is applied to the new file. Returns 0 or -1 with errno.
 */
int file_write_atomic(const char *path, const void *data, size_t len, unsigned mode);
/* Reads a secret (password or token) file: contents with one trailing newline stripped. */
int file_read_secret(const char *path, struct strbuf *sb);

#endif
