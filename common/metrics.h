/* metrics.h: metric model and Prometheus text exposition (0.0.4) writer */
#ifndef HOMEOPS_METRICS_H
#define HOMEOPS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/strbuf.h"

/*
 * A metric_set holds families keyed by name; each family holds samples, each sample
 * a set of labels. Rendering writes HELP and TYPE once per family, families sorted by
 * name, samples sorted by their labels (label-by-label, in the order given), so the
 * output is stable for diffing. Label values and HELP are escaped; label values that
 * are not valid UTF-8 get U+FFFD for each bad byte. Families without samples are omitted.
 *
 * Names are checked: an invalid metric or label name is a programming error, logged once
 * and dropped (metric_family() returns NULL; metric_add(NULL, ...) does nothing), so a
 * bad name can never produce output that Prometheus rejects. A second sample with the
 * same labels in one family replaces nothing: the first wins, and the duplicate is logged.
 */
enum metric_type {
	METRIC_GAUGE,
	METRIC_COUNTER,
	METRIC_UNTYPED,
	METRIC_HISTOGRAM,
};

struct metric_label {
	const char *name;
	const char *value;
};

struct metric_set;
struct metric_family;

struct metric_set *metric_set_new(void);
void metric_set_free(struct metric_set *ms);

/*
 * Returns the family called name, creating it with type and help on first use. A later call
 * with a different type returns NULL (logged). Counters are named with their _total suffix.
 */
struct metric_family *metric_family(struct metric_set *ms, const char *name, enum metric_type type,
				    const char *help);

/* Adds a sample. Variadic: (const char *label_name, const char *label_value) pairs, then NULL. */
void metric_add(struct metric_family *f, double value, ...);
void metric_addv(struct metric_family *f, double value, const struct metric_label *labels, size_t nlabels);

/*
 * One-call forms for the common case: family + sample. Label pairs then NULL, as metric_add.
 */
void metric_gauge(struct metric_set *ms, const char *name, const char *help, double value, ...);
void metric_counter(struct metric_set *ms, const char *name, const char *help, double value, ...);

/*
 * Adds one histogram series. bounds[i] are the upper bounds (ascending, without +Inf);
 * counts[i] the number of observations <= bounds[i] (cumulative); count the total (the +Inf
 * bucket) and sum their sum. The family must be METRIC_HISTOGRAM.
 */
void metric_add_histogram(struct metric_family *f, const double *bounds, const uint64_t *counts,
			  size_t nbounds, uint64_t count, double sum,
			  const struct metric_label *labels, size_t nlabels);

/* Appends the text exposition of every family to out. */
void metric_set_render(const struct metric_set *ms, struct strbuf *out);

/* Formats a sample value: integers exactly, "+Inf", "-Inf", "NaN", else shortest round-trip. */
void metric_format_value(double v, char *buf, size_t n);
/* Appends a label value escaped for the text format (\\, \", \n), with invalid UTF-8 replaced. */
void metric_escape_label_value(struct strbuf *out, const char *value);
bool metric_name_valid(const char *name);
bool metric_label_name_valid(const char *name);

#endif
