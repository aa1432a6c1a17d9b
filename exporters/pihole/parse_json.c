/* parse_json.c: jansson helpers for the Pi-hole parsers: loading, lenient numbers, typed lookups */
#include "exporters/pihole/parse_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "exporters/pihole/parse.h"

json_t *ph_json_load(const char *buf, size_t len, char **err)
{
	json_error_t jerr;
	json_t *root;

	if (!buf || len == 0) {
		ph_json_fail(err, "empty answer");
		return NULL;
	}
	root = json_loadb(buf, len, 0, &jerr);
	if (!root && err)
		*err = xasprintf("not JSON: %s (line %d)", jerr.text, jerr.line);
	return root;
}

/* v5's formatted numbers: digits with ',' thousands separators and an optional fraction. */
static double ph_json_num_string(const char *s)
{
	char tmp[64];
	size_t n = 0;
	char *end;
	double v;

	if (!*s)
		return NAN;
	for (const char *p = s; *p; p++) {
		if (*p == ',')
			continue;
		if (!((*p >= '0' && *p <= '9') || *p == '.' || (*p == '-' && p == s)))
			return NAN;
		if (n + 1 >= sizeof(tmp))
			return NAN;
		tmp[n++] = *p;
	}
	tmp[n] = '\0';
	v = strtod(tmp, &end);
	if (end == tmp || *end || !isfinite(v))
		return NAN;
	return v;
}

double ph_json_num(const json_t *v)
{
	if (json_is_integer(v))
		return (double)json_integer_value(v);
	if (json_is_real(v))
		return json_real_value(v);
	if (json_is_string(v))
		return ph_json_num_string(json_string_value(v));
	return NAN;
}

double ph_json_num_at(const json_t *obj, const char *key)
{
	if (!json_is_object(obj))
		return NAN;
	return ph_json_num(json_object_get(obj, key));
}

const char *ph_json_str_at(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int ph_json_fail(char **err, const char *msg)
{
	if (err)
		*err = xstrdup(msg);
	return PH_PARSE_ERROR;
}
