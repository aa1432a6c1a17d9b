/* parse_util.h: tag and number helpers shared by the SnapRAID parsers (internal) */
#ifndef SNAPRAID_PARSE_UTIL_H
#define SNAPRAID_PARSE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include "common/lines.h"    /* line_reader, fields_split_cstr: the parsers' line and token walking */
#include "common/strbuf.h"

/*
 * A log tag line is NAME:REST with NAME made of [a-z0-9_] starting with a letter
 * (snapraid_log.txt). Returns REST (after the colon) and stores NAME's length, or NULL for a
 * human text line.
 */
const char *sr_tag(const char *line, size_t *name_len);
/* True when the tag at line is named name (and returns its REST in *rest). */
bool sr_tag_is(const char *line, const char *name, const char **rest);

/*
 * Integer (optional '-', digits, no trailing garbage except spaces) and finite float parsers.
 * Return true and store the value; false otherwise (out untouched).
 */
bool sr_parse_int(const char *s, double *out);
bool sr_parse_float(const char *s, double *out);
/* Parses an integer prefix of s ("99%", "12 errors") and stores where it stopped. */
bool sr_parse_int_prefix(const char *s, double *out, const char **endp);

/*
 * Matches s in full against pat, where each '#' in pat stands for an integer (optional '-', digits).
 * Stores up to nout integers in out. Returns true on a full match.
 * Example: sr_match(s, "You have a sync in progress at #%.", v, 1).
 */
bool sr_match(const char *s, const char *pat, double *out, size_t nout);

/* Skips spaces and tabs. */
const char *sr_skip_ws(const char *s);
/* True when s starts with prefix; *rest points after it. */
bool sr_starts(const char *s, const char *prefix, const char **rest);
/* Splits s at its last ':' into a heap key (before) and returns the value (after), or NULL. */
const char *sr_split_last_colon(const char *s, char **key);
/* Undoes SnapRAID's tag escaping (\d -> ':', \n, \r, \\). Returns a heap string. */
char *sr_unescape(const char *s, size_t len);

#endif
