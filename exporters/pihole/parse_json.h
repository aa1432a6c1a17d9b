/* parse_json.h: private jansson helpers shared by parse_v6.c and parse_v5.c */
#ifndef PIHOLE_PARSE_JSON_H
#define PIHOLE_PARSE_JSON_H

#include <jansson.h>
#include <stddef.h>

/* Loads buf as one JSON value (NUL bytes refused); NULL with *err set (when err) on failure. */
json_t *ph_json_load(const char *buf, size_t len, char **err);
/* A number: JSON integer or real, or a string "1,234.5" (v5 formatted); NaN otherwise (null too). */
double ph_json_num(const json_t *v);
/* ph_json_num of obj[key]; NaN when obj is not an object or the key is absent. */
double ph_json_num_at(const json_t *obj, const char *key);
/* obj[key] when it is a string, else NULL. */
const char *ph_json_str_at(const json_t *obj, const char *key);
/* Sets *err (when err) to a copy of msg; returns PH_PARSE_ERROR. */
int ph_json_fail(char **err, const char *msg);

#endif
