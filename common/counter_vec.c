/* counter_vec.c: labelled counters kept across collections (thread-safe), rendered into a metric_set */
#include "common/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/xalloc.h"

/* More label values than this in one call is a programming error, like a count mismatch. */
#define COUNTER_VEC_MAX_LABELS 16

struct counter_series {
	char **values;
	double value;
};

struct counter_vec {
	pthread_mutex_t lock;
	char *name;
	char *help;
	char **labels;
	size_t nlabels;
	bool invalid;                 /* a bad name: renders nothing */
	bool misuse_logged;
	struct counter_series *series;
	size_t n;
	size_t alloc;
};

struct counter_vec *counter_vec_new(const char *name, const char *help, const char *const *label_names)
{
	struct counter_vec *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	c->name = xstrdup(name ? name : "");
	c->help = xstrdup(help ? help : "");
	while (label_names && label_names[c->nlabels])
		c->nlabels++;
	c->labels = xcalloc(c->nlabels + 1, sizeof(*c->labels));
	for (size_t i = 0; i < c->nlabels; i++) {
		c->labels[i] = xstrdup(label_names[i]);
		if (!metric_label_name_valid(label_names[i]))
			c->invalid = true;
	}
	if (!metric_name_valid(c->name) || c->nlabels > COUNTER_VEC_MAX_LABELS)
		c->invalid = true;
	if (c->invalid)
		log_error("metrics", "invalid counter name or label names: dropped", "name", c->name);
	return c;
}

static void counter_vec_clear(struct counter_vec *c)
{
	for (size_t i = 0; i < c->n; i++) {
		for (size_t j = 0; j < c->nlabels; j++)
			free(c->series[i].values[j]);
		free(c->series[i].values);
	}
	free(c->series);
	c->series = NULL;
	c->n = c->alloc = 0;
}

void counter_vec_free(struct counter_vec *c)
{
	if (!c)
		return;
	counter_vec_clear(c);
	for (size_t i = 0; i < c->nlabels; i++)
		free(c->labels[i]);
	free(c->labels);
	free(c->name);
	free(c->help);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The series with these values, or NULL; under c->lock. */
static struct counter_series *counter_vec_find(struct counter_vec *c, const char *const *values)
{
	for (size_t i = 0; i < c->n; i++) {
		size_t j = 0;
		while (j < c->nlabels && strcmp(c->series[i].values[j], values[j]) == 0)
			j++;
		if (j == c->nlabels)
			return &c->series[i];
	}
	return NULL;
}

/* Logs a misuse once per counter; under c->lock. */
static void counter_vec_misuse(struct counter_vec *c, const char *what)
{
	if (c->misuse_logged)
		return;
	c->misuse_logged = true;
	log_error("metrics", what, "name", c->name);
}

void counter_vec_addv(struct counter_vec *c, double v, const char *const *values, size_t nvalues)
{
	struct counter_series *s;

	pthread_mutex_lock(&c->lock);
	if (nvalues != c->nlabels) {
		counter_vec_misuse(c, "counter used with the wrong number of label values: not counted");
		goto out;
	}
	if (!(v >= 0)) {
		counter_vec_misuse(c, "counter decreased or NaN: not counted");
		goto out;
	}
	for (size_t j = 0; j < nvalues; j++)
		if (!values[j]) {
			counter_vec_misuse(c, "counter used with a NULL label value: not counted");
			goto out;
		}
	s = counter_vec_find(c, values);
	if (!s) {
		XGROW(c->series, c->n + 1, c->alloc);
		s = &c->series[c->n++];
		s->values = xcalloc(c->nlabels + 1, sizeof(*s->values));
		for (size_t j = 0; j < c->nlabels; j++)
			s->values[j] = xstrdup(values[j]);
		s->value = 0;
	}
	s->value += v;
out:
	pthread_mutex_unlock(&c->lock);
}

/* Collects up to COUNTER_VEC_MAX_LABELS + 1 NULL-terminated values; returns how many (more = misuse). */
static size_t counter_vec_collect(va_list ap, const char **values)
{
	size_t n = 0;
	const char *v;

	while ((v = va_arg(ap, const char *)) != NULL) {
		if (n <= COUNTER_VEC_MAX_LABELS)
			values[n] = v;
		n++;
	}
	return n;
}

void counter_vec_add(struct counter_vec *c, double v, ...)
{
	const char *values[COUNTER_VEC_MAX_LABELS + 1];
	size_t n;
	va_list ap;

	va_start(ap, v);
	n = counter_vec_collect(ap, values);
	va_end(ap);
	if (n > COUNTER_VEC_MAX_LABELS)
		n = COUNTER_VEC_MAX_LABELS + 1;   /* cannot match: logged as a count mismatch */
	counter_vec_addv(c, v, values, n);
}

double counter_vec_get(struct counter_vec *c, ...)
{
	const char *values[COUNTER_VEC_MAX_LABELS + 1];
	const struct counter_series *s = NULL;
	double value = 0;
	size_t n;
	va_list ap;

	va_start(ap, c);
	n = counter_vec_collect(ap, values);
	va_end(ap);
	pthread_mutex_lock(&c->lock);
	if (n == c->nlabels)
		s = counter_vec_find(c, values);
	if (s)
		value = s->value;
	pthread_mutex_unlock(&c->lock);
	return value;
}

void counter_vec_reset(struct counter_vec *c)
{
	pthread_mutex_lock(&c->lock);
	counter_vec_clear(c);
	pthread_mutex_unlock(&c->lock);
}

void counter_vec_render(struct counter_vec *c, struct metric_set *ms)
{
	struct metric_label labels[COUNTER_VEC_MAX_LABELS];
	struct metric_family *f;

	pthread_mutex_lock(&c->lock);
	if (c->invalid || !c->n)
		goto out;
	f = metric_family(ms, c->name, METRIC_COUNTER, c->help);
	for (size_t i = 0; i < c->n; i++) {
		for (size_t j = 0; j < c->nlabels; j++) {
			labels[j].name = c->labels[j];
			labels[j].value = c->series[i].values[j];
		}
		metric_addv(f, c->series[i].value, labels, c->nlabels);
	}
out:
	pthread_mutex_unlock(&c->lock);
}
