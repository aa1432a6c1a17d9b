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

/*
 * A labelled counter kept across collections (events seen, logins, probe failures, failed
 * collections by reason): a metric_set lives for one collection, a counter_vec for the
 * process. Thread-safe: add from any thread, render from the collection thread.
 */
struct counter_vec;

/*
 * Returns a new counter family called name (with its _total suffix) with the given label
 * names (NULL-terminated, copied; none = one unlabelled series). Never NULL; an invalid
 * name or label name is a programming error, logged, and the family then renders nothing.
 */
struct counter_vec *counter_vec_new(const char *name, const char *help, const char *const *label_names);
void counter_vec_free(struct counter_vec *c);
/*
 * Adds v (>= 0; a negative or NaN v is ignored and logged once) to the series with these label
 * values: exactly one value per label name, in their order, then NULL. The series is created
 * at 0 first, so counter_vec_add(c, 0, ...) pre-initialises it (rate() works from the start).
 * A wrong number of values is a programming error: logged once, nothing added.
 */
void counter_vec_add(struct counter_vec *c, double v, ...);
/* The same with values as an array of nvalues strings. */
void counter_vec_addv(struct counter_vec *c, double v, const char *const *values, size_t nvalues);
/* The value of a series (0 when it does not exist), for tests. Values as counter_vec_add. */
double counter_vec_get(struct counter_vec *c, ...);
/* Drops every series (a test or the receiver's reset). */
void counter_vec_reset(struct counter_vec *c);
/* Adds the family with every series to ms (nothing when it has no series). */
void counter_vec_render(struct counter_vec *c, struct metric_set *ms);

#endif
