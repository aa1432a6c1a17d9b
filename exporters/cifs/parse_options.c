/* parse_options.c: the small shared pieces of the cifs parsers: mount option lookup and UNC spelling */
#include <string.h>
#include "common/xalloc.h"
#include "exporters/cifs/parse.h"

bool cifs_option_has(const char *opts, const char *name)
{
	size_t nlen;
	const char *p;

	if (!opts || !name || !*name)
		return false;
	nlen = strlen(name);
	p = opts;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len >= nlen && memcmp(p, name, nlen) == 0 && (len == nlen || p[nlen] == '='))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

char *cifs_unc_to_slashes(const char *s, size_t len)
{
	char *out = xstrndup(s, len);

	for (char *c = out; *c; c++)
		if (*c == '\\')
			*c = '/';
	return out;
}
