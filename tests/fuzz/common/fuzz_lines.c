/* fuzz_lines.c: libFuzzer target for common's text decoding: lines, fields, octal escapes, UTF-8 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/chars.h"
#include "common/lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct lines it;
	struct line_reader r;
	const char *line;
	size_t len, total = 0, nlines = 0;

	lines_init(&it, buf, size, LINES_STRIP_CR);
	while (lines_next(&it, &line, &len)) {
		struct field f[8];
		struct strbuf sb = STRBUF_INIT;
		size_t n = fields_split(line, len, f, 8);

		if (line < buf || line + len > buf + size)
			abort();
		for (size_t i = 0; i < n && i < 8; i++) {
			if (f[i].len == 0 || f[i].s < line || f[i].s + f[i].len > line + len)
				abort();
			lines_unescape_octal(&sb, f[i].s, f[i].len);
		}
		/* decoding never grows the text */
		if (sb.len > len)
			abort();
		strbuf_release(&sb);
		total += len;
		nlines++;
	}
	if (total > size)
		abort();

	line_reader_init(&r, buf, size, 0);
	while ((line = line_reader_next(&r))) {
		char *copy = strdup(line);
		char *tok[8];
		(void)fields_split_cstr(copy, tok, 8);
		free(copy);
		if (!nlines--)
			abort();   /* both iterators see the same number of lines */
	}
	line_reader_release(&r);

	/* utf8_valid agrees with walking utf8_decode */
	{
		size_t i = 0;
		bool ok = true;
		while (i < size) {
			unsigned cp;
			size_t n = utf8_decode(data + i, size - i, &cp);
			if (!n) {
				ok = false;
				break;
			}
			if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				abort();
			i += n;
		}
		if (ok != utf8_valid(data, size))
			abort();
		if (size && utf8_floor(buf, size, size / 2) > size / 2)
			abort();
	}
	for (size_t i = 0; i < size && i < 16; i++) {
		int v = hex_digit(data[i]);
		if (v < -1 || v > 15)
			abort();
	}
	return 0;
}
