/* parse_status.c: `snapraid status` output (log tags of v12+ and the human text of v10+) to a model */
#include "exporters/snapraid/parse.h"
#include "exporters/snapraid/parse_util.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"

#define SR_GB 1e9       /* SnapRAID's GIGA: the text table's GB columns are powers of 1000 */
#define SR_DAY 86400.0

struct status_time {
	double time;
	double count;
};

/* A text-table row (v10-v11 have no per-disk tags). */
struct status_row {
	char *name;
	double v[7]; /* files, fragmented, excess, wasted GB, used GB, free GB, use % */
};

struct status_acc {
	struct sr_status *st;
	bool complete;
	bool busy;
	char *fatal;      /* first fatal message that is not a warning */
	char *last_text;  /* last non-empty human line, for error messages */
	bool tag_disks;   /* per-disk summary tags seen */

	/* summary tags */
	double file_size, total_used, total_free, total_wasted;
	double parity_block_count;
	double has_unsynced, has_unscrubbed, has_rehash, has_bad;
	double ci_unsynced, ci_unscrubbed, ci_rehash, ci_bad; /* v14 content_info:block_* */
	double days[3];   /* summary:scrub_{oldest,median,newest}_days */
	char *exit_status;
	char *hash, *best_hash;
	struct status_time *times;
	size_t ntimes, times_alloc;
	bool have_summary;

	/* human text */
	int table;        /* 0 before, 1 rows, 2 after the dashes, 3 done */
	struct status_row *rows;
	size_t nrows, rows_alloc;
	double totals[7];
	bool have_totals;
	double text_days[3];
	double text_sync;        /* 0/1 */
	double text_sync_pct;
	double text_unscrubbed_pct;
	double text_zerosub;
	double text_rehash;      /* 0/1 */
	double text_errors;
};

static void status_nan(double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = NAN;
}

static void status_init(struct sr_status *st, struct status_acc *a)
{
	memset(a, 0, sizeof(*a));
	a->st = st;
	st->unixtime = st->block_size_bytes = NAN;
	st->files = st->fragmented_files = st->excess_fragments = st->zero_subsecond_files = NAN;
	st->used_bytes = st->free_bytes = st->wasted_bytes = NAN;
	st->parity_allocated_bytes = st->parity_max_bytes = NAN;
	st->block_count = st->unsynced_blocks = st->unscrubbed_blocks = NAN;
	st->rehash_blocks = st->bad_blocks = NAN;
	st->sync_in_progress = st->sync_progress_ratio = st->unscrubbed_ratio = st->rehash_needed = NAN;
	st->scrub_oldest_age_seconds = st->scrub_median_age_seconds = st->scrub_newest_age_seconds = NAN;

	a->file_size = a->total_used = a->total_free = a->total_wasted = NAN;
	a->parity_block_count = NAN;
	a->has_unsynced = a->has_unscrubbed = a->has_rehash = a->has_bad = NAN;
	a->ci_unsynced = a->ci_unscrubbed = a->ci_rehash = a->ci_bad = NAN;
	status_nan(a->days, 3);
	status_nan(a->totals, 7);
	status_nan(a->text_days, 3);
	a->text_sync = a->text_sync_pct = a->text_unscrubbed_pct = NAN;
	a->text_zerosub = a->text_rehash = a->text_errors = NAN;
}

static struct sr_disk *status_disk(struct sr_status *st, const char *name)
{
	struct sr_disk *d;

	for (size_t i = 0; i < st->ndisks; i++)
		if (strcmp(st->disks[i].name, name) == 0)
			return &st->disks[i];
	st->disks = xrealloc(st->disks, (st->ndisks + 1) * sizeof(*st->disks));
	d = &st->disks[st->ndisks++];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->files = d->fragmented_files = d->excess_fragments = d->zero_subsecond_files = NAN;
	d->used_bytes = d->free_bytes = d->wasted_bytes = d->block_count = d->block_max = NAN;
	return d;
}

static struct sr_parity *status_parity(struct sr_status *st, const char *name)
{
	struct sr_parity *p;

	for (size_t i = 0; i < st->nparities; i++)
		if (strcmp(st->parities[i].name, name) == 0)
			return &st->parities[i];
	st->parities = xrealloc(st->parities, (st->nparities + 1) * sizeof(*st->parities));
	p = &st->parities[st->nparities++];
	p->name = xstrdup(name);
	p->size_bytes = p->free_bytes = NAN;
	return p;
}

static void status_set_str(char **dst, const char *s)
{
	if (*dst)
		return;
	*dst = xstrdup(s);
}

/* summary:<key>:<name>:<value> for disks and parity levels */
static void status_named(struct status_acc *a, const char *key, const char *rest)
{
	char *name = NULL;
	const char *val = sr_split_last_colon(rest, &name);
	double v;

	if (!val || !*name || !sr_parse_int(val, &v))
		goto out;
	/* every per-disk value is a count or a size, except the signed waste */
	if (v < 0 && strcmp(key, "disk_space_wasted") != 0)
		goto out;
	if (strcmp(key, "parity_block_total") == 0) {
		status_parity(a->st, name)->size_bytes = v; /* blocks; scaled in status_finish */
		goto out;
	}
	if (strcmp(key, "parity_block_free") == 0) {
		status_parity(a->st, name)->free_bytes = v;
		goto out;
	}

	struct sr_disk *d = status_disk(a->st, name);
	a->tag_disks = true;
	if (strcmp(key, "disk_file_count") == 0)
		d->files = v;
	else if (strcmp(key, "disk_fragmented_file_count") == 0)
		d->fragmented_files = v;
	else if (strcmp(key, "disk_excess_fragment_count") == 0)
		d->excess_fragments = v;
	else if (strcmp(key, "disk_zerosubsecond_file_count") == 0)
		d->zero_subsecond_files = v;
	else if (strcmp(key, "disk_file_size") == 0)
		d->used_bytes = v;
	else if (strcmp(key, "disk_block_count") == 0)
		d->block_count = v;
	else if (strcmp(key, "disk_block_max") == 0)
		d->block_max = v;
	else if (strcmp(key, "disk_space_wasted") == 0)
		d->wasted_bytes = v > 0 ? v : 0; /* negative: parity is larger than the disk */
	else if (strcmp(key, "disk_free") == 0)
		d->free_bytes = v; /* v14 prints it; v12-v13 get it from the blocks */
out:
	free(name);
}

static void status_summary(struct status_acc *a, const char *rest)
{
	static const struct {
		const char *key;
		size_t off;
	} scalars[] = {
		{ "block_size", offsetof(struct sr_status, block_size_bytes) },
		{ "file_count", offsetof(struct sr_status, files) },
		{ "fragmented_file_count", offsetof(struct sr_status, fragmented_files) },
		{ "excess_fragment_count", offsetof(struct sr_status, excess_fragments) },
		{ "zerosubsecond_file_count", offsetof(struct sr_status, zero_subsecond_files) },
		{ "parity_size", offsetof(struct sr_status, parity_allocated_bytes) },
		{ "parity_size_max", offsetof(struct sr_status, parity_max_bytes) },
	};
	const char *colon = strchr(rest, ':');
	char key[64];
	size_t klen;
	double v;

	if (!colon || (klen = (size_t)(colon - rest)) >= sizeof(key))
		return;
	memcpy(key, rest, klen);
	key[klen] = '\0';
	rest = colon + 1;
	a->have_summary = true;

	for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
		if (strcmp(key, scalars[i].key) == 0) {
			if (sr_parse_int(rest, &v) && v >= 0)
				*(double *)((char *)a->st + scalars[i].off) = v;
			return;
		}
	}
	if (strncmp(key, "disk_", 5) == 0 || strcmp(key, "parity_block_total") == 0 ||
	    strcmp(key, "parity_block_free") == 0) {
		status_named(a, key, rest);
		return;
	}

	struct {
		const char *key;
		double *dst;
	} fields[] = {
		{ "file_size", &a->file_size },
		{ "total_used", &a->total_used },
		{ "total_free", &a->total_free },
		{ "total_wasted", &a->total_wasted },
		{ "parity_block_count", &a->parity_block_count },
		{ "has_unsynced", &a->has_unsynced },
		{ "has_unscrubbed", &a->has_unscrubbed },
		{ "has_rehash", &a->has_rehash },
		{ "scrub_oldest_days", &a->days[0] },
		{ "scrub_median_days", &a->days[1] },
		{ "scrub_newest_days", &a->days[2] },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(key, fields[i].key) == 0) {
			if (sr_parse_int(rest, &v) && v >= 0)
				*fields[i].dst = v;
			return;
		}
	}

	if (strcmp(key, "has_bad") == 0) {
		/* has_bad:<count>:<first>:<last> */
		if (sr_parse_int_prefix(rest, &v, NULL) && v >= 0)
			a->has_bad = v;
		a->complete = true; /* v12-v13 print it after every other summary */
	} else if (strcmp(key, "exit") == 0) {
		status_set_str(&a->exit_status, rest);
		a->complete = true;
	} else if (strcmp(key, "hash") == 0) {
		status_set_str(&a->hash, rest);
	} else if (strcmp(key, "best_hash") == 0) {
		status_set_str(&a->best_hash, rest);
	}
}

static void status_info_time(struct status_acc *a, const char *rest)
{
	/* info_time:<time>:<count>[:scrubbed|new] */
	char buf[128];
	char *tok[4];
	size_t n;
	double t, c;

	if (strlen(rest) >= sizeof(buf))
		return;
	strcpy(buf, rest);
	for (char *p = buf; *p; p++)
		if (*p == ':')
			*p = ' ';
	n = fields_split_cstr(buf, tok, 4);
	if (n < 2 || n > 3 || !sr_parse_int(tok[0], &t) || !sr_parse_int(tok[1], &c) || t < 0 || c < 0)
		return;
	XGROW(a->times, a->ntimes + 1, a->times_alloc);
	a->times[a->ntimes].time = t;
	a->times[a->ntimes].count = c;
	a->ntimes++;
}

static bool status_is_busy_msg(const char *s)
{
	return strstr(s, "SnapRAID is already in use!") != NULL || strstr(s, "is already locked!") != NULL;
}

static void status_fatal(struct status_acc *a, const char *msg)
{
	msg = sr_skip_ws(msg);
	if (status_is_busy_msg(msg)) {
		a->busy = true;
		return;
	}
	if (strstr(msg, "The array is empty.")) {
		a->st->array_empty = true;
		a->complete = true;
		return;
	}
	/* log_fatal() also carries warnings ("WARNING! UUID is unsupported..."): not a failure */
	if (!*msg || sr_starts(msg, "WARNING!", NULL) || sr_starts(msg, ",", NULL) || sr_starts(msg, ".", NULL))
		return;
	status_set_str(&a->fatal, msg);
}

static void status_tag(struct status_acc *a, const char *line)
{
	const char *rest;
	double v;

	if (sr_tag_is(line, "summary", &rest)) {
		status_summary(a, rest);
	} else if (sr_tag_is(line, "info_time", &rest)) {
		status_info_time(a, rest);
	} else if (sr_tag_is(line, "block_count", &rest)) {
		if (sr_parse_int(rest, &v) && v >= 0)
			a->st->block_count = v;
	} else if (sr_tag_is(line, "blocksize", &rest)) {
		if (isnan(a->st->block_size_bytes) && sr_parse_int(rest, &v) && v >= 0)
			a->st->block_size_bytes = v;
	} else if (sr_tag_is(line, "unixtime", &rest)) {
		if (isnan(a->st->unixtime) && sr_parse_int(rest, &v))
			a->st->unixtime = v;
	} else if (sr_tag_is(line, "version", &rest)) {
		status_set_str(&a->st->version, rest);
	} else if (sr_tag_is(line, "msg", &rest)) {
		if (sr_starts(rest, "fatal:", &rest))
			status_fatal(a, rest);
	} else if (sr_tag_is(line, "content_info", &rest)) {
		struct {
			const char *key;
			double *dst;
		} ci[] = {
			{ "block_bad:", &a->ci_bad },
			{ "block_rehash:", &a->ci_rehash },
			{ "block_unscrubbed:", &a->ci_unscrubbed },
			{ "block_unsynced:", &a->ci_unsynced },
		};
		for (size_t i = 0; i < sizeof(ci) / sizeof(ci[0]); i++) {
			const char *val;
			if (sr_starts(rest, ci[i].key, &val) && sr_parse_int(val, &v) && v >= 0)
				*ci[i].dst = v;
		}
	}
}

/* One row of the text table: 7 numbers (or '-') then, for a disk row, the disk name. */
static bool status_table_row(struct status_acc *a, const char *line)
{
	char *copy = xstrdup(line);
	char *tok[9];
	size_t n = fields_split_cstr(copy, tok, 9);
	double v[7];
	bool ok = false;

	if (n < 7)
		goto out;
	for (size_t i = 0; i < 7; i++) {
		size_t l = strlen(tok[i]);
		if (l && tok[i][l - 1] == '%')
			tok[i][l - 1] = '\0';
		if (strcmp(tok[i], "-") == 0 || tok[i][0] == '\0')
			v[i] = NAN;
		else if (!sr_parse_float(tok[i], &v[i]))
			goto out;
	}
	if (a->table == 1 && n >= 8) {
		struct status_row *r;
		XGROW(a->rows, a->nrows + 1, a->rows_alloc);
		r = &a->rows[a->nrows++];
		/* the name is the rest of the line after the seventh column */
		r->name = xstrdup(line + (tok[7] - copy));
		memcpy(r->v, v, sizeof(v));
		ok = true;
	} else if (a->table == 2 && n == 7) {
		memcpy(a->totals, v, sizeof(v));
		a->have_totals = true;
		a->table = 3;
		ok = true;
	}
out:
	free(copy);
	return ok;
}

/* Matches a sentence with one number (the '#' in pat) and stores it. */
static bool status_num(const char *s, const char *pat, double *out)
{
	double v;

	if (!sr_match(s, pat, &v, 1) || v < 0)
		return false;
	*out = v;
	return true;
}

static void status_text(struct status_acc *a, const char *line)
{
	const char *s = sr_skip_ws(line);
	double v, days[3];

	if (!*s)
		return;
	free(a->last_text);
	a->last_text = xstrdup(s);

	if (strcmp(s, "SnapRAID status report:") == 0) {
		a->table = 1;
		return;
	}
	if (a->table == 1 || a->table == 2) {
		if (sr_starts(s, "-----", NULL)) {
			a->table = 2;
			return;
		}
		if (status_table_row(a, line))
			return;
		/* the two header lines come before the first row; anything else ends the table */
		if (a->table == 1 && a->nrows == 0 && !isdigit((unsigned char)*s))
			return;
		a->table = 3;
	}

	if (sr_match(s, "The oldest block was scrubbed # days ago, the median #, the newest #.", days, 3)) {
		memcpy(a->text_days, days, sizeof(days));
		return;
	}
	if (strcmp(s, "WARNING! The array is NOT fully synced.") == 0) {
		a->text_sync = 1;
	} else if (status_num(s, "You have a sync in progress at #%.", &v)) {
		a->text_sync = 1;
		a->text_sync_pct = v;
	} else if (strcmp(s, "No sync is in progress.") == 0) {
		a->text_sync = 0;
	} else if (status_num(s, "The #% of the array is not scrubbed.", &v) ||
		   status_num(s, "#% of the array is not scrubbed.", &v)) {
		a->text_unscrubbed_pct = v;
	} else if (strcmp(s, "The full array was scrubbed at least one time.") == 0) {
		a->text_unscrubbed_pct = 0;
	} else if (status_num(s, "You have # files with zero sub-second timestamp.", &v) ||
		   status_num(s, "You have # files with a zero sub-second timestamp.", &v)) {
		a->text_zerosub = v;
	} else if (strcmp(s, "No file has a zero sub-second timestamp.") == 0) {
		a->text_zerosub = 0;
	} else if (status_num(s, "You have a rehash in progress at #%.", &v) ||
		   strcmp(s, "No rehash is in progress, but for optimal performance one is recommended.") == 0) {
		a->text_rehash = 1;
	} else if (strcmp(s, "No rehash is in progress or needed.") == 0) {
		a->text_rehash = 0;
	} else if (status_num(s, "DANGER! In the array there are # errors!", &v)) {
		a->text_errors = v;
		a->complete = true;
	} else if (strcmp(s, "No error detected.") == 0) {
		a->text_errors = 0;
		a->complete = true;
	} else if (strcmp(s, "The array is empty.") == 0) {
		a->st->array_empty = true;
		a->complete = true;
	} else if (status_is_busy_msg(s)) {
		a->busy = true;
	}
}

static void status_feed(struct status_acc *a, const char *buf, size_t len)
{
	struct line_reader it;
	const char *line;

	line_reader_init(&it, buf, len, LINES_STRIP_CR);
	while ((line = line_reader_next(&it))) {
		if (sr_tag(line, NULL))
			status_tag(a, line);
		else
			status_text(a, line);
	}
	line_reader_release(&it);
}

static int status_time_cmp(const void *x, const void *y)
{
	const struct status_time *a = x, *b = y;
	return (a->time > b->time) - (a->time < b->time);
}

/* Exact scrub ages from info_time: (sorted times with block counts) and the run's unixtime. */
static void status_exact_ages(struct status_acc *a)
{
	struct sr_status *st = a->st;
	double total = 0, median_idx, seen = 0;
	double median = NAN;

	if (!a->ntimes || isnan(st->unixtime))
		return;
	qsort(a->times, a->ntimes, sizeof(*a->times), status_time_cmp);
	for (size_t i = 0; i < a->ntimes; i++)
		total += a->times[i].count;
	if (total <= 0)
		return;
	/* SnapRAID takes timemap[count / 2] of the sorted per-block times */
	median_idx = floor(total / 2);
	for (size_t i = 0; i < a->ntimes; i++) {
		seen += a->times[i].count;
		if (seen > median_idx) {
			median = a->times[i].time;
			break;
		}
	}
	st->scrub_oldest_age_seconds = fmax(0, st->unixtime - a->times[0].time);
	st->scrub_median_age_seconds = fmax(0, st->unixtime - median);
	st->scrub_newest_age_seconds = fmax(0, st->unixtime - a->times[a->ntimes - 1].time);
}

static double status_first(double a, double b)
{
	return isnan(a) ? b : a;
}

static void status_finish(struct status_acc *a)
{
	struct sr_status *st = a->st;
	double bs = st->block_size_bytes;

	/* parity levels: blocks to bytes */
	for (size_t i = 0; i < st->nparities; i++) {
		st->parities[i].size_bytes *= bs;
		st->parities[i].free_bytes *= bs;
	}
	if (isnan(st->parity_allocated_bytes))
		st->parity_allocated_bytes = a->parity_block_count * bs;

	if (a->tag_disks) {
		double wasted = 0, free_sum = 0;
		bool have_wasted = false, have_free = true;
		for (size_t i = 0; i < st->ndisks; i++) {
			struct sr_disk *d = &st->disks[i];
			if (isnan(d->free_bytes) && !isnan(d->block_max) && !isnan(d->block_count))
				d->free_bytes = fmax(0, d->block_max - d->block_count) * bs;
			if (!isnan(d->wasted_bytes)) {
				wasted += d->wasted_bytes;
				have_wasted = true;
			}
			if (isnan(d->free_bytes))
				have_free = false;
			else
				free_sum += d->free_bytes;
		}
		st->wasted_bytes = status_first(a->total_wasted, have_wasted ? wasted : NAN);
		st->free_bytes = status_first(a->total_free, have_free && st->ndisks ? free_sum : NAN);
	} else {
		for (size_t i = 0; i < a->nrows; i++) {
			struct status_row *r = &a->rows[i];
			struct sr_disk *d = status_disk(st, r->name);
			d->files = r->v[0];
			d->fragmented_files = r->v[1];
			d->excess_fragments = r->v[2];
			/* '-' is printed when the parity is more than 100 GB larger: nothing wasted */
			d->wasted_bytes = isnan(r->v[3]) ? 0 : fmax(0, r->v[3] * SR_GB);
			d->used_bytes = r->v[4] * SR_GB;
			d->free_bytes = r->v[5] * SR_GB;
		}
		st->wasted_bytes = status_first(a->total_wasted, NAN);
		st->free_bytes = status_first(a->total_free, NAN);
	}
	st->used_bytes = status_first(a->total_used, a->file_size);
	if (a->have_totals) {
		st->files = status_first(st->files, a->totals[0]);
		st->fragmented_files = status_first(st->fragmented_files, a->totals[1]);
		st->excess_fragments = status_first(st->excess_fragments, a->totals[2]);
		st->wasted_bytes = status_first(st->wasted_bytes, a->totals[3] * SR_GB);
		st->used_bytes = status_first(st->used_bytes, a->totals[4] * SR_GB);
		st->free_bytes = status_first(st->free_bytes, a->totals[5] * SR_GB);
	}
	st->zero_subsecond_files = status_first(st->zero_subsecond_files, a->text_zerosub);

	st->unsynced_blocks = status_first(a->has_unsynced, a->ci_unsynced);
	st->unscrubbed_blocks = status_first(a->has_unscrubbed, a->ci_unscrubbed);
	st->rehash_blocks = status_first(a->has_rehash, a->ci_rehash);
	st->bad_blocks = status_first(status_first(a->has_bad, a->ci_bad), a->text_errors);

	/* sync: the unsynced block count, else v14's exit status, else the text */
	if (!isnan(st->unsynced_blocks))
		st->sync_in_progress = st->unsynced_blocks > 0;
	else if (a->exit_status && strcmp(a->exit_status, "unsynced") == 0)
		st->sync_in_progress = 1;
	else if (a->exit_status && strcmp(a->exit_status, "ok") == 0)
		st->sync_in_progress = 0;
	else
		st->sync_in_progress = a->text_sync;
	if (st->sync_in_progress == 0) {
		st->sync_progress_ratio = 1;
	} else if (st->sync_in_progress == 1) {
		if (!isnan(st->unsynced_blocks) && st->block_count > 0)
			st->sync_progress_ratio = fmax(0, st->block_count - st->unsynced_blocks) / st->block_count;
		else if (!isnan(a->text_sync_pct))
			st->sync_progress_ratio = fmin(a->text_sync_pct, 100) / 100;
	}

	if (!isnan(st->unscrubbed_blocks) && st->block_count > 0)
		st->unscrubbed_ratio = fmin(1, st->unscrubbed_blocks / st->block_count);
	else if (!isnan(a->text_unscrubbed_pct))
		st->unscrubbed_ratio = fmin(a->text_unscrubbed_pct, 100) / 100;

	if (st->rehash_blocks > 0)
		st->rehash_needed = 1;
	else if (a->hash && a->best_hash)
		st->rehash_needed = strcmp(a->hash, a->best_hash) != 0;
	else
		st->rehash_needed = a->text_rehash;

	status_exact_ages(a);
	if (isnan(st->scrub_oldest_age_seconds)) {
		const double *d = !isnan(a->days[0]) ? a->days : a->text_days;
		st->scrub_oldest_age_seconds = d[0] * SR_DAY;
		st->scrub_median_age_seconds = d[1] * SR_DAY;
		st->scrub_newest_age_seconds = d[2] * SR_DAY;
	}
}

static bool status_is_config_error(const char *msg)
{
	return strstr(msg, "configuration file") || strstr(msg, " at line ") ||
	       strstr(msg, "specification in") || strstr(msg, "No configuration");
}

enum sr_result sr_status_parse(const char *log, size_t log_len, const char *text, size_t text_len,
			       struct sr_status **out, struct sr_error *err)
{
	struct status_acc a;
	struct sr_status *st = xcalloc(1, sizeof(*st));
	enum sr_result res = SR_ERROR;

	*out = NULL;
	err->kind = NULL;
	err->message = NULL;
	status_init(st, &a);

	status_feed(&a, log, log_len);
	status_feed(&a, text, text_len);

	/* a verdict without the report it concludes is not a status */
	if (!a.have_summary && !a.table)
		a.complete = false;
	if (a.busy && !a.complete) {
		res = SR_BUSY;
		goto out;
	}
	if (!a.complete) {
		if (a.fatal) {
			err->kind = status_is_config_error(a.fatal) ? "config" : "fatal";
			err->message = xstrdup(a.fatal);
		} else {
			err->kind = "parse";
			if (a.have_summary || a.table)
				err->message = xstrdup("incomplete status output (no final verdict)");
			else if (a.last_text)
				err->message = xasprintf("no status report in output; last line: %.200s", a.last_text);
			else
				err->message = xstrdup("empty output");
		}
		goto out;
	}
	status_finish(&a);
	*out = st;
	st = NULL;
	res = SR_OK;
out:
	for (size_t i = 0; i < a.nrows; i++)
		free(a.rows[i].name);
	free(a.rows);
	free(a.times);
	free(a.fatal);
	free(a.last_text);
	free(a.exit_status);
	free(a.hash);
	free(a.best_hash);
	sr_status_free(st);
	return res;
}

void sr_status_free(struct sr_status *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->ndisks; i++)
		free(st->disks[i].name);
	for (size_t i = 0; i < st->nparities; i++)
		free(st->parities[i].name);
	free(st->disks);
	free(st->parities);
	free(st->version);
	free(st);
}
