/* metrics.c: metric families and samples, rendered as sorted Prometheus text exposition */
#include "common/metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/xalloc.h"

/* One sample; labels and their strings live in the same allocation as the struct. */
struct metric_sample {
	double value;
	size_t nlabels;
	struct metric_label *labels;
	/* histogram only */
	size_t nbounds;
	double *bounds;
	uint64_t *counts;
	uint64_t count;
	double sum;
};

struct metric_family {
	char *name;
	char *help;
	enum metric_type type;
	struct metric_sample **samples;
	size_t n;
	size_t alloc;
};

struct metric_set {
	struct metric_family **fams;
	size_t n;
	size_t alloc;
	/* open-addressing index into fams by name: slot holds index+1, 0 = empty */
	size_t *index;
	size_t index_size;
};

static const char *const metric_type_names[] = { "gauge", "counter", "untyped", "histogram" };

bool metric_name_valid(const char *name)
{
	if (!name || !*name)
		return false;
	for (const char *p = name; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
			  (p != name && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

bool metric_label_name_valid(const char *name)
{
	if (!name || !*name || (name[0] == '_' && name[1] == '_'))
		return false;
	for (const char *p = name; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (p != name && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

struct metric_set *metric_set_new(void)
{
	return xcalloc(1, sizeof(struct metric_set));
}

static void metric_family_free(struct metric_family *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->samples[i]);
	free(f->samples);
	free(f->name);
	free(f->help);
	free(f);
}

void metric_set_free(struct metric_set *ms)
{
	if (!ms)
		return;
	for (size_t i = 0; i < ms->n; i++)
		metric_family_free(ms->fams[i]);
	free(ms->fams);
	free(ms->index);
	free(ms);
}

static size_t metric_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void metric_index_rebuild(struct metric_set *ms, size_t size)
{
	free(ms->index);
	ms->index = xcalloc(size, sizeof(size_t));
	ms->index_size = size;
	for (size_t i = 0; i < ms->n; i++) {
		size_t slot = metric_hash(ms->fams[i]->name) & (size - 1);
		while (ms->index[slot])
			slot = (slot + 1) & (size - 1);
		ms->index[slot] = i + 1;
	}
}

static struct metric_family *metric_lookup(struct metric_set *ms, const char *name, size_t *slot_out)
{
	if (!ms->index_size)
		metric_index_rebuild(ms, 64);
	size_t slot = metric_hash(name) & (ms->index_size - 1);
	while (ms->index[slot]) {
		struct metric_family *f = ms->fams[ms->index[slot] - 1];
		if (strcmp(f->name, name) == 0)
			return f;
		slot = (slot + 1) & (ms->index_size - 1);
	}
	*slot_out = slot;
	return NULL;
}

struct metric_family *metric_family(struct metric_set *ms, const char *name, enum metric_type type,
				    const char *help)
{
	size_t slot = 0;
	struct metric_family *f;

	if (!ms)
		return NULL;
	if (!metric_name_valid(name)) {
		log_error("metrics", "invalid metric name dropped", "name", name ? name : "(null)");
		return NULL;
	}
	f = metric_lookup(ms, name, &slot);
	if (f) {
		if (f->type != type) {
			log_error("metrics", "metric registered twice with different types", "name", name);
			return NULL;
		}
		return f;
	}
	f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(name);
	f->help = xstrdup(help ? help : "");
	f->type = type;
	XGROW(ms->fams, ms->n + 1, ms->alloc);
	ms->fams[ms->n++] = f;
	if (ms->n * 2 > ms->index_size)
		metric_index_rebuild(ms, ms->index_size * 2);
	else
		ms->index[slot] = ms->n;
	return f;
}

/* Builds a sample with labels copied into one allocation (extra bytes reserved after the labels). */
static struct metric_sample *metric_sample_new(const struct metric_label *labels, size_t nlabels,
					       size_t extra)
{
	size_t size = sizeof(struct metric_sample) + nlabels * sizeof(struct metric_label) + extra;
	for (size_t i = 0; i < nlabels; i++)
		size += strlen(labels[i].name) + strlen(labels[i].value) + 2;
	struct metric_sample *s = xcalloc(1, size);
	s->nlabels = nlabels;
	s->labels = (struct metric_label *)(s + 1);
	char *p = (char *)(s->labels + nlabels) + extra;
	for (size_t i = 0; i < nlabels; i++) {
		size_t n = strlen(labels[i].name) + 1;
		memcpy(p, labels[i].name, n);
		s->labels[i].name = p;
		p += n;
		n = strlen(labels[i].value) + 1;
		memcpy(p, labels[i].value, n);
		s->labels[i].value = p;
		p += n;
	}
	return s;
}

static bool metric_labels_valid(const struct metric_family *f, const struct metric_label *labels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!labels[i].value || !metric_label_name_valid(labels[i].name)) {
			log_error("metrics", "invalid label dropped sample", "metric", f->name,
				  "label", labels[i].name ? labels[i].name : "(null)");
			return false;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(labels[i].name, labels[j].name) == 0) {
				log_error("metrics", "duplicate label name dropped sample", "metric", f->name,
					  "label", labels[i].name);
				return false;
			}
		}
		if (f->type == METRIC_HISTOGRAM && strcmp(labels[i].name, "le") == 0) {
			log_error("metrics", "histogram uses reserved label 'le'", "metric", f->name);
			return false;
		}
	}
	return true;
}

void metric_addv(struct metric_family *f, double value, const struct metric_label *labels, size_t nlabels)
{
	if (!f || f->type == METRIC_HISTOGRAM || !metric_labels_valid(f, labels, nlabels))
		return;
	struct metric_sample *s = metric_sample_new(labels, nlabels, 0);
	s->value = value;
	XGROW(f->samples, f->n + 1, f->alloc);
	f->samples[f->n++] = s;
}

#define METRIC_MAX_LABELS 32

/* Collects (name, value) pairs from va_list into labels[]; returns count, or SIZE_MAX if too many. */
static size_t metric_collect_labels(va_list ap, struct metric_label *labels)
{
	size_t n = 0;
	for (;;) {
		const char *name = va_arg(ap, const char *);
		if (!name)
			break;
		const char *value = va_arg(ap, const char *);
		if (n == METRIC_MAX_LABELS)
			return SIZE_MAX;
		labels[n].name = name;
		labels[n].value = value;
		n++;
	}
	return n;
}

void metric_add(struct metric_family *f, double value, ...)
{
	struct metric_label labels[METRIC_MAX_LABELS];
	va_list ap;
	va_start(ap, value);
	size_t n = metric_collect_labels(ap, labels);
	va_end(ap);
	if (n != SIZE_MAX)
		metric_addv(f, value, labels, n);
}

void metric_gauge(struct metric_set *ms, const char *name, const char *help, double value, ...)
{
	struct metric_label labels[METRIC_MAX_LABELS];
	va_list ap;
	va_start(ap, value);
	size_t n = metric_collect_labels(ap, labels);
	va_end(ap);
	if (n != SIZE_MAX)
		metric_addv(metric_family(ms, name, METRIC_GAUGE, help), value, labels, n);
}

void metric_counter(struct metric_set *ms, const char *name, const char *help, double value, ...)
{
	struct metric_label labels[METRIC_MAX_LABELS];
	va_list ap;
	va_start(ap, value);
	size_t n = metric_collect_labels(ap, labels);
	va_end(ap);
	if (n != SIZE_MAX)
		metric_addv(metric_family(ms, name, METRIC_COUNTER, help), value, labels, n);
}

void metric_add_histogram(struct metric_family *f, const double *bounds, const uint64_t *counts,
			  size_t nbounds, uint64_t count, double sum,
			  const struct metric_label *labels, size_t nlabels)
{
	if (!f || f->type != METRIC_HISTOGRAM || !metric_labels_valid(f, labels, nlabels))
		return;
	size_t extra = nbounds * (sizeof(double) + sizeof(uint64_t));
	struct metric_sample *s = metric_sample_new(labels, nlabels, extra);
	s->bounds = (double *)(s->labels + nlabels);
	s->counts = (uint64_t *)(s->bounds + nbounds);
	s->nbounds = nbounds;
	if (nbounds) {
		memcpy(s->bounds, bounds, nbounds * sizeof(double));
		memcpy(s->counts, counts, nbounds * sizeof(uint64_t));
	}
	s->count = count;
	s->sum = sum;
	XGROW(f->samples, f->n + 1, f->alloc);
	f->samples[f->n++] = s;
}

void metric_format_value(double v, char *buf, size_t n)
{
	if (isnan(v)) {
		snprintf(buf, n, "NaN");
	} else if (isinf(v)) {
		snprintf(buf, n, v > 0 ? "+Inf" : "-Inf");
	} else if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, n, "%.0f", v == 0 ? 0.0 : v);
	} else {
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(buf, n, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
}

static void metric_escape(struct strbuf *out, const char *value, bool quotes)
{
	const unsigned char *p = (const unsigned char *)value;
	const unsigned char *end = p + strlen(value);
	while (*p) {
		if (*p == '\\') {
			strbuf_add(out, "\\\\", 2);
			p++;
		} else if (*p == '\n') {
			strbuf_add(out, "\\n", 2);
			p++;
		} else if (*p == '"' && quotes) {
			strbuf_add(out, "\\\"", 2);
			p++;
		} else if (*p < 0x80) {
			strbuf_addch(out, *p++);
		} else {
			size_t n = utf8_sequence_len(p, (size_t)(end - p));
			if (n) {
				strbuf_add(out, p, n);
				p += n;
			} else {
				strbuf_add(out, "\xef\xbf\xbd", 3);
				p++;
			}
		}
	}
}

void metric_escape_label_value(struct strbuf *out, const char *value)
{
	metric_escape(out, value, true);
}

static int metric_sample_cmp(const void *a, const void *b)
{
	const struct metric_sample *x = *(struct metric_sample *const *)a;
	const struct metric_sample *y = *(struct metric_sample *const *)b;
	size_t n = x->nlabels < y->nlabels ? x->nlabels : y->nlabels;
	for (size_t i = 0; i < n; i++) {
		int c = strcmp(x->labels[i].name, y->labels[i].name);
		if (c)
			return c;
		c = strcmp(x->labels[i].value, y->labels[i].value);
		if (c)
			return c;
	}
	return (x->nlabels > y->nlabels) - (x->nlabels < y->nlabels);
}

static int metric_family_cmp(const void *a, const void *b)
{
	return strcmp((*(struct metric_family *const *)a)->name, (*(struct metric_family *const *)b)->name);
}

static void metric_render_labels(struct strbuf *out, const struct metric_sample *s, const char *le)
{
	if (!s->nlabels && !le)
		return;
	strbuf_addch(out, '{');
	for (size_t i = 0; i < s->nlabels; i++) {
		if (i)
			strbuf_addch(out, ',');
		strbuf_addstr(out, s->labels[i].name);
		strbuf_add(out, "=\"", 2);
		metric_escape(out, s->labels[i].value, true);
		strbuf_addch(out, '"');
	}
	if (le) {
		if (s->nlabels)
			strbuf_addch(out, ',');
		strbuf_addf(out, "le=\"%s\"", le);
	}
	strbuf_addch(out, '}');
}

static void metric_render_line(struct strbuf *out, const char *name, const char *suffix,
			       const struct metric_sample *s, const char *le, double v)
{
	char num[40];
	strbuf_addstr(out, name);
	strbuf_addstr(out, suffix);
	metric_render_labels(out, s, le);
	metric_format_value(v, num, sizeof(num));
	strbuf_addch(out, ' ');
	strbuf_addstr(out, num);
	strbuf_addch(out, '\n');
}

static void metric_render_family(struct strbuf *out, struct metric_family *f)
{
	if (!f->n)
		return;
	qsort(f->samples, f->n, sizeof(f->samples[0]), metric_sample_cmp);
	strbuf_addf(out, "# HELP %s ", f->name);
	metric_escape(out, f->help, false);
	strbuf_addf(out, "\n# TYPE %s %s\n", f->name, metric_type_names[f->type]);
	for (size_t i = 0; i < f->n; i++) {
		const struct metric_sample *s = f->samples[i];
		if (i && metric_sample_cmp(&f->samples[i - 1], &f->samples[i]) == 0) {
			log_warn("metrics", "duplicate sample dropped", "metric", f->name);
			continue;
		}
		if (f->type != METRIC_HISTOGRAM) {
			metric_render_line(out, f->name, "", s, NULL, s->value);
			continue;
		}
		for (size_t b = 0; b < s->nbounds; b++) {
			char le[40];
			metric_format_value(s->bounds[b], le, sizeof(le));
			metric_render_line(out, f->name, "_bucket", s, le, (double)s->counts[b]);
		}
		metric_render_line(out, f->name, "_bucket", s, "+Inf", (double)s->count);
		metric_render_line(out, f->name, "_sum", s, NULL, s->sum);
		metric_render_line(out, f->name, "_count", s, NULL, (double)s->count);
	}
}

void metric_set_render(const struct metric_set *ms, struct strbuf *out)
{
	if (!ms || !ms->n)
		return;
	/* Sorting reorders a copy of the family list and each family's samples in place. */
	struct metric_family **sorted = xmalloc(ms->n * sizeof(*sorted));
	memcpy(sorted, ms->fams, ms->n * sizeof(*sorted));
	qsort(sorted, ms->n, sizeof(*sorted), metric_family_cmp);
	for (size_t i = 0; i < ms->n; i++)
		metric_render_family(out, sorted[i]);
	free(sorted);
}
