/* model.c: small helpers over the disk reading model (128-bit counters, identification strings) */
#include "exporters/smart/model.h"

#include <string.h>

double smart_u128_to_double(struct smart_u128 v)
{
	/* 2^64 as a double; hi * 2^64 + lo loses precision above 2^53 but never wraps. */
	return (double)v.hi * 18446744073709551616.0 + (double)v.lo;
}

void smart_ident_copy(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t n = 0;
	bool space = false;

	if (dstlen == 0)
		return;
	for (size_t i = 0; i < srclen && src[i] != '\0'; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c < 0x20 || c >= 0x7f)
			c = ' ';
		if (c == ' ') {
			space = n > 0;
			continue;
		}
		if (space && n + 1 < dstlen)
			dst[n++] = ' ';
		space = false;
		if (n + 1 < dstlen)
			dst[n++] = (char)c;
	}
	dst[n] = '\0';
}

const char *smart_overall_name(enum smart_ata_overall o)
{
	static const char *const names[SMART_OVERALL_MAX] = {
		[SMART_OVERALL_GOOD] = "good",
		[SMART_OVERALL_BAD_ATTRIBUTE_IN_THE_PAST] = "bad_attribute_in_the_past",
		[SMART_OVERALL_BAD_SECTOR] = "bad_sector",
		[SMART_OVERALL_BAD_ATTRIBUTE_NOW] = "bad_attribute_now",
		[SMART_OVERALL_BAD_SECTOR_MANY] = "bad_sector_many",
		[SMART_OVERALL_BAD_STATUS] = "bad_status",
	};
	if ((unsigned)o >= SMART_OVERALL_MAX)
		return NULL;
	return names[o];
}
