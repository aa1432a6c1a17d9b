/* duration.c: Prometheus-style duration and byte-size parsing and formatting */
#include "common/duration.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct duration_unit {
	const char *name;
	double seconds;
};

/* Longest names first so that "ms" is not read as "m". */
static const struct duration_unit duration_units[] = {
	{ "ms", 0.001 }, { "y", 365 * 86400.0 }, { "w", 7 * 86400.0 }, { "d", 86400.0 },
	{ "h", 3600.0 }, { "m", 60.0 }, { "s", 1.0 },
};

int duration_parse(const char *s, double *out)
{
	double total = 0;
	int parts = 0;

	if (!s || !*s)
		return -1;
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	while (*s) {
		double v = 0;
		int digits = 0;
		size_t i;
		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (*s - '0');
			s++;
			digits++;
			if (digits > 15)
				return -1;
		}
		if (!digits)
			return -1;
		for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
			size_t n = strlen(duration_units[i].name);
			if (strncmp(s, duration_units[i].name, n) == 0) {
				total += v * duration_units[i].seconds;
				s += n;
				break;
			}
		}
		if (i == sizeof(duration_units) / sizeof(duration_units[0]))
			return -1;
		parts++;
	}
	*out = total;
	return parts ? 0 : -1;
}

void duration_format(double seconds, char *buf, size_t n)
{
	static const struct { const char *name; long long ms; } units[] = {
		{ "y", 365LL * 86400000 }, { "w", 7LL * 86400000 }, { "d", 86400000 },
		{ "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
	};
	long long ms = llround(seconds * 1000);
	size_t used = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	if (ms <= 0) {
		snprintf(buf, n, "0s");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && ms > 0; i++) {
		long long q = ms / units[i].ms;
		if (!q)
			continue;
		ms -= q * units[i].ms;
		int w = snprintf(buf + used, n - used, "%lld%s", q, units[i].name);
		if (w < 0 || (size_t)w >= n - used)
			return;
		used += (size_t)w;
	}
}

int size_parse(const char *s, uint64_t *out)
{
	static const struct { const char *name; uint64_t mult; } units[] = {
		{ "", 1 }, { "B", 1 },
		{ "k", 1024 }, { "K", 1024 }, { "KiB", 1024 }, { "MiB", 1024ULL * 1024 },
		{ "GiB", 1024ULL * 1024 * 1024 }, { "TiB", 1024ULL * 1024 * 1024 * 1024 },
		{ "KB", 1000 }, { "MB", 1000ULL * 1000 }, { "GB", 1000ULL * 1000 * 1000 },
		{ "TB", 1000ULL * 1000 * 1000 * 1000 },
		{ "M", 1024ULL * 1024 }, { "G", 1024ULL * 1024 * 1024 },
	};
	uint64_t v = 0;
	int digits = 0;

	if (!s)
		return -1;
	while (isdigit((unsigned char)*s)) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		s++;
		digits++;
	}
	if (!digits)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].name) == 0) {
			if (units[i].mult && v > UINT64_MAX / units[i].mult)
				return -1;
			*out = v * units[i].mult;
			return 0;
		}
	}
	return -1;
}
