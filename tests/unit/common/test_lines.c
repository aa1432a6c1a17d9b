/* test_lines.c: line iteration, field splitting and octal unescaping as in /proc/PID/mountinfo and fstab */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/lines.h"

static void test_lines_no_copy(void **state)
{
	static const char buf[] = "one\ntwo\r\n\nlast";
	struct lines it;
	const char *l;
	size_t n;
	(void)state;

	lines_init(&it, buf, sizeof(buf) - 1, 0);
	assert_true(lines_next(&it, &l, &n));
	assert_ptr_equal(l, buf);
	assert_int_equal(n, 3);
	assert_true(lines_next(&it, &l, &n));
	assert_int_equal(n, 4);   /* CR kept without LINES_STRIP_CR */
	assert_true(lines_next(&it, &l, &n));
	assert_int_equal(n, 0);
	assert_true(lines_next(&it, &l, &n));
	assert_int_equal(n, 4);
	assert_memory_equal(l, "last", 4);
	assert_false(lines_next(&it, &l, &n));

	lines_init(&it, buf, sizeof(buf) - 1, LINES_STRIP_CR);
	assert_true(lines_next(&it, &l, &n));
	assert_true(lines_next(&it, &l, &n));
	assert_int_equal(n, 3);

	lines_init(&it, NULL, 0, 0);
	assert_false(lines_next(&it, &l, &n));
	lines_init(&it, "x\n", 2, 0);   /* a final newline makes no empty last line */
	assert_true(lines_next(&it, &l, &n));
	assert_false(lines_next(&it, &l, &n));
}

static void test_line_reader_copies(void **state)
{
	static const char buf[] = "a b\r\nc\0d\nend";
	struct line_reader r;
	(void)state;

	line_reader_init(&r, buf, sizeof(buf) - 1, LINES_STRIP_CR);
	assert_string_equal(line_reader_next(&r), "a b");
	assert_string_equal(line_reader_next(&r), "c");   /* NUL ends the C string early */
	assert_string_equal(line_reader_next(&r), "end");
	assert_null(line_reader_next(&r));
	line_reader_release(&r);
	line_reader_release(&r);
}

static void test_fields(void **state)
{
	/* A real mountinfo line (proc(5)), with a space in the mount point. */
	static const char line[] = "36 35 98:0 /mnt1 /mnt/my\\040share rw,noatime master:1 - ext3 /dev/root rw,errors=continue";
	struct field f[16];
	char buf[64];
	char *tok[3];
	(void)state;

	assert_int_equal(fields_split(line, strlen(line), f, 16), 11);
	assert_true(field_eq(&f[0], "36"));
	assert_true(field_eq(&f[4], "/mnt/my\\040share"));
	assert_true(field_eq(&f[7], "-"));
	assert_true(field_eq(&f[8], "ext3"));
	assert_false(field_eq(&f[8], "ext"));
	assert_int_equal(fields_split(line, strlen(line), f, 2), 11);   /* counts beyond max */
	assert_int_equal(fields_split("  \t ", 4, f, 16), 0);

	strcpy(buf, "  a\tbb  c d ");
	assert_int_equal(fields_split_cstr(buf, tok, 3), 4);
	assert_string_equal(tok[0], "a");
	assert_string_equal(tok[1], "bb");
	assert_string_equal(tok[2], "c");
}

struct unescape_case {
	const char *in;
	const char *out;
	size_t outlen;
	bool ok;
};

static void test_unescape_octal(void **state)
{
	static const struct unescape_case cases[] = {
		{ "/mnt/my\\040share", "/mnt/my share", 13, true },
		{ "tab\\011nl\\012bs\\134", "tab\tnl\nbs\\", 10, true },
		{ "//nas/back\\134slash", "//nas/back\\slash", 16, true },
		{ "plain", "plain", 5, true },
		{ "trail\\", "trail\\", 6, true },         /* a lone backslash stays */
		{ "short\\04", "short\\04", 8, true },     /* not three digits */
		{ "big\\400", "big\\400", 7, true },       /* past \377: not an escape */
		{ "nine\\049", "nine\\049", 8, true },     /* 9 is not octal */
		{ "\\377", "\xff", 1, true },
		{ "nul\\000x", "nul\0x", 5, false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		bool ok = lines_unescape_octal(&sb, cases[i].in, strlen(cases[i].in));
		assert_int_equal(ok, cases[i].ok);
		assert_int_equal(sb.len, cases[i].outlen);
		assert_memory_equal(sb.buf, cases[i].out, cases[i].outlen);
		strbuf_release(&sb);
	}
	char *d = lines_unescape_octal_dup("a\\040b", 6);
	assert_string_equal(d, "a b");
	free(d);
	d = lines_unescape_octal_dup("", 0);
	assert_string_equal(d, "");
	free(d);
	/* a path: the same decoding, but an escaped NUL is refused */
	d = lines_unescape_octal_path("/mnt/my\\040share", 16);
	assert_string_equal(d, "/mnt/my share");
	free(d);
	assert_null(lines_unescape_octal_path("/mnt/a\\000b", 11));
}

static void test_field_u64(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool ok;
		uint64_t want;
	} cases[] = {
		{ "0", true, 0 }, { "42", true, 42 }, { "007", true, 7 },
		{ "18446744073709551615", true, UINT64_MAX }, { "18446744073709551616", false, 0 },
		{ "99999999999999999999", false, 0 }, { "000000000000000000001", false, 0 },
		{ "", false, 0 }, { "-1", false, 0 }, { "+1", false, 0 }, { "1a", false, 0 }, { "0x10", false, 0 },
		{ "1 ", false, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct field f = { cases[i].in, strlen(cases[i].in) };
		uint64_t v = 12345;
		bool ok = field_u64(&f, &v);
		if (ok != cases[i].ok || (ok && v != cases[i].want))
			fail_msg("field_u64(\"%s\"): ok %d value %llu", cases[i].in, ok, (unsigned long long)v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_no_copy),
		cmocka_unit_test(test_line_reader_copies),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_unescape_octal),
		cmocka_unit_test(test_field_u64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
