/* render.h: disk states to metric families; every smart_* metric name lives in render.c */
#ifndef HOMEOPS_SMART_RENDER_H
#define HOMEOPS_SMART_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include "exporters/smart/model.h"

struct metric_set;

/* What render needs to know about one disk, as the collector last saw it. */
struct smart_view {
	const char *name;           /* device label */
	enum smart_dev_type type;
	/* identification for smart_device_info: from the last reading, else from udev/sysfs */
	const char *model, *serial, *firmware;
	bool up;                    /* the last attempt succeeded (values read, or the disk said it sleeps) */
	const char *reason;         /* why not, when !up */
	bool sleeping;              /* in standby: values are last-known ones */
	bool has_duration;
	double duration;            /* seconds the last finished attempt took */
	bool has_last;              /* reading holds the last successful read */
	double last_read_ts;        /* its wall-clock time */
	const struct smart_reading *reading;
};

/*
 * Adds the smart_device_*, smart_ata_* and smart_nvme_* families for n disks to ms. Values are
 * shown when the disk is up and has been read (last-known ones while it sleeps); a disk that
 * failed shows only info, up 0, the error reason and its last read time. A value the disk did
 * not report has no series at all. Pure (no clock, no I/O).
 */
void smart_render(struct metric_set *ms, const struct smart_view *v, size_t n);

/* libatasmart's self-test execution status as a label value ("success_or_never", "error_read"...). */
const char *smart_self_test_name(unsigned status);

#endif
