/* sr_test.h: small helpers shared by the snapraid_exporter unit tests */
#ifndef SR_TEST_H
#define SR_TEST_H

#include <math.h>
#include <stdio.h>

/* Asserts a model value: NaN expected means "the output did not say" and must stay NaN. */
#define assert_num(actual, expected) sr_assert_num((actual), (expected), #actual, __FILE__, __LINE__)

static inline void sr_assert_num(double a, double e, const char *what, const char *file, int line)
{
	if (isnan(e)) {
		if (!isnan(a)) {
			fprintf(stderr, "%s: expected NaN (absent), got %.17g\n", what, a);
			_fail(file, line);
		}
		return;
	}
	if (isnan(a) || fabs(a - e) > 1e-9 * (fabs(e) > 1 ? fabs(e) : 1)) {
		fprintf(stderr, "%s: expected %.17g, got %.17g\n", what, e, a);
		_fail(file, line);
	}
}

#endif
