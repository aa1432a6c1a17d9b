/* testlib.c: fixture lookup, file helpers and the render-and-assert helper for cmocka tests */
#include "tests/lib/testlib.h"

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "common/metrics.h"
#include "common/strbuf.h"
#include "common/strlist.h"
#include "common/fileutil.h"

const char *fixtures_dir(void)
{
	const char *d = getenv("HOMEOPS_FIXTURES");
	return d && *d ? d : "../shared/fixtures";
}

void fixtures_require(void)
{
	struct stat st;
	if (stat(fixtures_dir(), &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "fixtures not found at '%s': skipping (set HOMEOPS_FIXTURES)\n", fixtures_dir());
		exit(77);
	}
}

const char *fixture_path(const char *rel)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s/%s", fixtures_dir(), rel);
	return buf;
}

char *test_read_file(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	if (file_read(path, &sb, 256u << 20) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, len);
}

char *fixture_read(const char *rel, size_t *len)
{
	char *p = test_read_file(fixture_path(rel), len);
	if (!p)
		fail_msg("cannot read fixture '%s'", rel);
	return p;
}

static int testlib_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void testlib_walk(const char *root, const char *rel, const char *suffix, struct strlist *out)
{
	struct strbuf path = STRBUF_INIT;
	DIR *d;
	struct dirent *e;

	strbuf_addf(&path, "%s/%s", root, rel);
	d = opendir(path.buf);
	if (!d)
		goto out;
	while ((e = readdir(d))) {
		struct strbuf sub = STRBUF_INIT;
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		strbuf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", root, sub.buf);
		if (stat(path.buf, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				testlib_walk(root, sub.buf, suffix, out);
			} else if (S_ISREG(st.st_mode)) {
				size_t n = strlen(e->d_name), m = suffix ? strlen(suffix) : 0;
				if (!suffix || (n >= m && strcmp(e->d_name + n - m, suffix) == 0))
					strlist_push(out, sub.buf);
			}
		}
		strbuf_release(&sub);
	}
	closedir(d);
out:
	strbuf_release(&path);
}

char **fixture_list(const char *rel, const char *suffix)
{
	struct strlist l = STRLIST_INIT;
	testlib_walk(fixtures_dir(), rel, suffix, &l);
	if (l.n)
		qsort(l.items, l.n, sizeof(char *), testlib_cmp);
	if (!l.items)
		strlist_push_nodup(&l, NULL), l.n = 0;
	return l.items;
}

void fixture_list_free(char **list)
{
	for (char **p = list; p && *p; p++)
		free(*p);
	free(list);
}

const char *source_path(const char *rel)
{
	static char buf[4096];
	const char *d = getenv("HOMEOPS_SOURCE_DIR");
	snprintf(buf, sizeof(buf), "%s/%s", d && *d ? d : ".", rel);
	return buf;
}

const char *test_write_file(const char *dir, const char *name, const char *content, unsigned mode)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	assert_int_equal(chmod(path, (mode_t)mode), 0);
	return path;
}

int test_dir_entries(const char *path)
{
	int n = 0;
	DIR *d = opendir(path);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

char *test_render(const struct metric_set *ms)
{
	struct strbuf sb = STRBUF_INIT;
	metric_set_render(ms, &sb);
	return strbuf_detach(&sb, NULL);
}

char *test_render_free(struct metric_set *ms)
{
	char *out = test_render(ms);
	metric_set_free(ms);
	return out;
}

bool test_has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}
