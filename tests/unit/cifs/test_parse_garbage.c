/* test_parse_garbage.c: random and hostile bytes through every cifs parser */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/metrics.h"
#include "exporters/cifs/parse.h"
#include "exporters/cifs/render.h"

static void parse_all(const char *data, size_t len)
{
	char *buf = malloc(len ? len : 1);
	struct cifs_mountinfo mi;
	struct cifs_fstab fs;
	struct cifs_stats st;
	struct cifs_debugdata dd;
	struct metric_set *ms = metric_set_new();
	struct strbuf out = STRBUF_INIT;

	memcpy(buf, data, len);
	cifs_mountinfo_parse(buf, len, &mi);
	cifs_mountinfo_release(&mi);
	cifs_fstab_parse(buf, len, &fs);
	cifs_fstab_release(&fs);
	if (cifs_stats_parse(buf, len, &st) == 0)
		cifs_render_stats(ms, &st, true);
	cifs_stats_release(&st);
	if (cifs_debugdata_parse(buf, len, &dd) == 0)
		cifs_render_debugdata(ms, &dd);
	cifs_debugdata_release(&dd);
	metric_set_render(ms, &out);
	strbuf_release(&out);
	metric_set_free(ms);
	free(buf);
}

static void test_random(void **state)
{
	/* a fixed seed: the same bytes each run; tokens the parsers look for make it past the first check */
	static const char *const tokens[] = {
		"1) ", "\\\\", "\\\\a\\b", "Mounts: ", "Status: ", "TCP status: ", "DISCONNECTED", "Name: ",
		"Hostname: ", "SMBs: ", "Reads: ", "Bytes: ", "sent ", "total ", "failed", "CIFS Session: ",
		"Share (x): ", " - ", "cifs ", "/mnt ", "\\040", "\\000", "\\", "\n", "\t", " ", "0", "99999999999999999999999",
		"0:0 ", "1 1 ", "#", ",", "ro", "IPC: ", "\r\n", "x-systemd.automount",
	};
	unsigned seed = 12345;
	char buf[512];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = 0;
		while (len < sizeof(buf) - 32) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3 == 0) {
				buf[len++] = (char)(seed >> 8);
			} else {
				const char *t = tokens[(seed >> 16) % (sizeof(tokens) / sizeof(tokens[0]))];
				size_t tl = strlen(t);
				memcpy(buf + len, t, tl);
				len += tl;
			}
			if (((seed >> 4) & 63) == 0)
				break;
		}
		parse_all(buf, len);
	}
}

static void test_hostile(void **state)
{
	static const char *const inputs[] = {
		"", "\n", "\n\n\n", "\0\0\0", ")", "1)", "1) \\\\", "1) \\\\ Mounts:", "\t1) IPC:",
		"Reads: 1 Bytes: 2", "1) \\\\a\\b\nReads: 1 total", "1) \\\\a\\b\nReads: 1 total 2",
		"1) \\\\a\\b\nBytes: 5\n", "1 2 3:4 / / rw -", "1 2 3:4 / / rw - a", "- - - - - - - - -",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		parse_all(inputs[i], strlen(inputs[i]));
	{
		static const char nul[] = "\0\0\0\n1) \\\\a\\b Mounts: 1\n";
		parse_all(nul, sizeof(nul) - 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
