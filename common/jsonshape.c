/* jsonshape.c: nesting depth and value count of a JSON text, scanned before parsing (pure) */
#include "common/jsonshape.h"

bool jsonshape_within(const char *buf, size_t len, size_t max_depth, size_t max_values, const char **what)
{
	size_t depth = 0, values = 0;
	bool in_value = false;   /* inside a scalar that is not a string (a number, true, false, null) */

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (c == '"') {
			values++;
			for (i++; i < len && buf[i] != '"'; i++)
				if (buf[i] == '\\')
					i++;
			/* a member key was counted as a value: uncounted at its ':' below */
			in_value = false;
		} else if (c == '{' || c == '[') {
			values++;
			if (++depth > max_depth) {
				if (what)
					*what = "nesting depth";
				return false;
			}
			in_value = false;
		} else if (c == '}' || c == ']') {
			if (depth)
				depth--;
			in_value = false;
		} else if (c == ':') {
			if (values)
				values--;   /* the string before it was a key */
			in_value = false;
		} else if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			in_value = false;
		} else if (!in_value) {
			values++;
			in_value = true;
		}
		if (values > max_values) {
			if (what)
				*what = "number of values";
			return false;
		}
	}
	return true;
}
