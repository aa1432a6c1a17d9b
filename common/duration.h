/* duration.h: Prometheus-style durations ("1h30m", "250ms") and byte sizes ("10MiB") */
#ifndef HOMEOPS_DURATION_H
#define HOMEOPS_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a duration: one or more <integer><unit> with units y, w, d, h, m, s, ms
 * (Prometheus' model.ParseDuration), or "0". Returns 0 and seconds in *out, or -1.
 */
int duration_parse(const char *s, double *out);
/* Formats seconds the way Prometheus prints durations ("5m", "1h30m", "250ms"). */
void duration_format(double seconds, char *buf, size_t n);

/*
 * Parses a size: an integer with an optional unit B, KB/MB/GB/TB (powers of 1000) or
 * KiB/MiB/GiB/TiB (powers of 1024); "k"/"K" alone means KiB. Returns 0, or -1 on bad
 * syntax or overflow.
 */
int size_parse(const char *s, uint64_t *out);

#endif
