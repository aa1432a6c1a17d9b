/* testlib.h: helpers for cmocka tests: fixture lookup (skip with 77 when absent) and file reads */
#ifndef HOMEOPS_TESTLIB_H
#define HOMEOPS_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>

struct metric_set;

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

/* The exposition text of ms, as an exporter serves it (heap string; the caller frees it). The one
 * render-and-assert helper: tests compare whole lines of it with test_has_line/assert_has_line. */
char *test_render(const struct metric_set *ms);
/* The same, then frees ms. */
char *test_render_free(struct metric_set *ms);
/* True when line is a whole line of text (not a prefix of a longer series). */
bool test_has_line(const char *text, const char *line);
/* Fails the test, showing the text, when line is not a whole line of it. */
#define assert_has_line(text, line) \
	do { \
		if (!test_has_line((text), (line))) \
			fail_msg("missing line '%s' in:\n%s", (line), (text)); \
	} while (0)

#endif
