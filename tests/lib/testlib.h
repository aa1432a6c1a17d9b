/* testlib.h: helpers for cmocka tests: fixture lookup (skip with 77 when absent) and file reads */
#ifndef HOMEOPS_TESTLIB_H
#define HOMEOPS_TESTLIB_H

#include <stddef.h>

/*
 * The fixtures directory ($HOMEOPS_FIXTURES, set by ctest). fixtures_require() exits 77
 * (ctest: skipped) when it is missing, so a user's clone without ../shared reports the
 * fixture tests as skipped, never as passed. Call it at the start of main().
 */
const char *fixtures_dir(void);
void fixtures_require(void);
/* Joins fixtures_dir() and rel; static buffer, valid until the next call. */
const char *fixture_path(const char *rel);
/* Reads a fixture (relative path) into a NUL-terminated heap buffer; fails the test when missing. */
char *fixture_read(const char *rel, size_t *len);
/* Reads any file; NULL when it cannot be read. */
char *test_read_file(const char *path, size_t *len);
/*
 * Lists regular files under fixtures dir rel (recursive), sorted, whose names end with suffix
 * (NULL = all). Returns a NULL-terminated array of relative paths; free with fixture_list_free().
 */
char **fixture_list(const char *rel, const char *suffix);
void fixture_list_free(char **list);
/* Entries of a directory, "." and ".." left out (/proc/self/fd: open descriptors; /proc/self/task:
 * threads); fails the test when it cannot be read. */
int test_dir_entries(const char *path);
/* The source tree ($HOMEOPS_SOURCE_DIR) joined with rel; static buffer. */
const char *source_path(const char *rel);

/* Writes content to dir/name with mode (fails the test on error); returns the path (static buffer). */
const char *test_write_file(const char *dir, const char *name, const char *content, unsigned mode);

#endif
