/* ata.c: ATA/SATA SMART through libatasmart: opens a disk (or takes a blob's SkDisk) and fills the model */
#include "exporters/smart/ata.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include "common/xalloc.h"

/*
 * What libatasmart's high-level getters (sk_disk_smart_get_temperature, _power_on,
 * _power_cycle, _bad, _overall) compute, gathered in the one attribute pass we make anyway.
 * Each getter runs sk_disk_smart_parse_attributes() again, and every pass looks the disk's
 * quirks up once per attribute by compiling each regex of libatasmart's quirk table (regcomp,
 * regexec, regfree): five more passes cost five times the CPU of the read itself. The rules
 * below are libatasmart 0.19's as Debian builds it (names, units, largest value wins); test_ata checks them
 * against its getters on every recorded disk, so a libatasmart that changes them fails a test.
 */
struct ata_pass {
	struct smart_ata *ata;
	bool temp_found, power_on_found, cycles_found, realloc_found, pending_found;
	uint64_t temp, power_on, cycles, realloc, pending;
	bool bad_now, bad_past, realloc_failing;
};

static bool ata_name_in(const char *name, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(name, *names) == 0)
			return true;
	return false;
}

/* Keeps the largest value seen for one derived value. */
static void ata_max(bool *found, uint64_t *v, uint64_t x)
{
	if (!*found || x > *v)
		*v = x;
	*found = true;
}

static void ata_derive(struct ata_pass *p, const SkSmartAttributeParsedData *a)
{
	static const char *const temp_names[] = { "temperature-centi-celsius", "temperature-celsius",
						  "temperature-celsius-2", "airflow-temperature-celsius", NULL };
	static const char *const power_on_names[] = { "power-on-minutes", "power-on-seconds", "power-on-seconds-2",
						      "power-on-half-minutes", "power-on-hours", NULL };
	const char *name = a->name ? a->name : "";

	if (a->prefailure) {
		if (a->good_now_valid && !a->good_now)
			p->bad_now = true;
		if (a->good_in_the_past_valid && !a->good_in_the_past)
			p->bad_past = true;
	}
	switch (a->pretty_unit) {
	case SK_SMART_ATTRIBUTE_UNIT_MKELVIN:
		if (ata_name_in(name, temp_names))
			ata_max(&p->temp_found, &p->temp, a->pretty_value);
		break;
	case SK_SMART_ATTRIBUTE_UNIT_MSECONDS:
		if (ata_name_in(name, power_on_names))
			ata_max(&p->power_on_found, &p->power_on, a->pretty_value);
		break;
	case SK_SMART_ATTRIBUTE_UNIT_NONE:
		if (strcmp(name, "power-cycle-count") == 0)
			ata_max(&p->cycles_found, &p->cycles, a->pretty_value);
		break;
	case SK_SMART_ATTRIBUTE_UNIT_SECTORS:
		if (strcmp(name, "reallocated-sector-count") == 0) {
			ata_max(&p->realloc_found, &p->realloc, a->pretty_value);
			if (a->good_now_valid && !a->good_now)
				p->realloc_failing = true;
		}
		else if (strcmp(name, "current-pending-sector") == 0)
			ata_max(&p->pending_found, &p->pending, a->pretty_value);
		break;
	default:
		break;
	}
}

static void ata_attr_cb(SkDisk *d, const SkSmartAttributeParsedData *a, void *userdata)
{
	struct ata_pass *p = userdata;
	struct smart_ata *ata = p->ata;
	struct smart_ata_attr *o;

	(void)d;
	ata_derive(p, a);
	if (ata->nattrs >= SMART_ATA_MAX_ATTRS)
		return;
	o = &ata->attrs[ata->nattrs++];
	memset(o, 0, sizeof(*o));
	o->id = a->id;
	if (a->name)
		smart_ident_copy(o->name, sizeof(o->name), a->name, strlen(a->name));
	o->value_valid = a->current_value_valid;
	o->value = a->current_value;
	o->worst_valid = a->worst_value_valid;
	o->worst = a->worst_value;
	o->threshold_valid = a->threshold_valid;
	o->threshold = a->threshold;
	memcpy(o->raw_bytes, a->raw, sizeof(o->raw_bytes));
	for (int i = 5; i >= 0; i--)
		o->raw = (o->raw << 8) | a->raw[i];
	o->pretty_unit = (unsigned)a->pretty_unit < SMART_UNIT_MAX ? (enum smart_ata_unit)a->pretty_unit
								    : SMART_UNIT_UNKNOWN;
	o->pretty_value = a->pretty_value;
	o->prefailure = a->prefailure;
	o->online = a->online;
	o->good_now_valid = a->good_now_valid;
	o->good_now = a->good_now;
	o->good_past_valid = a->good_in_the_past_valid;
	o->good_past = a->good_in_the_past;
}

/*
 * sk_disk_smart_get_overall's decision, from the status read once and the one pass. Debian's
 * libatasmart replaces upstream's "many bad sectors" rule (log2(disk sectors) * 1024) with the
 * disk's own threshold: BAD_SECTOR_MANY when the reallocated sector count attribute is failing
 * now (0002-Drop-our-own-many-bad-sectors-heuristic.patch).
 */
static void ata_overall(struct smart_ata *ata, const struct ata_pass *p)
{
	if (!ata->status_valid)
		return;
	ata->overall_valid = true;
	if (!ata->status_good)
		ata->overall = SMART_OVERALL_BAD_STATUS;
	else if (p->realloc_failing)
		ata->overall = SMART_OVERALL_BAD_SECTOR_MANY;
	else if (p->bad_now)
		ata->overall = SMART_OVERALL_BAD_ATTRIBUTE_NOW;
	else if (ata->bad_sectors_valid && ata->bad_sectors > 0)
		ata->overall = SMART_OVERALL_BAD_SECTOR;
	else if (p->bad_past)
		ata->overall = SMART_OVERALL_BAD_ATTRIBUTE_IN_THE_PAST;
	else
		ata->overall = SMART_OVERALL_GOOD;
}

/*
 * One attribute pass at a time in the process. The pass is pure CPU on data already read (no
 * disk command, so it cannot hang), but each one compiles libatasmart's quirk regexes for every
 * attribute, a few hundred KiB of heap at once: 19 disks read together peaked at 7.4 MiB USS.
 * The disk commands around it still run in parallel.
 */
static pthread_mutex_t ata_parse_lock = PTHREAD_MUTEX_INITIALIZER;

static int ata_parse_attributes(SkDisk *d, struct ata_pass *pass)
{
	pthread_mutex_lock(&ata_parse_lock);
	int r = sk_disk_smart_parse_attributes(d, ata_attr_cb, pass);
	pthread_mutex_unlock(&ata_parse_lock);
	return r;
}

int smart_ata_from_disk(SkDisk *d, struct smart_reading *out, const char **reason)
{
	struct smart_ata *ata = &out->ata;
	const SkIdentifyParsedData *ipd = NULL;
	const SkSmartParsedData *spd = NULL;
	SkBool avail = 0, good = 0;
	struct ata_pass pass;

	memset(out, 0, sizeof(*out));
	memset(&pass, 0, sizeof(pass));
	out->type = SMART_TYPE_ATA;
	if (sk_disk_identify_is_available(d, &avail) < 0 || !avail || sk_disk_identify_parse(d, &ipd) < 0) {
		*reason = "identify";
		return -1;
	}
	smart_ident_copy(out->model, sizeof(out->model), ipd->model, sizeof(ipd->model));
	smart_ident_copy(out->serial, sizeof(out->serial), ipd->serial, sizeof(ipd->serial));
	smart_ident_copy(out->firmware, sizeof(out->firmware), ipd->firmware, sizeof(ipd->firmware));

	if (sk_disk_smart_is_available(d, &avail) < 0 || !avail) {
		*reason = "smart_unavailable";
		return -1;
	}
	if (sk_disk_smart_status(d, &good) == 0) {
		ata->status_valid = true;
		ata->status_good = good;
	}
	if (sk_disk_smart_read_data(d) < 0) {
		*reason = "read";
		return -1;
	}
	if (sk_disk_smart_parse(d, &spd) == 0 && spd) {
		ata->self_test_valid = true;
		ata->self_test_status = (unsigned)spd->self_test_execution_status;
		ata->self_test_remaining_percent = spd->self_test_execution_percent_remaining;
	}
	pass.ata = ata;
	if (ata_parse_attributes(d, &pass) < 0) {
		/* No attributes, so nothing derived (libatasmart's getters fail alike), except that
		 * its overall status answers a failed self-assessment before it parses. */
		ata->nattrs = 0;
		if (ata->status_valid && !ata->status_good) {
			ata->overall_valid = true;
			ata->overall = SMART_OVERALL_BAD_STATUS;
		}
		return 0;
	}
	ata->temperature_valid = pass.temp_found;
	ata->temperature_mkelvin = pass.temp;
	ata->power_on_valid = pass.power_on_found;
	ata->power_on_ms = pass.power_on;
	ata->power_cycles_valid = pass.cycles_found;
	ata->power_cycles = pass.cycles;
	ata->bad_sectors_valid = pass.realloc_found || pass.pending_found;
	ata->bad_sectors = (pass.realloc_found ? pass.realloc : 0) + (pass.pending_found ? pass.pending : 0);
	ata_overall(ata, &pass);
	return 0;
}

int smart_ata_read(const char *path, struct smart_reading *out, void **blob, size_t *blob_len,
		   const char **reason)
{
	SkDisk *d = NULL;
	const void *b = NULL;
	size_t blen = 0;
	int ret = -1;

	if (blob) {
		*blob = NULL;
		*blob_len = 0;
	}
	errno = 0;
	if (sk_disk_open(path, &d) < 0 || !d) {
		d = NULL;
		*reason = errno == EACCES || errno == EPERM ? "permission" : "open";
		memset(out, 0, sizeof(*out));
		goto out;
	}
	if (smart_ata_from_disk(d, out, reason) < 0)
		goto out;
	if (blob && sk_disk_get_blob(d, &b, &blen) == 0 && blen > 0) {
		*blob = xmalloc(blen);
		memcpy(*blob, b, blen);
		*blob_len = blen;
	}
	ret = 0;
out:
	if (d)
		sk_disk_free(d);
	return ret;
}
