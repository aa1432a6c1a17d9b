/* collect.h: one collection of cifs_mount_exporter: sources -> parsers -> plan -> probes -> render */
#ifndef CIFS_COLLECT_H
#define CIFS_COLLECT_H

#include <stdbool.h>
#include "common/strlist.h"

struct exporter_ctx;
struct metric_set;

/* The flags (owned by the flagset) and the context. */
struct cifs_config {
	char *fstab;              /* --cifs.fstab ("" = none) */
	struct strlist mounts;    /* --cifs.mount */
	char *fstypes;            /* --cifs.fstypes: comma-separated */
	double probe_timeout;     /* --cifs.probe-timeout */
	bool probe_automount;     /* --cifs.probe-automount */
	char *canary;             /* --cifs.canary ("" = none) */
	const struct exporter_ctx *ctx;
};

/* Reasons of cifs_collect_errors_total. */
extern const char *const cifs_error_reasons[];

struct cifs_collector;
/* cfg must outlive the collector. Returns NULL after printing why when a flag value is invalid. */
struct cifs_collector *cifs_collector_new(const struct cifs_config *cfg);
void cifs_collector_free(struct cifs_collector *c);
/* Collects into ms. Returns NULL, or the reason of a failed collection (what could be read is still
 * in ms); cifs_collect_message() then says why. */
const char *cifs_collect(struct cifs_collector *c, struct metric_set *ms);
const char *cifs_collect_message(const struct cifs_collector *c);
/* Probe threads alive now (tests). */
size_t cifs_collector_in_flight(struct cifs_collector *c);

#endif
