/* ata.c: ATA/SATA SMART through libatasmart: opens a disk (or takes a blob's SkDisk) and fills the model */
#include "exporters/smart/ata.h"

#include <errno.h>
#include <string.h>
#include "common/xalloc.h"

static void ata_attr_cb(SkDisk *d, const SkSmartAttributeParsedData *a, void *userdata)
{
	struct smart_ata *ata = userdata;
	struct smart_ata_attr *o;

	(void)d;
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

int smart_ata_from_disk(SkDisk *d, struct smart_reading *out, const char **reason)
{
	struct smart_ata *ata = &out->ata;
	const SkIdentifyParsedData *ipd = NULL;
	const SkSmartParsedData *spd = NULL;
	SkBool avail = 0, good = 0;
	SkSmartOverall overall;
	uint64_t v;

	memset(out, 0, sizeof(*out));
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
	if (sk_disk_smart_parse_attributes(d, ata_attr_cb, ata) < 0)
		ata->nattrs = 0;
	/* libatasmart's own high-level values, not re-derived here: their rules (attribute names,
	 * units, quirks) differ between libatasmart versions, and skdump shows these. Each call
	 * parses the attributes again, which costs CPU (quirk regexes) but no disk commands. */
	if (sk_disk_smart_get_temperature(d, &v) == 0) {
		ata->temperature_valid = true;
		ata->temperature_mkelvin = v;
	}
	if (sk_disk_smart_get_power_on(d, &v) == 0) {
		ata->power_on_valid = true;
		ata->power_on_ms = v;
	}
	if (sk_disk_smart_get_power_cycle(d, &v) == 0) {
		ata->power_cycles_valid = true;
		ata->power_cycles = v;
	}
	if (sk_disk_smart_get_bad(d, &v) == 0) {
		ata->bad_sectors_valid = true;
		ata->bad_sectors = v;
	}
	if (sk_disk_smart_get_overall(d, &overall) == 0 && (unsigned)overall < SMART_OVERALL_MAX) {
		ata->overall_valid = true;
		ata->overall = (enum smart_ata_overall)overall;
	}
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
