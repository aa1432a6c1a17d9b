/* parse_json.h: private jansson helpers shared by the Docker parsers (parse_*.c) */
#ifndef DOCKER_PARSE_JSON_H
#define DOCKER_PARSE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "exporters/docker/parse.h"

/* Parses buf as one JSON value of the expected type (JSON_OBJECT or JSON_ARRAY); NULL with err set. */
json_t *dk_json_load(const char *buf, size_t len, json_type want, struct dk_perr *err);
/* A heap copy of obj[key] when it is a string, else NULL. */
char *dk_json_strdup(const json_t *obj, const char *key);
/* obj[key] when it is a string, else NULL (borrowed). */
const char *dk_json_str(const json_t *obj, const char *key);
/* obj[key] as an integer (a JSON integer, or a real with an integral value); false when absent or not one. */
bool dk_json_long(const json_t *obj, const char *key, long *out);
/* Formats err->msg. */
void dk_perr_set(struct dk_perr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
