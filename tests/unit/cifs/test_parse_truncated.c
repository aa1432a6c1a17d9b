/* test_parse_truncated.c: every prefix of every recorded cifs file through every parser (and render) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/metrics.h"
#include "exporters/cifs/parse.h"
#include "exporters/cifs/plan.h"
#include "exporters/cifs/render.h"
#include "tests/lib/testlib.h"

/* Every parser on buf[0..len) held in an allocation of exactly len bytes, so that ASan sees any
 * read past the end; whatever a parser returns must be well-formed and render. */
static void parse_all(const char *data, size_t len)
{
	char *buf = malloc(len ? len : 1);
	struct cifs_mountinfo mi;
	struct cifs_fstab fs;
	struct cifs_stats st;
	struct cifs_debugdata dd;
	struct metric_set *ms = metric_set_new();

	memcpy(buf, data, len);
	if (cifs_mountinfo_parse(buf, len, &mi) == 0) {
		static const char *const types[] = { "cifs", "smb3", "autofs" };
		struct cifs_plan_config cfg = { types, 3, NULL, 0, false };
		struct cifs_plan plan;
		for (size_t i = 0; i < mi.n; i++)
			assert_true(mi.mounts[i].mountpoint[0] == '/');
		cifs_plan_build(&cfg, NULL, &mi, &plan);
		cifs_plan_release(&plan);
	} else {
		assert_int_equal(mi.n, 0);
	}
	cifs_mountinfo_release(&mi);
	assert_int_equal(cifs_fstab_parse(buf, len, &fs), 0);
	cifs_fstab_release(&fs);
	if (cifs_stats_parse(buf, len, &st) == 0)
		cifs_render_stats(ms, &st, true);
	else
		assert_int_equal(st.nshare, 0);
	cifs_stats_release(&st);
	if (cifs_debugdata_parse(buf, len, &dd) == 0)
		cifs_render_debugdata(ms, &dd);
	cifs_debugdata_release(&dd);
	metric_set_free(ms);
	free(buf);
}

static void test_prefixes(void **state)
{
	char **list = fixture_list("cifs", NULL);
	size_t files = 0;

	(void)state;
	for (char **p = list; *p; p++) {
		size_t len;
		char *buf = fixture_read(*p, &len);
		for (size_t n = 0; n <= len; n++)
			parse_all(buf, n);
		free(buf);
		files++;
	}
	fixture_list_free(list);
	assert_true(files >= 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
	};

	fixtures_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
