/* jsonshape.h: bounds on the shape of a JSON text (nesting depth, number of values) checked before parsing it */
#ifndef HOMEOPS_JSONSHAPE_H
#define HOMEOPS_JSONSHAPE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Scans buf without building anything (strings skipped with their escapes): the nesting depth
 * of objects and arrays, and the number of values (each scalar, object and array counts one; a
 * member's key does not). A parser's memory grows with the values, so checking this first keeps a
 * small body from costing much more than its size. Malformed JSON is not detected here (the parser
 * does that); the scan never reads past len. Returns true when within both bounds; otherwise false
 * with *what = "nesting depth" or "number of values".
 */
bool jsonshape_within(const char *buf, size_t len, size_t max_depth, size_t max_values, const char **what);

#endif
